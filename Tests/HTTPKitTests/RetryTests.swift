import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

@Suite("HTTPClient retries and rate limits")
struct RetryTests {
    @Test("a GET is retried through 503s with growing backoff; a POST is not, unless marked retryable")
    func transientStatuses() async throws {
        let hits = Counter()
        let server = try LoopbackHTTPServer { _ in hits.next() % 3 == 0 ? .text(200, "ok") : .text(503, "busy") }
        defer { server.stop() }
        let (client, sleeps) = testClient()
        let url = URL(string: server.baseURL + "/x")!
        let response = try await client.send(HTTPRequest(.get, url))
        #expect(response.status == 200 && hits.count == 3)
        #expect(sleeps.recorded == [.milliseconds(500), .seconds(1)])  // random() = 1: the full backoff

        let post = try await client.send(HTTPRequest(.post, url, body: Data("{}".utf8)))
        #expect(post.status == 503 && hits.count == 4)  // sent once, the 503 returned to the caller

        var retryable = HTTPRequest(.post, url, body: Data("{}".utf8))
        retryable.retryable = true
        #expect(try await client.send(retryable).status == 200)
        #expect(hits.count == 6)
    }

    @Test("backoff is jittered between half and all of the exponential delay, and capped")
    func jitterBounds() async throws {
        let server = try LoopbackHTTPServer { _ in .text(502, "bad gateway") }
        defer { server.stop() }
        let (client, sleeps) = testClient {
            $0.random = { 0 }
            $0.retry = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(300))
        }
        let response = try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/x")!))
        #expect(response.status == 502)
        #expect(server.requests.count == 6)
        #expect(sleeps.recorded == [.milliseconds(50), .milliseconds(100), .milliseconds(150), .milliseconds(150), .milliseconds(150)])
    }

    @Test("429 with Retry-After waits as asked, for a POST too, and then succeeds")
    func retryAfter() async throws {
        let hits = Counter()
        let server = try LoopbackHTTPServer { _ in
            hits.next() == 1 ? .json(429, ["message": "slow down"], headers: [("Retry-After", "7")]) : .json(201, ["id": 1])
        }
        defer { server.stop() }
        let (client, sleeps) = testClient { $0.random = { 0 } }
        let response = try await client.send(HTTPRequest(.post, URL(string: server.baseURL + "/x")!, body: Data("{}".utf8)))
        #expect(response.status == 201)
        #expect(sleeps.recorded == [.seconds(7)])
        #expect(server.requests.count == 2)
    }

    @Test("Retry-After as an HTTP date is honoured")
    func retryAfterDate() async throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: now.addingTimeInterval(30))
        let hits = Counter()
        let server = try LoopbackHTTPServer { _ in
            hits.next() == 1 ? .text(503, "maintenance", headers: [("Retry-After", date)]) : .text(200, "ok")
        }
        defer { server.stop() }
        let (client, sleeps) = testClient { $0.now = { now }; $0.random = { 0 } }
        #expect(try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/x")!)).status == 200)
        #expect(sleeps.recorded == [.seconds(30)])
    }

    @Test("GitHub's secondary rate limit (403, no headers) waits a minute, within the cap")
    func secondaryRateLimit() async throws {
        let hits = Counter()
        let server = try LoopbackHTTPServer { _ in
            hits.next() == 1
                ? .json(403, ["message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."])
                : .json(200, ["ok": true])
        }
        defer { server.stop() }
        let (client, sleeps) = testClient { $0.random = { 0 } }
        #expect(try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/x")!)).status == 200)
        #expect(sleeps.recorded == [.seconds(60)])
    }

    @Test("a rate limit that resets in an hour fails at once, saying when, without waiting")
    func rateLimitPastTheCap() async throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let server = try LoopbackHTTPServer { _ in
            .json(403, ["message": "API rate limit exceeded for installation ID 1."],
                  headers: [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "\(Int(now.timeIntervalSince1970) + 3600)")])
        }
        defer { server.stop() }
        let (client, sleeps) = testClient { $0.now = { now } }
        var request = HTTPRequest(.get, URL(string: server.baseURL + "/repos/o/r?access_token=hunter2")!)
        request.purpose = "GitHub: read repository"
        request.headers.set("Authorization", "Bearer hunter2")
        let error = try await #require(throws: HTTPError.self) { try await client.send(request) }
        #expect(error.code == .rateLimited && error.status == 403)
        #expect(error.retryAfter == .seconds(3601))
        #expect(error.resetsAt == now.addingTimeInterval(3600))
        let text = "\(error)"
        #expect(text.contains("GitHub: read repository") && text.contains("61 min") && text.contains("2023-11-14T23:13:20Z"))
        #expect(!text.contains("hunter2"))
        #expect(sleeps.recorded.isEmpty && server.requests.count == 1)
    }

    @Test("a plain 403 (no rate-limit signs) is the caller's answer, not retried")
    func plainForbidden() async throws {
        let server = try LoopbackHTTPServer { _ in .json(403, ["message": "Resource not accessible by integration"]) }
        defer { server.stop() }
        let (client, sleeps) = testClient()
        #expect(try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/x")!)).status == 403)
        #expect(server.requests.count == 1 && sleeps.recorded.isEmpty)
    }

    @Test("no server: every method retries a refused connection, then fails naming the request")
    func connectionRefused() async throws {
        try await Loopback.withRefusingPort { port in
            let (client, sleeps) = testClient { $0.retry = RetryPolicy(maxAttempts: 3) }
            let url = URL(string: "http://user:pa55word@127.0.0.1:\(port)/api?private_token=s3cret&page=2")!
            let error = try await #require(throws: HTTPError.self) {
                try await client.send(HTTPRequest(.post, url, body: Data("{}".utf8), purpose: "GitLab: create note"))
            }
            #expect(error.code == .connect && error.attempts == 3 && sleeps.recorded.count == 2)
            let text = "\(error)"
            #expect(text.hasPrefix("GitLab: create note (POST http://127.0.0.1:\(port)/api?private_token=[redacted]&page=2)"))
            #expect(!text.contains("s3cret") && !text.contains("pa55word"))
        }
    }

    @Test("a server that never answers times out; a truncated body is retried, then reported")
    func timeoutAndTruncation() async throws {
        let stalling = try LoopbackHTTPServer { _ in LoopbackHTTPResponse(status: 200, delivery: .stall) }
        defer { stalling.stop() }
        let (client, _) = testClient { $0.retry = .none }
        var request = HTTPRequest(.get, URL(string: stalling.baseURL + "/slow")!)
        request.timeout = .milliseconds(300)
        let timeout = try await #require(throws: HTTPError.self) { try await client.send(request) }
        #expect(timeout.code == .timeout)

        let truncating = try LoopbackHTTPServer { _ in
            LoopbackHTTPResponse(status: 200, body: Array(#"{"title": "a long answer"}"#.utf8), delivery: .truncated(afterBytes: 9))
        }
        defer { truncating.stop() }
        let (retrying, _) = testClient { $0.retry = RetryPolicy(maxAttempts: 2) }
        let truncated = try await #require(throws: HTTPError.self) {
            try await retrying.send(HTTPRequest(.get, URL(string: truncating.baseURL + "/x")!))
        }
        #expect(truncated.code == .truncated && truncated.attempts == 2)
        #expect(truncating.requests.count == 2)
    }

    @Test("a body over the limit stops the transfer and is not retried")
    func sizeLimit() async throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20)
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPResponse(status: 200, body: big) }
        defer { server.stop() }
        let (client, _) = testClient { $0.maxResponseBytes = 1 << 20 }
        let error = try await #require(throws: HTTPError.self) {
            try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/huge")!))
        }
        #expect(error.code == .tooLarge && "\(error)".contains("1 MiB"))
        #expect(server.requests.count == 1)
        var allowed = HTTPRequest(.get, URL(string: server.baseURL + "/huge")!)
        allowed.maxResponseBytes = 4 << 20
        #expect(try await client.send(allowed).body.count == big.count)
    }
}

