/// The attributes of a start tag as raw bytes, parsed only when a value is asked for:
/// most of a large report's tags are passing test cases whose attributes are never read.
/// Valid only during the `startElement` call; `copy()` keeps them longer.
struct XMLAttributes {
    let raw: UnsafeBufferPointer<UInt8>

    /// The decoded value of attribute `name`, or nil.
    func value(_ name: StaticString) -> String? {
        XMLAttributes.value(name, in: raw)
    }

    /// The attribute bytes, owned, for reading after the `startElement` call.
    func copy() -> OwnedXMLAttributes { OwnedXMLAttributes(bytes: Array(raw)) }

    static func value(_ name: StaticString, in raw: UnsafeBufferPointer<UInt8>) -> String? {
        let nameCount = name.utf8CodeUnitCount
        let namePointer = name.utf8Start
        var index = 0
        let end = raw.count
        while index < end {
            while index < end && XMLScanner.isSpace(raw[index]) { index += 1 }
            let nameStart = index
            while index < end && raw[index] != 61 && !XMLScanner.isSpace(raw[index]) { index += 1 }  // '='
            let nameEnd = index
            while index < end && XMLScanner.isSpace(raw[index]) { index += 1 }
            guard index < end, raw[index] == 61 else { return nil }  // not name="value": give up on the rest
            index += 1
            while index < end && XMLScanner.isSpace(raw[index]) { index += 1 }
            guard index < end, raw[index] == 34 || raw[index] == 39 else { return nil }
            let quote = raw[index]
            let valueStart = index + 1
            guard let valueEnd = XMLScanner.find(quote, in: raw, from: valueStart) else { return nil }
            index = valueEnd + 1
            guard nameEnd - nameStart == nameCount else { continue }
            var same = true
            for offset in 0..<nameCount where raw[nameStart + offset] != namePointer[offset] {
                same = false
                break
            }
            if same { return XMLText.decode(UnsafeBufferPointer(rebasing: raw[valueStart..<valueEnd])) }
        }
        return nil
    }
}

/// Attribute bytes kept after their tag was scanned.
struct OwnedXMLAttributes {
    var bytes: [UInt8]

    /// Replaces the kept bytes, reusing the storage: a reader that keeps every test case's
    /// attributes allocates once, not once per test case.
    mutating func replace(with attributes: XMLAttributes) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: attributes.raw)
    }

    func value(_ name: StaticString) -> String? {
        bytes.withUnsafeBufferPointer { XMLAttributes.value(name, in: $0) }
    }
}

/// Entity decoding for XML text and attribute values.
enum XMLText {
    /// Decodes the five predefined entities and character references; anything else
    /// (`&custom;`, a bare `&`) is kept as written, since only a DTD could define it and
    /// DTDs are never read. Invalid UTF-8 becomes U+FFFD.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard XMLScanner.find(38, in: bytes, from: 0) != nil else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 38, let semicolon = XMLScanner.find(59, in: bytes, from: index + 1),
                  semicolon - index <= 12,
                  let decoded = entity(UnsafeBufferPointer(rebasing: bytes[(index + 1)..<semicolon])) else {
                out.append(byte)
                index += 1
                continue
            }
            out.append(contentsOf: decoded)
            index = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func entity(_ name: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return [60]
        case "gt": return [62]
        case "amp": return [38]
        case "quot": return [34]
        case "apos": return [39]
        case let reference where reference.hasPrefix("#"):
            let digits = reference.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X")
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return Array("\u{FFFD}".utf8) }
            return Array(String(Character(scalar)).utf8)
        default:
            return nil
        }
    }
}

/// Collects text up to a bound, keeping its head and tail: a 100 MB `<system-out>` costs
/// at most `limit` bytes.
struct BoundedText {
    let limit: Int
    private(set) var head: [UInt8] = []
    private var tail: [UInt8] = []
    private(set) var total = 0

    init(limit: Int) { self.limit = limit }

    var isEmpty: Bool { total == 0 }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        total += bytes.count
        let headRoom = limit / 2 - head.count
        if headRoom > 0 {
            head.append(contentsOf: bytes.prefix(headRoom))
            if bytes.count <= headRoom { return }
        }
        let rest = bytes.count > headRoom && headRoom > 0 ? UnsafeBufferPointer(rebasing: bytes[headRoom...]) : bytes
        tail.append(contentsOf: rest.suffix(limit / 2))
        if tail.count > limit { tail.removeFirst(tail.count - limit / 2) }
    }

    mutating func reset() {
        head.removeAll(keepingCapacity: true)
        tail.removeAll(keepingCapacity: true)
        total = 0
    }

    /// The text, with a marker where bytes were cut. (XML entities are decoded as text is
    /// appended, by `appendXMLText`, where a piece never ends inside one.)
    var text: String {
        let tailKept = Array(tail.suffix(limit / 2))
        let cut = total - head.count - tailKept.count
        if cut <= 0 { return String(decoding: head + tailKept, as: UTF8.self) }
        return String(decoding: head, as: UTF8.self) + "\n… [\(cut) bytes cut] …\n" + String(decoding: tailKept, as: UTF8.self)
    }
}

extension BoundedText {
    /// Appends XML character data, decoding entities unless it is CDATA.
    mutating func appendXMLText(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) {
        if isCDATA || XMLScanner.find(38, in: text, from: 0) == nil {
            append(text)
        } else {
            var decoded = Array(XMLText.decode(text).utf8)
            decoded.withUnsafeMutableBufferPointer { append(UnsafeBufferPointer($0)) }
        }
    }
}
