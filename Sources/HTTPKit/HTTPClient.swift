import Foundation

/// An async HTTP client on libcurl.
///
/// Transfers run on one dedicated thread (`CurlLoop`), never on Swift's cooperative pool, and
/// share its connection cache. The client adds what API calls need on top of libcurl: retries
/// with backoff and jitter, rate-limit waits with a cap, redirects that never carry credentials
/// to another host, a response size limit, and errors that say which call failed without
/// showing a credential. A response with an error status is returned, not thrown: what a 404
/// or 422 means is the caller's business.
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let loop = CurlLoop.shared

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
    }

    /// Sends `request` and returns the whole response, after retries and redirects.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withRetries(request) { try await self.followingRedirects($0, perform: self.exchange) }
    }

    /// Sends `request` and returns as soon as the response's head is in; the body then arrives
    /// as it is sent (server-sent events, logs). Retries and redirects happen before the head.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        try await withRetries(request) { try await self.followingRedirects($0, perform: self.openStream) }
    }

    // MARK: Retries

    private func withRetries<R: RetryableResponse>(_ request: HTTPRequest,
                                                   _ attempt: (HTTPRequest) async throws -> R) async throws -> R {
        let policy = configuration.retry
        var number = 0
        while true {
            number += 1
            let attempted: R
            do {
                attempted = try await attempt(request)
            } catch var error as HTTPError where error.isTransient {
                // A connection never made cannot have reached the server, so any method may retry it.
                error.attempts = number
                guard request.mayRetry || error.code == .connect, number < policy.maxAttempts else { throw error }
                try await pause(policy.backoff(after: number, random: configuration.random()))
                continue
            }
            var response = attempted
            let status = response.status
            // Only a refusal's body can say "secondary rate limit"; a stream's body is left unread otherwise.
            var refusal = Data()
            if [403, 429, 503].contains(status) { (refusal, response) = await response.readingBody() }
            if let advice = RateLimitAdvice.from(status: status, headers: response.headers, body: refusal, now: configuration.now()) {
                guard advice.wait <= policy.maxRateLimitWait, number < policy.maxAttempts else {
                    throw rateLimitError(request, advice, status: status, attempts: number, cap: policy.maxRateLimitWait,
                                         summary: refusal)
                }
                response.discard()
                try await pause(advice.wait + policy.baseDelay * (configuration.random() * 0.2))
                continue
            }
            if RetryPolicy.isTransient(status: status), request.mayRetry, number < policy.maxAttempts {
                response.discard()
                try await pause(policy.backoff(after: number, random: configuration.random()))
                continue
            }
            return response
        }
    }

    private func pause(_ duration: Duration) async throws {
        try Task.checkCancellation()
        try await configuration.sleep(duration)
    }

    private func rateLimitError(_ request: HTTPRequest, _ advice: RateLimitAdvice, status: Int, attempts: Int,
                                cap: Duration, summary: Data) -> HTTPError {
        let when = advice.resetsAt.map { " (at \(ISO8601DateFormatter().string(from: $0)))" } ?? ""
        let said = HTTPResponse.summarize(summary, mediaType: nil)
        let message = "HTTP \(status), the server asks to wait \(advice.wait.spoken)\(when) [\(advice.source)]: \(said)"
        let hint = advice.wait > cap
            ? "That is longer than the \(cap.spoken) codex-bot waits; run again after the limit resets, or use a token with its own quota (a GitHub App installation token)"
            : "Still limited after \(attempts) attempts; run again later"
        return HTTPError(.rateLimited, request: request.errorLabel, message: message, hint: hint,
                         attempts: attempts, status: status, retryAfter: advice.wait, resetsAt: advice.resetsAt)
    }

    // MARK: Redirects

    private func followingRedirects<R: RetryableResponse>(_ original: HTTPRequest,
                                                          perform: (HTTPRequest) async throws -> R) async throws -> R {
        var request = original
        for _ in 0...configuration.maxRedirects {
            let response = try await perform(request)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["Location"],
                  let target = URL(string: location, relativeTo: request.url)?.absoluteURL
            else { return response }
            response.discard()
            request = HTTPClient.redirect(request, to: target, status: response.status)
        }
        throw HTTPError(.tooManyRedirects, request: original.errorLabel,
                        message: "more than \(configuration.maxRedirects) redirects",
                        hint: "Check the base URL; a login page or a loop answers like this")
    }

    /// The request to send to `target`: credentials only go to the origin they were meant for,
    /// and 303 (or 301/302 after a POST) turns into a GET without a body, as browsers and curl do.
    static func redirect(_ request: HTTPRequest, to target: URL, status: Int) -> HTTPRequest {
        var next = request
        next.url = target
        if !sameOrigin(request.url, target) {
            for field in request.headers where HTTPHeaders.isCredential(field.name) {
                next.headers.remove(field.name)
            }
        }
        if status == 303 || ((status == 301 || status == 302) && request.method == .post) {
            next.method = .get
            next.body = nil
            next.headers.remove("Content-Type")
        }
        return next
    }

    /// Whether two URLs have the same origin (scheme, host, port): credentials stay within one.
    public static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : url.scheme?.lowercased() == "http" ? 80 : nil) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }

    // MARK: One attempt

    /// One request and its whole response, no retries or redirects.
    private func exchange(_ request: HTTPRequest) async throws -> HTTPResponse {
        let limit = request.maxResponseBytes ?? configuration.maxResponseBytes
        let collected = Collected()
        try await run(request, streaming: false, handlers: { finish in
            TransferHandlers(
                head: { status, headers in collected.status = status; collected.headers = headers },
                data: { bytes in
                    guard collected.body.count + bytes.count <= limit else { return false }
                    collected.body.append(bytes)
                    return true
                },
                done: finish)
        })
        return HTTPResponse(status: collected.status, headers: collected.headers, body: collected.body,
                            url: request.url, request: request)
    }

    /// One request, returning once the response's head is in.
    private func openStream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let limit = request.maxResponseBytes ?? configuration.maxResponseBytes
        let (body, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        let state = StreamState()
        let slot = TransferSlot()
        let head: (Int, HTTPHeaders) = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { headArrived in
                let handlers = TransferHandlers(
                    head: { status, headers in
                        state.headDelivered = true
                        headArrived.resume(returning: (status, headers))
                    },
                    data: { bytes in
                        state.received += bytes.count
                        guard state.received <= limit else { return false }
                        continuation.yield(bytes)
                        return true
                    },
                    done: { outcome in
                        let error = self.error(for: outcome, request: request, limit: limit)
                        if state.headDelivered {
                            continuation.finish(throwing: error)
                        } else {
                            continuation.finish()
                            headArrived.resume(throwing: error ?? HTTPError(.transport, request: request.errorLabel,
                                                                            message: "the connection ended without a response"))
                        }
                    })
                do {
                    let transfer = try CurlTransfer(request: request, configuration: configuration, streaming: true,
                                                    handlers: handlers)
                    // A consumer that stops reading (or is cancelled) ends the transfer.
                    continuation.onTermination = { [loop] reason in
                        if case .cancelled = reason { loop.cancel(transfer) }
                    }
                    if slot.set(transfer) { loop.cancel(transfer) }
                    loop.submit(transfer)
                } catch {
                    headArrived.resume(throwing: error)
                }
            }
        } onCancel: {
            if let transfer = slot.cancel() { loop.cancel(transfer) }
        }
        return HTTPStreamingResponse(status: head.0, headers: head.1, url: request.url, request: request, body: body)
    }

    /// Runs one transfer to its end, cancelling it if the task is cancelled.
    private func run(_ request: HTTPRequest, streaming: Bool,
                     handlers makeHandlers: (@escaping @Sendable (TransferOutcome) -> Void) -> TransferHandlers) async throws {
        let limit = request.maxResponseBytes ?? configuration.maxResponseBytes
        let slot = TransferSlot()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (finished: CheckedContinuation<Void, any Error>) in
                let handlers = makeHandlers { outcome in
                    if let error = self.error(for: outcome, request: request, limit: limit) {
                        finished.resume(throwing: error)
                    } else {
                        finished.resume()
                    }
                }
                do {
                    let transfer = try CurlTransfer(request: request, configuration: configuration, streaming: streaming,
                                                    handlers: handlers)
                    if slot.set(transfer) { loop.cancel(transfer) }
                    loop.submit(transfer)
                } catch {
                    finished.resume(throwing: error)
                }
            }
        } onCancel: {
            if let transfer = slot.cancel() { loop.cancel(transfer) }
        }
    }

    /// The error an outcome stands for, with a hint; nil for success.
    private func error(for outcome: TransferOutcome, request: HTTPRequest, limit: Int) -> (any Error)? {
        switch outcome {
        case .completed:
            return nil
        case .cancelled:
            return CancellationError()
        case .failed(let code, let message):
            var error = HTTPError(code, request: request.errorLabel, message: message)
            switch code {
            case .tooLarge:
                error.message = "the body is larger than the \(limit >> 20 > 0 ? "\(limit >> 20) MiB" : "\(limit) byte") limit"
                error.hint = "The server sent far more than this call expects; check the URL"
            case .connect:
                let proxy = configuration.proxy.proxy(for: request.url)
                error.hint = "Check the URL and that the server is up" + (proxy.isEmpty ? "" : " (through the proxy \(RedactedURL.string(URL(string: proxy) ?? request.url)))")
            case .timeout:
                error.hint = "The server did not answer in time; it may be overloaded, or a firewall drops the connection"
            case .tls:
                error.hint = "The server's certificate is not trusted here; install the CA in the system store or set SSL_CERT_FILE"
            case .truncated:
                error.hint = "The connection broke before the whole body came; try again"
            default:
                break
            }
            return error
        }
    }
}

