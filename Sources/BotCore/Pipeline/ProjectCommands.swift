import AgentKit
import Foundation
import Sandbox
import TestReports

/// The project's own commands in the worktree — `setup`, `build`, the tests — run in the Sandbox.
/// The bot's verdicts (baseline, verification) come from here, never from the agent's word.
struct ProjectCommands: Sendable {
    let sandbox: Sandbox
    let worktree: URL
    let setup: [String]
    /// The `build` commands, then every `test` command but the last (a lint step, say).
    let build: [String]
    /// The last `test` command; nil when the project has none.
    let runner: TestRunner?
    let timeout: Duration
    /// Time spent in the project's commands, for the bot-overhead figure.
    let clock: CommandClock

    /// The outcome of a verification: the verdict for the agent, and the full run when there was one.
    struct Check: Sendable {
        var verification: Verification
        var fullRun: TestRunOutcome?
        /// The test command lines the check ran, in order.
        var commands: [String] = []
    }

    init(sandbox: Sandbox, worktree: URL, config: BotConfig, testCommand: String?, clock: CommandClock,
         timeout: Duration) {
        self.sandbox = sandbox
        self.worktree = worktree
        self.setup = config.setup
        var tests = config.test
        if tests.isEmpty, let testCommand { tests = [testCommand] }
        self.build = config.build + tests.dropLast()
        self.runner = tests.last.map {
            TestRunner(sandbox: sandbox, worktree: worktree, command: TestCommand($0, reports: config.testReports), timeout: timeout)
        }
        self.timeout = timeout
        self.clock = clock
    }

    var testCommand: String? { runner?.command.shell }

    // MARK: Commands

    /// Runs `setup`; a failing setup command stops the run (exit 2): the config is wrong or the
    /// machine lacks something, and no agent can fix that.
    func runSetup() async throws {
        for line in setup {
            let result = try await shell(line)
            guard result.succeeded else {
                throw PipelineFailure.input("the setup command `\(line)` \(Self.ending(result)) in a fresh worktree; "
                                            + "fix `setup` in .codex-bot.yml. Its output ends:\n" + TextClip.headAndTail(result.output, limit: 2000))
            }
        }
    }

    /// Runs the build commands; the first that fails, with its output.
    func runBuild() async throws -> (command: String, result: CommandResult)? {
        for line in build {
            let result = try await shell(line)
            if !result.succeeded { return (line, result) }
        }
        return nil
    }

    /// Runs the tests (all, or only `tests`), counting the time.
    func runTests(only tests: [FailingTest] = []) async throws -> TestRunOutcome {
        guard let runner else { throw PipelineFailure.input("no test command") }
        let outcome = try await runner.run(only: tests)
        clock.add(outcome.results.reduce(Duration.zero) { $0 + $1.duration })
        return outcome
    }

    private func shell(_ line: String) async throws -> CommandResult {
        let result = try await sandbox.run(CommandRequest(arguments: ["bash", "-c", line], workingDirectory: worktree,
                                                          worktree: worktree, timeout: timeout, outputLimit: 1 << 20))
        clock.add(result.duration)
        return result
    }

    // MARK: Baseline

    /// The failing tests that fail again here: each is re-run (through the runner's filter) up
    /// to `tries` times until it fails. A test that passes every time is flaky, not broken.
    func reproduce(_ failures: [FailingTest], tries: Int = 3) async throws -> (reproduced: [FailingTest], flaky: [FailingTest]) {
        var remaining = failures
        var reproduced: [FailingTest] = []
        for _ in 0..<tries where !remaining.isEmpty {
            let outcome = try await runTests(only: remaining)
            let failedNow = outcome.run.failures
            if failedNow.isEmpty && !outcome.results.allSatisfy(\.succeeded) {
                // The command failed without naming a test (a build or collection error): the
                // failure is real, and the agent gets the command's output.
                return (remaining + reproduced, [])
            }
            var stillRemaining: [FailingTest] = []
            for test in remaining {
                if let match = failedNow.first(where: { Self.sameTest($0, test) }) {
                    reproduced.append(match)
                } else {
                    stillRemaining.append(test)
                }
            }
            remaining = stillRemaining
        }
        return (reproduced, remaining)
    }

    /// Two reports of one test: the same id, or the same name in the same file (a JUnit file from
    /// CI and the console output of a re-run name suites differently).
    static func sameTest(_ a: FailingTest, _ b: FailingTest) -> Bool {
        if a.id == b.id { return true }
        guard a.name == b.name else { return false }
        if let fileA = a.file, let fileB = b.file { return fileA.hasSuffix(fileB) || fileB.hasSuffix(fileA) }
        return true
    }

