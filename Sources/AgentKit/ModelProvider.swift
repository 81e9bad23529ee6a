import Foundation

/// A model API: OpenAI Responses, OpenAI Chat Completions, or Anthropic Messages.
public protocol ModelProvider: Sendable {
    /// "openai", "openai-chat", "anthropic" (the `--provider` names).
    var name: String { get }
    /// Sends the whole conversation and returns the model's turn. Streams when the provider is
    /// set to (the default), assembling the events; the result is the same either way.
    func respond(to request: ModelRequest) async throws -> ModelResponse
}

/// Why a model call failed, and what to do. Never holds an API key.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }
        /// 401/403: a missing, wrong or revoked key.
        public static let unauthorized = Code(name: "unauthorized")
        /// 404 or a "model not found" answer: the model name is unknown to this server.
        public static let modelNotFound = Code(name: "model not found")
        /// The conversation is longer than the model's context window: compact it and go on.
        public static let contextTooLong = Code(name: "context too long")
        public static let rateLimited = Code(name: "rate limited")
        /// 5xx after retries, or no connection.
        public static let unavailable = Code(name: "unavailable")
        /// Not the documented wire format: malformed JSON or SSE, a missing field, an endless stream.
        public static let badResponse = Code(name: "bad response")
        /// Other 4xx: the server refused the request (a bad parameter, a content filter).
        public static let rejected = Code(name: "rejected")
        /// The settings cannot work (no model name, a bad base URL, a key bound for plain http):
        /// nothing was sent, and the user fixes a flag or a variable.
        public static let configuration = Code(name: "configuration")
    }

    public var code: Code
    /// The provider's name ("openai", "anthropic").
    public var provider: String
    /// "POST https://api.openai.com/v1/responses", credentials redacted; nil when nothing was sent.
    public var request: String?
    public var status: Int?
    public var message: String
    public var hint: String?

    public init(_ code: Code, provider: String, request: String? = nil, status: Int? = nil, message: String, hint: String? = nil) {
        self.code = code
        self.provider = provider
        self.request = request
        self.status = status
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "model (\(provider))"
        if let request { text += " \(request)" }
        text += " failed"
        if let status { text += ": HTTP \(status)" }
        if !message.isEmpty { text += ": \(message)" }
        if let hint { text += ". \(hint)" }
        return text
    }
}
