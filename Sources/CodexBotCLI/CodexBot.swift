import ArgumentParser

/// The `codex-bot` command: one binary for CI job steps, git hooks and webhooks.
public struct CodexBot: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "codex-bot",
        abstract: "Turn issues and failing tests into reviewed pull requests.",
        discussion: """
        codex-bot reads an issue or a failing-test report, makes a git worktree (your \
        checkout is never touched), lets a coding agent edit the code until the build and \
        tests are green, then pushes a branch and opens or updates a pull request.

        Exit codes: 0 done or nothing to do, 1 not green within budget, 2 usage, config or \
        input error, 3 refused by policy, 4 infrastructure failure.
        """,
        version: version,
        subcommands: [Run.self, IssueCommand.self, FixTests.self, Report.self, DoctorCommand.self,
                      Hooks.self, Serve.self, Prs.self, DemoCommand.self]
    )

    public init() {}

    /// Parses `arguments` (default: the process's), runs the command and exits with its code.
    /// Spelled out because a library's root command cannot be `@main`, and a plain
    /// `CodexBot.main()` from another module picks the synchronous overload.
    public static func execute(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit()
        } catch {
            // ArgumentParser exits 64 (EX_USAGE) for bad flags; codex-bot's contract says 2.
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(BotExitCode.usage))
            }
            exit(withError: error)
        }
    }
}

/// Exit codes of DESIGN.md §1, in one place.
public enum BotExitCode {
    public static let done: Int32 = 0
    public static let notGreen: Int32 = 1
    public static let usage: Int32 = 2
    public static let refused: Int32 = 3
    public static let infrastructure: Int32 = 4
}

/// Says plainly that a command is not in this build, and exits 2: no pretend output.
func notBuiltYet(_ command: String) throws -> Never {
    printError("codex-bot \(command): not built yet in codex-bot \(CodexBot.version). "
               + "See README.md, \"What works\", for the commands that work in this version.")
    throw ExitCode(BotExitCode.usage)
}

func printError(_ message: String) {
    var stderr = StandardError()
    print(message, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.standardError(string)
    }
}
