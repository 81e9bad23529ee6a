/// One file of a unified diff: how it changed and the lines added and removed.
public struct ChangedFile: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added, modified, deleted, renamed
    }

    /// One line of content: its number (in the new file for added lines, the old for removed) and text.
    public struct Line: Sendable, Equatable {
        public var number: Int
        public var text: String
        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    /// The path after the change (for a deletion, the deleted path).
    public var path: String
    /// The path before a rename.
    public var oldPath: String?
    public var kind: Kind
    public var added: [Line]
    public var removed: [Line]

    public init(path: String, oldPath: String? = nil, kind: Kind, added: [Line] = [], removed: [Line] = []) {
        self.path = path
        self.oldPath = oldPath
        self.kind = kind
        self.added = added
        self.removed = removed
    }

    /// Every path the change touches: both ends of a rename.
    public var paths: [String] { [oldPath, path].compactMap { $0 } }
}
