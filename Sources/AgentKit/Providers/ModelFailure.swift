import Foundation
import HTTPKit

/// What an error answer says, read from whichever shape the server uses:
/// OpenAI and llama.cpp `{"error": {"message", "type", "code"}}`, Anthropic
/// `{"type": "error", "error": {"type", "message"}}`, vLLM `{"object": "error", "message", "type", "code"}`,
/// Ollama `{"error": "model \"x\" not found"}`, proxies' `{"detail": "…"}`, or plain text.
struct ModelErrorBody: Sendable {
    var message: String
    var type: String?
    var code: String?

    init(message: String, type: String? = nil, code: String? = nil) {
        self.message = message
        self.type = type
        self.code = code
    }

    /// `summary` is the body's own summary (first line, or an HTML page's title) for non-JSON answers.
    init(_ body: Data, summary: String) {
        if let json = JSONValue(data: body), json.objectValue != nil {
            self.init(json: json, fallback: summary)
        } else {
            self.init(message: summary)
        }
    }

    init(json: JSONValue, fallback: String = "") {
        let inner = json["error"]
        if let text = inner?.stringValue {
            self.init(message: text)
            return
        }
        let source = inner.flatMap { $0.objectValue != nil ? $0 : nil } ?? json
        let message = source["message"]?.stringValue ?? json["message"]?.stringValue ?? json["detail"]?.stringValue
        // A bare `{"type":"error"}` names the wrapper, not the failure.
        let type = source["type"]?.stringValue.flatMap { $0 == "error" ? nil : $0 }
        let code = source["code"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
        self.init(message: message ?? (fallback.isEmpty ? json.jsonText.prefix(300).description : fallback), type: type, code: code)
    }

    /// The message with its type or code, as shown in an error: "prompt is too long (invalid_request_error)".
    var shown: String {
        let tag = [code, type].compactMap { $0 }.first { !$0.isEmpty && !message.contains($0) }
        let text = message.count > 500 ? String(message.prefix(500)) + "…" : message
        return tag.map { "\(text) (\($0))" } ?? text
    }
}

extension ModelCallContext {
    /// The error an error answer stands for. `status` is nil for an error event inside a stream.
    func failure(status: Int?, said: ModelErrorBody) -> ModelError {
        let type = said.type?.lowercased() ?? ""
        let code = said.code?.lowercased() ?? ""
        let text = said.message.lowercased()
        let everything = [type, code, text].joined(separator: " ")

        if status == 401 || status == 403 || ["authentication_error", "permission_error"].contains(type)
            || code == "invalid_api_key" {
            return error(.unauthorized, status: status,
                         message: sentKey ? "the key was refused: \(said.shown)" : "no API key was sent, and the server wants one: \(said.shown)",
                         hint: sentKey ? "Check \(keyVariable): the key may be wrong, revoked, or without access to the model \"\(model)\""
                                       : "Set \(keyVariable)")
        }
        if ModelCallContext.isContextTooLong(everything) {
            return error(.contextTooLong, status: status, message: said.shown,
                         hint: "The conversation is longer than the model \"\(model)\" can read; compact it (drop old tool output) and send it again, or use a model with a longer context")
        }
        if status == 404 || code == "model_not_found" || type == "not_found_error" || ModelCallContext.namesUnknownModel(text) {
            var hint = "Check --model or CODEX_BOT_MODEL against the names the server serves (GET …/models); if the name is right, check \(baseVariable)"
            if let notFoundHint { hint += ". \(notFoundHint)" }
            return error(.modelNotFound, status: status, message: "the server does not know the model \"\(model)\": \(said.shown)", hint: hint)
        }
        if status == 429 || type == "rate_limit_error" || code.contains("rate_limit") || code == "insufficient_quota" {
            let quota = everything.contains("quota") || everything.contains("billing") || everything.contains("credit")
            return error(.rateLimited, status: status, message: said.shown,
                         hint: quota ? "The account behind \(keyVariable) is out of quota or credit; check its billing" : "Wait and run again")
        }
        let serverSide = ["api_error", "overloaded_error", "server_error", "service_unavailable"].contains(type) || code == "server_error"
        if let status, status >= 500 || serverSide {
            return error(.unavailable, status: status, message: "the server failed: \(said.shown)",
                         hint: status == 529 || type == "overloaded_error" ? "The model is overloaded; run again in a few minutes" : "The model server had a problem; run again later")
        }
        if status == nil && (serverSide || !type.contains("invalid")) {
            // An error event mid-stream that is not about the request: the server gave up on the turn.
            return error(.unavailable, message: "the server stopped the answer with an error: \(said.shown)",
                         hint: "The model server failed while answering; run again")
        }
        return error(.rejected, status: status, message: said.shown,
                     hint: "The server refused the request as sent; its message says which part")
    }

    /// OpenAI `context_length_exceeded` ("maximum context length", "exceeds the context window"),
    /// Anthropic "prompt is too long", vLLM "maximum context length" / "maximum model length",
    /// llama.cpp "exceeds the available context size" (`exceed_context_size_error`).
    static func isContextTooLong(_ text: String) -> Bool {
        ["context_length_exceeded", "context length", "maximum context", "context window", "prompt is too long",
         "context size", "exceed_context_size", "maximum model length", "input is too long"].contains { text.contains($0) }
    }

    /// "The model `x` does not exist", "model \"x\" not found, try pulling it first", "unknown model".
    static func namesUnknownModel(_ text: String) -> Bool {
        text.contains("model") && (text.contains("does not exist") || text.contains("not found") || text.contains("unknown model")
            || text.contains("no such model"))
    }

    /// The error a failed exchange stands for. `midStream` is true once the answer's head is
    /// in: a break then is an incomplete answer, not an unreachable server.
    func transportFailure(_ failure: any Error, midStream: Bool) -> any Error {
        if failure is ModelError || failure is CancellationError { return failure }
        guard let http = failure as? HTTPError else {
            return bad("reading the answer failed: \(failure)")
        }
        let retried = http.attempts > 1 ? " (after \(http.attempts) attempts)" : ""
        switch http.code {
        case .cancelled:
            return CancellationError()
        case .rateLimited:
            return error(.rateLimited, status: http.status, message: http.message + retried, hint: http.hint)
        case .tooLarge:
            return bad("the answer went past the \(ModelCallContext.spoken(bytes: limits.maxResponseBytes)) limit without ending",
                       hint: "The server kept sending (a model repeating itself, or not a model API); ModelCallLimits.maxResponseBytes sets the limit")
        case .timeout where midStream:
            return bad("the stream went silent for \(ModelCallContext.spoken(limits.idleTimeout)) before its final event",
                       hint: "The server stalled mid-answer; run again, or raise ModelCallLimits.idleTimeout for a very slow local model")
        case .timeout:
            return error(.unavailable, message: "no answer in time\(retried): \(http.message)",
                         hint: "The model server did not answer; check that it is up at \(baseVariable), or raise ModelCallLimits.requestTimeout")
        case .truncated where midStream, .transport where midStream:
            return bad("the connection broke before the answer was complete: \(http.message)",
                       hint: "A proxy or the server cut the answer short; run again")
        case .connect:
            return error(.unavailable, message: http.message + retried,
                         hint: "Is the model server running at that address? Check \(baseVariable)")
        case .tooManyRedirects:
            return bad(http.message, hint: "Check \(baseVariable): the API does not redirect, a login page or a proxy does")
        case .invalidRequest:
            return error(.configuration, message: http.message, hint: "Check \(baseVariable)")
        default:
            return error(.unavailable, message: "\(http.code): \(http.message)\(retried)", hint: http.hint)
        }
    }
}
