import ArgumentParser
import BotCore
import Foundation

/// `codex-bot demo`: the whole pipeline offline, on a sample repository, with a recorded model.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show the whole pipeline offline: a sample repository, the local forge and a recorded model session.",
        discussion: """
        Makes a small git repository whose test fails, then runs `codex-bot fix-tests` on it with \
        the local forge (no network) and a recorded model session (no model is called, no key is \
        needed). Every step is real: the worktree, the test runs, the patch, the bot's own \
        verification, the guards, the commit on a branch and the pull request record.
        """)

    @Option(help: "Make the sample repository here (a new or empty directory) instead of a temporary one.")
    var directory: String?

    @Flag(help: "Print the result as one JSON object on the last line of stdout.")
    var json = false

    func run() async throws {
        let place = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("codex-bot-demo-\(UUID().uuidString.prefix(8))").path
        let say: @Sendable (String) -> Void = { printError($0) }
        say("codex-bot demo: making a sample repository at \(place)")
        say("  calc.sh has a bug (add subtracts); `sh test.sh` shows two of its three tests failing.")
        do {
            try Demo.makeRepository(at: place)
        } catch {
            printError("codex-bot demo: \(error)")
            throw ExitCode(BotExitCode.usage)
        }
        say("codex-bot demo: running fix-tests with the local forge and a RECORDED model session (no model is called).")
        let result: RunResult
        do {
            result = try await Demo.run(directory: place, environment: ProcessInfo.processInfo.environment, log: say)
        } catch {
            printError("codex-bot demo: \(error)")
            throw ExitCode(BotExitCode.usage)
        }
        TaskSession.report(result, json: false, environment: [:])
        if result.status == .green, let branch = result.branch {
            say("""

            What happened: the bot made a worktree (your checkout, here \(place), was not touched), ran the tests, \
            gave the failures to the agent, applied its patch, ran the failing tests and then all tests itself, \
            checked the guards, and committed the fix on \(branch) with a pull request record for the local forge.
            Look at it:
                cd \(place)
                git log --stat \(branch)
                codex-bot prs
            """)
        }
        if json { print(result.jsonLine) }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
