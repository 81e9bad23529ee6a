import Foundation

/// Finds a run of lines in a file, as Codex's `seek_sequence` does: each strictness level is
/// tried over the whole search range before the next, looser one, so a loose match never wins
/// over an exact one further down. Lines compare as UTF-8 bytes.
struct LineMatcher {
    enum Level: Int, CaseIterable {
        case exact
        /// Editors and models drop or add trailing spaces.
        case ignoringTrailingWhitespace
        /// Models re-indent (tabs against spaces, a level off).
        case ignoringSurroundingWhitespace
        /// Models write ASCII where the file has typographic quotes, dashes or odd spaces.
        case normalizingPunctuation

        var description: String {
            switch self {
            case .exact: "exactly"
            case .ignoringTrailingWhitespace: "ignoring trailing whitespace"
            case .ignoringSurroundingWhitespace: "ignoring leading and trailing whitespace"
            case .normalizingPunctuation: "ignoring whitespace and Unicode punctuation (quotes, dashes, spaces)"
            }
        }
    }

    /// Lines as a level sees them: byte ranges in a buffer. The whitespace levels only narrow
    /// the ranges; the punctuation level writes the normalised lines to a buffer of its own.
    struct Lines {
        var buffer: [UInt8]
        var ranges: [Range<Int>]

        init(buffer: [UInt8], ranges: [Range<Int>]) {
            self.buffer = buffer
            self.ranges = ranges
        }

        init(_ strings: [String]) {
            buffer = []
            ranges = []
            ranges.reserveCapacity(strings.count)
            for string in strings {
                let start = buffer.count
                buffer.append(contentsOf: string.utf8)
                ranges.append(start..<buffer.count)
            }
        }

        var count: Int { ranges.count }

        func keyed(_ level: Level) -> Lines {
            buffer.withUnsafeBufferPointer { bytes in
                switch level {
                case .exact:
                    return self
                case .ignoringTrailingWhitespace:
                    return Lines(buffer: buffer, ranges: ranges.map { Whitespace.trimmingTrailing(bytes, $0) })
                case .ignoringSurroundingWhitespace:
                    return Lines(buffer: buffer, ranges: ranges.map { Whitespace.trimming(bytes, $0) })
                case .normalizingPunctuation:
                    var normalized = Lines(buffer: [], ranges: [])
                    normalized.buffer.reserveCapacity(buffer.count)
                    normalized.ranges.reserveCapacity(ranges.count)
                    for range in ranges {
                        let start = normalized.buffer.count
                        // The odd spaces are all Unicode whitespace, so trimming first leaves
                        // none at the ends to become ASCII spaces.
                        Self.appendNormalized(bytes, Whitespace.trimming(bytes, range), to: &normalized.buffer)
                        normalized.ranges.append(start..<normalized.buffer.count)
                    }
                    return normalized
                }
            }
        }

