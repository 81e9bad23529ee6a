// The HTTP/1.1 bytes on the wire for GitHTTPServer: buffered reads, request heads, request bodies
// (Content-Length or chunked), and response framing. Only what a git client sends is supported.
import Foundation
import Glibc

/// Why reading or writing failed. `malformed` is the peer's fault and is answered with 400;
/// `closed` means the connection is gone (hang-up, reset, or the server shut it down).
enum WireError: Error {
    case malformed(String)
    case closed
}

// MARK: - Reading

/// Buffered reads from a socket or a pipe, so that a head can be parsed line by line and the
/// body that follows read from the same buffer.
final class FDReader: @unchecked Sendable {  // used by one thread at a time
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    init(fd: Int32) { self.fd = fd }

    /// The next line without its LF or CRLF; nil if the stream ends before the line's first byte.
    func readLine(maxLength: Int) throws -> [UInt8]? {
        var scanned = 0
        while true {
            let unscanned = buffer[(start + scanned)...]
            if let newline = unscanned.firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                return line
            }
            scanned = buffer.count - start
            guard scanned <= maxLength else { throw WireError.malformed("line too long") }
            guard try fill() else {
                if scanned > 0 { throw WireError.closed }
                return nil
            }
        }
    }

    /// Between one and `max` bytes, or none at the end of the stream.
    func read(upTo max: Int) throws -> [UInt8] {
        if start == buffer.count, try !fill() { return [] }
        let end = min(buffer.count, start + max)
        defer { start = end }
        return Array(buffer[start..<end])
    }

    /// Appends the descriptor's next bytes to the buffer; false at the end of the stream.
    private func fill() throws -> Bool {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        while true {
            let count = scratch.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: scratch[0..<count])
                return true
            }
            if count == 0 { return false }
            if errno != EINTR { throw WireError.closed }
        }
    }
}

// MARK: - Writing

/// Writes all of `bytes` to a socket. MSG_NOSIGNAL: a client that hung up costs an error, not the process.
func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    try writeFully(bytes) { send(fd, $0, $1, Int32(MSG_NOSIGNAL)) }
}

/// Writes all of `bytes` to a pipe. SIGPIPE is ignored process-wide, so a reader that quit is EPIPE.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    try writeFully(bytes) { Glibc.write(fd, $0, $1) }
}

private func writeFully(_ bytes: [UInt8], _ write: (UnsafeRawPointer, Int) -> Int) throws {
    try bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let written = write(base + offset, raw.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                throw WireError.closed
            }
        }
    }
}

// MARK: - Request head

/// The request line and headers of one request (RFC 9112 §2-5).
struct RequestHead {
    var method: String
    /// The target before any `?`, still percent-encoded.
    var path: String
    var query: String
    var version: String
    var headers: [(name: String, value: String)] = []

    static let maxBytes = 64 * 1024

    /// Every value of header `name`, compared case-insensitively.
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    func value(_ name: String) -> String? { values(name).first }

    var isHTTP11: Bool { version == "HTTP/1.1" }

    /// Whether the client lets this connection carry another request after this one.
    var allowsKeepAlive: Bool {
        let tokens = values("Connection").flatMap { $0.split(separator: ",") }
        return isHTTP11 && !tokens.contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
    }

    /// Whether the client waits for `100 Continue` before sending its body.
    var expectsContinue: Bool {
        isHTTP11 && value("Expect")?.lowercased() == "100-continue"
    }

    /// Reads the next request head; nil if the client closed the connection between requests.
    static func read(from reader: FDReader) throws -> RequestHead? {
        var remaining = maxBytes
        func nextLine() throws -> [UInt8]? {
            let line = try reader.readLine(maxLength: remaining)
            remaining -= (line?.count ?? 0) + 1
            guard remaining >= 0 else { throw WireError.malformed("request head too large") }
            return line
        }
        // Clients may send a stray CRLF after a body (RFC 9112 §2.2): skip empty lines first.
        var requestLine: [UInt8] = []
        while requestLine.isEmpty {
            guard let line = try nextLine() else { return nil }
            requestLine = line
        }
        var head = try parseRequestLine(requestLine)
        while let line = try nextLine() {
            if line.isEmpty { return head }
            head.headers.append(try parseHeaderLine(line))
        }
        throw WireError.closed
    }

    private static func parseRequestLine(_ line: [UInt8]) throws -> RequestHead {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3,
              !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
              parts[1].first == UInt8(ascii: "/") || parts[1].starts(with: Array("http://".utf8)),  // origin or absolute form (proxies)
              parts[1].allSatisfy({ (0x21...0x7E).contains($0) })
        else { throw WireError.malformed("bad request line") }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { throw WireError.malformed("unsupported HTTP version") }
        let target = String(decoding: parts[1], as: UTF8.self)
        let path = target.prefix { $0 != "?" }
        let query = target.dropFirst(path.count + 1)
        return RequestHead(method: String(decoding: parts[0], as: UTF8.self),
                           path: String(path), query: String(query), version: version)
    }

    private static func parseHeaderLine(_ line: [UInt8]) throws -> (name: String, value: String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              line[..<colon].allSatisfy(isTokenByte),  // also rejects obsolete line folding (leading space)
              line[(colon + 1)...].allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F })
        else { throw WireError.malformed("bad header line") }
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
        return (String(decoding: line[..<colon], as: UTF8.self), value.trimmingCharacters(in: .whitespaces))
    }
}