/// What the retry and redirect logic needs of a response, whole or streaming.
protocol RetryableResponse: Sendable {
    var status: Int { get }
    var headers: HTTPHeaders { get }
    /// The body so far, for reading a refusal's message, and the response to hand on (a stream's
    /// body is read into memory, up to 1 MiB, and served again from there).
    func readingBody() async -> (Data, Self)
    /// Drops a response that will not be returned (a redirect, or one that will be retried).
    func discard()
}

extension HTTPResponse: RetryableResponse {
    func readingBody() async -> (Data, HTTPResponse) { (body, self) }
    func discard() {}
}

/// The response of one attempt as it is filled in; the loop thread writes it before the
/// continuation resumes, the task reads it after.
private final class Collected: @unchecked Sendable {
    var status = 0
    var headers = HTTPHeaders()
    var body = Data()
}

/// Loop-thread state of one streaming attempt.
private final class StreamState: @unchecked Sendable {
    var headDelivered = false
    var received = 0
}

/// Hands the transfer to a cancellation handler that may run before it exists.
private final class TransferSlot: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var transfer: CurlTransfer?
    private var cancelled = false

    /// Stores the transfer; true if cancellation came first (the caller cancels it).
    func set(_ transfer: CurlTransfer) -> Bool {
        lock.withLock {
            self.transfer = transfer
            return cancelled
        }
    }

    /// Marks the slot cancelled and returns the transfer, if there is one yet.
    func cancel() -> CurlTransfer? {
        lock.withLock {
            cancelled = true
            return transfer
        }
    }
}
