import Foundation
import HTTPKit

/// The REST plumbing the GitHub, GitLab and Gitea clients share: URLs under the API base,
/// credentials on every call (refreshed once after a 401 when the source can), JSON both
/// ways, `Link` pagination, and one mapping from HTTP outcomes to `ForgeError`.
struct ForgeHTTP: Sendable {
    let kind: ForgeKind
    /// The API root: "https://api.github.com", "https://gitlab.example/api/v4", "https://gitea.example/api/v1".
    let baseURL: URL
    let client: HTTPClient
    let tokens: any TokenSource
    /// Sent with every call (Accept, API version).
    var defaultHeaders: HTTPHeaders = [:]
    /// Whether a 409/422 message means "this exists already".
    var isDuplicate: @Sendable (String) -> Bool = { message in
        let lower = message.lowercased()
        return lower.contains("already exists") || lower.contains("already exist")
    }

    init(kind: ForgeKind, baseURL: URL, client: HTTPClient, tokens: any TokenSource, defaultHeaders: HTTPHeaders = [:]) {
        self.kind = kind
        // "https://host/api/v3/" and "https://host/api/v3" are the same base.
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        self.baseURL = URL(string: text) ?? baseURL
        self.client = client
        self.tokens = tokens
        self.defaultHeaders = defaultHeaders
    }

    // MARK: URLs

