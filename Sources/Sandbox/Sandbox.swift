import Foundation
import Glibc

/// Runs every command of the agent and of the bot: in the worktree, with a filtered environment,
/// a timeout that kills the whole process group, a cap on the output kept, and (when the policy
/// turns the network off and bubblewrap works here) isolation.
///
/// - Processes: posix_spawn into a new session, so a new process group whose id is the child's
///   pid; empty signal mask and default signal actions; stdin from /dev/null; stdout and stderr
///   into one pipe, interleaved as written; every other descriptor closed.
/// - Timeout: SIGTERM to the group, SIGKILL 2 s later. Whenever the command ends, whatever is left
///   of its group is killed, and reading stops shortly after even when a process that left the
///   group still holds the output open.
/// - Environment: an allow-list, never a deny-list; secrets never pass (the exact rules:
///   `environment(for:)`).
/// - Isolation (bubblewrap, when `network == .off`): the filesystem read-only except the worktree;
///   a private, empty /tmp and /run; the bot's credential files under HOME (~/.ssh, ~/.netrc,
///   ~/.git-credentials, …) seen empty; no network but a loopback of its own; its own pid
///   namespace (the bot's /proc/PID/environ out of reach, and everything left behind dies with
///   the command); no capabilities even when the bot runs as root.
///   **When the policy says `network: off` but bubblewrap is missing
///   or cannot create namespaces, commands still run, without isolation**, and the result says
///   `isolated == false`: refusing would make the bot useless on hosts without user namespaces,
///   where the timeout, the group kill and the environment allow-list still hold. The caller
///   reports it (`Sandbox.isolation()` says why in plain words) and may refuse instead.
///
/// A missing program is a result (exit 127, "command not found: NAME"), not an error; errors are
/// for requests that cannot run at all (see `SandboxError`).
public struct Sandbox: Sendable {
    public let policy: SandboxPolicy
    /// The bwrap executable when commands run isolated; nil when they run without isolation.
    public let bubblewrap: String?
    private let environment: [String: String]

    /// - Parameters:
    ///   - environment: the bot's own environment, read once at start: the source of the variables
    ///     that pass, and of the secret values that must not.
    public init(policy: SandboxPolicy, environment: [String: String]) {
        // No self-test of bwrap when the network is allowed: it would not be used.
        self.init(policy: policy, environment: environment,
                  bubblewrap: policy.network == .off ? Sandbox.isolation().bubblewrap : nil)
    }

    /// With a given isolation status instead of this machine's: `.unavailable(…)` runs commands
    /// without bubblewrap even when the policy turns the network off (tests of that fallback).
    public init(policy: SandboxPolicy, environment: [String: String], isolation: IsolationStatus) {
        self.init(policy: policy, environment: environment,
                  bubblewrap: policy.network == .off ? isolation.bubblewrap : nil)
    }

    private init(policy: SandboxPolicy, environment: [String: String], bubblewrap: String?) {
        self.policy = policy
        self.environment = environment
        self.bubblewrap = bubblewrap
    }

    /// Whether commands run isolated by bubblewrap.
    public var isolates: Bool { bubblewrap != nil }

    /// Whether bubblewrap can isolate commands on this machine and, if not, why in plain words.
    /// Probed once per process (by running `bwrap … true` with the namespaces a command gets,
    /// a few milliseconds) and then cached; the first call blocks while it runs.
    public static func isolation() -> IsolationStatus {
        probedIsolation
    }

    private static let probedIsolation = Bubblewrap.probe()

