/// Reads the unified diffs GitKit (libgit2) and `git diff` write into `ChangedFile`s.
///
/// Only the shapes those writers produce are read: `diff --git` headers, the extended
/// header lines (`new file mode`, `deleted file mode`, `rename from/to`), `---`/`+++`
/// and `@@` hunks. Anything else in a section is ignored, so odd input gives fewer
/// lines, never a crash.
public enum UnifiedDiff {
    public static func parse(_ patch: String) -> [ChangedFile] {
        var files: [ChangedFile] = []
        var current: ChangedFile?
        var inHunk = false
        var oldLine = 0, newLine = 0

        func finish() {
            if let file = current, !file.path.isEmpty { files.append(file) }
            current = nil
        }

        // Split on "\n" bytes: a "\r\n" is one Character in Swift and would not split.
        for raw in patch.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = String(decoding: raw, as: UTF8.self)
            if line.hasPrefix("diff --git ") {
                finish()
                inHunk = false
                let (old, new) = headerPaths(String(line.dropFirst("diff --git ".count)))
                current = ChangedFile(path: new ?? old ?? "", oldPath: nil, kind: .modified)
                if let old, let new, old != new { current?.oldPath = old; current?.kind = .renamed }
                continue
            }
            guard current != nil else { continue }
            if line.hasPrefix("@@") {
                inHunk = true
                (oldLine, newLine) = hunkStarts(line)
                continue
            }
            if inHunk {
                if line.hasPrefix("+") {
                    current?.added.append(ChangedFile.Line(number: newLine, text: String(line.dropFirst())))
                    newLine += 1
                } else if line.hasPrefix("-") {
                    current?.removed.append(ChangedFile.Line(number: oldLine, text: String(line.dropFirst())))
                    oldLine += 1
                } else if line.hasPrefix(" ") || line.isEmpty {
                    oldLine += 1
                    newLine += 1
                }
                continue
            }
            if line.hasPrefix("new file mode") {
                current?.kind = .added
            } else if line.hasPrefix("deleted file mode") {
                current?.kind = .deleted
            } else if line.hasPrefix("rename from ") {
                current?.oldPath = unquote(String(line.dropFirst("rename from ".count)))
                current?.kind = .renamed
            } else if line.hasPrefix("rename to ") {
                current?.path = unquote(String(line.dropFirst("rename to ".count)))
                current?.kind = .renamed
            } else if line.hasPrefix("+++ "), let path = stripPrefix(unquote(trimTab(line.dropFirst(4)))) {
                current?.path = path
            } else if line.hasPrefix("--- "), let path = stripPrefix(unquote(trimTab(line.dropFirst(4)))),
                      current?.kind == .deleted {
                current?.path = path
            }
        }
        finish()
        return files.map { file in
            var file = file
            // A section whose old and new names differ only because of a/ b/ parsing is not a rename.
            if file.kind == .renamed, file.oldPath == file.path { file.kind = .modified; file.oldPath = nil }
            if file.kind != .renamed { file.oldPath = nil }
            return file
        }
    }

    /// The two paths of `a/OLD b/NEW`, quoted or not. Unquoted paths with spaces are only
    /// split when both halves are equal (a rename says its names in `rename from/to`).
    static func headerPaths(_ rest: String) -> (String?, String?) {
        if rest.hasPrefix("\"") {
            var scanner = rest[...]
            let first = takeQuoted(&scanner)
            scanner = scanner.drop(while: { $0 == " " })
            let second = scanner.hasPrefix("\"") ? takeQuoted(&scanner) : String(scanner)
            return (first.flatMap(stripPrefix), stripPrefix(second ?? ""))
        }
        let characters = Array(rest)
        if characters.count >= 5, (characters.count - 5) % 2 == 0 {
            let half = (characters.count - 5) / 2
            let old = String(characters[0..<(2 + half)])
            let new = String(characters[(3 + half)...])
            if old.dropFirst(2) == new.dropFirst(2) { return (stripPrefix(old), stripPrefix(new)) }
        }
        if let range = rest.range(of: " b/") {
            return (stripPrefix(String(rest[..<range.lowerBound])), String(rest[range.upperBound...]))
        }
        return (nil, nil)
    }

    private static func takeQuoted(_ scanner: inout Substring) -> String? {
        guard scanner.first == "\"" else { return nil }
        var index = scanner.index(after: scanner.startIndex)
        while index < scanner.endIndex {
            if scanner[index] == "\\" {
                index = scanner.index(after: index)
                if index < scanner.endIndex { index = scanner.index(after: index) }
                continue
            }
            if scanner[index] == "\"" {
                let quoted = String(scanner[scanner.startIndex...index])
                scanner = scanner[scanner.index(after: index)...]
                return unquote(quoted)
            }
            index = scanner.index(after: index)
        }
        scanner = scanner[scanner.endIndex...]
        return nil
    }

    /// `a/x` → `x`, `b/x` → `x`, `/dev/null` → nil.
    static func stripPrefix(_ path: String) -> String? {
        if path == "/dev/null" || path.isEmpty { return nil }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { return String(path.dropFirst(2)) }
        return path
    }

    private static func trimTab(_ text: Substring) -> String {
        String(text.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).first ?? text)
    }

    /// Undoes git's C-style path quoting (`"a/caf\303\251"`): octal bytes and the usual escapes.
    static func unquote(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        var bytes: [UInt8] = []
        var input = Array(text.utf8.dropFirst().dropLast())[...]
        while let byte = input.popFirst() {
            guard byte == UInt8(ascii: "\\"), let next = input.popFirst() else { bytes.append(byte); continue }
            switch next {
            case UInt8(ascii: "n"): bytes.append(10)
            case UInt8(ascii: "t"): bytes.append(9)
            case UInt8(ascii: "r"): bytes.append(13)
            case UInt8(ascii: "a"): bytes.append(7)
            case UInt8(ascii: "b"): bytes.append(8)
            case UInt8(ascii: "f"): bytes.append(12)
            case UInt8(ascii: "v"): bytes.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                for _ in 0..<2 {
                    guard let digit = input.first, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { break }
                    value = value * 8 + Int(digit - UInt8(ascii: "0"))
                    input = input.dropFirst()
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            default: bytes.append(next)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The old and new start lines of `@@ -a,b +c,d @@`; 1 when they cannot be read.
    static func hunkStarts(_ line: String) -> (Int, Int) {
        var old = 1, new = 1
        for token in line.split(separator: " ").dropFirst().prefix(2) {
            let number = Int(token.dropFirst().split(separator: ",").first ?? "") ?? 1
            if token.hasPrefix("-") { old = number } else if token.hasPrefix("+") { new = number }
        }
        return (old, new)
    }
}
