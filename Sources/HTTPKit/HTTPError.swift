import Foundation

/// Why an HTTP exchange failed: what was asked (with credentials redacted), what went wrong,
/// and what to do. A response with an error status is not an `HTTPError`; the caller decides
/// what a 404 means. The exceptions are rate limits the client could not wait out.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String {
            case invalidRequest = "invalid request"
            case connect = "could not connect"
            case timeout = "timed out"
            case tls = "TLS failure"
            case transport = "connection failed"
            case truncated = "truncated response"
            case tooLarge = "response too large"
            case tooManyRedirects = "too many redirects"
            case rateLimited = "rate limited"
            case cancelled = "cancelled"
        }
        fileprivate let value: Value
        public var description: String { value.rawValue }

        /// The URL or a header cannot be sent (not http/https, control characters).
        public static let invalidRequest = Code(value: .invalidRequest)
        /// No connection: the name did not resolve or nothing accepted the connection.
        public static let connect = Code(value: .connect)
        public static let timeout = Code(value: .timeout)
        /// The certificate was not trusted or the TLS handshake failed.
        public static let tls = Code(value: .tls)
        /// The connection broke: reset, closed without an answer, or a protocol error.
        public static let transport = Code(value: .transport)
        /// The body ended before its announced length.
        public static let truncated = Code(value: .truncated)
        public static let tooLarge = Code(value: .tooLarge)
        public static let tooManyRedirects = Code(value: .tooManyRedirects)
        /// The server asked to wait longer than the client's cap allows.
        public static let rateLimited = Code(value: .rateLimited)
        public static let cancelled = Code(value: .cancelled)
    }

    public var code: Code
    /// "GitHub: create pull request (POST https://api.github.com/repos/o/r/pulls)"
    public var request: String
    /// What happened, in words (libcurl's own message for transport errors).
    public var message: String
    /// What to do about it.
    public var hint: String?
    /// How many attempts were made.
    public var attempts: Int
    /// For `rateLimited`: how long the server asked to wait, and when the limit resets.
    public var retryAfter: Duration?
    public var resetsAt: Date?
    /// The status of the last response, when there was one.
    public var status: Int?

    public init(_ code: Code, request: String, message: String, hint: String? = nil, attempts: Int = 1,
                status: Int? = nil, retryAfter: Duration? = nil, resetsAt: Date? = nil) {
        self.code = code
        self.request = request
        self.message = message
        self.hint = hint
        self.attempts = attempts
        self.status = status
        self.retryAfter = retryAfter
        self.resetsAt = resetsAt
    }

    /// Failures a new attempt may cure.
    var isTransient: Bool {
        [.connect, .timeout, .transport, .truncated].contains(code)
    }

    public var description: String {
        var text = "\(request): \(code)"
        if !message.isEmpty { text += ": \(message)" }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        if let hint { text += ". \(hint)" }
        return text
    }
}

extension HTTPRequest {
    /// The description errors start with: the purpose, then method and redacted URL.
    var errorLabel: String {
        if let purpose { return "\(purpose) (\(redactedDescription))" }
        return redactedDescription
    }
}
