/// What an applied patch changed, for the tool's answer and the run's transcript.
public struct PatchSummary: Sendable, Equatable {
    /// Worktree-relative paths, each listed once, in the order the patch first touched them.
    public var added: [String] = []
    /// Updated files; a moved file is listed here under its new path.
    public var updated: [String] = []
    public var deleted: [String] = []
    public var moved: [Move] = []
    /// Lines added and removed over all files (an added file counts all its lines as added,
    /// a deleted one all its lines as removed).
    public var linesAdded = 0
    public var linesRemoved = 0
    /// Hunks that matched only after ignoring whitespace or Unicode punctuation, one note each
    /// ("src/a.swift hunk 2: matched ignoring leading and trailing whitespace").
    public var fuzzyMatches: [String] = []

    public struct Move: Sendable, Equatable {
        public var from: String
        public var to: String
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    public init() {}

    /// Codex's answer, which the models are trained to read:
    /// "Success. Updated the following files:\nA path\nM path\nD path\n".
    public var codexText: String {
        var text = "Success. Updated the following files:\n"
        for path in added { text += "A \(path)\n" }
        for path in updated { text += "M \(path)\n" }
        for path in deleted { text += "D \(path)\n" }
        return text
    }
}
