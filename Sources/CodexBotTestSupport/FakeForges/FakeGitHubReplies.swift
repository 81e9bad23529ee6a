// GitHub's answers for refusals and failures, as the real API words them: the fake's own
// refusals use them, and tests pass them to `FakeGitHubServer.failNext` to play a fault.
import Foundation

public enum FakeGitHubReplies {
    /// Where GitHub's error answers point.
    public static let docs = "https://docs.github.com/rest"

    /// `{"message": …, "documentation_url": …}`, GitHub's error shape.
    public static func error(_ status: Int, _ message: String, documentation: String = docs,
                             headers: [(String, String)] = []) -> LoopbackHTTPResponse {
        .json(status, ["message": message, "documentation_url": documentation, "status": "\(status)"], headers: headers)
    }

    /// 401 "Bad credentials": what GitHub says to an expired, revoked or wrong token.
    public static func badCredentials() -> LoopbackHTTPResponse {
        error(401, "Bad credentials")
    }

    public static func notFound() -> LoopbackHTTPResponse {
        error(404, "Not Found")
    }

    /// 422 "Validation Failed" with GitHub's `errors` list.
    public static func validationFailed(_ errors: [[String: Any]], documentation: String = docs) -> LoopbackHTTPResponse {
        .json(422, ["message": "Validation Failed", "errors": errors, "documentation_url": documentation, "status": "422"])
    }

    /// 422 for a required field left out: `{"resource", "code": "missing_field", "field"}`.
    public static func missingField(_ field: String, resource: String) -> LoopbackHTTPResponse {
        validationFailed([["resource": resource, "code": "missing_field", "field": field]])
    }

    /// 400 for a body that is not a JSON object.
    public static func problemsParsingJSON() -> LoopbackHTTPResponse {
        error(400, "Problems parsing JSON")
    }

    /// 403 with the primary rate limit used up until `resetsAt` (`x-ratelimit-remaining: 0`).
    public static func rateLimitExhausted(resetsAt: Date) -> LoopbackHTTPResponse {
        error(403, "API rate limit exceeded for installation ID 1.",
              documentation: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
              headers: [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-used", "5000"),
                        ("x-ratelimit-reset", "\(Int(resetsAt.timeIntervalSince1970))"), ("x-ratelimit-resource", "core")])
    }

    /// 403 for the secondary (abuse) rate limit, with `Retry-After` when given.
    public static func secondaryRateLimit(retryAfter seconds: Int? = nil) -> LoopbackHTTPResponse {
        error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                  + "If you reach out to GitHub Support for help, please include the request ID 1234:5678.",
              documentation: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
              headers: seconds.map { [("Retry-After", "\($0)")] } ?? [])
    }

    /// 429 with `Retry-After` in seconds.
    public static func tooManyRequests(retryAfter seconds: Int) -> LoopbackHTTPResponse {
        error(429, "Too many requests", headers: [("Retry-After", "\(seconds)")])
    }

    /// 500 with GitHub's terse body.
    public static func serverError() -> LoopbackHTTPResponse {
        error(500, "Server Error")
    }

    /// An HTML page where JSON belongs: a proxy's error page, a login page, or GitHub's unicorn.
    public static func htmlPage(status: Int = 200, title: String = "Unicorn! · GitHub") -> LoopbackHTTPResponse {
        LoopbackHTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")],
                             body: Array("""
                                 <!DOCTYPE html>
                                 <html><head><title>\(title)</title></head>
                                 <body><h1>No server is currently available to service your request.</h1></body></html>
                                 """.utf8))
    }

    /// A 200 whose body is not JSON at all, though it says it is.
    public static func malformedJSON() -> LoopbackHTTPResponse {
        LoopbackHTTPResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")],
                             body: Array(#"{"id": 1, "default_branch": "main", "clone_url": }"#.utf8))
    }

    /// A 200 JSON answer whose connection closes after half of the announced body.
    public static func truncated(_ value: Any = ["id": 1, "default_branch": "main", "clone_url": "https://github.test/x.git",
                                                 "html_url": "https://github.test/x", "padding": String(repeating: "x", count: 400)])
        -> LoopbackHTTPResponse {
        var response = LoopbackHTTPResponse.json(200, value)
        response.delivery = .truncated(afterBytes: response.body.count / 2)
        return response
    }

    /// A 200 with valid JSON of another shape (a field the client needs is missing).
    public static func json(_ status: Int, _ value: Any) -> LoopbackHTTPResponse {
        .json(status, value)
    }
}
