import AgentKit
import CodexBotTestSupport
import Foundation
import Sandbox
import Testing
import TestReports

/// The sample projects against their real runners, through the bot's own TestRunner in the
/// Sandbox: the bug fails exactly the listed tests, a rerun runs only those, the fix makes the
/// suite pass, and the wrong patch changes the code without helping.
@Suite("Sample projects")
struct SampleProjectTests {
    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    static let hasSwift = StartEnvironment.path.split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/swift")
    }

    @Test("Python sample: fails the listed tests, reruns only them, wrong patch then fix", .enabled(if: hasPython))
    func python() async throws {
        try await checkRounds(.python(), testCount: 6)
    }

    @Test("Swift package sample: fails the listed test, reruns only it, wrong patch then fix", .enabled(if: hasSwift))
    func swiftPackage() async throws {
        try await checkRounds(.swiftPackage(), testCount: 3)
    }

    @Test("Slow Python sample: one failing test among many", .enabled(if: hasPython))
    func slowPython() async throws {
        let sample = SampleProject.slowPython(tests: 5, secondsPerTest: 0.01)
        let directory = try TemporaryDirectory(named: "sample-slow-python")
        defer { directory.remove() }
        try sample.makeRepository(at: directory.path)
        let runner = Self.runner(sample, directory)
        let full = try await runner.run()
        #expect(full.run.failures.map(\.id) == sample.failingTestIDs)
        #expect(full.run.totals.tests == 5)
        let rerun = try await runner.run(only: full.run.failures)
        #expect(rerun.run.totals.tests == 1 && rerun.signature == full.signature)
    }

    @Test("makeRepository commits the buggy tree as Dev on main, with .codex-bot.yml on request")
    func repository() throws {
        let sample = SampleProject.python()
        let directory = try TemporaryDirectory(named: "sample-repository")
        defer { directory.remove() }
        let head = try sample.makeRepository(at: directory.path, configFile: true)
        #expect(try GitCLI.check(["rev-parse", "HEAD"], in: directory.path) == head)
        #expect(try GitCLI.check(["branch", "--show-current"], in: directory.path) == "main")
        #expect(try GitCLI.check(["log", "-1", "--format=%an <%ae>|%cn <%ce>"], in: directory.path)
                == "Dev <dev@example.com>|Dev <dev@example.com>")
        #expect(try GitCLI.check(["status", "--porcelain"], in: directory.path).isEmpty)
        let config = try String(contentsOfFile: directory.appending(".codex-bot.yml"), encoding: .utf8)
        #expect(config.contains("test: python3 -m pytest -q -p no:cacheprovider"))
        let core = try String(contentsOfFile: directory.appending("calc/core.py"), encoding: .utf8)
        #expect(core.contains(sample.bug.buggy) && !core.contains(sample.bug.correct))
        #expect(FileManager.default.fileExists(atPath: directory.appending("AGENTS.md")))
    }

    /// The whole cycle on one checkout (one build for the Swift package): buggy, rerun, wrong
    /// patch, fix.
    func checkRounds(_ sample: SampleProject, testCount: Int) async throws {
        let directory = try TemporaryDirectory(named: "sample-\(sample.name)")
        defer { directory.remove() }
        try sample.makeRepository(at: directory.path)
        let runner = Self.runner(sample, directory)
        let worktree = URL(fileURLWithPath: directory.path)

        let buggy = try await runner.run()
        #expect(buggy.parseProblem == nil)
        #expect(!buggy.passed && buggy.run.failures.map(\.id).sorted() == sample.failingTestIDs)
        #expect(buggy.run.totals.tests == testCount)

        let rerun = try await runner.run(only: buggy.run.failures)
        #expect(rerun.commands != [sample.testCommand])
        #expect(rerun.run.totals.tests == sample.failingTestIDs.count)
        #expect(rerun.signature == buggy.signature)

        _ = try ApplyPatch.apply(try ApplyPatch.parse(sample.wrongPatch), in: worktree)
        #expect(try GitCLI.check(["status", "--porcelain", "--untracked-files=no"], in: directory.path) == " M \(sample.bug.path)")
        let wrong = try await runner.run(only: buggy.run.failures)
        #expect(!wrong.passed && wrong.signature == buggy.signature)

        _ = try ApplyPatch.apply(try ApplyPatch.parse(sample.fixPatch), in: worktree)
        let fixedRerun = try await runner.run(only: buggy.run.failures)
        #expect(fixedRerun.passed && fixedRerun.run.totals.tests == sample.failingTestIDs.count)
        let fixed = try await runner.run()
        #expect(fixed.passed && fixed.run.totals.tests == testCount)

        // The fix alone, on the buggy tree, gives back the correct file.
        try GitCLI.check(["checkout", "--", sample.bug.path], in: directory.path)
        _ = try ApplyPatch.apply(try ApplyPatch.parse(sample.fixPatch), in: worktree)
        #expect(try String(contentsOfFile: directory.appending(sample.bug.path), encoding: .utf8) == sample.files[sample.bug.path])
    }

    static func runner(_ sample: SampleProject, _ directory: TemporaryDirectory) -> TestRunner {
        let sandbox = Sandbox(policy: SandboxPolicy(network: .off),
                              environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home])
        return TestRunner(sandbox: sandbox, worktree: URL(fileURLWithPath: directory.path),
                          command: TestCommand(sample.testCommand), timeout: .seconds(600))
    }
}
