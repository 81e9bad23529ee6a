import Foundation

/// Computes the new version of one file from an update's hunks, in memory.
///
/// Each hunk is located after the previous one (its anchors first, then its context and
/// removed lines), then all are spliced in one pass. Context lines are copied from the file,
/// not from the patch, so a fuzzy match never rewrites the lines around a change.
struct HunkApplier {
    struct Result {
        var bytes: [UInt8]
        var linesAdded = 0
        var linesRemoved = 0
        /// Hunks found only by a loose match: "hunk 2: matched ignoring trailing whitespace".
        var fuzzyMatches: [String] = []
    }

    /// A located hunk: where its old lines start in the file, and the lines that apply there.
    private struct Placement {
        var start: Int
        var oldCount: Int
        var lines: [Patch.Hunk.Line]
    }

    let path: String
    let file: TextFile

    func apply(_ hunks: [Patch.Hunk]) throws(ApplyPatchError) -> Result {
        var matcher = LineMatcher(file: file)
        var result = Result(bytes: [])
        var placements: [Placement] = []
        var cursor = 0
        for (number, hunk) in hunks.enumerated() {
            let placement = try locate(hunk, number: number + 1, after: cursor, matcher: &matcher, result: &result)
            placements.append(placement)
            cursor = placement.start + placement.oldCount
        }

        var output: [TextFile.OutputLine] = []
        output.reserveCapacity(file.lines.count + 16)
        func copyOriginal(_ range: Range<Int>) {
            if !range.isEmpty { output.append(.original(range)) }
        }
        var position = 0
        for placement in placements {
            copyOriginal(position..<placement.start)
            var index = placement.start
            for line in placement.lines {
                switch line {
                case .context:
                    copyOriginal(index..<index + 1)
                    index += 1
                case .removed:
                    index += 1
                    result.linesRemoved += 1
                case .added(let text):
                    output.append(.added(text))
                    result.linesAdded += 1
                }
            }
            position = placement.start + placement.oldCount
        }
        copyOriginal(position..<file.lines.count)
        result.bytes = file.render(output)
        return result
    }

    private func locate(_ hunk: Patch.Hunk, number: Int, after cursor: Int, matcher: inout LineMatcher,
                        result: inout Result) throws(ApplyPatchError) -> Placement {
        var searchStart = cursor
        var anchorIndex: Int?
        for anchor in hunk.anchors {
            guard let found = matcher.findAnchor(anchor, from: searchStart) else {
                var message = "\(describe(hunk, number)): the anchor '@@ \(anchor)' is not in the file"
                message += searchStart > 0 ? " after line \(searchStart)" : ""
                let partial = matcher.lines(containing: anchor, from: searchStart, upTo: 4)
                if partial.count > 1 {
                    let shown = partial.prefix(3).map { "\($0 + 1)" }.joined(separator: ", ") + (partial.count > 3 ? ", …" : "")
                    message += " as a whole line, and it is part of several lines (\(shown)): write the whole line"
                } else if searchStart > 0, let earlier = matcher.findAnchor(anchor, from: 0), earlier < searchStart {
                    message += " (it is at line \(earlier + 1), before the end of the previous hunk or anchor: hunks must follow the file's order)"
                }
                throw ApplyPatchError(.hunkNotFound, path: path, line: hunk.line, message: message,
                                      hint: "Copy the anchor from a line of the file as it is now, e.g. the enclosing function's signature")
            }
            anchorIndex = found
            searchStart = found + 1
        }

        var lines = hunk.lines
        // Blank lines before the next '@@' or section are read as empty context lines. When the
        // hunk has no other old lines they can only be separators: matching them would put
        // the hunk at the first blank line.
        if Patch.Hunk.oldLines(of: lines).allSatisfy(\.isEmpty) {
            while case .context("") = lines.last { lines.removeLast() }
        }
        if !lines.contains(where: { if case .added = $0 { false } else { true } }) {
            // Only added lines: after the anchor, or at the end of the file.
            let at = hunk.isEndOfFile ? file.lines.count : anchorIndex.map { $0 + 1 } ?? file.lines.count
            return Placement(start: at, oldCount: 0, lines: lines)
        }

        var old = Patch.Hunk.oldLines(of: lines)
        var found = matcher.find(old, from: searchStart, atEnd: hunk.isEndOfFile)
        // The anchor line may also be the hunk's first context line.
        if found == nil, let anchorIndex {
            found = matcher.find(old, from: anchorIndex, atEnd: hunk.isEndOfFile)
        }
        // Trailing blank context lines may be separators here too: try again without them.
        if found == nil, case .context("") = lines.last {
            while case .context("") = lines.last { lines.removeLast() }
            old = Patch.Hunk.oldLines(of: lines)
            if !old.isEmpty {
                found = matcher.find(old, from: anchorIndex ?? searchStart, atEnd: hunk.isEndOfFile)
            }
        }
        guard let found else {
            throw notFound(hunk, number: number, after: searchStart, matcher: &matcher)
        }
        if found.level != .exact {
            result.fuzzyMatches.append("\(path) hunk \(number): matched \(found.level.description)")
        }
        return Placement(start: found.index, oldCount: old.count, lines: lines)
    }

    /// "hunk 2 (patch line 14, starting '-    return y')".
    private func describe(_ hunk: Patch.Hunk, _ number: Int) -> String {
        let first = hunk.lines.first.map { line -> String in
            switch line {
            case .context(let text): " " + text
            case .removed(let text): "-" + text
            case .added(let text): "+" + text
            }
        }
        var text = "hunk \(number) (patch line \(hunk.line)"
        if let first { text += ", starting '\(first.count > 80 ? first.prefix(80) + "…" : first)'" }
        return text + ")"
    }

    /// Says why a hunk's lines are not where it says, with the closest lines the file has.
    private func notFound(_ hunk: Patch.Hunk, number: Int, after start: Int,
                          matcher: inout LineMatcher) -> ApplyPatchError {
        let old = hunk.oldLines
        var message = "\(describe(hunk, number)) does not match: its \(old.count) context and removed line\(old.count == 1 ? "" : "s") "
        if hunk.isEndOfFile {
            message += "are not at the end of the file"
            if let elsewhere = matcher.find(old, from: 0) {
                message += " (they are at line \(elsewhere.index + 1); drop '*** End of File' or fix the lines)"
            }
        } else {
            message += start > 0 ? "are not in the file after line \(start)" : "are not in the file"
            if start > 0, let earlier = matcher.find(old, from: 0), earlier.index < start {
                message += " (they are at line \(earlier.index + 1), before the end of the previous hunk or anchor: hunks must follow the file's order)"
            }
        }
        message += ". The hunk expects:\n" + old.prefix(6).map { "    " + $0 }.joined(separator: "\n")
        if old.count > 6 { message += "\n    …" }
        if let closest = matcher.closest(to: old, from: 0), closest.matching < old.count {
            let mismatch = closest.index + closest.matching
            message += "\nClosest: line \(closest.index + 1) of the file matches its first \(closest.matching == 1 ? "line" : "\(closest.matching) lines")"
            if mismatch < file.lines.count {
                message += ", but line \(mismatch + 1) is '\(file.text(of: mismatch))' where the hunk expects '\(old[closest.matching])'"
            } else {
                message += ", then the file ends"
            }
        }
        return ApplyPatchError(.hunkNotFound, path: path, line: hunk.line, message: message,
                               hint: "Read the file again and copy the context lines exactly as they are now")
    }
}
