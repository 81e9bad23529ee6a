import Foundation

/// Reads a file in fixed-size chunks with POSIX `read`, so memory stays bounded however
/// large the file is. Not thread-safe.
final class FileChunks {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8]
    private(set) var bytesRead = 0

    /// Opens `path` for reading; a directory, a missing or unreadable file is a `ReportError`.
    init(path: String, chunkSize: Int = 1 << 20) throws {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ReportError(path: path, problem: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) != S_IFDIR else {
            throw ReportError(path: path, problem: "is a directory, not a report file")
        }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ReportError(path: path, problem: "cannot open: \(String(cString: strerror(errno)))")
        }
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit { close(fd) }

    /// Calls `body` with the next chunk; returns false at the end of the file.
    func next(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            while true {
                let n = read(fd, raw.baseAddress, raw.count)
                if n < 0 && errno == EINTR { continue }
                return n
            }
        }
        if count < 0 { throw ReportError(path: path, problem: "read failed: \(String(cString: strerror(errno)))") }
        if count == 0 { return false }
        bytesRead += count
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        return true
    }

    /// The first `count` bytes of the file (fewer if it is shorter), for format detection.
    static func prefix(of path: String, count: Int) throws -> [UInt8] {
        let chunks = try FileChunks(path: path, chunkSize: count)
        var bytes: [UInt8] = []
        _ = try chunks.next { bytes = Array($0) }
        return bytes
    }
}

/// Splits a file into lines (without the line break, `\r\n` or `\n`), streaming. A line
/// longer than `maxLineLength` is cut there (the rest is dropped) and counted in
/// `truncatedLines`, so one enormous line cannot take unbounded memory.
final class LineReader {
    let path: String
    private let chunks: FileChunks
    private let maxLineLength: Int
    private(set) var truncatedLines = 0
    /// Whether the file had bytes that are not valid UTF-8 (they become U+FFFD).
    private(set) var sawInvalidUTF8 = false
    /// Whether the file held NUL bytes: a sign of a binary file.
    private(set) var sawNUL = false

    init(path: String, maxLineLength: Int = 1 << 20) throws {
        self.path = path
        chunks = try FileChunks(path: path)
        self.maxLineLength = maxLineLength
    }

    /// Calls `body` with each line in order; `body` returns false to stop early.
    func forEachLine(_ body: (String) throws -> Bool) throws {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        var stop = false
        var cut = false
        func emit() throws {
            if line.last == 13 { line.removeLast() }  // \r\n
            if line.contains(0) { sawNUL = true }
            let text: String
            if let valid = String(validating: line, as: UTF8.self) {
                text = valid
            } else {
                sawInvalidUTF8 = true
                text = String(decoding: line, as: UTF8.self)
            }
            stop = !(try body(text))
            line.removeAll(keepingCapacity: true)
            cut = false
        }
        while !stop, try chunks.next({ chunk in
            var start = 0
            while start < chunk.count && !stop {
                if let newline = chunk[start...].firstIndex(of: 10) {
                    append(chunk[start..<newline], to: &line, cut: &cut)
                    try emit()
                    start = newline + 1
                } else {
                    append(chunk[start...], to: &line, cut: &cut)
                    start = chunk.count
                }
            }
        }) {}
        if !stop && !line.isEmpty { try emit() }
    }

    /// Feeds every line to `consume` (which returns false to stop early) and then refuses
    /// what no text format can be: a binary file (NUL bytes) or one with nothing but
    /// whitespace. Returns the warnings about the reading itself (invalid UTF-8, cut lines).
    /// `format` names what was expected, for the error ("not TAP").
    func readText(format: String, _ consume: (String) throws -> Bool) throws -> [String] {
        var sawText = false
        try forEachLine { line in
            if sawNUL { return false }
            if !sawText && !line.allSatisfy(\.isWhitespace) { sawText = true }
            return try consume(line)
        }
        if sawNUL { throw ReportError(path: path, problem: "binary file (it contains NUL bytes), not \(format)") }
        guard sawText else { throw ReportError(path: path, problem: "the file is empty") }
        var warnings: [String] = []
        if sawInvalidUTF8 { warnings.append("invalid UTF-8 replaced with U+FFFD") }
        if truncatedLines > 0 { warnings.append("\(truncatedLines) over-long line(s) cut") }
        return warnings
    }

    private func append(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, to line: inout [UInt8], cut: inout Bool) {
        let room = maxLineLength - line.count
        if bytes.count <= room {
            line.append(contentsOf: bytes)
        } else {
            if room > 0 { line.append(contentsOf: bytes.prefix(room)) }
            if !cut { truncatedLines += 1; cut = true }
        }
    }
}
