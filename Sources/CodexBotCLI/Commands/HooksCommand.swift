import ArgumentParser
import Foundation
import GitKit

/// `codex-bot hooks`: the local pre-push safety net.
struct Hooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage codex-bot's git hooks.",
        subcommands: [Install.self, RunPrePush.self])

    /// `codex-bot hooks install`.
    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install codex-bot's git hooks into the repository (core.hooksPath or .git/hooks).",
            discussion: """
            Writes the pre-push hook into the directory git runs hooks from: core.hooksPath when \
            it is set, else the hooks directory of the common git directory (shared by every \
            worktree). An existing, different pre-push hook is left alone unless --force, which \
            first moves it to pre-push.backup. Exit 0 when installed or already up to date, 2 \
            outside a git repository or when a different hook is in the way.
            """)

        @Flag(help: "Replace an existing, different pre-push hook (it is kept as pre-push.backup).")
        var force = false

        @Option(name: .customLong("directory"),
                help: "Use the repository that holds this directory instead of the current one.")
        var directory: String?

        func run() async throws {
            let start = directory ?? FileManager.default.currentDirectoryPath
            let repository: Repository
            do {
                repository = try Repository.discover(from: start)
            } catch {
                let reason = (error as? GitError)?.message ?? "\(error)"
                printError("codex-bot hooks install: \(reason). Run it inside a git checkout, or pass --directory PATH")
                throw ExitCode(BotExitCode.usage)
            }
            do {
                let result = try HookInstaller.install(HookScripts.prePush, named: "pre-push", into: repository, force: force)
                print(result.summary)
            } catch let error as HookInstaller.Failure {
                printError("codex-bot hooks install: \(error.message)")
                throw ExitCode(BotExitCode.usage)
            }
        }
    }

    /// `codex-bot hooks run-pre-push`: the hook's script run from the binary, for the
    /// pre-commit framework (`.pre-commit-hooks.yaml`), which starts a command rather than a file.
    struct RunPrePush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-pre-push",
            abstract: "Run the pre-push hook's checks now (what the installed hook does).")

        @Argument(parsing: .captureForPassthrough, help: "Passed to the script as git passes them: remote name and URL.")
        var arguments: [String] = []

        func run() async throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // `sh -c SCRIPT NAME ARGS…`: the script sees ARGS as $1… as it would from git.
            process.arguments = ["-c", HookScripts.prePush, "pre-push"] + arguments
            do {
                try process.run()
            } catch {
                printError("codex-bot hooks run-pre-push: could not start /bin/sh: \(error.localizedDescription)")
                throw ExitCode(BotExitCode.infrastructure)
            }
            process.waitUntilExit()
            if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
        }
    }
}

/// Writes a hook script where git will run it.
enum HookInstaller {
    struct Failure: Error {
        var message: String
    }

    struct Result {
        var path: String
        var backup: String?
        var alreadyInstalled: Bool

        var summary: String {
            if alreadyInstalled { return "The pre-push hook at \(path) is already codex-bot's; nothing to do." }
            var text = "Installed codex-bot's pre-push hook at \(path)."
            if let backup { text += "\nThe previous hook was moved to \(backup)." }
            text += "\nIt runs the tests before each push (set the command with "
                + "'git config codex-bot.testCmd \"...\"'); skip it once with CODEX_BOT_SKIP=1 git push."
            return text
        }
    }

    /// The directory git runs hooks from: `core.hooksPath` (relative to the work tree's top,
    /// `~/` expanded, as git does) or `<common git dir>/hooks`.
    static func hooksDirectory(of repository: Repository) throws -> String {
        let configured = try? repository.configString("core.hooksPath")
        if let configured, !configured.isEmpty {
            if configured.hasPrefix("~/") {
                let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
                return URL(fileURLWithPath: home).appendingPathComponent(String(configured.dropFirst(2))).path
            }
            if configured.hasPrefix("/") { return configured }
            let top = repository.workingDirectory ?? repository.gitDirectory
            return URL(fileURLWithPath: top).appendingPathComponent(configured).standardizedFileURL.path
        }
        return URL(fileURLWithPath: repository.commonDirectory).appendingPathComponent("hooks").path
    }

    static func install(_ script: String, named name: String, into repository: Repository, force: Bool) throws -> Result {
        let directory = try hooksDirectory(of: repository)
        let files = FileManager.default
        let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(message: "cannot create the hooks directory \(directory): \(error.localizedDescription)")
        }

        var backup: String?
        if files.fileExists(atPath: path) {
            let existing = files.contents(atPath: path)
            if existing == Data(script.utf8) {
                try makeExecutable(path)
                return Result(path: path, backup: nil, alreadyInstalled: true)
            }
            guard force else {
                throw Failure(message: "\(path) already holds a different \(name) hook; it was left as it is. "
                              + "Merge it with codex-bot's by hand, or pass --force to replace it (it is kept as \(name).backup)")
            }
            // Never overwrite an earlier backup: the first one may be the user's only copy.
            var candidate = path + ".backup"
            var counter = 2
            while files.fileExists(atPath: candidate) {
                candidate = path + ".backup.\(counter)"
                counter += 1
            }
            do {
                try files.moveItem(atPath: path, toPath: candidate)
            } catch {
                throw Failure(message: "cannot move the existing hook \(path) aside: \(error.localizedDescription)")
            }
            backup = candidate
        }
        do {
            try Data(script.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            try makeExecutable(path)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "cannot write \(path): \(error.localizedDescription)")
        }
        return Result(path: path, backup: backup, alreadyInstalled: false)
    }

    private static func makeExecutable(_ path: String) throws {
        do {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        } catch {
            throw Failure(message: "cannot make \(path) executable: \(error.localizedDescription)")
        }
    }
}