    /// `isolation()` for async code: the first probe runs on a thread of its own, so neither it
    /// nor the tasks that wait for the same one-time result hold Swift's cooperative threads.
    public static func isolationProbed() async -> IsolationStatus {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: probedIsolation) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The environment `request` runs with: an allow-list over the bot's environment, so a
    /// credential under a name nobody thought of still stays out.
    ///
    /// A command sees exactly:
    /// - from the bot's environment, `PATH`, `HOME`, `LANG`, `LC_*`, `TERM`, `TZ`, `TMPDIR`,
    ///   `USER`, `LOGNAME`, `SHELL`, and the names in `SandboxPolicy.passEnvironment`;
    /// - then `CommandRequest.environment`, which overrides them;
    /// - `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` when none of those set one;
    /// - `PYTHONDONTWRITEBYTECODE=1` unless set: a `.pyc` cached in the same second as an edit
    ///   of the same size would run the old code;
    /// - under isolation, `TMPDIR=/tmp` and `XDG_CACHE_HOME=/tmp/.cache` unless the request sets
    ///   them: the bot's TMPDIR and HOME are read-only there (or hidden, under /tmp), and tools
    ///   such as `go test` need a writable cache.
    ///
    /// Whatever its source, a variable is dropped when
    /// - its name looks like a credential (`isCredentialName(_:)`): it contains, in any case,
    ///   `TOKEN`, `KEY`, `SECRET`, `PASSWORD`, `PASSWD`, `PASSPHRASE`, `CREDENTIAL`, `SESSION`,
    ///   `COOKIE`, `PRIVATE`, `JWT` or `ASKPASS`; or one of its words (split at `_` and other
    ///   punctuation) contains `AUTH`, except the words `AUTHOR` and `AUTHORS` (`GIT_AUTHOR_NAME`
    ///   passes, `HTTP_AUTHORIZATION` and `SSH_AUTH_SOCK` do not), or is `PAT` or `PEM`
    ///   (`GH_PAT`); or it is `GIT_CONFIG_PARAMETERS` or `GIT_CONFIG_VALUE_<n>`, which can carry an
    ///   `http.extraHeader` with a token. `GITHUB_TOKEN`, `GH_TOKEN`, `GITLAB_TOKEN`,
    ///   `CI_JOB_TOKEN`, `CI_JOB_JWT`, `ACTIONS_RUNTIME_TOKEN`, `OPENAI_API_KEY`,
    ///   `ANTHROPIC_API_KEY`, `CODEX_BOT_APP_PRIVATE_KEY` and `GIT_ASKPASS` are all caught so;
    /// - its value equals the value of a credential-named variable of the bot's environment (a
    ///   secret copied under an innocent name, `USER=$GITHUB_TOKEN`), or contains one that is at
    ///   least 8 characters long (a token inside a URL);
    /// - its value is a URL with a password in it (`https://user:secret@host/…`).
    public func environment(for request: CommandRequest) -> [String: String] {
        var variables = ChildEnvironment.make(from: environment, passing: policy.passEnvironment, adding: request.environment)
        if isolates {
            if request.environment["TMPDIR"] == nil { variables["TMPDIR"] = "/tmp" }
            if request.environment["XDG_CACHE_HOME"] == nil { variables["XDG_CACHE_HOME"] = "/tmp/.cache" }
        }
        return variables
    }

    /// Whether a variable name looks like a credential, so that it never reaches a command even when
    /// `passEnvironment` lists it: for configuration checks that want to say so.
    public static func isCredentialName(_ name: String) -> Bool {
        ChildEnvironment.looksLikeCredential(name)
    }

