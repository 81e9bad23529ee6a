/// Keeps the first half and the last half of a command's output, up to a byte limit, and counts
/// what falls between. Memory stays at the limit however much the command prints: the tail is a
/// ring buffer that the newest bytes overwrite.
struct OutputCollector {
    private let headLimit: Int
    private let tailLimit: Int
    private var head: [UInt8] = []
    /// In order while it is filling; once full, the oldest byte is at `tailStart`.
    private var tail: [UInt8] = []
    private var tailStart = 0
    private(set) var totalBytes = 0

    init(limit: Int) {
        let limit = max(0, limit)
        headLimit = limit / 2
        tailLimit = limit - headLimit
        head.reserveCapacity(min(headLimit, 1 << 20))
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return }
        totalBytes += bytes.count
        var rest = bytes[...]
        if head.count < headLimit {
            let taken = min(headLimit - head.count, rest.count)
            head.append(contentsOf: rest.prefix(taken))
            rest = rest.dropFirst(taken)
        }
        guard !rest.isEmpty, tailLimit > 0 else { return }
        if tail.count < tailLimit {
            let taken = min(tailLimit - tail.count, rest.count)
            tail.append(contentsOf: rest.prefix(taken))
            rest = rest.dropFirst(taken)
            guard !rest.isEmpty else { return }
        }
        // The ring is full: the newest `rest.count` bytes replace the oldest ones.
        let newest = rest.suffix(tailLimit)
        let firstPart = min(newest.count, tailLimit - tailStart)
        tail.withUnsafeMutableBytes { ring in
            guard let ring = ring.baseAddress, let source = UnsafeBufferPointer(rebasing: newest).baseAddress else { return }
            (ring + tailStart).copyMemory(from: source, byteCount: firstPart)
            ring.copyMemory(from: source + firstPart, byteCount: newest.count - firstPart)
        }
        tailStart = (tailStart + newest.count) % tailLimit
    }

    /// The text kept, as UTF-8 with invalid bytes replaced, and how many bytes were left out of the
    /// middle. The cut never splits a character: the bytes of a character cut in two count as
    /// omitted, and a marker line says how many there were.
    func finish() -> (text: String, omittedBytes: Int) {
        var kept = head
        var ending = Array(tail[tailStart...])
        ending.append(contentsOf: tail[..<tailStart])
        guard totalBytes > head.count + ending.count else {
            kept.append(contentsOf: ending)
            return (String(decoding: kept, as: UTF8.self), 0)
        }
        let split = Self.incompleteSuffixLength(kept)
        kept.removeLast(split)
        let orphans = Self.continuationPrefixLength(ending)
        ending.removeFirst(orphans)
        let omitted = totalBytes - kept.count - ending.count
        var text = String(decoding: kept, as: UTF8.self)
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += "[… \(omitted) bytes omitted …]\n"
        text += String(decoding: ending, as: UTF8.self)
        return (text, omitted)
    }

    /// How many bytes at the end of `bytes` start a UTF-8 character that the end cuts short.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        // The last lead byte within a character's reach (4 bytes) decides.
        var back = 1
        while back <= min(4, bytes.count) {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 != 0x80 {
                let length = byte & 0xE0 == 0xC0 ? 2 : byte & 0xF0 == 0xE0 ? 3 : byte & 0xF8 == 0xF0 ? 4 : 1
                return length > back ? back : 0
            }
            back += 1
        }
        return 0  // only continuation bytes: invalid anyway, the lossy decoding marks it
    }

    /// How many continuation bytes (at most 3) open `bytes`: the end of a character whose start was cut.
    static func continuationPrefixLength(_ bytes: [UInt8]) -> Int {
        var count = 0
        while count < min(3, bytes.count) && bytes[count] & 0xC0 == 0x80 { count += 1 }
        return count
    }
}