        /// Codex's table, on UTF-8 bytes: typographic dashes (U+2010–2015, U+2212), quotes
        /// (U+2018–201F) and spaces (U+00A0, U+2002–200A, U+202F, U+205F, U+3000) become their
        /// ASCII look-alikes; everything else is copied. Continuation bytes (0x80–0xBF) never
        /// look like the lead bytes tested here, so copying byte by byte stays aligned.
        private static func appendNormalized(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to output: inout [UInt8]) {
            var index = range.lowerBound
            let end = range.upperBound
            while index < end {
                // Copy up to the next byte that can start a normalised character in one go.
                var plain = index
                while plain < end, bytes[plain] != 0xC2, bytes[plain] != 0xE2, bytes[plain] != 0xE3 { plain += 1 }
                if plain > index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<plain]))
                    index = plain
                    continue
                }
                let byte = bytes[index]
                if byte == 0xC2, index + 1 < end, bytes[index + 1] == 0xA0 {
                    output.append(0x20)
                    index += 2
                    continue
                }
                if (byte == 0xE2 || byte == 0xE3), index + 2 < end {
                    let second = bytes[index + 1], third = bytes[index + 2]
                    var ascii: UInt8?
                    switch (byte, second, third) {
                    case (0xE2, 0x80, 0x90...0x95), (0xE2, 0x88, 0x92): ascii = 0x2D  // -
                    case (0xE2, 0x80, 0x98...0x9B): ascii = 0x27  // '
                    case (0xE2, 0x80, 0x9C...0x9F): ascii = 0x22  // "
                    case (0xE2, 0x80, 0x82...0x8A), (0xE2, 0x80, 0xAF), (0xE2, 0x81, 0x9F), (0xE3, 0x80, 0x80): ascii = 0x20
                    default: ascii = nil
                    }
                    if let ascii {
                        output.append(ascii)
                        index += 3
                        continue
                    }
                }
                output.append(byte)
                index += 1
            }
        }
    }

    private let exact: Lines
    /// The file's lines as each loose level sees them, made when a search first needs them.
    private var keys: [Level: Lines] = [:]

    init(file: TextFile) {
        exact = Lines(buffer: file.bytes, ranges: file.lines)
    }

    private var lineCount: Int { exact.count }

    /// The first index at or after `start` where `pattern` occurs, and the level it matched
    /// at. With `atEnd`, only a run that ends the file (blank lines after it allowed) counts.
    mutating func find(_ pattern: [String], from start: Int, atEnd: Bool = false) -> (index: Int, level: Level)? {
        guard pattern.count <= lineCount, start >= 0 else { return nil }
        let needle = Lines(pattern)
        if atEnd {
            let positions = endCandidates(for: pattern.count, from: start)
            for level in Level.allCases {
                if let index = Self.firstMatch(of: needle.keyed(level), in: keys(for: level), at: positions) {
                    return (index, level)
                }
            }
            return nil
        }
        guard start <= lineCount - pattern.count else { return nil }
        for level in Level.allCases {
            if let index = Self.firstMatch(of: needle.keyed(level), in: keys(for: level), at: start...(lineCount - pattern.count)) {
                return (index, level)
            }
        }
        return nil
    }

    /// An `@@` anchor: the first line at or after `start` that matches it at any level; failing
    /// that, the one line that contains it (models shorten `func f(a: Int) -> Int {` to
    /// `func f`). Only a unique containing line counts, so a shortened anchor never picks
    /// one of several places.
    mutating func findAnchor(_ anchor: String, from start: Int) -> Int? {
        if let found = find([anchor], from: start) { return found.index }
        let containing = lines(containing: anchor, from: start, upTo: 2)
        return containing.count == 1 ? containing.first : nil
    }

    /// The first `limit` lines at or after `start` that contain `text` (loosest level).
    mutating func lines(containing text: String, from start: Int, upTo limit: Int) -> [Int] {
        let needle = Lines([text]).keyed(.normalizingPunctuation)
        guard let needleRange = needle.ranges.first, !needleRange.isEmpty, start < lineCount else { return [] }
        let haystack = keys(for: .normalizingPunctuation)
        var found: [Int] = []
        haystack.buffer.withUnsafeBufferPointer { hay in
            needle.buffer.withUnsafeBufferPointer { pin in
                for index in start..<lineCount where Self.contains(hay, haystack.ranges[index], pin, needleRange) {
                    found.append(index)
                    if found.count == limit { return }
                }
            }
        }
        return found
    }

    /// For an error message: where the longest prefix of `pattern` occurs (loosest level) at or
    /// after `start`, and how many of its lines match there.
    mutating func closest(to pattern: [String], from start: Int) -> (index: Int, matching: Int)? {
        let haystack = keys(for: .normalizingPunctuation)
        let needle = Lines(pattern).keyed(.normalizingPunctuation)
        guard start < lineCount, needle.count > 0 else { return nil }
        var best: (index: Int, matching: Int)?
        haystack.buffer.withUnsafeBufferPointer { hay in
            needle.buffer.withUnsafeBufferPointer { pin in
                for index in start..<lineCount {
                    var matching = 0
                    while matching < needle.count, index + matching < lineCount,
                          Self.equal(hay, haystack.ranges[index + matching], pin, needle.ranges[matching]) {
                        matching += 1
                    }
                    if matching > (best?.matching ?? 0) { best = (index, matching) }
                }
            }
        }
        return best
    }

    private static func firstMatch(of needle: Lines, in haystack: Lines, at positions: some Collection<Int>) -> Int? {
        guard let first = needle.ranges.first else { return positions.first }
        return haystack.buffer.withUnsafeBufferPointer { hay in
            needle.buffer.withUnsafeBufferPointer { pin in
                haystack.ranges.withUnsafeBufferPointer { lines in
                    positions.first { index in
                        // Most lines differ in length from the pattern's first: a cheap reject.
                        guard lines[index].count == first.count else { return false }
                        for offset in 0..<needle.count
                        where !equal(hay, lines[index + offset], pin, needle.ranges[offset]) {
                            return false
                        }
                        return true
                    }
                }
            }
        }
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ aRange: Range<Int>,
                              _ b: UnsafeBufferPointer<UInt8>, _ bRange: Range<Int>) -> Bool {
        guard aRange.count == bRange.count else { return false }
        guard !aRange.isEmpty, let aBase = a.baseAddress, let bBase = b.baseAddress else { return true }
        return memcmp(aBase + aRange.lowerBound, bBase + bRange.lowerBound, aRange.count) == 0
    }

    private static func contains(_ a: UnsafeBufferPointer<UInt8>, _ aRange: Range<Int>,
                                 _ b: UnsafeBufferPointer<UInt8>, _ bRange: Range<Int>) -> Bool {
        guard aRange.count >= bRange.count else { return false }
        for start in aRange.lowerBound...(aRange.upperBound - bRange.count)
        where equal(a, start..<start + bRange.count, b, bRange) {
            return true
        }
        return false
    }

    /// Where a run of `count` lines ending the file may start: right at the end, or with only
    /// blank lines after it.
    private mutating func endCandidates(for count: Int, from start: Int) -> [Int] {
        let trimmed = keys(for: .ignoringSurroundingWhitespace)
        var result: [Int] = []
        var end = lineCount
        while end - count >= start {
            result.append(end - count)
            guard end > 0, trimmed.ranges[end - 1].isEmpty else { break }
            end -= 1
        }
        return result
    }

    private mutating func keys(for level: Level) -> Lines {
        if level == .exact { return exact }
        if let cached = keys[level] { return cached }
        let made = exact.keyed(level)
        keys[level] = made
        return made
    }
}

