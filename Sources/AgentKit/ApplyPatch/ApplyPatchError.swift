/// Why a patch was not applied: what failed, where (patch line, file, hunk), and what to do.
/// The text goes to the model as the tool's error result, so it is written for a reader that
/// will fix the patch and send it again.
public struct ApplyPatchError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }
        /// The text is not the `*** Begin Patch` grammar.
        public static let invalidPatch = Code(name: "invalid patch")
        /// A hunk's lines, an anchor or an end-of-file hunk were not found in the file.
        public static let hunkNotFound = Code(name: "hunk not found")
        /// The path leaves the worktree, goes through a symlink out of it, is a symlink, or is in `.git/`.
        public static let pathRefused = Code(name: "path refused")
        /// Update, Move or Delete of a file that does not exist.
        public static let fileNotFound = Code(name: "file not found")
        /// Add File, or Move to, a path that already exists.
        public static let fileExists = Code(name: "file exists")
        /// Not a regular file (a directory, a device), or not UTF-8 text, or holds NUL bytes.
        public static let notTextFile = Code(name: "not a text file")
        /// The patch or a file is over the size limit.
        public static let tooLarge = Code(name: "too large")
        /// Reading or writing failed (permissions, disk full); the message has the system's reason.
        public static let io = Code(name: "i/o error")
        /// A write failed and undoing the writes before it failed too: the worktree is partly
        /// patched. The only error after which files may have changed.
        public static let incomplete = Code(name: "incomplete")
    }

    public var code: Code
    /// The file the error is about, as the patch named it; nil for errors about the patch text.
    public var path: String?
    /// The 1-based line of the patch text the error is about, when there is one (for a file's
    /// errors, the line of its section or hunk).
    public var line: Int?
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(_ code: Code, path: String? = nil, line: Int? = nil, message: String, hint: String? = nil) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = ""
        // A file's errors say which patch line they are about in their message, where it helps.
        if let path {
            text += "\(path): "
        } else if let line {
            text += "line \(line): "
        }
        text += message
        if let hint { text += message.contains("\n") ? "\n" + hint : ". " + hint }
        return text
    }
}

extension ApplyPatchError {
    static func parse(_ line: Int, _ message: String, hint: String? = nil) -> ApplyPatchError {
        ApplyPatchError(.invalidPatch, line: line, message: message, hint: hint)
    }
}
