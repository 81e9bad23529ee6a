// One client connection of GitHTTPServer: authentication, the misbehaviours, and the CGI run of
// `git http-backend` for each request.
import Foundation
import Glibc

/// Serves the requests of one connection in turn (keep-alive), each by running `git http-backend`.
final class GitHTTPConnection {
    private let core: ServerCore
    private let socket: Int32
    private let reader: FDReader
    /// The status sent for the current request; 0 until a final response starts going out.
    private var sentStatus = 0
    /// Where the current request's outcome goes.
    private var record: RequestRecord?
    /// HEAD responses carry headers only.
    private var omitsBody = false

    init(core: ServerCore, socket: Int32) {
        self.core = core
        self.socket = socket
        self.reader = FDReader(fd: socket)
    }

    func run() {
        do {
            while let head = try RequestHead.read(from: reader) {
                guard serve(head) else { return }
            }
        } catch WireError.malformed(let reason) {
            record = RequestRecord(core: core, head: nil)
            omitsBody = false
            try? answer(400, reason + "\n", keepAlive: false)
        } catch {
            // The client left or the server is stopping: nobody to answer.
        }
    }

    /// Answers one request and records it; returns whether the connection can carry another.
    private func serve(_ head: RequestHead) -> Bool {
        let record = RequestRecord(core: core, head: head)
        self.record = record
        sentStatus = 0
        omitsBody = head.method == "HEAD"
        // Outcomes not recorded on the way: no answer on purpose, or a client that left.
        defer { record.finish(status: sentStatus) }
        do {
            return try respond(to: head, body: BodyReader(framing: BodyFraming(of: head), reader: reader))
        } catch WireError.malformed(let reason) where sentStatus == 0 {
            try? answer(400, reason + "\n", keepAlive: false)
            return false
        } catch {
            return false
        }
    }

    private func respond(to head: RequestHead, body: BodyReader) throws -> Bool {
        let behavior = core.behavior
        if case .neverAnswer = behavior {
            // Keep reading whatever comes until the client or stop() ends the connection.
            while try !reader.read(upTo: 64 * 1024).isEmpty {}
            return false
        }
        guard let user = authenticatedUser(head) else {
            return try refuse(head, body: body)
        }
        guard let pathInfo = head.path.removingPercentEncoding else {
            throw WireError.malformed("bad percent-encoding in path")
        }
        if head.expectsContinue && !body.isComplete {
            try sendAll(socket, responseHead(status: 100, reason: reasonPhrase(100), headers: []))
        }
        let request = BackendRequest(head: head, pathInfo: pathInfo, user: user,
                                     pushBudget: pushBudget(behavior, head: head, pathInfo: pathInfo))
        return try runBackend(request, body: body)
    }

    // MARK: Authentication

    /// The user the request acts as; nil when credentials are required and the request lacks the right ones.
    private func authenticatedUser(_ head: RequestHead) -> String? {
        guard let expected = core.configuration.credentials else { return "anonymous" }
        guard let given = head.value("Authorization").flatMap(basicCredentials),
              given.user == expected.username, given.password == expected.password
        else { return nil }
        return given.user
    }

    /// 401 with a challenge. The body is read and dropped first so the connection stays usable,
    /// unless the client waits for `100 Continue` and so will not send it.
    private func refuse(_ head: RequestHead, body: BodyReader) throws -> Bool {
        let bodyWithheld = head.expectsContinue && !body.isComplete
        if !bodyWithheld {
            try body.drain()
        }
        let keepAlive = head.allowsKeepAlive && !bodyWithheld
        try answer(401, "authentication required\n",
                   extraHeaders: [("WWW-Authenticate", "Basic realm=\"codex-bot-test\"")], keepAlive: keepAlive)
        return keepAlive
    }

    // MARK: The backend

    /// Runs `git http-backend` for one request: the body goes to its stdin from a second thread while
    /// this one relays its stdout, so neither pipe can fill up and stall the other.
    private func runBackend(_ request: BackendRequest, body: BodyReader) throws -> Bool {
        let input: BodySource
        let contentLength: Int?
        switch body.framing {
        case .chunked:
            // http-backend wants CONTENT_LENGTH, which a chunked body only reveals once decoded.
            guard let bytes = try decodeWholeBody(body, budget: request.pushBudget) else {
                record?.finish(status: 0)  // played dead mid-push; there is no backend yet
                shutdown(socket, Int32(SHUT_RDWR))
                return false
            }
            input = BufferedBody(bytes)
            contentLength = bytes.count
        case .length(let count):
            input = body
            contentLength = count
        case .none:
            input = body
            contentLength = nil
        }

        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(core.configuration.backendPath, arguments: [],
                                           environment: cgiEnvironment(request, contentLength: contentLength))
        } catch {
            try answer(500, "cannot start git http-backend\n", keepAlive: false)
            return false
        }
        guard core.adopt(child) else {  // the server is stopping
            child.kill()
            close(child.stdin)
            close(child.stdout)
            child.wait()
            return false
        }

