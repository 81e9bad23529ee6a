/// A parsed `apply_patch` envelope: the file operations between `*** Begin Patch` and
/// `*** End Patch`, in the order the model wrote them. Made by `ApplyPatch.parse(_:)`; nothing
/// in it has touched the disk yet.
public struct Patch: Sendable, Equatable {
    public var operations: [FileOperation]
    /// The directory of a `cd DIR && apply_patch <<'EOF'` wrapper, relative to the worktree;
    /// the patch's paths are relative to it. Nil for a bare patch.
    public var workdir: String?

    public init(operations: [FileOperation], workdir: String? = nil) {
        self.operations = operations
        self.workdir = workdir
    }

    /// One `*** Add File:`, `*** Update File:` or `*** Delete File:` section.
    public struct FileOperation: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// The new file's lines, without their `+`; the file ends with a newline.
            case add(lines: [String])
            case delete
            /// `moveTo` comes from `*** Move to:`; an update may have no hunks when it only moves.
            case update(moveTo: String?, hunks: [Hunk])
        }

        /// The path as written in the patch (relative to the worktree, or to `Patch.workdir`).
        public var path: String
        public var kind: Kind
        /// The line of the patch text that holds the section's `*** … File:` header (1-based).
        public var line: Int

        public init(path: String, kind: Kind, line: Int) {
            self.path = path
            self.kind = kind
            self.line = line
        }
    }

    /// One change inside an update: where it goes (anchors, context) and what it does.
    public struct Hunk: Sendable, Equatable {
        /// The texts of its `@@ anchor` lines, outermost first: each is found in turn, and the
        /// hunk's lines are searched after the last one. Empty for a bare `@@`.
        public var anchors: [String]
        public var lines: [Line]
        /// `*** End of File` closed it: its lines are at the end of the file.
        public var isEndOfFile: Bool
        /// The line of the patch text where the hunk starts (its first `@@`, or its first line).
        public var line: Int

        public init(anchors: [String] = [], lines: [Line], isEndOfFile: Bool = false, line: Int) {
            self.anchors = anchors
            self.lines = lines
            self.isEndOfFile = isEndOfFile
            self.line = line
        }

        public enum Line: Sendable, Equatable {
            /// ` text`, and an empty line: in the file before and after.
            case context(String)
            /// `-text`: in the file before, gone after.
            case removed(String)
            /// `+text`: new.
            case added(String)
        }

        /// The lines the file must hold for the hunk to apply: context and removed, in order.
        public var oldLines: [String] { Self.oldLines(of: lines) }

        static func oldLines(of lines: [Line]) -> [String] {
            lines.compactMap {
                switch $0 {
                case .context(let text), .removed(let text): text
                case .added: nil
                }
            }
        }

        /// The lines the hunk leaves in their place: context and added, in order.
        public var newLines: [String] {
            lines.compactMap {
                switch $0 {
                case .context(let text), .added(let text): text
                case .removed: nil
                }
            }
        }
    }
}