    // MARK: Verification

    /// After the agent's turn on failing tests: build, then the failing tests alone, then, when
    /// they pass, the full suite.
    func verifyFix(targets: [FailingTest]) async throws -> Check {
        if let broken = try await runBuild() { return Check(verification: buildFailure(broken)) }
        let targeted = try await runTests(only: targets)
        guard targeted.passed else {
            return Check(verification: .failing(feedback: feedback(targeted, intro: "The failing tests still fail after your change."),
                                                signature: "targeted\n" + targeted.signature), commands: targeted.commands)
        }
        let full = try await runTests()
        guard full.passed else {
            return Check(verification: .failing(feedback: feedback(full, intro: "The tests you were fixing pass now, but the full suite does not."),
                                                signature: "full\n" + full.signature), fullRun: full, commands: targeted.commands + full.commands)
        }
        return Check(verification: .green, fullRun: full, commands: targeted.commands + full.commands)
    }

    /// After the agent's turn on an issue: the build, and no test failing that passed before the
    /// change (`baselineFailures` were failing already and are not the issue's).
    func verifyChange(baselineFailures: [FailingTest]) async throws -> Check {
        if let broken = try await runBuild() { return Check(verification: buildFailure(broken)) }
        guard runner != nil else { return Check(verification: .green) }
        let full = try await runTests()
        if full.passed { return Check(verification: .green, fullRun: full) }
        let newFailures = full.run.failures.filter { failure in !baselineFailures.contains { Self.sameTest($0, failure) } }
        if !baselineFailures.isEmpty && !full.run.failures.isEmpty && newFailures.isEmpty {
            return Check(verification: .green, fullRun: full)
        }
        let intro = newFailures.isEmpty
            ? "The test command fails after your change."
            : "After your change these tests fail that passed before."
        var shown = full
        shown.run.failures = newFailures.isEmpty ? full.run.failures : newFailures
        return Check(verification: .failing(feedback: feedback(shown, intro: intro), signature: "full\n" + shown.signature), fullRun: full)
    }

    private func buildFailure(_ broken: (command: String, result: CommandResult)) -> Verification {
        .failing(feedback: "The build command `\(broken.command)` \(Self.ending(broken.result)) after your change. Its output:\n"
                 + UntrustedData.fence(TextClip.headAndTail(broken.result.output, limit: 8000), source: "build output"),
                 signature: "build\n" + broken.command + "\n" + String(broken.result.output.suffix(500)))
    }

    /// What the agent reads: the parsed failures with their source lines, or the output's tail
    /// when the output named no test.
    func feedback(_ outcome: TestRunOutcome, intro: String) -> String {
        var text = intro + " The bot ran `\(outcome.commands.joined(separator: "`, `"))`.\n\n"
        if outcome.run.failures.isEmpty {
            let output = outcome.results.map(\.output).joined(separator: "\n")
            text += "The command \(outcome.results.last.map(Self.ending) ?? "failed") without naming a failing test. Its output:\n"
                + UntrustedData.fence(TextClip.headAndTail(output, limit: 8000), source: "test output")
        } else {
            text += FailureContext.describe(outcome.run.failures, worktree: worktree)
        }
        return text + "\n\nFix the cause, then end your turn; the bot runs the tests again."
    }

    static func ending(_ result: CommandResult) -> String {
        if result.timedOut { return "timed out" }
        if let signal = result.signal { return "was killed by signal \(signal)" }
        return "exited \(result.exitCode ?? -1)"
    }
}

/// Adds up time spent in the project's commands, from any task.
final class CommandClock: @unchecked Sendable {  // `lock` guards `total`
    private let lock = NSLock()
    private var total = Duration.zero

    func add(_ duration: Duration) {
        lock.withLock { total += duration }
    }

    var milliseconds: Double {
        lock.withLock { total.milliseconds }
    }
}

/// A tool whose time counts as the project's (shell and run_tests run the project's commands).
struct TimedTool: AgentTool {
    let tool: any AgentTool
    let clock: CommandClock

    var definition: ToolDefinition { tool.definition }

    func run(arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let start = ContinuousClock.now
        let output = await tool.run(arguments: arguments, context: context)
        clock.add(start.duration(to: .now))
        return output
    }
}
