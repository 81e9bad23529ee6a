import Foundation

/// How commands run: which environment variables pass, and whether they may reach the network.
public struct SandboxPolicy: Sendable, Equatable {
    public enum Network: String, Sendable, Equatable, Codable {
        /// No network and a read-only view of everything outside the worktree (needs bubblewrap).
        case off
        case on
    }

    public var network: Network
    /// Names of the variables passed from the bot's environment, beyond the fixed safe set
    /// (PATH, HOME, LANG, LC_*, TERM, TZ, TMPDIR, USER, LOGNAME, SHELL). A name that looks like a
    /// credential (TOKEN, KEY, SECRET, PASSWORD, …) never passes, whatever this says, nor a value
    /// equal to a secret of the bot's environment (the rules: `Sandbox.environment(for:)`).
    public var passEnvironment: [String]

    public init(network: Network = .off, passEnvironment: [String] = []) {
        self.network = network
        self.passEnvironment = passEnvironment
    }
}

/// One command to run.
public struct CommandRequest: Sendable, Equatable {
    /// The program and its arguments (no shell unless the first word is one).
    public var arguments: [String]
    /// Where it runs; must be the worktree or inside it.
    public var workingDirectory: URL
    /// The worktree: the one writable place when isolated, and the bound for `workingDirectory`.
    public var worktree: URL
    /// Killed (its whole process group) when it runs longer.
    public var timeout: Duration
    /// Output kept, head and tail, of stdout and stderr together.
    public var outputLimit: Int
    /// Variables set for this command on top of the filtered environment (the bot's own, never secrets).
    public var environment: [String: String]

    public init(arguments: [String], workingDirectory: URL, worktree: URL, timeout: Duration = .seconds(600),
                outputLimit: Int = 64 * 1024, environment: [String: String] = [:]) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.worktree = worktree
        self.timeout = timeout
        self.outputLimit = outputLimit
        self.environment = environment
    }
}

/// How a command ended and what it printed.
public struct CommandResult: Sendable, Equatable {
    /// The exit status, when it exited.
    public var exitCode: Int32?
    /// The signal that ended it, when one did (a timeout's SIGKILL included).
    public var signal: Int32?
    public var timedOut: Bool
    /// stdout and stderr as they interleaved, cut to the limit with head and tail kept.
    public var output: String
    /// How many bytes were cut from the middle.
    public var omittedBytes: Int
    public var duration: Duration
    /// Whether it ran inside the bubblewrap sandbox (no network, read-only outside the worktree).
    public var isolated: Bool

    public init(exitCode: Int32?, signal: Int32?, timedOut: Bool, output: String, omittedBytes: Int,
                duration: Duration, isolated: Bool) {
        self.exitCode = exitCode
        self.signal = signal
        self.timedOut = timedOut
        self.output = output
        self.omittedBytes = omittedBytes
        self.duration = duration
        self.isolated = isolated
    }

    public var succeeded: Bool { exitCode == 0 && !timedOut }
}
