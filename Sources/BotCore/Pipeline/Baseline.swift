import AgentKit
import Foundation
import TestReports

/// What fails before any edit. For fix-tests work: the failures from the reports or the CI logs
/// (else from a run of the tests), each run again in the worktree until it fails (at most three
/// tries): a failure that never comes back is flaky, and the run stops there instead of
/// "fixing" it. For issues: the suite's state before the change, so the check afterwards only
/// counts new failures.
struct Baseline: Sendable {
    /// The failing tests to fix, as the worktree's own runs name them (so re-runs match).
    var targets: [FailingTest] = []
    var flaky: [FailingTest] = []
    /// The test run before any edit: its counts are the "before" of the result.
    var run: TestRun?
    /// A failing run that named no test (a build or collection error): the agent gets its output.
    var unnamedFailure: TestRunOutcome?
    /// Set when there is nothing to do; the run ends with status noop.
    var nothingToDo: String?

    static func run(_ job: PipelineJob, commands: ProjectCommands, record: RunRecord,
                    log: @Sendable (String) -> Void) async throws -> Baseline {
        var baseline = Baseline()
        switch job.kind {
        case .issue, .pullRequest:
            if commands.runner != nil {
                let outcome = try await commands.runTests()
                baseline.run = outcome.run
                if !outcome.passed {
                    log("codex-bot: \(outcome.run.failures.count) test(s) already fail before any change; only new failures count against the change")
                }
            }
        case .fixTests:
            guard commands.runner != nil else {
                throw PipelineFailure.input("no test command to check a fix with: set `test` in .codex-bot.yml or pass --test-cmd")
            }
            if !job.reports.isEmpty || !job.logs.isEmpty {
                let reported = try readReports(job)
                baseline.run = reported
                guard !reported.failures.isEmpty else {
                    baseline.nothingToDo = "The reports name no failing test (\(reported.totals.passed) passed), so there is nothing to fix."
                    break
                }
                log("codex-bot: the reports name \(reported.failures.count) failing test(s); running them again to see that they fail")
                let (reproduced, flaky) = try await commands.reproduce(reported.failures)
                baseline.targets = reproduced
                baseline.flaky = flaky
                if reproduced.isEmpty {
                    baseline.nothingToDo = "Flaky, not fixed: \(flaky.map(\.id).joined(separator: ", ")) did not fail again in 3 tries."
                } else if !flaky.isEmpty {
                    log("codex-bot: flaky (passed 3 times here, left alone): \(flaky.map(\.id).joined(separator: ", "))")
                }
            } else {
                let outcome = try await commands.runTests()
                baseline.run = outcome.run
                if outcome.passed {
                    baseline.nothingToDo = "The tests pass (\(outcome.run.totals.passed) passed), so there is nothing to fix."
                } else if outcome.run.failures.isEmpty {
                    baseline.unnamedFailure = outcome
                } else {
                    baseline.targets = outcome.run.failures
                }
            }
        }
        record.testsBefore = baseline.run
        return baseline
    }

    /// The failures in the report files and the downloaded logs, as one run.
    static func readReports(_ job: PipelineJob) throws -> TestRun {
        var run = TestRun()
        if !job.reports.isEmpty { run.merge(try Reports.read(job.reports)) }
        for log in job.logs {
            run.merge(try Reports.read(text: log.text, name: "the log of \(log.name)"))
        }
        return run
    }
}
