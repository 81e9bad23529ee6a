/// Why a command could not be started: what failed, on which input, and what to do.
///
/// A command that starts and fails is not an error: its `CommandResult` says how it ended
/// (a program that does not exist is exit 127, like a shell's). `Code` is a struct with static
/// members rather than an enum so that kinds can be added without breaking callers.
public struct SandboxError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The request itself is unusable: no program, a negative output limit, a timeout that is not positive.
        public static let invalidRequest = Code("invalidRequest")
        /// The worktree or the working directory does not exist (or cannot be resolved).
        public static let missingDirectory = Code("missingDirectory")
        /// The working directory resolves (symlinks followed) to a place outside the worktree.
        public static let outsideWorktree = Code("outsideWorktree")
        /// The system refused to start the process (out of processes, memory or descriptors).
        public static let spawnFailed = Code("spawnFailed")
    }

    public let code: Code
    public let message: String
    /// What the user (or the agent) can do about it, in one sentence.
    public let hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "sandbox: \(message)"
        if let hint { text += ". \(hint)" }
        return text
    }
}
