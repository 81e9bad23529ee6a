import Foundation

/// A response whose body arrives while it is read: model streams (server-sent events) and logs.
/// Stopping the iteration (or cancelling the task) ends the transfer.
public struct HTTPStreamingResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let url: URL
    public let request: HTTPRequest
    /// The body's bytes, in the pieces they came in; throws `HTTPError` if the transfer fails midway.
    public let body: AsyncThrowingStream<Data, any Error>

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Reads the rest of the body into memory (for an error response, or a short one).
    public func collect(upTo limit: Int = 1 << 20) async throws -> Data {
        var data = Data()
        for try await piece in body {
            data.append(piece.prefix(max(0, limit - data.count)))
            if data.count >= limit { break }
        }
        return data
    }

    /// The body as lines (LF, CRLF or CR), without their line ends. A line longer than
    /// `maxLineBytes` is an error rather than unbounded memory. Read in the reader's own task:
    /// no task or buffer sits between the bytes and the lines.
    public func lines(maxLineBytes: Int = 8 << 20) -> HTTPLines {
        HTTPLines(body: body, maxLineBytes: maxLineBytes, label: request.errorLabel)
    }

    /// The body as server-sent events (the WHATWG `text/event-stream` format).
    public func serverSentEvents(maxLineBytes: Int = 8 << 20) -> ServerSentEvents {
        ServerSentEvents(lines: lines(maxLineBytes: maxLineBytes))
    }
}

/// The lines of a streaming body, split as they arrive.
public struct HTTPLines: AsyncSequence, Sendable {
    public typealias Element = String
    let body: AsyncThrowingStream<Data, any Error>
    let maxLineBytes: Int
    let label: String

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: body.makeAsyncIterator(), splitter: LineSplitter(maxLineBytes: maxLineBytes), label: label)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: AsyncThrowingStream<Data, any Error>.AsyncIterator
        var splitter: LineSplitter
        let label: String
        var ready: [String] = []
        var index = 0
        var finished = false

        public mutating func next() async throws -> String? {
            while index == ready.count {
                if finished { return nil }
                index = 0
                if let piece = try await upstream.next() {
                    ready = try splitter.push(piece, request: label)
                } else {
                    finished = true
                    ready = splitter.finish().map { [$0] } ?? []
                }
            }
            defer { index += 1 }
            return ready[index]
        }
    }
}

/// The server-sent events of a streaming body, parsed as its lines arrive.
public struct ServerSentEvents: AsyncSequence, Sendable {
    public typealias Element = ServerSentEvent
    let lines: HTTPLines

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lines: lines.makeAsyncIterator())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var lines: HTTPLines.AsyncIterator
        var parser = ServerSentEventParser()
        var ended = false

        public mutating func next() async throws -> ServerSentEvent? {
            guard !ended else { return nil }
            while let line = try await lines.next() {
                if let event = parser.push(line: line) { return event }
            }
            ended = true
            return parser.finish()
        }
    }
}

extension HTTPStreamingResponse: RetryableResponse {
    func readingBody() async -> (Data, HTTPStreamingResponse) {
        do {
            let data = try await collect(upTo: 1 << 20)
            let replay = AsyncThrowingStream<Data, any Error> { continuation in
                continuation.yield(data)
                continuation.finish()
            }
            return (data, HTTPStreamingResponse(status: status, headers: headers, url: url, request: request, body: replay))
        } catch {
            let failed = AsyncThrowingStream<Data, any Error> { $0.finish(throwing: error) }
            return (Data(), HTTPStreamingResponse(status: status, headers: headers, url: url, request: request, body: failed))
        }
    }
    func discard() {}  // the body stream is dropped, which cancels the transfer
}

/// Splits bytes into lines across piece boundaries (and across split UTF-8 sequences).
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    private var afterCR = false
    private let maxLineBytes: Int

    public init(maxLineBytes: Int = 8 << 20) { self.maxLineBytes = maxLineBytes }

    /// The lines completed by `piece`.
    public mutating func push(_ piece: Data, request: String = "stream") throws -> [String] {
        var lines: [String] = []
        for byte in piece {
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }  // the LF of a CRLF
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
                afterCR = byte == UInt8(ascii: "\r")
            } else {
                pending.append(byte)
                if pending.count > maxLineBytes {
                    throw HTTPError(.tooLarge, request: request, message: "a line of the stream is longer than \(maxLineBytes) bytes")
                }
            }
        }
        return lines
    }

    /// The last line, if the body did not end with a line end.
    public mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}

/// One server-sent event: `event:` (default "message"), the `data:` lines joined by "\n", and `id:`.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String
    public var data: String
    public var id: String?

    public init(event: String = "message", data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// The event-stream interpretation of lines (WHATWG HTML §9.2.6): fields, comments, and a blank line dispatching.
public struct ServerSentEventParser: Sendable {
    private var event = ""
    private var data: [String] = []
    private var sawData = false
    private var lastID: String?

    public init() {}

    public mutating func push(line: String) -> ServerSentEvent? {
        if line.isEmpty { return dispatch() }
        if line.hasPrefix(":") { return nil }  // a comment (keep-alive)
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data":
            data.append(String(value))
            sawData = true
        case "id" where !value.contains("\0"): lastID = String(value)
        default: break  // "retry" and unknown fields: nothing for an API client to do
        }
        return nil
    }

    /// A final event not followed by a blank line is dropped, as the standard says; servers that
    /// end with `data: [DONE]` and no blank line still get it delivered here.
    public mutating func finish() -> ServerSentEvent? { dispatch() }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            event = ""
            data = []
            sawData = false
        }
        guard sawData else { return nil }
        return ServerSentEvent(event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n"), id: lastID)
    }
}
