import Foundation

/// What an `XMLScanner` tells its reader, in document order.
protocol XMLEventHandler {
    /// Whether `characters` should be called at all for the current position; a reader
    /// that only counts elements says no and the scanner skips text without copying it.
    var wantsText: Bool { get }
    mutating func startElement(_ name: UnsafeBufferPointer<UInt8>, attributes: XMLAttributes) throws
    mutating func endElement(_ name: UnsafeBufferPointer<UInt8>) throws
    /// Raw text (entities not yet decoded, unless `isCDATA`: CDATA has none), maybe in several pieces.
    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) throws
}

/// A streaming, non-validating XML scanner for test reports: fast, bounded in memory and
/// safe with hostile input.
///
/// - It never resolves or fetches anything: a DOCTYPE, with any internal subset, is
///   skipped, and entities it declares are never expanded (no XXE, no entity bombs); only
///   the five predefined entities and character references are decoded.
/// - Memory stays bounded: the file is read in 1 MB chunks, text is handed on in pieces,
///   and only a single tag (its attributes) must fit in `maxTagSize`.
/// - It is lenient where real tools are sloppy (a `<` inside an attribute value) and strict
///   where the result would be wrong (mismatched or unclosed elements).
struct XMLScanner {
    static let maxTagSize = 16 << 20

    let path: String
    private(set) var warnings: [String] = []
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    /// The names of the open elements, end to end in one array (no allocation per element).
    private var stackBytes: [UInt8] = []
    private var stackStarts: [Int] = []
    private var sawRoot = false
    private var sawMarkup = false
    private var warnedAboutQuotes = false
    private var rootClosed = false

    init(path: String) { self.path = path }

    /// Scans the whole file, calling `handler` for every element and text.
    mutating func scan<H: XMLEventHandler>(_ handler: inout H) throws {
        let chunks = try FileChunks(path: path)
        buffer.reserveCapacity(2 << 20)
        while true {
            // Make sure a whole token is available, reading more as needed.
            let consumed = try buffer.withUnsafeBufferPointer { bytes in
                try scanAvailable(bytes, &handler)
            }
            if consumed > 0 {
                buffer.removeSubrange(0..<consumed)
                position = 0
            }
            if atEOF { break }
            if buffer.count > Self.maxTagSize {
                throw error("a single tag is larger than \(Self.maxTagSize >> 20) MB")
            }
            let more = try chunks.next { chunk in
                // A UTF-8 byte order mark (every .NET tool writes one) is not text before the root.
                let skip = chunks.bytesRead == chunk.count && chunk.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
                buffer.append(contentsOf: chunk.dropFirst(skip))
            }
            if !more { atEOF = true }
        }
        if let open = openElementName {
            throw error("the file is truncated: it ends inside <\(open)>")
        }
        if !buffer.isEmpty { throw error("the file ends inside a tag") }
        if !sawRoot { throw error(sawMarkup ? "is not XML: no root element" : "the file is empty (nothing but whitespace)") }
    }

    /// Handles every complete token in `bytes`; returns how many bytes were consumed.
    private mutating func scanAvailable<H: XMLEventHandler>(_ bytes: UnsafeBufferPointer<UInt8>, _ handler: inout H) throws -> Int {
        var i = 0
        let end = bytes.count
        while i < end {
            if bytes[i] != 60 {  // text up to the next '<'
                let next = Self.find(60, in: bytes, from: i) ?? end
                if next == end && !atEOF {
                    // Hand on what we have, but keep a possible partial entity (&…;) for the next round.
                    let keep = Self.partialEntityLength(bytes, from: i, to: end)
                    try text(bytes, i, end - keep, &handler)
                    return end - keep
                }
                try text(bytes, i, next, &handler)
                i = next
                continue
            }
            guard let after = try markup(bytes, at: i, &handler) else { return i }  // incomplete: need more
            i = after
        }
        return end
    }

    private mutating func text<H: XMLEventHandler>(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int,
                                                   _ handler: inout H) throws {
        guard from < to else { return }
        if stackStarts.isEmpty {
            // Outside the root only whitespace may stand.
            for index in from..<to where !Self.isSpace(bytes[index]) {
                throw error(sawRoot ? "has content after the root element" : "is not XML: text before the first element")
            }
            return
        }
        if handler.wantsText { try handler.characters(UnsafeBufferPointer(rebasing: bytes[from..<to]), isCDATA: false) }
    }

