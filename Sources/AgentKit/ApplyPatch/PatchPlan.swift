import Foundation

/// Runs a patch's operations against an in-memory view of the files they touch, so that every
/// check and every hunk is done before anything is written. Later operations see earlier ones
/// (an Add then an Update of the same file, a Delete then an Add).
struct PatchPlan {
    /// A file's bytes and permission bits; nil mode for a new file (the umask decides).
    struct Content: Equatable {
        var bytes: [UInt8]
        var mode: mode_t?
    }

    /// One path the patch touched: what it held before and what it holds now (nil: no file).
    private struct Entry {
        var resolved: WorktreePaths.Resolved
        var original: Content?
        var current: Content?
        var updated = false
        var movedFrom: String?
        var movedAway = false
    }

    private let paths: WorktreePaths
    private var entries: [String: Entry] = [:]
    /// Real paths in the order the patch first touched them.
    private var order: [String] = []
    private var linesAdded = 0
    private var linesRemoved = 0
    private var fuzzyMatches: [String] = []

    init(paths: WorktreePaths) {
        self.paths = paths
    }

    mutating func perform(_ operation: Patch.FileOperation) throws(ApplyPatchError) {
        switch operation.kind {
        case .add(let lines):
            let target = try paths.resolve(operation.path, line: operation.line)
            try requireAbsent(target, operation: operation)
            let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
            try touch(target)
            entries[target.absolute]?.current = Content(bytes: Array(text.utf8), mode: nil)
            linesAdded += lines.count

        case .delete:
            let target = try paths.resolve(operation.path, line: operation.line)
            let content = try existingContent(target, operation: operation)
            entries[target.absolute]?.current = nil
            linesRemoved += Self.lineCount(content.bytes)

        case .update(let moveTo, let hunks):
            let source = try paths.resolve(operation.path, line: operation.line)
            var content = try existingContent(source, operation: operation)
            if !hunks.isEmpty {
                let result = try HunkApplier(path: source.display, file: try textFile(content.bytes, source, operation)).apply(hunks)
                content.bytes = result.bytes
                linesAdded += result.linesAdded
                linesRemoved += result.linesRemoved
                fuzzyMatches += result.fuzzyMatches
            }
            guard let moveTo else {
                entries[source.absolute]?.current = content
                entries[source.absolute]?.updated = true
                return
            }
            let target = try paths.resolve(moveTo, line: operation.line)
            guard target.absolute != source.absolute else {
                entries[source.absolute]?.current = content
                entries[source.absolute]?.updated = true
                return
            }
            try requireAbsent(target, operation: operation, moving: true)
            try touch(target)
            entries[target.absolute]?.current = content
            entries[target.absolute]?.movedFrom = source.display
            entries[source.absolute]?.current = nil
            entries[source.absolute]?.movedAway = true
        }
    }

    /// The files to write or delete, in the order the patch first touched them; files whose
    /// end state is their starting state are left alone.
    func changes() -> [PatchCommitter.Change] {
        order.compactMap { key in
            guard let entry = entries[key], entry.current != entry.original else { return nil }
            return PatchCommitter.Change(path: entry.resolved.display, absolute: entry.resolved.absolute,
                                         missingDirectories: entry.resolved.missingDirectories,
                                         original: entry.original, new: entry.current)
        }
    }

    var summary: PatchSummary {
        var summary = PatchSummary()
        for key in order {
            guard let entry = entries[key] else { continue }
            let path = entry.resolved.display
            switch (entry.original != nil, entry.current != nil) {
            case (false, true):
                if let from = entry.movedFrom {
                    summary.updated.append(path)
                    summary.moved.append(.init(from: from, to: path))
                } else {
                    summary.added.append(path)
                }
            case (true, false):
                // A moved file is listed under its new path, as Codex does.
                if !entry.movedAway { summary.deleted.append(path) }
            case (true, true):
                if entry.updated || entry.current != entry.original { summary.updated.append(path) }
            case (false, false):
                break
            }
        }
        summary.linesAdded = linesAdded
        summary.linesRemoved = linesRemoved
        summary.fuzzyMatches = fuzzyMatches
        return summary
    }

    // MARK: - The in-memory view

    /// Starts tracking a path, reading its content from disk the first time.
    private mutating func touch(_ resolved: WorktreePaths.Resolved) throws(ApplyPatchError) {
        guard entries[resolved.absolute] == nil else { return }
        var original: Content?
        if case .regularFile(let mode, let size) = resolved.status {
            guard size <= ApplyPatch.maxFileBytes else {
                throw ApplyPatchError(.tooLarge, path: resolved.display,
                                      message: "the file is \(size / 1024 / 1024) MB, over the \(ApplyPatch.maxFileBytes / 1024 / 1024) MB limit for apply_patch",
                                      hint: "Change it with the shell tool instead")
            }
            original = Content(bytes: try Self.readContents(resolved, size: size), mode: mode)
        }
        entries[resolved.absolute] = Entry(resolved: resolved, original: original, current: original)
        order.append(resolved.absolute)
    }

