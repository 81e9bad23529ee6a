import Foundation

/// Turns a patch's paths into places inside the worktree, refusing every way out: absolute
/// paths, `..` above the root, directories that are symlinks to outside, symlinked files
/// (writing would follow them), and `.git/` (the repository's own state, never the agent's).
struct WorktreePaths {
    /// The worktree root with symlinks resolved: what every real path is checked against.
    let root: String
    /// The components of a `cd DIR &&` wrapper, which the patch's paths are relative to.
    private let base: [String]

    init(root: URL, workdir: String?) throws(ApplyPatchError) {
        guard let real = Self.realPath(root.path), Self.fileType(real) == .directory else {
            throw ApplyPatchError(.io, path: root.path, message: "the worktree is not a directory")
        }
        self.root = real
        guard let workdir else {
            base = []
            return
        }
        do {
            base = try Self.components(of: workdir, relativeTo: [])
        } catch {
            throw ApplyPatchError(.pathRefused, path: workdir, message: "refused as the directory of 'cd \(workdir) &&': \(error.message)")
        }
    }

    /// What is at a resolved path now.
    enum Status: Equatable {
        case absent
        case regularFile(mode: mode_t, size: Int)
        case directory
        /// A device, socket or FIFO: nothing a patch edits.
        case special
    }

    struct Resolved {
        /// The normalised path relative to the worktree root, for messages and the summary.
        var display: String
        /// The real location: the real path of its deepest existing directory, plus the rest.
        var absolute: String
        /// Directories to create (absolute, outermost first) before the file can be written.
        var missingDirectories: [String]
        var status: Status
    }

    /// Resolves `path` as written in the patch section at `line`.
    func resolve(_ path: String, line: Int) throws(ApplyPatchError) -> Resolved {
        func refuse(_ reason: String, hint: String? = nil) -> ApplyPatchError {
            ApplyPatchError(.pathRefused, path: path, line: line, message: "refused (patch line \(line)): \(reason)", hint: hint)
        }
        guard !path.hasPrefix("/") else {
            throw refuse("absolute paths are not allowed", hint: "Write the path relative to the worktree root")
        }
        let components: [String]
        do {
            components = try Self.components(of: path, relativeTo: base)
        } catch {
            throw refuse(error.message, hint: error.hint)
        }
        guard let name = components.last else { throw refuse("the path names the worktree root, not a file") }
        let display = components.joined(separator: "/")

        // Walk the existing directories with lstat, following symlinks only to places inside
        // the worktree, and continue from their real location.
        var current = root
        var missing: [String] = []
        for (depth, component) in components.dropLast().enumerated() {
            let next = current + "/" + component
            guard missing.isEmpty else {
                missing.append(next)
                current = next
                continue
            }
            let shown = components.prefix(depth + 1).joined(separator: "/")
            switch Self.fileType(next) {
            case nil:
                missing.append(next)
                current = next
            case .directory:
                current = next
            case .symlink:
                guard let target = Self.realPath(next) else {
                    throw refuse("'\(shown)' is a symbolic link whose target does not exist")
                }
                guard let inside = relative(target) else {
                    throw refuse("'\(shown)' is a symbolic link to \(target), outside the worktree")
                }
                guard !Self.isGitDirectory(inside) else {
                    throw refuse("'\(shown)' is a symbolic link into .git/, which apply_patch never edits")
                }
                guard Self.fileType(target) == .directory else {
                    throw refuse("'\(shown)' is a symbolic link to a file, not to a directory")
                }
                current = target
            case .regular, .other:
                throw refuse("'\(shown)' is a file, not a directory")
            }
        }

        let absolute = current + "/" + name
        var status = Status.absent
        if missing.isEmpty {
            var info = stat()
            if lstat(absolute, &info) == 0 {
                switch info.st_mode & S_IFMT {
                case S_IFLNK:
                    throw refuse("'\(display)' is a symbolic link; apply_patch does not write through links",
                                 hint: "Edit the file the link points to, by its own path")
                case S_IFDIR: status = .directory
                case S_IFREG: status = .regularFile(mode: info.st_mode & 0o7777, size: Int(info.st_size))
                default: status = .special
                }
            } else if errno != ENOENT && errno != ENOTDIR {
                throw ApplyPatchError(.io, path: path, line: line, message: "cannot read its status: \(String(cString: strerror(errno)))")
            }
        }
        return Resolved(display: display, absolute: absolute, missingDirectories: missing, status: status)
    }

    /// `path`'s components after `base`, with `.` dropped and `..` applied; throws (with only
    /// a message to wrap) when `..` climbs above the root or a component is `.git`.
    private static func components(of path: String, relativeTo base: [String]) throws(ApplyPatchError) -> [String] {
        guard !path.hasPrefix("/") else {
            throw ApplyPatchError(.pathRefused, message: "absolute paths are not allowed", hint: "Write the path relative to the worktree root")
        }
        guard !path.contains("\0") else { throw ApplyPatchError(.pathRefused, message: "the path contains a NUL character") }
        var result = base
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                guard !result.isEmpty else {
                    throw ApplyPatchError(.pathRefused, message: "'..' leaves the worktree", hint: "Write the path relative to the worktree root, without climbing out of it")
                }
                result.removeLast()
            default:
                result.append(String(component))
            }
        }
        guard !isGitDirectory(result.joined(separator: "/")) else {
            throw ApplyPatchError(.pathRefused, message: "it is inside .git/, which apply_patch never edits")
        }
        return result
    }

    /// True when a worktree-relative path has a `.git` component (any case: macOS file
    /// systems ignore it), so the repository's own files and a submodule's stay untouched.
    private static func isGitDirectory(_ relative: String) -> Bool {
        relative.split(separator: "/").contains { $0.lowercased() == ".git" }
    }

    /// `absolute` relative to the root ("" for the root itself); nil when it is outside.
    private func relative(_ absolute: String) -> String? {
        if absolute == root { return "" }
        let prefix = root == "/" ? "/" : root + "/"
        guard absolute.hasPrefix(prefix) else { return nil }
        return String(absolute.dropFirst(prefix.count))
    }

    enum FileType { case regular, directory, symlink, other }

    /// lstat's answer: nil when nothing is there.
    static func fileType(_ path: String) -> FileType? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