    /// Handles the markup starting with '<' at `i`; returns the index after it, or nil when
    /// the buffer ends before it does.
    private mutating func markup<H: XMLEventHandler>(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int,
                                                     _ handler: inout H) throws -> Int? {
        let end = bytes.count
        sawMarkup = true
        guard i + 1 < end else { return atEOF ? try failTruncated() : nil }
        switch bytes[i + 1] {
        case 63:  // <? … ?>
            guard let close = Self.find([63, 62], in: bytes, from: i + 2) else { return try needMore() }
            return close + 2
        case 33:  // <!-- --> <![CDATA[ ]]> <!DOCTYPE >
            if Self.matches(bytes, at: i, "<!--") {
                guard let close = Self.find([45, 45, 62], in: bytes, from: i + 4) else { return try needMore() }
                return close + 3
            }
            if Self.matches(bytes, at: i, "<![CDATA[") {
                guard let close = Self.find([93, 93, 62], in: bytes, from: i + 9) else { return try needMore() }
                if !stackStarts.isEmpty && handler.wantsText {
                    try handler.characters(UnsafeBufferPointer(rebasing: bytes[(i + 9)..<close]), isCDATA: true)
                }
                return close + 3
            }
            if Self.matches(bytes, at: i, "<!DOCTYPE") {
                guard let close = Self.doctypeEnd(bytes, from: i) else { return try needMore() }
                let declaration = UnsafeBufferPointer(rebasing: bytes[i..<close])
                warnings.append(Self.find(Array("<!ENTITY".utf8), in: declaration, from: 0) != nil
                    ? "\(path): its DOCTYPE declares entities; they were not expanded (external entities are never fetched)"
                    : "\(path): its DOCTYPE was ignored")
                return close + 1
            }
            if bytes.count - i < 9 && !atEOF { return nil }
            throw error("has markup that is not XML at byte \(i)")
        case 47:  // </name>
            guard let close = Self.find(62, in: bytes, from: i + 2) else { return try needMore() }
            var nameEnd = close
            while nameEnd > i + 2 && Self.isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
            let name = UnsafeBufferPointer(rebasing: bytes[(i + 2)..<nameEnd])
            guard let openStart = stackStarts.last else {
                throw error("has a closing tag </\(String(decoding: name, as: UTF8.self))> with no element open")
            }
            guard stackBytes[openStart...].elementsEqual(name) else {
                throw error("is not well-formed: </\(String(decoding: name, as: UTF8.self))> closes <\(openElementName ?? "")>")
            }
            stackBytes.removeSubrange(openStart...)
            stackStarts.removeLast()
            if stackStarts.isEmpty { rootClosed = true }
            try handler.endElement(name)
            return close + 1
        default:  // <name attributes… > or />
            guard let close = tagEnd(bytes, from: i + 1) else { return try needMore() }
            var nameEnd = i + 1
            while nameEnd < close && !Self.isSpace(bytes[nameEnd]) && bytes[nameEnd] != 47 { nameEnd += 1 }
            guard nameEnd > i + 1 else { throw error("is not well-formed: '<' not followed by a name at byte \(i)") }
            if rootClosed { throw error("has a second root element") }
            let selfClosing = bytes[close - 1] == 47
            let name = UnsafeBufferPointer(rebasing: bytes[(i + 1)..<nameEnd])
            let attributes = XMLAttributes(raw: UnsafeBufferPointer(rebasing: bytes[nameEnd..<(selfClosing ? close - 1 : close)]))
            sawRoot = true
            try handler.startElement(name, attributes: attributes)
            if selfClosing {
                if stackStarts.isEmpty { rootClosed = true }
                try handler.endElement(name)
            } else {
                stackStarts.append(stackBytes.count)
                stackBytes.append(contentsOf: name)
            }
            return close + 1
        }
    }

    private func needMore() throws -> Int? {
        if atEOF { return try failTruncated() }
        return nil
    }

    /// The innermost open element's name, for messages.
    private var openElementName: String? {
        stackStarts.last.map { String(decoding: stackBytes[$0...], as: UTF8.self) }
    }

    private func failTruncated() throws -> Int? {
        let inside = openElementName.map { " inside <\($0)>" } ?? ""
        throw error("the file is truncated: it ends in the middle of a tag\(inside)")
    }

    /// The index of the '>' ending a start tag, skipping '>' inside quoted attribute values.
    /// A closing quote followed by anything but space, '/' or '>' means quotes inside a value
    /// were not escaped: the values may be cut, so that is worth one warning.
    private mutating func tagEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var quote: UInt8 = 0
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if quote != 0 {
                if byte == quote {
                    quote = 0
                    if !warnedAboutQuotes, index + 1 < bytes.count {
                        let next = bytes[index + 1]
                        if !Self.isSpace(next) && next != 47 && next != 62 {
                            warnedAboutQuotes = true
                            warnings.append("\(path): an attribute value has an unescaped quote; values after it may be cut")
                        }
                    }
                }
            } else if byte == 34 || byte == 39 {
                quote = byte
            } else if byte == 62 {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The index of the '>' ending a DOCTYPE, past its internal subset `[ … ]` and quoted strings.
    static func doctypeEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var depth = 0
        var quote: UInt8 = 0
        var index = start + 2
        while index < bytes.count {
            let byte = bytes[index]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == 34 || byte == 39 {
                quote = byte
            } else if byte == 91 {
                depth += 1
            } else if byte == 93 {
                depth -= 1
            } else if byte == 62 && depth <= 0 {
                return index
            }
            index += 1
        }
        return nil
    }

    private func error(_ problem: String) -> ReportError { ReportError(path: path, problem: problem) }

    // MARK: Byte helpers

    static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 10 || byte == 13 || byte == 9 }

    static func find(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while let hit = find(needle[0], in: bytes, from: index) {
            if hit + needle.count > bytes.count { return nil }
            var matched = true
            for offset in 1..<needle.count where bytes[hit + offset] != needle[offset] {
                matched = false
                break
            }
            if matched { return hit }
            index = hit + 1
        }
        return nil
    }

    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    /// How many bytes at the end of `bytes[from..<to]` might be the start of an entity reference.
    static func partialEntityLength(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        var index = to - 1
        while index >= from && to - index <= 12 {
            if bytes[index] == 38 { return to - index }  // '&' with no ';' after it yet
            if bytes[index] == 59 { return 0 }
            index -= 1
        }
        return 0
    }
}
