import Foundation
import HTTPKit

/// Why a forge call failed: which forge and call, what the server said, and what to do.
/// Never holds a token: requests are described with `HTTPRequest.redactedDescription`.
public struct ForgeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// 401: no token, a wrong one, or one that expired.
        public static let unauthorized = Code(name: "unauthorized")
        /// 403 (not a rate limit): the token lacks a scope or the user a role.
        public static let forbidden = Code(name: "forbidden")
        /// 404: no such repository, issue or run, or the token cannot see it.
        public static let notFound = Code(name: "not found")
        /// 409/422 saying the thing exists already (a pull request for the branch).
        public static let alreadyExists = Code(name: "already exists")
        /// 422 and other 4xx: the server refused the request's content.
        public static let rejected = Code(name: "rejected")
        public static let rateLimited = Code(name: "rate limited")
        /// 5xx after retries, or no connection at all.
        public static let unavailable = Code(name: "unavailable")
        /// The answer is not what the API documents: not JSON, an HTML page, a missing field, truncated.
        public static let badResponse = Code(name: "bad response")
        /// The forge has no such operation (e.g. CI logs on the local forge).
        public static let unsupported = Code(name: "unsupported")
        /// Settings are missing or wrong: no token, no repository, a bad base URL.
        public static let configuration = Code(name: "configuration")
    }

    public var code: Code
    public var forge: ForgeKind
    /// The call in words ("create pull request").
    public var operation: String
    /// "POST https://api.github.com/repos/o/r/pulls", credentials redacted; nil when no request was made.
    public var request: String?
    public var status: Int?
    /// What the server said (its `message`), or what was wrong with its answer.
    public var message: String
    public var hint: String?
    /// The underlying HTTP failure, if any.
    public var underlying: HTTPError?

    public init(_ code: Code, forge: ForgeKind, operation: String, request: String? = nil, status: Int? = nil,
                message: String, hint: String? = nil, underlying: HTTPError? = nil) {
        self.code = code
        self.forge = forge
        self.operation = operation
        self.request = request
        self.status = status
        self.message = message
        self.hint = hint
        self.underlying = underlying
    }

    public var description: String {
        hint.map { "\(summary). \($0)" } ?? summary
    }

    /// What failed and what the server said, without the hint.
    public var summary: String {
        var text = "\(forge): \(operation)"
        if let request { text += " (\(request))" }
        text += " failed"
        if let status { text += ": HTTP \(status)" }
        if !message.isEmpty { text += ": \(message)" }
        return text
    }
}
