import Foundation

/// An HTTP method; `isIdempotent` decides whether a failed attempt may be sent again.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")

    /// RFC 9110 §9.2.2: sending these twice has the effect of sending them once.
    public var isIdempotent: Bool { ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(rawValue) }
    public var description: String { rawValue }
}

/// Header fields in order, names compared case-insensitively.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Replaces every field called `name` with one; a nil value removes them.
    public mutating func set(_ name: String, _ value: String?) {
        remove(name)
        if let value { fields.append((name: name, value: value)) }
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// Names and values, with the values of credential headers replaced: safe for logs.
    public var description: String {
        fields.map { "\($0.name): \(HTTPHeaders.isCredential($0.name) ? "[redacted]" : $0.value)" }.joined(separator: ", ")
    }

    /// Headers that carry credentials: never logged, never sent to another host after a redirect.
    public static func isCredential(_ name: String) -> Bool {
        credentialNames.contains(name.lowercased())
    }

    static let credentialNames: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "private-token", "job-token", "x-api-key",
        "api-key", "x-gitlab-token", "x-gitea-token",
    ]
}

/// One HTTP request, with what the client may do with it: retry, wait, and how much to accept.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: URL
    public var headers: HTTPHeaders
    public var body: Data?
    /// Whether a failed attempt may be sent again; nil means "if the method is idempotent".
    /// Set it for a POST that the server deduplicates, or that changes nothing (a search).
    public var retryable: Bool?
    /// The whole exchange's time limit (for a stream: the longest silence); nil takes the client's.
    public var timeout: Duration?
    /// The largest body accepted; nil takes the client's.
    public var maxResponseBytes: Int?
    /// What the call is for, in words ("GitHub: create pull request"): the start of every error about it.
    public var purpose: String?

    public init(_ method: HTTPMethod, _ url: URL, headers: HTTPHeaders = [:], body: Data? = nil, purpose: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.purpose = purpose
    }

    /// A request whose body is `value` as JSON.
    public static func json<Body: Encodable>(_ method: HTTPMethod, _ url: URL, _ value: Body,
                                             headers: HTTPHeaders = [:], purpose: String? = nil) throws -> HTTPRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var request = HTTPRequest(method, url, headers: headers, body: try encoder.encode(value), purpose: purpose)
        request.headers.set("Content-Type", "application/json")
        return request
    }

    /// Whether the client may send this request again after a failure that may have reached the server.
    public var mayRetry: Bool { retryable ?? method.isIdempotent }

    /// "GET https://host/path" with credentials removed from the URL: the form used in errors and logs.
    public var redactedDescription: String {
        "\(method) \(RedactedURL.string(url))"
    }
}
