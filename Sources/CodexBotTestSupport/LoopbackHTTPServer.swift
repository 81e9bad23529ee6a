// A plain HTTP/1.1 server on 127.0.0.1 whose answers come from a Swift closure: the base of the
// loopback forge and model servers. Keep-alive, Content-Length and chunked bodies, and the
// misbehaviours an API client must survive (truncated bodies, stalls, slow streams).
import Foundation
import Glibc

/// One request as the server read it, body included.
public struct LoopbackHTTPRequest: Sendable {
    public var method: String
    /// The request target before any `?`, still percent-encoded. For a request sent to a proxy
    /// it is the absolute URL ("http://host/path").
    public var path: String
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The number of this request on its connection, from 1: 2 and up mean the client reused it.
    public var indexOnConnection: Int

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as a JSON object; nil when it is not one.
    public var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// The query's parameters, percent-decoded ("a=1&b=x%20y" → ["a": "1", "b": "x y"]).
    public var queryItems: [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            items[name] = value
        }
        return items
    }
}

/// What the server sends back.
public struct LoopbackHTTPResponse: Sendable {
    public enum Delivery: Sendable {
        /// Headers, Content-Length and the whole body.
        case whole
        /// Content-Length of the whole body, then only its first `bytes` bytes, then the connection closes.
        case truncated(afterBytes: Int)
        /// A chunked body: each piece is sent as it comes, `interval` apart.
        case chunks([[UInt8]], interval: Duration)
        /// Headers never come; the connection stays open until the client leaves or the server stops.
        case stall
        /// A chunked body written by `write`, which gets a function sending one chunk; it may
        /// block between chunks (to wait for the client to react) and throws when the client is gone.
        case writer(@Sendable (_ send: ([UInt8]) throws -> Void) throws -> Void)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var delivery: Delivery

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], delivery: Delivery = .whole) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delivery = delivery
    }

    public static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> LoopbackHTTPResponse {
        LoopbackHTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers,
                             body: Array(text.utf8))
    }

    /// A JSON body from any `JSONSerialization` value (dictionaries, arrays, strings, numbers, NSNull).
    public static func json(_ status: Int, _ value: Any, headers: [(String, String)] = []) -> LoopbackHTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
        return LoopbackHTTPResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
                                    body: Array(data))
    }
}

/// Serves every request with `handler`, on a thread per connection. The handler may block
/// (sleep) to play a slow server; it must be thread-safe, since connections run in parallel.
public final class LoopbackHTTPServer: @unchecked Sendable {  // state lives in LoopbackHTTPCore
    public typealias Handler = @Sendable (LoopbackHTTPRequest) -> LoopbackHTTPResponse

    public let port: Int
    private let core: LoopbackHTTPCore

    public init(name: String = "LoopbackHTTPServer", handler: @escaping Handler) throws {
        signal(SIGPIPE, SIG_IGN)
        let (listener, port) = try Loopback.bind()
        self.port = port
        core = LoopbackHTTPCore(listener: listener, name: name, handler: handler)
        core.start()
    }

    deinit { core.threads.stop() }

    /// "http://127.0.0.1:PORT"
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request answered (or given up on) so far, in that order.
    public var requests: [LoopbackHTTPRequest] { core.recorded }

    /// How many TCP connections clients have opened.
    public var connectionCount: Int { core.connections }

    /// Closes the listener and every connection and waits for the threads. Idempotent.
    public func stop() { core.threads.stop() }
}

/// Runs a server for the duration of `body` and stops it on every path.
public func withLoopbackHTTPServer<T>(handler: @escaping LoopbackHTTPServer.Handler,
                                      _ body: (LoopbackHTTPServer) async throws -> T) async throws -> T {
    let server = try LoopbackHTTPServer(handler: handler)
    defer { server.stop() }
    return try await body(server)
}

final class LoopbackHTTPCore: @unchecked Sendable {  // `log` and `connectionTotal` are guarded by `lock`
    let threads: ConnectionThreads
    private let handler: LoopbackHTTPServer.Handler
    private let lock = NSLock()
    private var log: [LoopbackHTTPRequest] = []
    private var connectionTotal = 0

    init(listener: Int32, name: String, handler: @escaping LoopbackHTTPServer.Handler) {
        threads = ConnectionThreads(listener: listener, name: name)
        self.handler = handler
    }

    var recorded: [LoopbackHTTPRequest] { lock.withLock { log } }
    var connections: Int { lock.withLock { connectionTotal } }

    func start() {
        threads.start { [self] socket in
            lock.withLock { connectionTotal += 1 }
            serve(socket)
        }
    }

    private func serve(_ socket: Int32) {
        let reader = FDReader(fd: socket)
        var index = 0
        do {
            while let head = try RequestHead.read(from: reader) {
                index += 1
                let body = BodyReader(framing: try BodyFraming(of: head), reader: reader)
                if head.expectsContinue {
                    try sendAll(socket, responseHead(status: 100, reason: reasonPhrase(100), headers: []))
                }
                var bytes: [UInt8] = []
                while case let piece = try body.read(upTo: 64 * 1024), !piece.isEmpty {
                    bytes += piece
                }
                let request = LoopbackHTTPRequest(method: head.method, path: head.path, query: head.query,
                                                  headers: head.headers, body: bytes, indexOnConnection: index)
                let response = handler(request)
                lock.withLock { log.append(request) }
                guard try send(response, to: socket, head: head) else { return }
            }
        } catch WireError.malformed(let reason) {
            try? sendAll(socket, responseHead(status: 400, reason: reasonPhrase(400),
                                              headers: [("Content-Length", "\(reason.utf8.count)"), ("Connection", "close")])
                                 + Array(reason.utf8))
        } catch {
            // The client left, or the server is stopping.
        }
    }

    /// Sends one response; returns whether the connection can carry another request.
    private func send(_ response: LoopbackHTTPResponse, to socket: Int32, head: RequestHead) throws -> Bool {
        let keepAlive = head.allowsKeepAlive
        var headers = response.headers
        if !keepAlive { headers.append(("Connection", "close")) }
        let reason = reasonPhrase(response.status)
        let omitsBody = head.method == "HEAD" || response.status == 204 || response.status == 304
        switch response.delivery {
        case .whole:
            if !omitsBody || head.method == "HEAD" { headers.append(("Content-Length", "\(response.body.count)")) }
            try sendAll(socket, responseHead(status: response.status, reason: reason, headers: headers)
                                + (omitsBody ? [] : response.body))
            return keepAlive
        case .truncated(let count):
            headers.append(("Content-Length", "\(response.body.count)"))
            try sendAll(socket, responseHead(status: response.status, reason: reason, headers: headers)
                                + response.body.prefix(count))
            return false
        case .chunks(let pieces, let interval):
            headers.append(("Transfer-Encoding", "chunked"))
            try sendAll(socket, responseHead(status: response.status, reason: reason, headers: headers))
            for (number, piece) in pieces.enumerated() where !piece.isEmpty {
                if number > 0 { Thread.sleep(forTimeInterval: interval.seconds) }
                try sendAll(socket, chunk(piece))
            }
            try sendAll(socket, lastChunk)
            return keepAlive
        case .writer(let write):
            headers.append(("Transfer-Encoding", "chunked"))
            try sendAll(socket, responseHead(status: response.status, reason: reason, headers: headers))
            try write { piece in
                if !piece.isEmpty { try sendAll(socket, chunk(piece)) }
            }
            try sendAll(socket, lastChunk)
            return keepAlive
        case .stall:
            let reader = FDReader(fd: socket)
            while try !reader.read(upTo: 64 * 1024).isEmpty {}
            return false
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