    private mutating func existingContent(_ resolved: WorktreePaths.Resolved,
                                          operation: Patch.FileOperation) throws(ApplyPatchError) -> Content {
        let verb = if case .delete = operation.kind { "delete" } else { "update" }
        switch resolved.status {
        case .directory where entries[resolved.absolute] == nil:
            throw ApplyPatchError(.notTextFile, path: resolved.display, line: operation.line,
                                  message: "cannot \(verb) it (patch line \(operation.line)): it is a directory",
                                  hint: "apply_patch works on files; name a file inside it")
        case .special where entries[resolved.absolute] == nil:
            throw ApplyPatchError(.notTextFile, path: resolved.display, line: operation.line,
                                  message: "cannot \(verb) it (patch line \(operation.line)): it is not a regular file")
        default: break
        }
        try touch(resolved)
        guard let entry = entries[resolved.absolute], let content = entry.current else {
            let earlier = entries[resolved.absolute]?.original != nil
            throw ApplyPatchError(.fileNotFound, path: resolved.display, line: operation.line,
                                  message: "cannot \(verb) it (patch line \(operation.line)): "
                                      + (earlier ? "an earlier section of this patch deleted or moved it" : "the file does not exist"),
                                  hint: verb == "update" ? "Use '*** Add File: \(resolved.display)' to create it, or check the path" : "Check the path")
        }
        return content
    }

    private func requireAbsent(_ resolved: WorktreePaths.Resolved, operation: Patch.FileOperation,
                               moving: Bool = false) throws(ApplyPatchError) {
        let exists: Bool
        if let entry = entries[resolved.absolute] {
            exists = entry.current != nil
        } else {
            exists = resolved.status != .absent
        }
        guard exists else { return }
        let what = resolved.status == .directory ? "a directory" : "a file"
        if moving {
            throw ApplyPatchError(.fileExists, path: resolved.display, line: operation.line,
                                  message: "cannot move \(operation.path) there (patch line \(operation.line)): \(what) already exists at that path",
                                  hint: "Pick another name, or delete it first with '*** Delete File: \(resolved.display)'")
        }
        throw ApplyPatchError(.fileExists, path: resolved.display, line: operation.line,
                              message: "cannot add it (patch line \(operation.line)): \(what) already exists at that path",
                              hint: "Use '*** Update File: \(resolved.display)' to change it")
    }

    private func textFile(_ bytes: [UInt8], _ resolved: WorktreePaths.Resolved,
                          _ operation: Patch.FileOperation) throws(ApplyPatchError) -> TextFile {
        let hasNUL = bytes.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress, !buffer.isEmpty else { return false }
            return memchr(start, 0, buffer.count) != nil
        }
        guard !hasNUL, let file = TextFile(bytes) else {
            throw ApplyPatchError(.notTextFile, path: resolved.display, line: operation.line,
                                  message: "cannot update it (patch line \(operation.line)): it is a binary file (\(hasNUL ? "it has NUL bytes" : "not UTF-8 text"))",
                                  hint: "apply_patch edits text only; replace binary files with the shell tool")
        }
        return file
    }

    private static func lineCount(_ bytes: [UInt8]) -> Int {
        let newlines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return newlines + (bytes.last.map { $0 == 0x0A ? 0 : 1 } ?? 0)
    }

    /// Reads a regular file of `size` bytes (from lstat) straight into an array, refusing a
    /// file that grows meanwhile rather than cutting it short.
    private static func readContents(_ resolved: WorktreePaths.Resolved, size: Int) throws(ApplyPatchError) -> [UInt8] {
        func failure(_ reason: String) -> ApplyPatchError {
            ApplyPatchError(.io, path: resolved.display, message: "cannot read it: \(reason)")
        }
        let descriptor = open(resolved.absolute, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var readError: Int32?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size, let base = buffer.baseAddress {
                let got = read(descriptor, base + count, size - count)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    if got < 0 { readError = errno }
                    return
                }
                count += got
            }
        }
        if let readError { throw failure(String(cString: strerror(readError))) }
        var extra: UInt8 = 0
        guard bytes.count == size, read(descriptor, &extra, 1) == 0 else {
            throw failure("it changed size while being read; try again")
        }
        return bytes
    }
}