    /// Runs `request` to its end and returns how it ended and what it printed.
    ///
    /// The process is watched on a thread of its own; this task waits without holding one of
    /// Swift's threads. Cancelling the task kills the process group at once and throws
    /// `CancellationError` once the command is gone.
    /// - Throws: `SandboxError` when the request cannot run (bad working directory, no program given,
    ///   no processes left), `CancellationError`.
    public func run(_ request: CommandRequest) async throws -> CommandResult {
        try Task.checkCancellation()
        let plan: LaunchPlan
        switch try prepare(request) {
        case .ready(let ready): plan = ready
        case .finished(let result): return result
        }
        let control = try RunControl()
        let ending: CommandRunner.Ending = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    continuation.resume(with: Result { try CommandRunner.run(plan, control: control) })
                }
                thread.name = "codex-bot.sandbox"
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            control.cancel()
        }
        switch ending {
        case .failedToStart(let code):
            return try startFailure(code, request: request)
        case .finished(let outcome):
            if outcome.cancelled { throw CancellationError() }
            return CommandResult(exitCode: outcome.exitCode, signal: outcome.signal, timedOut: outcome.timedOut,
                                 output: outcome.output, omittedBytes: outcome.omittedBytes,
                                 duration: outcome.duration, isolated: isolates)
        }
    }

    private enum Preparation {
        case ready(LaunchPlan)
        case finished(CommandResult)
    }

    /// Checks the request, resolves its directories and program, and builds what to spawn.
    private func prepare(_ request: CommandRequest) throws(SandboxError) -> Preparation {
        guard let program = request.arguments.first, !program.isEmpty else {
            throw SandboxError(.invalidRequest, "no program to run: the command is empty",
                               hint: "give the program and its arguments, e.g. [\"bash\", \"-lc\", \"make test\"]")
        }
        if let bad = request.arguments.first(where: { $0.utf8.contains(0) }) {
            throw SandboxError(.invalidRequest, "an argument contains a NUL byte: \(bad.debugDescription)",
                               hint: "arguments are C strings; remove the NUL")
        }
        guard request.timeout > .zero else {
            throw SandboxError(.invalidRequest, "the timeout must be positive, not \(request.timeout)")
        }
        guard request.outputLimit >= 0 else {
            throw SandboxError(.invalidRequest, "the output limit must be 0 or more bytes, not \(request.outputLimit)")
        }
        let worktree = try resolveDirectory(request.worktree, role: "worktree")
        let workingDirectory = try resolveDirectory(request.workingDirectory, role: "working directory")
        guard Bubblewrap.isInside(workingDirectory, worktree) else {
            throw SandboxError(.outsideWorktree,
                               "the working directory \(request.workingDirectory.path) resolves to \(workingDirectory), "
                               + "outside the worktree \(worktree)",
                               hint: "run commands in the worktree or a folder inside it")
        }

        let variables = environment(for: request)
        let executable: String
        switch ProgramLookup.find(program, path: variables["PATH"] ?? ChildEnvironment.defaultPath,
                                  workingDirectory: workingDirectory) {
        case .executable(let path):
            executable = path
        case .notFound:
            return .finished(immediateResult(exitCode: 127, "command not found: \(program)"))
        case .notExecutable(let path):
            return .finished(immediateResult(exitCode: 126, "permission denied: \(program) (\(path) is not an executable file)"))
        }

        if let bubblewrap {
            // bwrap looks the program up again inside, in the same PATH and the same filesystem view.
            let arguments = Bubblewrap.arguments(worktree: worktree, workingDirectory: workingDirectory,
                                                 home: environment["HOME"], command: request.arguments)
            return .ready(LaunchPlan(executable: bubblewrap, arguments: ["bwrap"] + arguments, environment: variables,
                                     workingDirectory: workingDirectory, timeout: request.timeout,
                                     outputLimit: request.outputLimit, isolated: true))
        }
        return .ready(LaunchPlan(executable: executable, arguments: request.arguments, environment: variables,
                                 workingDirectory: workingDirectory, timeout: request.timeout,
                                 outputLimit: request.outputLimit, isolated: false))
    }

    /// `url`'s path with symlinks resolved; it must be an existing directory.
    private func resolveDirectory(_ url: URL, role: String) throws(SandboxError) -> String {
        guard let resolved = Bubblewrap.resolvedPath(url.path) else {
            throw SandboxError(.missingDirectory, "the \(role) \(url.path) does not exist (\(String(cString: strerror(errno))))",
                               hint: "create it first, or give an existing path")
        }
        guard Bubblewrap.isDirectory(resolved) else {
            throw SandboxError(.missingDirectory, "the \(role) \(url.path) is not a directory",
                               hint: "give the folder to run in, not a file")
        }
        return resolved
    }

    /// What a shell would answer for a program it cannot run.
    private func immediateResult(exitCode: Int32, _ message: String) -> CommandResult {
        CommandResult(exitCode: exitCode, signal: nil, timedOut: false, output: message + "\n", omittedBytes: 0,
                      duration: .zero, isolated: isolates)
    }

    /// posix_spawn's error: a program that cannot be executed is a result, the rest is the system's problem.
    private func startFailure(_ code: Int32, request: CommandRequest) throws(SandboxError) -> CommandResult {
        let program = request.arguments.first ?? ""
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT:
            return immediateResult(exitCode: 127, "command not found: \(program)")
        case EACCES, ENOEXEC, EISDIR, ETXTBSY, ELOOP, ENAMETOOLONG, ENOTDIR:
            return immediateResult(exitCode: 126, "cannot execute \(program): \(reason)")
        case ENOSYS:
            throw SandboxError(.spawnFailed, "cannot start \(program): this glibc lacks posix_spawn_file_actions_addchdir_np",
                               hint: "run the bot on glibc 2.29 or later (Debian 11+, Ubuntu 20.04+)")
        default:
            throw SandboxError(.spawnFailed, "cannot start \(program): \(reason)",
                               hint: "the machine is out of processes, memory or file descriptors; retry later or raise the limits")
        }
    }
}