/// `tchar` of RFC 9110 §5.6.2: the bytes allowed in methods and header names.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

// MARK: - Request body

/// How the body of a request is delimited (RFC 9112 §6).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked

    init(of head: RequestHead) throws {
        let codings = head.values("Transfer-Encoding")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let lengths = head.values("Content-Length")
        if !codings.isEmpty {
            // Both headers at once is how requests get smuggled; refuse rather than pick one.
            guard codings == ["chunked"], lengths.isEmpty else { throw WireError.malformed("unsupported Transfer-Encoding") }
            self = .chunked
            return
        }
        guard let length = lengths.first else {
            self = .none
            return
        }
        guard lengths.allSatisfy({ $0 == length }), (1...18).contains(length.utf8.count),
              length.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let count = Int(length)
        else { throw WireError.malformed("bad Content-Length") }
        self = .length(count)
    }
}

/// Something a request body can be read from, a chunk at a time; an empty chunk means the end.
protocol BodySource: AnyObject, Sendable {
    func read(upTo max: Int) throws -> [UInt8]
}

extension BodySource {
    /// Reads and drops the rest of the body, so the connection is ready for the next request.
    func drain() throws {
        while try !read(upTo: 64 * 1024).isEmpty {}
    }
}

/// The decoded bytes of one request body, read from the connection as the consumer asks for them.
final class BodyReader: BodySource, @unchecked Sendable {  // used by one thread at a time
    private enum State {
        case fixed(remaining: Int)
        case chunkHeader
        case chunkData(remaining: Int)
        case done
    }

    let framing: BodyFraming
    private let reader: FDReader
    private var state: State

    init(framing: BodyFraming, reader: FDReader) {
        self.framing = framing
        self.reader = reader
        switch framing {
        case .none, .length(0): state = .done
        case .length(let count): state = .fixed(remaining: count)
        case .chunked: state = .chunkHeader
        }
    }

    /// Whether the whole body has been read, so the next bytes on the connection start a new request.
    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    func read(upTo max: Int) throws -> [UInt8] {
        while true {
            switch state {
            case .done:
                return []
            case .fixed(let remaining):
                let bytes = try readSome(upTo: min(max, remaining))
                state = bytes.count == remaining ? .done : .fixed(remaining: remaining - bytes.count)
                return bytes
            case .chunkHeader:
                let size = try readChunkSize()
                if size == 0 {
                    try skipTrailers()
                    state = .done
                } else {
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let bytes = try readSome(upTo: min(max, remaining))
                if bytes.count == remaining {
                    guard try reader.readLine(maxLength: 2) == [] else { throw WireError.malformed("chunk not followed by CRLF") }
                    state = .chunkHeader
                } else {
                    state = .chunkData(remaining: remaining - bytes.count)
                }
                return bytes
            }
        }
    }

    private func readSome(upTo max: Int) throws -> [UInt8] {
        let bytes = try reader.read(upTo: max)
        guard !bytes.isEmpty else { throw WireError.closed }
        return bytes
    }

    /// `chunk-size [; chunk-ext] CRLF`: extensions are ignored.
    private func readChunkSize() throws -> Int {
        guard let line = try reader.readLine(maxLength: 1024) else { throw WireError.closed }
        let digits = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
        guard (1...15).contains(digits.count), let size = Int(digits, radix: 16), size >= 0 else {
            throw WireError.malformed("bad chunk size")
        }
        return size
    }

    private func skipTrailers() throws {
        var remaining = RequestHead.maxBytes
        while true {
            guard let line = try reader.readLine(maxLength: remaining) else { throw WireError.closed }
            if line.isEmpty { return }
            remaining -= line.count + 1
            guard remaining >= 0 else { throw WireError.malformed("trailers too large") }
        }
    }
}

/// A request body already decoded into memory, served in chunks like a `BodyReader`.
final class BufferedBody: BodySource, @unchecked Sendable {  // used by one thread at a time
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(upTo max: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

// MARK: - Responses

/// The status line and headers of a response, ending with the empty line.
func responseHead(status: Int, reason: String, headers: [(String, String)]) -> [UInt8] {
    var text = "HTTP/1.1 \(status) \(reason)\r\n"
    for (name, value) in headers {
        text += "\(name): \(value)\r\n"
    }
    return Array((text + "\r\n").utf8)
}

/// One chunk of a chunked response body (RFC 9112 §7.1); `bytes` must not be empty.
func chunk(_ bytes: [UInt8]) -> [UInt8] {
    Array("\(String(bytes.count, radix: 16))\r\n".utf8) + bytes + [0x0D, 0x0A]
}

/// The zero-size chunk that ends a chunked body, with no trailers.
let lastChunk = Array("0\r\n\r\n".utf8)

/// The standard reason phrase for the statuses this server produces itself.
func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: "Continue"
    case 200: "OK"
    case 201: "Created"
    case 204: "No Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 304: "Not Modified"
    case 307: "Temporary Redirect"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 409: "Conflict"
    case 422: "Unprocessable Entity"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    default: "Status \(status)"
    }
}
