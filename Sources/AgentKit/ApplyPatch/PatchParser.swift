import Foundation

/// Reads the `*** Begin Patch` grammar, leniently where models are known to slip (as Codex's
/// own parser is): whitespace around markers, blank lines between sections, a first hunk
/// without `@@`, unified-diff `@@ -1,2 +1,3 @@` headers, and the wrappings of a shell call.
/// Errors carry the 1-based line number of the text it was given.
struct PatchParser {
    private let lines: [Substring]

    init(_ text: String) {
        // Models sometimes send CRLF; a CR is never part of a patch line's meaning.
        // Split on bytes: splitting a String by Character runs grapheme breaking on every byte.
        lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            Substring(line.last == 0x0D ? line.dropLast() : line)
        }
    }

    static let beginMarker = "*** Begin Patch"
    static let endMarker = "*** End Patch"
    static let addMarker = "*** Add File:"
    static let deleteMarker = "*** Delete File:"
    static let updateMarker = "*** Update File:"
    static let moveMarker = "*** Move to:"
    static let endOfFileMarker = "*** End of File"

    func parse() throws(ApplyPatchError) -> Patch {
        let (first, last, workdir) = try envelope()
        var operations: [Patch.FileOperation] = []
        var index = first + 1
        while index < last {
            let line = lines[index]
            let trimmed = line.trimmedWhitespace
            if trimmed.isEmpty {
                index += 1
            } else if let path = try header(trimmed, Self.addMarker, at: index) {
                index = try parseAdd(path: path, at: index, before: last, into: &operations)
            } else if let path = try header(trimmed, Self.deleteMarker, at: index) {
                operations.append(Patch.FileOperation(path: path, kind: .delete, line: index + 1))
                index += 1
            } else if let path = try header(trimmed, Self.updateMarker, at: index) {
                index = try parseUpdate(path: path, at: index, before: last, into: &operations)
            } else if trimmed == Self.endMarker {
                throw .parse(index + 1, "'\(Self.endMarker)' is followed by more text (up to line \(last + 1))",
                             hint: "Send one patch per call, with '\(Self.endMarker)' as its last line")
            } else if trimmed == Self.beginMarker {
                throw .parse(index + 1, "a second '\(Self.beginMarker)' inside the patch",
                             hint: "Send one patch per call, or merge the file sections into one envelope")
            } else if trimmed.hasPrefix(Self.moveMarker) {
                throw .parse(index + 1, "'\(Self.moveMarker)' must come right after '\(Self.updateMarker) PATH'")
            } else {
                throw .parse(index + 1, "expected a file operation ('\(Self.addMarker) PATH', '\(Self.updateMarker) PATH' or '\(Self.deleteMarker) PATH'), got \(quoted(line))")
            }
        }
        guard !operations.isEmpty else {
            throw .parse(last + 1, "the patch has no file operations, so it would change nothing",
                         hint: "Put '\(Self.addMarker) PATH', '\(Self.updateMarker) PATH' or '\(Self.deleteMarker) PATH' sections between the markers")
        }
        return Patch(operations: operations, workdir: workdir)
    }

    // MARK: - The envelope and its wrappings

    /// The line indices of `*** Begin Patch` and `*** End Patch`, after taking off a heredoc,
    /// an `apply_patch`/`cd DIR && apply_patch` command, or a Markdown fence.
    private func envelope() throws(ApplyPatchError) -> (first: Int, last: Int, workdir: String?) {
        var first = 0, last = lines.count - 1
        func skipBlankEnds() {
            while first <= last, lines[first].trimmedWhitespace.isEmpty { first += 1 }
            while last >= first, lines[last].trimmedWhitespace.isEmpty { last -= 1 }
        }
        skipBlankEnds()
        guard first <= last else {
            throw .parse(1, "the patch is empty; expected '\(Self.beginMarker)'",
                         hint: "Send '\(Self.beginMarker)', the file sections, then '\(Self.endMarker)'")
        }
        var workdir: String?
        // Each wrapping is taken off once at most, outermost first (a fence around a heredoc).
        for _ in 0..<3 {
            let head = lines[first].trimmedWhitespace
            if head == Self.beginMarker { break }
            if head.hasPrefix("```"), last > first, lines[last].trimmedWhitespace == "```" {
                first += 1
                last -= 1
            } else if let heredoc = Self.heredocStart(head) {
                guard last > first, lines[last].trimmedWhitespace == heredoc.delimiter else {
                    throw .parse(last + 1, "the heredoc opened at line \(first + 1) is not closed: expected a last line '\(heredoc.delimiter)', got \(quoted(lines[last]))")
                }
                if let dir = heredoc.workdir { workdir = dir }
                first += 1
                last -= 1
            } else if head == "apply_patch" || head == "applypatch" {
                first += 1
            } else {
                break
            }
            skipBlankEnds()
            guard first <= last else {
                throw .parse(lines.count, "the patch is empty; expected '\(Self.beginMarker)'")
            }
        }
        guard lines[first].trimmedWhitespace == Self.beginMarker else {
            throw .parse(first + 1, "expected '\(Self.beginMarker)' as the first line, got \(quoted(lines[first]))",
                         hint: "A patch is '\(Self.beginMarker)', then file sections, then '\(Self.endMarker)'")
        }
        guard last > first, lines[last].trimmedWhitespace == Self.endMarker else {
            throw .parse(last + 1, "expected '\(Self.endMarker)' as the last line, got \(quoted(lines[last]))",
                         hint: "End the patch with '\(Self.endMarker)' (was it cut off?)")
        }
        return (first, last, workdir)
    }

    /// Recognises `<<'EOF'`, `<<"EOF"`, `<<EOF`, `<<-EOF`, optionally after `apply_patch` (or
    /// `applypatch`) and `cd DIR &&` — the shapes Codex accepts from a shell call.
    static func heredocStart(_ line: Substring) -> (delimiter: String, workdir: String?)? {
        var rest = line.trimmedWhitespace
        var workdir: String?
        if rest.hasPrefix("cd ") {
            guard let and = rest.range(of: "&&") else { return nil }
            let dir = rest[rest.index(rest.startIndex, offsetBy: 3)..<and.lowerBound].trimmedWhitespace
            guard let unquoted = dir.unquoted, !unquoted.isEmpty else { return nil }
            workdir = String(unquoted)
            rest = rest[and.upperBound...].trimmedWhitespace
            // `cd` only makes sense before the command itself.
            guard rest.hasPrefix("apply_patch") || rest.hasPrefix("applypatch") else { return nil }
        }
        for command in ["apply_patch", "applypatch"] where rest.hasPrefix(command) {
            rest = rest.dropFirst(command.count).trimmedWhitespace
            break
        }
        guard rest.hasPrefix("<<") else { return nil }
        rest = rest.dropFirst(2)
        if rest.hasPrefix("-") { rest = rest.dropFirst() }
        guard let delimiter = rest.trimmedWhitespace.unquoted, !delimiter.isEmpty,
              delimiter.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return (String(delimiter), workdir)
    }

    // MARK: - Sections

    /// The path after `marker` when `line` starts with it; nil when it does not.
    private func header(_ line: Substring, _ marker: String, at index: Int) throws(ApplyPatchError) -> String? {
        guard line.hasPrefix(marker) else { return nil }
        let path = line.dropFirst(marker.count).trimmedWhitespace
        guard !path.isEmpty else {
            throw .parse(index + 1, "'\(marker)' has no path", hint: "Write it as '\(marker) relative/path'")
        }
        return String(path)
    }

    private func parseAdd(path: String, at index: Int, before last: Int,
                          into operations: inout [Patch.FileOperation]) throws(ApplyPatchError) -> Int {
        var content: [String] = []
        // Blank lines without '+' count as empty lines of the file when more '+' lines follow
        // (models drop the '+' of empty lines), and as separators when a section follows.
        var pendingBlank = 0
        var next = index + 1
        while next < last {
            let line = lines[next]
            if line.hasPrefix("+") {
                content.append(contentsOf: repeatElement("", count: pendingBlank))
                pendingBlank = 0
                content.append(String(line.dropFirst()))
            } else if line.trimmedWhitespace.isEmpty {
                pendingBlank += 1
            } else if line.trimmedWhitespace.hasPrefix("***") {
                break
            } else {
                throw .parse(next + 1, "expected a line of the new file starting with '+', got \(quoted(line))",
                             hint: "Every line of an added file starts with '+', empty lines too")
            }
            next += 1
        }
        operations.append(Patch.FileOperation(path: path, kind: .add(lines: content), line: index + 1))
        return next
    }

    /// A hunk being read.
    private struct OpenHunk {
        var anchors: [String]
        var lines: [Patch.Hunk.Line] = []
        var line: Int
    }

    private func parseUpdate(path: String, at index: Int, before last: Int,
                             into operations: inout [Patch.FileOperation]) throws(ApplyPatchError) -> Int {
        var next = index + 1
        var moveTo: String?
        while next < last, lines[next].trimmedWhitespace.isEmpty { next += 1 }
        if next < last, let target = try header(lines[next].trimmedWhitespace, Self.moveMarker, at: next) {
            moveTo = target
            next += 1
        }

        var hunks: [Patch.Hunk] = []
        var open: OpenHunk?
        var afterEndOfFile = false
        func close(_ hunk: OpenHunk, endOfFile: Bool) {
            hunks.append(Patch.Hunk(anchors: hunk.anchors, lines: hunk.lines, isEndOfFile: endOfFile, line: hunk.line))
        }

        while next < last {
            let line = lines[next]
            if line.hasPrefix("@@") {
                let anchor = Self.anchor(line)
                if let current = open, !current.lines.isEmpty {
                    close(current, endOfFile: false)
                    open = OpenHunk(anchors: anchor.map { [$0] } ?? [], line: next + 1)
                } else if open != nil {
                    // `@@ class A` then `@@ func f()`: nested scopes, searched in turn.
                    if let anchor { open?.anchors.append(anchor) }
                } else {
                    open = OpenHunk(anchors: anchor.map { [$0] } ?? [], line: next + 1)
                }
                afterEndOfFile = false
                next += 1
                continue
            }
            let trimmed = line.trimmedWhitespace
            if trimmed.hasPrefix("*** ") {
                if trimmed == Self.endOfFileMarker {
                    guard let current = open, !current.lines.isEmpty else {
                        throw .parse(next + 1, "'\(Self.endOfFileMarker)' must follow the lines of a hunk")
                    }
                    close(current, endOfFile: true)
                    open = nil
                    afterEndOfFile = true
                    next += 1
                    continue
                }
                if trimmed.hasPrefix(Self.addMarker) || trimmed.hasPrefix(Self.updateMarker)
                    || trimmed.hasPrefix(Self.deleteMarker) || trimmed == Self.endMarker || trimmed == Self.beginMarker {
                    break
                }
                if trimmed.hasPrefix(Self.moveMarker) {
                    throw .parse(next + 1, "'\(Self.moveMarker)' must come right after '\(Self.updateMarker) \(path)', before the first hunk")
                }
                if line.hasPrefix("***") {
                    throw .parse(next + 1, "unknown marker \(quoted(line)); expected '@@', a hunk line, '\(Self.endOfFileMarker)' or the next file operation")
                }
                // Otherwise an indented line that merely starts with stars: a hunk line below.
            }

            let hunkLine: Patch.Hunk.Line
            switch line.first {
            case " ": hunkLine = .context(String(line.dropFirst()))
            case "-": hunkLine = .removed(String(line.dropFirst()))
            case "+": hunkLine = .added(String(line.dropFirst()))
            default:
                guard trimmed.isEmpty else {
                    throw .parse(next + 1, "expected a hunk line starting with ' ', '-' or '+', got \(quoted(line))",
                                 hint: "Start context lines with a space, removed lines with '-', added lines with '+', and a new hunk with '@@'")
                }
                // A blank line: an empty context line inside a hunk, a separator outside one.
                guard open != nil else {
                    next += 1
                    continue
                }
                hunkLine = .context("")
            }
            if open == nil {
                guard !afterEndOfFile else {
                    throw .parse(next + 1, "expected '@@' to start a new hunk after '\(Self.endOfFileMarker)', got \(quoted(line))")
                }
                // Codex lets the first hunk of a section start without '@@'.
                open = OpenHunk(anchors: [], line: next + 1)
            }
            open?.lines.append(hunkLine)
            next += 1
        }

        if let current = open {
            guard !current.lines.isEmpty else {
                throw .parse(current.line, "the hunk has no lines after '@@'",
                             hint: "Follow '@@' with context (' '), removed ('-') and added ('+') lines")
            }
            close(current, endOfFile: false)
        }
        guard !hunks.isEmpty || moveTo != nil else {
            throw .parse(index + 1, "'\(Self.updateMarker) \(path)' has no hunks",
                         hint: "Add '@@' and the lines to change, or '\(Self.moveMarker) NEW_PATH' to rename it")
        }
        operations.append(Patch.FileOperation(path: path, kind: .update(moveTo: moveTo, hunks: hunks), line: index + 1))
        return next
    }

    /// The anchor text of an `@@` line: nil for a bare `@@`, and for the line numbers of a
    /// unified-diff header (`@@ -12,7 +12,8 @@ func f()` keeps only `func f()`), which
    /// models copy from `git diff` and which mean nothing here.
    static func anchor(_ line: Substring) -> String? {
        var rest = line.dropFirst(2)
        if let ranges = rest.unifiedRangesEnd {
            rest = rest[ranges...]
        }
        guard !rest.trimmedWhitespace.isEmpty else { return nil }
        // Codex drops the one space after '@@' and keeps the rest, indentation included.
        if rest.first == " " { rest = rest.dropFirst() }
        return String(rest)
    }

    private func quoted(_ line: Substring) -> String {
        let shown = line.count > 120 ? line.prefix(120) + "…" : line
        return "'\(shown)'"
    }
}

extension Substring {
    var trimmedWhitespace: Substring {
        var start = startIndex, end = endIndex
        while start < end, self[start].isWhitespace { start = index(after: start) }
        while end > start, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[start..<end]
    }

    /// The text between matching quotes, the text itself when unquoted, nil when a quote is unmatched.
    fileprivate var unquoted: Substring? {
        guard let quote = first, quote == "'" || quote == "\"" else { return self }
        guard count >= 2, last == quote else { return nil }
        return dropFirst().dropLast()
    }

    /// After `@@`: when the text is ` -A,B +C,D @@`, the index after the closing `@@`.
    fileprivate var unifiedRangesEnd: Index? {
        let text = trimmedWhitespace
        guard text.hasPrefix("-"), let close = text.range(of: "@@") else { return nil }
        let ranges = text[..<close.lowerBound].split(separator: " ")
        guard ranges.count == 2, ranges[0].hasPrefix("-"), ranges[1].hasPrefix("+"),
              ranges.allSatisfy({ $0.dropFirst().allSatisfy { $0.isNumber || $0 == "," } }) else { return nil }
        return close.upperBound
    }
}