/// Unicode whitespace (the White_Space property, as Rust's `trim` and Codex use) at the ends
/// of a UTF-8 line, found without decoding ASCII.
enum Whitespace {
    static func trimming(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        trimmingLeading(bytes, trimmingTrailing(bytes, range))
    }

    static func trimmingTrailing(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var end = range.upperBound
        while end > range.lowerBound {
            let byte = bytes[end - 1]
            if byte < 0x80 {
                guard isASCIIWhitespace(byte) else { break }
                end -= 1
                continue
            }
            var start = end - 1
            while start > range.lowerBound, bytes[start] & 0xC0 == 0x80 { start -= 1 }
            guard isWhitespace(bytes, start..<end) else { break }
            end = start
        }
        return range.lowerBound..<end
    }

    static func trimmingLeading(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        while start < range.upperBound {
            let byte = bytes[start]
            if byte < 0x80 {
                guard isASCIIWhitespace(byte) else { break }
                start += 1
                continue
            }
            var end = start + 1
            while end < range.upperBound, bytes[end] & 0xC0 == 0x80 { end += 1 }
            guard isWhitespace(bytes, start..<end) else { break }
            start = end
        }
        return start..<range.upperBound
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Whether the one scalar encoded in `range` is whitespace (NBSP, em space, …).
    private static func isWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var iterator = UnsafeBufferPointer(rebasing: bytes[range]).makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return false }
        return scalar.properties.isWhitespace
    }
}