        let run = BackendRun(child: child, socket: socket, record: record)
        let fed = DispatchSemaphore(value: 0)
        startThread(name: "GitHTTPServer.stdin") {
            run.feed(input, budget: request.pushBudget)
            fed.signal()
        }
        var complete = false
        do {
            complete = try relay(run, head: request.head)
        } catch {
            run.abandon()  // the client is gone: unblock the feeder
        }
        fed.wait()
        close(child.stdout)
        child.wait()
        core.release(child)
        return complete && request.head.allowsKeepAlive && body.isComplete
    }

    /// The CGI environment (RFC 3875 §4.1) plus what http-backend needs. Nothing else of this process's
    /// environment is passed on.
    private func cgiEnvironment(_ request: BackendRequest, contentLength: Int?) -> [String: String] {
        let head = request.head
        var environment = core.configuration.inheritedEnvironment
        environment["GIT_PROJECT_ROOT"] = core.configuration.projectRoot
        environment["GIT_HTTP_EXPORT_ALL"] = "1"
        environment["PATH_INFO"] = request.pathInfo
        environment["QUERY_STRING"] = head.query
        environment["REQUEST_METHOD"] = head.method
        environment["REMOTE_USER"] = request.user  // http-backend allows pushes only for a known user
        environment["REMOTE_ADDR"] = "127.0.0.1"
        environment["SERVER_PROTOCOL"] = "HTTP/1.1"
        environment["CONTENT_TYPE"] = head.value("Content-Type")
        environment["CONTENT_LENGTH"] = contentLength.map { String($0) }
        environment["HTTP_CONTENT_ENCODING"] = head.value("Content-Encoding")  // http-backend inflates gzip itself
        environment["GIT_PROTOCOL"] = head.value("Git-Protocol")
        return environment
    }

    /// Streams the backend's response to the client: its CGI head becomes the status line and headers,
    /// its stdout the body, chunked so the connection can carry another request (HTTP/1.0 clients get
    /// a close-delimited body). Returns whether the response went out complete and delimited.
    private func relay(_ run: BackendRun, head: RequestHead) throws -> Bool {
        let output = FDReader(fd: run.child.stdout)
        let cgi: CGIResponseHead
        do {
            cgi = try CGIResponseHead.read(from: output)
        } catch {
            if !run.died {
                try answer(502, "git http-backend sent no valid response\n", keepAlive: false)
            }
            return false
        }
        let chunked = head.isHTTP11
        var headers = cgi.headers
        if chunked { headers.append(("Transfer-Encoding", "chunked")) }
        if !chunked || !head.allowsKeepAlive { headers.append(("Connection", "close")) }
        sentStatus = cgi.status
        try sendAll(socket, responseHead(status: cgi.status, reason: cgi.reason, headers: headers))
        while true {
            let bytes = try output.read(upTo: 64 * 1024)
            if bytes.isEmpty { break }
            if !omitsBody {
                try sendAll(socket, chunked ? chunk(bytes) : bytes)
            }
        }
        guard !run.died else { return false }
        record?.finish(status: cgi.status)
        if chunked && !omitsBody {
            try sendAll(socket, lastChunk)
        }
        return chunked
    }

    /// A complete response with a short plain-text body, delimited by Content-Length.
    private func answer(_ status: Int, _ message: String, extraHeaders: [(String, String)] = [], keepAlive: Bool) throws {
        var headers = extraHeaders + [("Content-Type", "text/plain; charset=utf-8"),
                                      ("Content-Length", String(message.utf8.count))]
        if !keepAlive { headers.append(("Connection", "close")) }
        sentStatus = status
        record?.finish(status: status)
        let body = omitsBody ? [] : Array(message.utf8)
        try sendAll(socket, responseHead(status: status, reason: reasonPhrase(status), headers: headers) + body)
    }
}

/// What a backend run needs to know about the request it answers.
private struct BackendRequest {
    var head: RequestHead
    /// The decoded path, as CGI wants it.
    var pathInfo: String
    var user: String
    /// Under `.dieDuringPush`: body bytes to read before playing dead.
    var pushBudget: Int?
}

/// Under `.dieDuringPush`, how many bytes of a push body to read before playing dead; nil otherwise.
private func pushBudget(_ behavior: GitHTTPServer.Behavior, head: RequestHead, pathInfo: String) -> Int? {
    guard case .dieDuringPush(let afterBytes) = behavior,
          head.method == "POST", pathInfo.hasSuffix("/git-receive-pack")
    else { return nil }
    return max(0, afterBytes)
}

