import Foundation

/// Writes a planned patch to disk, all or nothing: each new file goes to a temporary file in
/// its own directory and is renamed over the old one (a reader never sees half a file), and
/// when a step fails, every step already done is undone from the originals held in memory.
struct PatchCommitter {
    /// One file to write (`new` set) or delete (`new` nil).
    struct Change {
        var path: String
        var absolute: String
        var missingDirectories: [String]
        var original: PatchPlan.Content?
        var new: PatchPlan.Content?
    }

    let changes: [Change]
    let faults: CommitFaults?

    func commit() throws(ApplyPatchError) {
        var done: [Change] = []
        var createdDirectories: [String] = []
        do throws(ApplyPatchError) {
            // Writes before deletions: a failed write then has fewer steps to undo.
            for change in changes {
                guard let new = change.new else { continue }
                for directory in change.missingDirectories {
                    try Self.makeDirectory(directory, change.path, &createdDirectories)
                }
                try faults?.check(step: done.count, path: change.path)
                try Self.writeAtomically(new, to: change.absolute, path: change.path)
                done.append(change)
            }
            for change in changes where change.new == nil {
                try faults?.check(step: done.count, path: change.path)
                guard unlink(change.absolute) == 0 || errno == ENOENT else {
                    throw ApplyPatchError(.io, path: change.path, message: "cannot delete it: \(Self.systemError())")
                }
                done.append(change)
            }
        } catch {
            let failures = Self.rollBack(done, createdDirectories: createdDirectories)
            guard failures.isEmpty else {
                throw ApplyPatchError(.incomplete, path: error.path,
                                      message: error.message + "; undoing the files already written failed too, so the worktree is partly patched: "
                                          + failures.joined(separator: "; "),
                                      hint: "Check these files with the shell tool (git status, git diff) before going on")
            }
            var restored = error
            restored.hint = (error.hint.map { $0 + ". " } ?? "") + "Nothing was changed: the files already written were restored"
            throw restored
        }
    }

    /// Undoes `done`, newest first; returns what could not be undone.
    private static func rollBack(_ done: [Change], createdDirectories: [String]) -> [String] {
        var failures: [String] = []
        for change in done.reversed() {
            if let original = change.original {
                do {
                    try writeAtomically(original, to: change.absolute, path: change.path)
                } catch {
                    failures.append("\(change.path): \(error.message)")
                }
            } else if unlink(change.absolute) != 0 && errno != ENOENT {
                failures.append("\(change.path): cannot remove it: \(systemError())")
            }
        }
        for directory in createdDirectories.reversed() {
            rmdir(directory)
        }
        return failures
    }

    private static func makeDirectory(_ directory: String, _ path: String, _ created: inout [String]) throws(ApplyPatchError) {
        if mkdir(directory, 0o777) == 0 {
            created.append(directory)
            return
        }
        // Another file of this patch may have made it already.
        guard errno == EEXIST, WorktreePaths.fileType(directory) == .directory else {
            throw ApplyPatchError(.io, path: path, message: "cannot create the directory \(directory): \(systemError())")
        }
    }

    /// Writes `content` next to `absolute` under a temporary name, then renames it into place.
    /// The rename replaces a file (or link) at `absolute` without following it.
    static func writeAtomically(_ content: PatchPlan.Content, to absolute: String, path: String) throws(ApplyPatchError) {
        let slash = absolute.lastIndex(of: "/") ?? absolute.startIndex
        let directory = String(absolute[..<slash])
        let name = String(absolute[absolute.index(after: slash)...].prefix(100))
        let temporary = "\(directory)/.\(name).apply_patch-\(UInt32.random(in: .min ... .max)).tmp"
        // New files get 0666 less the umask, as any editor's would; existing ones keep their mode.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, content.mode ?? 0o666)
        guard descriptor >= 0 else {
            throw ApplyPatchError(.io, path: path, message: "cannot write a temporary file in \(directory): \(systemError())")
        }
        var failure: String?
        content.bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count, let start = bytes.baseAddress {
                let written = write(descriptor, start + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write it: \(systemError())"
                    return
                }
                offset += written
            }
        }
        // The creation mode went through the umask; an existing file's mode must not.
        if failure == nil, let mode = content.mode, fchmod(descriptor, mode) != 0 {
            failure = "cannot set its permissions: \(systemError())"
        }
        if failure == nil { advanceModificationTime(descriptor, past: absolute) }
        if close(descriptor) != 0, failure == nil {
            failure = "cannot write it: \(systemError())"
        }
        if failure == nil, rename(temporary, absolute) != 0 {
            failure = "cannot replace it: \(systemError())"
        }
        if let failure {
            unlink(temporary)
            throw ApplyPatchError(.io, path: path, message: failure)
        }
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }

    /// Caches that trust a file's modification time in whole seconds and its size (CPython's
    /// `.pyc` files, pytest's rewritten tests, make) would keep the old file's compiled form
    /// when an edit lands in the same second as the last write and keeps the size: the tests
    /// would run the old code. So a replaced file's new time is at least a second past the old.
    static func advanceModificationTime(_ descriptor: Int32, past absolute: String) {
        var old = stat()
        var new = stat()
        guard lstat(absolute, &old) == 0, (old.st_mode & S_IFMT) == S_IFREG, fstat(descriptor, &new) == 0,
              new.st_mtim.tv_sec <= old.st_mtim.tv_sec else { return }
        var times = [new.st_atim, timespec(tv_sec: old.st_mtim.tv_sec + 1, tv_nsec: 0)]
        _ = futimens(descriptor, &times)
    }
}

/// Makes the commit fail before a given step, to test the rollback on real files.
struct CommitFaults: Sendable {
    /// The 0-based write or delete before which the commit fails.
    var failBeforeStep: Int

    func check(step: Int, path: String) throws(ApplyPatchError) {
        if step == failBeforeStep {
            throw ApplyPatchError(.io, path: path, message: "cannot write it: injected failure")
        }
    }
}
