/// Why `.codex-bot.yml` could not be used: which file, line and key, what is wrong, what to do.
/// The CLI exits with code 2 on it (a config error).
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// `--config FILE` names a file that does not exist.
        public static let notFound = Code(name: "not found")
        /// The file exists but cannot be read (permissions, a directory).
        public static let unreadable = Code(name: "unreadable")
        /// Bigger than `ConfigLoader.maxFileSize`.
        public static let tooLarge = Code(name: "too large")
        /// Not UTF-8 text.
        public static let encoding = Code(name: "encoding")
        /// Not valid YAML (the parser's complaint, with its line).
        public static let syntax = Code(name: "syntax")
        /// Valid YAML that codex-bot refuses: anchors, aliases, more than one document.
        public static let unsupported = Code(name: "unsupported")
        /// The top level, or a section, is not a mapping of keys.
        public static let notAMapping = Code(name: "not a mapping")
        public static let unknownKey = Code(name: "unknown key")
        public static let duplicateKey = Code(name: "duplicate key")
        /// A value of the wrong kind: a list where a number belongs, text where a yes/no does.
        public static let wrongType = Code(name: "wrong type")
        /// The right kind but not allowed: an unknown provider, an empty command, 0 minutes.
        public static let badValue = Code(name: "bad value")
    }

    public var code: Code
    /// The file as the user knows it: ".codex-bot.yml", or the path given to `--config`.
    public var file: String
    /// 1-based; nil when the problem is the file as a whole.
    public var line: Int?
    /// The key's path ("trigger.min_permission"); nil when the problem is not one key's.
    public var key: String?
    public var message: String
    /// What to do, e.g. "did you mean 'test'?".
    public var hint: String?

    public init(_ code: Code, file: String, line: Int? = nil, key: String? = nil, message: String, hint: String? = nil) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.hint = hint
    }

    /// ".codex-bot.yml, line 7: unknown key 'tset'; did you mean 'test'?"
    public var description: String {
        var text = file
        if let line { text += ", line \(line)" }
        text += ": \(message)"
        if let hint { text += "; \(hint)" }
        return text
    }
}
