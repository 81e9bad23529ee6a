// What the fake GitLab and Gitea servers share: canned misbehaviours injected on demand, the
// queue that serves them, pagination with Link headers, and a recorder for the client's waits.
import Foundation

/// Answers a real forge (or the proxy in front of it) gives when things go wrong. Each is a
/// whole response; inject one with the fake's `failNext(_:_:pathPrefix:with:)`.
public enum FakeForgeFault {
    /// 500 with a JSON message, as an API server that failed.
    public static func serverError(_ message: String = "500 Internal Server Error") -> LoopbackHTTPResponse {
        .json(500, ["message": message])
    }

    /// 429 with `Retry-After: seconds`.
    public static func rateLimited(retryAfter seconds: Int) -> LoopbackHTTPResponse {
        .json(429, ["message": "Retry later"], headers: [("Retry-After", String(seconds))])
    }

    /// 429 with GitLab's `RateLimit-*` headers and no Retry-After: the limit resets at `reset`.
    public static func rateLimited(resettingAt reset: Date) -> LoopbackHTTPResponse {
        .json(429, ["message": "Retry later"], headers: [
            ("RateLimit-Limit", "600"), ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", String(Int(reset.timeIntervalSince1970))),
        ])
    }

    /// 403 with a JSON message (a scope or role missing).
    public static func forbidden(_ message: String = "403 Forbidden") -> LoopbackHTTPResponse {
        .json(403, ["message": message])
    }

    /// 401 with the forge's message for a token that is no longer valid.
    public static func unauthorized(_ message: String) -> LoopbackHTTPResponse {
        .json(401, ["message": message])
    }

    /// An HTML error page from a proxy or load balancer, with a success or error status.
    public static func htmlPage(status: Int = 502, title: String = "502 Bad Gateway") -> LoopbackHTTPResponse {
        LoopbackHTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")],
                             body: Array("<!DOCTYPE html>\n<html><head><title>\(title)</title></head><body><h1>\(title)</h1></body></html>\n".utf8))
    }

    /// 200 whose body is cut-off JSON with the right Content-Length: the client sees a complete
    /// body that does not parse.
    public static func malformedJSON(_ text: String = "{\"id\": 1, \"title\": \"unfinished") -> LoopbackHTTPResponse {
        LoopbackHTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }

    /// 200 whose connection closes halfway through the announced body.
    public static func truncated(_ value: Any) -> LoopbackHTTPResponse {
        var response = LoopbackHTTPResponse.json(200, value)
        response.delivery = .truncated(afterBytes: response.body.count / 2)
        return response
    }
}

/// Faults waiting to be served: the next `count` requests whose method and API path match get
/// the fault's response instead of the fake's own answer.
final class FakeForgeFaultQueue: @unchecked Sendable {  // `faults` is guarded by `lock`
    private struct Entry {
        var method: String?
        var pathPrefix: String
        var remaining: Int
        var response: LoopbackHTTPResponse
    }

    private let lock = NSLock()
    private var faults: [Entry] = []

    func add(count: Int, method: String?, pathPrefix: String, response: LoopbackHTTPResponse) {
        lock.withLock { faults.append(Entry(method: method?.uppercased(), pathPrefix: pathPrefix, remaining: count, response: response)) }
    }

    func removeAll() {
        lock.withLock { faults.removeAll() }
    }

    /// The response for this request if a fault matches it (and counts it), else nil.
    func take(method: String, path: String) -> LoopbackHTTPResponse? {
        lock.withLock {
            guard let index = faults.firstIndex(where: { ($0.method == nil || $0.method == method) && path.hasPrefix($0.pathPrefix) })
            else { return nil }
            faults[index].remaining -= 1
            let response = faults[index].response
            if faults[index].remaining <= 0 { faults.remove(at: index) }
            return response
        }
    }

    /// A request in words, for `unexpectedRequests`: "GET /api/v4/nothing?x=1".
    static func requestLine(_ request: LoopbackHTTPRequest) -> String {
        "\(request.method) \(request.path)" + (request.query.isEmpty ? "" : "?\(request.query)")
    }
}

/// One page of a list, and the headers that describe the others.
struct FakeForgePage {
    var items: [Any]
    var headers: [(String, String)]

    /// Cuts page `page` (from 1) of `perPage` items out of `all`, with `Link` (next, prev, first,
    /// last) pointing at the same URL with another `page`; `pageParameter` and the size
    /// parameter keep the request's own spelling.
    static func slice(_ all: [Any], request: LoopbackHTTPRequest, page: Int, perPage: Int, withLinks: Bool = true) -> FakeForgePage {
        let size = max(1, perPage)
        let pages = max(1, (all.count + size - 1) / size)
        let current = max(1, page)
        let start = min(all.count, (current - 1) * size)
        let items = Array(all[start..<min(all.count, start + size)])
        var links: [String] = []
        func link(_ number: Int, _ relation: String) {
            links.append("<\(url(of: request, page: number))>; rel=\"\(relation)\"")
        }
        if current > 1 { link(current - 1, "prev") }
        if current < pages { link(current + 1, "next") }
        link(1, "first")
        link(pages, "last")
        var headers: [(String, String)] = []
        if withLinks { headers.append(("Link", links.joined(separator: ", "))) }
        headers.append(("X-Total", String(all.count)))
        headers.append(("X-Total-Count", String(all.count)))
        headers.append(("X-Total-Pages", String(pages)))
        headers.append(("X-Page", String(current)))
        headers.append(("X-Per-Page", String(size)))
        headers.append(("X-Next-Page", current < pages ? String(current + 1) : ""))
        headers.append(("X-Prev-Page", current > 1 ? String(current - 1) : ""))
        return FakeForgePage(items: items, headers: headers)
    }

    /// The request's URL (host from its Host header) with `page` set to `number`.
    static func url(of request: LoopbackHTTPRequest, page number: Int) -> String {
        let host = request.header("Host") ?? "127.0.0.1"
        var parts = request.query.split(separator: "&").map(String.init).filter { !$0.hasPrefix("page=") }
        parts.append("page=\(number)")
        return "http://\(host)\(request.path)?\(parts.joined(separator: "&"))"
    }
}

/// Lets a fake server hand requests to itself from the LoopbackHTTPServer it owns, without the
/// server's handler keeping the fake alive (which would stop `deinit` from stopping the server).
final class FakeForgeHandlerBox<Target: AnyObject>: @unchecked Sendable {  // set once, before the first request
    weak var target: Target?
}

/// The query's values for `name` in order, names and values percent-decoded: GitLab's
/// `scope[]=failed&scope[]=canceled` repeats a name, which `LoopbackHTTPRequest.queryItems` folds.
func fakeForgeQueryValues(_ request: LoopbackHTTPRequest, _ names: Set<String>) -> [String] {
    request.query.split(separator: "&").compactMap { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        guard names.contains(name) else { return nil }
        let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
        return value.removingPercentEncoding ?? value
    }
}