    /// The URL of `path` ("/repos/o/r/issues/1": segments already escaped with `segment`) under the base.
    func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(string: baseURL.absoluteString + path)!
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { "\(ForgeHTTP.queryEscape($0.0))=\(ForgeHTTP.queryEscape($0.1))" }
                .joined(separator: "&")
        }
        return components.url!
    }

    /// One path segment, percent-escaped ("a/b" → "a%2Fb", as GitLab wants project paths).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreservedCharacters) ?? text
    }

    static func queryEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreservedCharacters) ?? text
    }

    private static let unreservedCharacters = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    // MARK: Calls

    /// Sends a call and returns its successful response; every other outcome is a `ForgeError`.
    func call(_ method: HTTPMethod, _ url: URL, body: Data? = nil, operation: String,
              accept: String? = nil, maxResponseBytes: Int? = nil, retryable: Bool? = nil) async throws -> HTTPResponse {
        var refreshed = false
        while true {
            var request = HTTPRequest(method, url, headers: defaultHeaders, body: body, purpose: "\(kind): \(operation)")
            request.retryable = retryable
            request.maxResponseBytes = maxResponseBytes
            if body != nil { request.headers.set("Content-Type", "application/json") }
            if let accept { request.headers.set("Accept", accept) }
            if let (name, value) = try await tokens.authorization() { request.headers.set(name, value) }
            let response: HTTPResponse
            do {
                response = try await client.send(request)
            } catch let error as HTTPError {
                throw ForgeHTTP.forgeError(error, kind: kind, operation: operation)
            }
            if response.status == 401, !refreshed, await tokens.invalidate() {
                refreshed = true
                continue
            }
            guard response.isSuccess else { throw failure(response, operation: operation) }
            return response
        }
    }

    /// A call whose answer is JSON of type `T`.
    func json<T: Decodable>(_ type: T.Type = T.self, _ method: HTTPMethod = .get, _ url: URL, body: (any Encodable)? = nil,
                            operation: String, retryable: Bool? = nil) async throws -> T {
        let response = try await call(method, url, body: try body.map(ForgeHTTP.encode), operation: operation, retryable: retryable)
        return try decode(T.self, from: response, operation: operation)
    }

    /// The pages of a list call, following `Link: rel="next"` (GitHub, Gitea, GitLab all send it).
    func pages<T: Decodable & Sendable>(_ type: T.Type = T.self, _ url: URL, operation: String) -> Pages<T> {
        pagedAnswers([T].self, url, operation: operation) { $0 }
    }

    /// The pages of a list call whose JSON elements (`Raw`) become other elements (`transform`
    /// may also drop some: GitLab's system notes, jobs that did not fail). `nextPage` finds the
    /// next page in a response; by default the `Link: rel="next"` URL.
    func mappedPages<Raw: Decodable & Sendable, Element: Sendable>(
        _ raw: Raw.Type, _ url: URL, operation: String,
        nextPage: @escaping @Sendable (HTTPResponse) -> URL? = { $0.nextPageURL },
        transform: @escaping @Sendable ([Raw]) -> [Element]
    ) -> Pages<Element> {
        pagedAnswers([Raw].self, url, operation: operation, nextPage: nextPage, elements: transform)
    }

    /// The pages of a list call whose answer is an object that wraps the list, like GitHub's
    /// `{"total_count", "jobs": […]}` (Checks and Actions; Gitea's Actions too).
    func wrappedPages<Answer: Decodable & Sendable, Element: Sendable>(
        _ answer: Answer.Type, _ url: URL, operation: String,
        elements: @escaping @Sendable (Answer) -> [Element]
    ) -> Pages<Element> {
        pagedAnswers(answer, url, operation: operation, elements: elements)
    }

    /// The one pager behind the three above: each page's answer decoded as `Answer`, its
    /// elements taken out, the next page found in the response. A next page on another host
    /// is refused, since following it would take the token there.
    private func pagedAnswers<Answer: Decodable & Sendable, Element: Sendable>(
        _ answer: Answer.Type, _ url: URL, operation: String,
        nextPage: @escaping @Sendable (HTTPResponse) -> URL? = { $0.nextPageURL },
        elements: @escaping @Sendable (Answer) -> [Element]
    ) -> Pages<Element> {
        let forge = self
        return Pages { next in
            let target = next ?? url
            guard HTTPClient.sameOrigin(target, forge.baseURL) else {
                throw ForgeError(.badResponse, forge: forge.kind, operation: operation, request: "GET \(RedactedURL.string(target))",
                                 message: "the next page's link points to another host",
                                 hint: "The API sent a Link header outside its own base URL; the token is not sent there")
            }
            let response = try await forge.call(.get, target, operation: operation)
            let decoded = try forge.decode(Answer.self, from: response, operation: operation)
            return Pages.Page(elements: elements(decoded), next: nextPage(response))
        }
    }

    static func encode(_ value: any Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    // MARK: Answers

    /// Decodes a successful answer, or says clearly why it is not what the API documents.
    func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, operation: String) throws -> T {
        let label = response.request.redactedDescription
        if let media = response.mediaType, media == "text/html" || !response.body.isEmpty && response.body.first == UInt8(ascii: "<") {
            throw ForgeError(.badResponse, forge: kind, operation: operation, request: label, status: response.status,
                             message: "the answer is \(response.bodySummary), not JSON",
                             hint: "Is the API base URL right? (\(ForgeHTTP.baseHint(kind)))")
        }
        do {
            let decoder = JSONDecoder()
            return try decoder.decode(T.self, from: response.body)
        } catch let error as DecodingError {
            throw ForgeError(.badResponse, forge: kind, operation: operation, request: label, status: response.status,
                             message: "the answer is not the JSON the API documents: \(ForgeHTTP.describe(error, body: response.body))",
                             hint: "A proxy may have cut the answer short, or the server is not a \(kind) API (\(ForgeHTTP.baseHint(kind)))")
        }
    }

    static func baseHint(_ kind: ForgeKind) -> String {
        switch kind {
        case .github: "GITHUB_API_URL: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise"
        case .gitlab: "CI_API_V4_URL: https://HOST/api/v4"
        case .gitea: "GITHUB_API_URL or the server URL: https://HOST/api/v1 for Gitea and Forgejo"
        case .local: "the local forge has no API"
        }
    }

    static func describe(_ error: DecodingError, body: Data) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "the field \"\(key.stringValue)\" is missing\(at)"
        case .valueNotFound(_, let context):
            return "\(path(context)) is null"
        case .typeMismatch(let type, let context):
            return "\(path(context)) is not \(typeName(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return body.isEmpty ? "the body is empty" : "the body is not valid JSON (\(body.count) bytes; truncated?)"
            }
            return "\(path(context)) is malformed: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }

    /// The error for an unsuccessful answer, with the server's own words.
    func failure(_ response: HTTPResponse, operation: String) -> ForgeError {
        let said = ForgeHTTP.serverMessage(response.body) ?? response.bodySummary
        let label = response.request.redactedDescription
        let status = response.status
        switch status {
        case 401:
            return ForgeError(.unauthorized, forge: kind, operation: operation, request: label, status: status, message: said,
                              hint: "The credentials from \(tokens.origin) were refused: wrong, expired or revoked; set a valid token")
        case 403:
            return ForgeError(.forbidden, forge: kind, operation: operation, request: label, status: status, message: said,
                              hint: "The credentials from \(tokens.origin) lack a permission this call needs")
        case 404:
            return ForgeError(.notFound, forge: kind, operation: operation, request: label, status: status, message: said,
                              hint: "Check the repository and number; a private repository also answers 404 to a token that cannot see it")
        case 409, 422:
            let duplicate = isDuplicate(said)
            return ForgeError(duplicate ? .alreadyExists : .rejected, forge: kind, operation: operation, request: label,
                              status: status, message: said)
        case 500...:
            return ForgeError(.unavailable, forge: kind, operation: operation, request: label, status: status, message: said,
                              hint: "The server failed; try again later")
        default:
            return ForgeError(.rejected, forge: kind, operation: operation, request: label, status: status, message: said)
        }
    }

    static func forgeError(_ error: HTTPError, kind: ForgeKind, operation: String) -> ForgeError {
        let code: ForgeError.Code
        switch error.code {
        case .rateLimited: code = .rateLimited
        case .tooLarge, .truncated, .tooManyRedirects: code = .badResponse
        case .invalidRequest: code = .configuration
        default: code = .unavailable
        }
        return ForgeError(code, forge: kind, operation: operation, request: nil, status: error.status,
                          message: error.description, underlying: error)
    }

    /// The server's explanation in the JSON error shapes of the three APIs:
    /// GitHub `{"message", "errors": [{"message"|"code", "field"}]}`, GitLab `{"message": string|[…]|{field: […]}}`
    /// or `{"error", "error_description"}`, Gitea `{"message", "errors"}`.
    static func serverMessage(_ body: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        var parts: [String] = []
        if let message = object["message"] { parts.append(flatten(message)) }
        if let error = object["error"] as? String { parts.append(error) }
        if let description = object["error_description"] as? String { parts.append(description) }
        if let errors = object["errors"] as? [Any], !errors.isEmpty {
            parts.append(errors.map { item -> String in
                guard let entry = item as? [String: Any] else { return flatten(item) }
                if let message = entry["message"] as? String { return message }
                return [entry["resource"], entry["field"], entry["code"]].compactMap { $0 as? String }.joined(separator: " ")
            }.joined(separator: "; "))
        }
        let text = parts.filter { !$0.isEmpty }.joined(separator: ": ")
        return text.isEmpty ? nil : String(text.prefix(500))
    }

    private static func flatten(_ value: Any) -> String {
        switch value {
        case let text as String: return text
        case let list as [Any]: return list.map(flatten).joined(separator: "; ")
        case let map as [String: Any]: return map.keys.sorted().map { "\($0) \(flatten(map[$0]!))" }.joined(separator: "; ")
        default: return "\(value)"
        }
    }
}