@Suite("Retry-After and Link parsing")
struct HeaderParsingTests {
    @Test("Link: rel=next is found among several relations, relative or absolute")
    func linkNext() {
        let base = URL(string: "https://api.example/repos/o/r/issues?page=1")!
        let value = #"<https://api.example/repos/o/r/issues?page=2>; rel="next", <https://api.example/repos/o/r/issues?page=5>; rel="last""#
        #expect(LinkHeader.url(for: "next", in: [value], relativeTo: base)?.absoluteString == "https://api.example/repos/o/r/issues?page=2")
        #expect(LinkHeader.url(for: "last", in: [value], relativeTo: base)?.absoluteString.hasSuffix("page=5") == true)
        #expect(LinkHeader.url(for: "prev", in: [value], relativeTo: base) == nil)
        #expect(LinkHeader.url(for: "next", in: [#"</p?page=3>; rel="prev next""#], relativeTo: base)?.absoluteString
                == "https://api.example/p?page=3")
    }

    @Test("headers are case-insensitive and credential values are never printed")
    func headerDescription() {
        var headers: HTTPHeaders = ["Authorization": "Bearer abc", "PRIVATE-TOKEN": "def", "Accept": "application/json"]
        #expect(headers["authorization"] == "Bearer abc")
        headers.set("accept", "text/plain")
        #expect(headers.values("Accept") == ["text/plain"])
        #expect(!headers.description.contains("abc") && !headers.description.contains("def"))
        #expect(headers.description.contains("text/plain"))
    }
}
