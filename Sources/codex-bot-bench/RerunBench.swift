// codex-bot-bench reruns: a verification turn that reruns only the failing test, against one
// that runs the whole suite.
//
//   swift run -c release codex-bot-bench reruns [--tests 60] [--seconds 0.5] [--runs 5] [--full-runs 2]
//
// Makes the slow Python sample (SampleProject.slowPython: N pytest tests that each sleep S
// seconds, one of them failing from an injected bug) as a git repository, then times, through
// AgentKit's TestRunner in the Sandbox (network off) with real pytest:
//   1. the whole suite, `TestRunner.run()` — the first of these runs also finds the failure;
//   2. only the failing test, `TestRunner.run(only:)` with the failures the full run reported,
//      as the bot's verification turn does.
// Checks that the full run fails exactly the sample's failing test among N, and that each
// targeted run runs that one test and fails it the same way. Prints the median wall ms of each
// and the ratio full / targeted; the goal is at least 5x.
import AgentKit
import CodexBotTestSupport
import Foundation
import Sandbox
import TestReports

enum RerunBench {
    static func run(_ arguments: ArraySlice<String>) throws {
        var tests = 60, seconds = 0.5, runs = 5, fullRuns = 2
        var rest = arguments
        while let flag = rest.popFirst() {
            switch flag {
            case "--tests": tests = try Options.number(rest.popFirst(), flag)
            case "--runs": runs = try Options.number(rest.popFirst(), flag)
            case "--full-runs": fullRuns = try Options.number(rest.popFirst(), flag)
            case "--seconds":
                guard let value = rest.popFirst().flatMap(Double.init), value >= 0 else {
                    throw BenchError("--seconds needs a number of seconds, like 0.5")
                }
                seconds = value
            default: throw BenchError("usage: codex-bot-bench reruns [--tests N] [--seconds S] [--runs N] [--full-runs N]")
            }
        }
        guard tests >= 2 else { throw BenchError("--tests needs at least 2: one failing and one passing") }
        try measure(tests: tests, seconds: seconds, runs: runs, fullRuns: fullRuns)
    }

    static func measure(tests: Int, seconds: Double, runs: Int, fullRuns: Int) throws {
        let sample = SampleProject.slowPython(tests: tests, secondsPerTest: seconds)
        let work = try TemporaryDirectory(named: "bench-reruns")
        defer { work.remove() }
        try sample.makeRepository(at: work.path)
        let sandbox = Sandbox(policy: SandboxPolicy(network: .off),
                              environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home])
        let runner = TestRunner(sandbox: sandbox, worktree: URL(fileURLWithPath: work.path),
                                command: TestCommand(sample.testCommand), timeout: .seconds(3600))
        print("\ncodex-bot-bench reruns: \(tests) pytest tests × \(seconds) s each, 1 failing ("
              + sample.failingTestIDs.joined(separator: ", ") + "), median wall time (ms)")

        let samples = SampleBox()
        try HTTPBench.blocking {
            var failures: [FailingTest] = []
            var isolated = false
            for _ in 0..<fullRuns {
                let started = ContinuousClock.now
                let outcome = try await runner.run()
                samples.full.append(AgentBench.milliseconds(started.duration(to: .now)))
                guard outcome.run.failures.map(\.id) == sample.failingTestIDs, outcome.run.totals.tests == tests else {
                    throw BenchError("the full run did not fail exactly \(sample.failingTestIDs) among \(tests) tests: "
                                     + "\(outcome.run.failures.map(\.id)), \(outcome.run.totals.tests) tests")
                }
                failures = outcome.run.failures
                isolated = outcome.results.allSatisfy(\.isolated)
            }
            samples.command = TestRunner.commandLines(runner.command, tests: failures).joined(separator: "; ")
            samples.isolated = isolated
            for _ in 0..<runs {
                let started = ContinuousClock.now
                let outcome = try await runner.run(only: failures)
                samples.targeted.append(AgentBench.milliseconds(started.duration(to: .now)))
                guard outcome.run.totals.tests == 1, outcome.run.failures.map(\.id) == sample.failingTestIDs else {
                    throw BenchError("the targeted run did not run just the failing test: \(outcome.run.totals.tests) tests, "
                                     + "failures \(outcome.run.failures.map(\.id))")
                }
            }
        }

        let full = median(samples.full), targeted = median(samples.targeted)
        print("sandbox: \(samples.isolated ? "isolated (bubblewrap, network off)" : "not isolated (no bubblewrap)")")
        print("targeted command: \(samples.command)")
        print("verification run".padding(toLength: 34, withPad: " ", startingAt: 0) + "  runs  tests   median ms")
        print("whole suite (run())".padding(toLength: 34, withPad: " ", startingAt: 0)
              + String(format: "%6d %6d %11.1f", samples.full.count, tests, full))
        print("failing test only (run(only:))".padding(toLength: 34, withPad: " ", startingAt: 0)
              + String(format: "%6d %6d %11.1f", samples.targeted.count, 1, targeted))
        print(String(format: "full / targeted: %.1fx (goal: at least 5x)", full / targeted))
    }

    final class SampleBox: @unchecked Sendable {  // written before the semaphore signals, read after
        var full: [Double] = []
        var targeted: [Double] = []
        var command = ""
        var isolated = false
    }
}
