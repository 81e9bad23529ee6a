import Foundation

/// Cuts long text to a budget keeping its head and tail, where the useful lines of tool
/// output usually are (the command, and the error at the end).
public enum TextClip {
    /// `text` if it fits in `limit` UTF-8 bytes; otherwise its first and last parts with a
    /// line saying how much was left out. Never splits a character.
    public static func headAndTail(_ text: String, limit: Int) -> String {
        let bytes = text.utf8
        guard bytes.count > max(limit, 64) else { return text }
        let keep = max(limit - 64, 32)
        let headBytes = keep / 2
        let tailBytes = keep - headBytes
        var head = text.utf8.prefix(headBytes)
        while let last = head.last, last & 0xC0 == 0x80 || last >= 0xC0 { head = head.dropLast() }  // no half character
        var tail = text.utf8.suffix(tailBytes)
        while let first = tail.first, first & 0xC0 == 0x80 { tail = tail.dropFirst() }
        let omitted = bytes.count - head.count - tail.count
        return String(decoding: head, as: UTF8.self) + "\n[… \(omitted) bytes omitted …]\n" + String(decoding: tail, as: UTF8.self)
    }
}
