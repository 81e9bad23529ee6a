/// Byte-wise (UTF-8) versions of the few string operations the parsers run on every line:
/// `Character`-based ones find grapheme boundaries first, which costs far more on a log of
/// hundreds of megabytes. The bytes searched for are ASCII, so every index found is a
/// valid `Character` boundary.
extension Substring {
    /// Calls `body` with the UTF-8 bytes (contiguous for native strings, copied otherwise).
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(utf8).withUnsafeBufferPointer(body)
    }

    func index(atByteOffset offset: Int) -> Index { utf8.index(startIndex, offsetBy: offset) }

    /// Without a leading U+FEFF (files saved by Windows tools start with one).
    func droppingByteOrderMark() -> Substring {
        utf8.first == 0xEF && begins(with: "\u{FEFF}") ? self[index(atByteOffset: 3)...] : self
    }

    /// Without leading spaces and tabs.
    func droppingIndentation() -> Substring {
        let count = withBytes { bytes in bytes.prefix { $0 == 32 || $0 == 9 }.count }
        return count == 0 ? self : self[index(atByteOffset: count)...]
    }

    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingSpaces() -> Substring {
        let (start, end) = withBytes { bytes -> (Int, Int) in
            let isSpace: (UInt8) -> Bool = { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 }
            let start = bytes.firstIndex { !isSpace($0) } ?? bytes.count
            let end = (bytes.lastIndex { !isSpace($0) }).map { $0 + 1 } ?? start
            return (start, Swift.max(start, end))
        }
        return self[index(atByteOffset: start)..<index(atByteOffset: end)]
    }

    func trimmingTrailingSpaces() -> Substring {
        let end = withBytes { bytes in (bytes.lastIndex { $0 != 32 && $0 != 9 && $0 != 13 }).map { $0 + 1 } ?? 0 }
        return self[startIndex..<index(atByteOffset: end)]
    }

    /// A byte-wise prefix test, cheaper than `hasPrefix` on every line of a large log.
    func begins(with prefix: String) -> Bool {
        var prefix = prefix
        return prefix.withUTF8 { pattern in
            withBytes { bytes in
                guard bytes.count >= pattern.count else { return false }
                for index in 0..<pattern.count where bytes[index] != pattern[index] { return false }
                return true
            }
        }
    }

    func ends(with suffix: String) -> Bool {
        let count = suffix.utf8.count
        return utf8.count >= count && utf8.suffix(count).elementsEqual(suffix.utf8)
    }

    func isExactly(_ text: String) -> Bool {
        utf8.count == text.utf8.count && utf8.elementsEqual(text.utf8)
    }

    /// The first (or last) occurrence of `needle`, searched byte-wise.
    func find(_ needle: String, backwards: Bool = false) -> Range<Index>? {
        var needle = needle
        let offset = needle.withUTF8 { pattern in
            withBytes { bytes -> Int? in
                guard let first = pattern.first, pattern.count <= bytes.count else { return nil }
                let step = backwards ? -1 : 1
                var position = backwards ? bytes.count - pattern.count : 0
                while position >= 0 && position <= bytes.count - pattern.count {
                    if bytes[position] == first {
                        var matched = 1
                        while matched < pattern.count && bytes[position + matched] == pattern[matched] { matched += 1 }
                        if matched == pattern.count { return position }
                    }
                    position += step
                }
                return nil
            }
        }
        guard let offset else { return nil }
        let lower = index(atByteOffset: offset)
        return lower..<utf8.index(lower, offsetBy: needle.utf8.count)
    }

    func contains(bytes needle: String) -> Bool { find(needle) != nil }

    /// Split at runs of spaces, byte-wise; the last of `limit` words holds the rest of the line.
    func words(limit: Int) -> [Substring] {
        let ranges = withBytes { bytes -> [Range<Int>] in
            var ranges: [Range<Int>] = []
            var index = 0
            while index < bytes.count && ranges.count < limit {
                while index < bytes.count && bytes[index] == 32 { index += 1 }
                guard index < bytes.count else { break }
                var end = index
                if ranges.count == limit - 1 {
                    end = bytes.count
                } else {
                    while end < bytes.count && bytes[end] != 32 { end += 1 }
                }
                ranges.append(index..<end)
                index = end
            }
            return ranges
        }
        return ranges.map { self[index(atByteOffset: $0.lowerBound)..<index(atByteOffset: $0.upperBound)] }
    }

    func firstIndex(ofByte byte: UInt8) -> Index? {
        withBytes { $0.firstIndex(of: byte) }.map(index(atByteOffset:))
    }

    func lastIndex(ofByte byte: UInt8) -> Index? {
        withBytes { $0.lastIndex(of: byte) }.map(index(atByteOffset:))
    }

}

extension String {
    func trimmingSpaces() -> String { String(Substring(self).trimmingSpaces()) }
}

extension BoundedText {
    /// Appends one line of a log (a line break goes before every line but the first).
    mutating func appendLogLine<S: StringProtocol>(_ line: S) {
        var text = isEmpty ? String(line) : "\n" + line
        text.withUTF8 { append($0) }
    }
}

extension Substring {
    /// Without the given characters at either end.
    func trimmingCharacters(in set: String) -> Substring {
        let characters = Set(set)
        guard let start = firstIndex(where: { !characters.contains($0) }),
              let last = lastIndex(where: { !characters.contains($0) }) else { return self[endIndex...] }
        return self[start...last]
    }
}