/// The user and password of a `Basic` Authorization header (RFC 7617).
private func basicCredentials(_ value: String) -> (user: String, password: String)? {
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "basic",
          let data = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)),
          let text = String(data: data, encoding: .utf8),
          let colon = text.firstIndex(of: ":")
    else { return nil }
    return (String(text[..<colon]), String(text[text.index(after: colon)...]))
}

/// The decoded body, or nil if the server played dead after `budget` bytes.
private func decodeWholeBody(_ body: BodyReader, budget: Int?) throws -> [UInt8]? {
    var bytes: [UInt8] = []
    let outcome = try forward(body, budget: budget) { chunk in
        bytes.append(contentsOf: chunk)
        return true
    }
    return outcome == .complete ? bytes : nil
}

private enum ForwardOutcome {
    case complete
    case budgetSpent
    case sinkFailed
}

/// Copies `source` to `sink` a chunk at a time, stopping once `budget` bytes (when given) have gone
/// through. Read errors are thrown; a sink that fails returns false.
private func forward(_ source: BodySource, budget: Int?, to sink: ([UInt8]) -> Bool) throws -> ForwardOutcome {
    var forwarded = 0
    while true {
        if let budget, forwarded >= budget { return .budgetSpent }
        let bytes = try source.read(upTo: min(64 * 1024, budget.map { $0 - forwarded } ?? .max))
        if bytes.isEmpty { return .complete }
        guard sink(bytes) else { return .sinkFailed }
        forwarded += bytes.count
    }
}

/// One backend run, shared by the connection thread (relaying stdout) and the feeder thread (stdin).
private final class BackendRun: @unchecked Sendable {  // `playedDead` is guarded by `lock`
    let child: ChildProcess
    private let socket: Int32
    private let record: RequestRecord?
    private let lock = NSLock()
    private var playedDead = false

    init(child: ChildProcess, socket: Int32, record: RequestRecord?) {
        self.child = child
        self.socket = socket
        self.record = record
    }

    /// Whether the run played dead mid-push; the response must then stay unfinished.
    var died: Bool { lock.withLock { playedDead } }

    /// Copies the body to the backend's stdin, then closes it. Under `.dieDuringPush` it stops after
    /// `budget` bytes and plays dead.
    func feed(_ body: BodySource, budget: Int?) {
        let outcome = try? forward(body, budget: budget) { bytes in (try? writeAll(child.stdin, bytes)) != nil }
        close(child.stdin)
        switch outcome {
        case .budgetSpent:
            lock.withLock { playedDead = true }
            record?.finish(status: 0)
            abandon()
        case .sinkFailed:
            // The backend stopped reading (an error, say): read the rest so the connection stays in step.
            try? body.drain()
        case .complete, nil:
            break
        }
    }

    /// Kills the backend and shuts the connection, which unblocks both threads of the run.
    func abandon() {
        child.kill()
        shutdown(socket, Int32(SHUT_RDWR))
    }
}

/// Records one request exactly once, as its outcome becomes visible to the client: just before the
/// last byte of the response goes out, or before the connection is dropped. A client that has seen
/// the outcome therefore finds it in `requests` already.
private final class RequestRecord: @unchecked Sendable {  // `done` is guarded by `lock`
    private let core: ServerCore
    private let head: RequestHead?
    private let lock = NSLock()
    private var done = false

    init(core: ServerCore, head: RequestHead?) {
        self.core = core
        self.head = head
    }

    /// Records `status` (0: no response) unless an earlier call recorded the request already.
    func finish(status: Int) {
        let first = lock.withLock {
            defer { done = true }
            return !done
        }
        if first {
            core.record(head, status: status)
        }
    }
}

/// The header block a CGI script prints before its body (RFC 3875 §6.3): `Status:` sets the status
/// (200 when absent); the other fields become response headers.
private struct CGIResponseHead {
    var status = 200
    var reason = "OK"
    var headers: [(String, String)] = []

    /// Framing is this server's job: the backend's own framing headers are dropped.
    private static let hopByHop: Set<String> = ["connection", "keep-alive", "transfer-encoding", "content-length"]

    static func read(from reader: FDReader) throws -> CGIResponseHead {
        var head = CGIResponseHead()
        var remaining = RequestHead.maxBytes
        while true {
            guard let line = try reader.readLine(maxLength: remaining) else { throw WireError.closed }
            if line.isEmpty { return head }
            remaining -= line.count + 1
            guard remaining >= 0 else { throw WireError.malformed("CGI header too large") }
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { throw WireError.malformed("bad CGI header") }
            let name = String(text[..<colon])
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" {
                guard let code = Int(value.prefix(3)), (100...599).contains(code) else {
                    throw WireError.malformed("bad CGI status")
                }
                let reason = value.dropFirst(3).trimmingCharacters(in: .whitespaces)
                head.status = code
                head.reason = reason.isEmpty ? reasonPhrase(code) : reason
            } else if !hopByHop.contains(name.lowercased()) {
                head.headers.append((name, value))
            }
        }
    }
}
