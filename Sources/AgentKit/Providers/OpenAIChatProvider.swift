import Foundation
import HTTPKit

/// OpenAI Chat Completions: `POST {base}/chat/completions`, the format every OpenAI-compatible
/// server speaks (vLLM, llama.cpp, Ollama at http://localhost:11434/v1, LM Studio, proxies).
///
/// Local servers bend the format; what they do is read as they do it: no usage, tool calls
/// without ids (given stable ones here), arguments as an object instead of JSON text, a whole
/// tool call in one delta, `finish_reason: "stop"` after tool calls, and `reasoning_content`
/// deltas (ignored: Chat Completions has no way to send reasoning back).
public struct OpenAIChatProvider: ModelProvider {
    public var name: String { "openai-chat" }

    public let baseURL: URL
    public let stream: Bool
    private let http: ModelHTTP

    /// - Parameters:
    ///   - apiKey: sent as `Authorization: Bearer …`; nil for local servers that need none.
    ///   - stream: stream the answer (server-sent events) or wait for it whole.
    public init(baseURL: URL = OpenAIResponsesProvider.defaultBaseURL, apiKey: String?, client: HTTPClient,
                stream: Bool = true, limits: ModelCallLimits = ModelCallLimits()) {
        self.baseURL = baseURL
        self.stream = stream
        http = ModelHTTP(provider: "openai-chat", client: client, limits: limits, apiKey: apiKey,
                         keyVariable: "OPENAI_API_KEY", baseVariable: "OPENAI_BASE_URL")
    }

    public func respond(to request: ModelRequest) async throws -> ModelResponse {
        var headers = HTTPHeaders()
        if let key = http.apiKey { headers.set("Authorization", "Bearer \(key)") }
        let turn = request.items.count
        return try await http.call(baseURL.appendingPathComponent("chat").appendingPathComponent("completions"),
                                   headers: headers, body: Self.body(for: request, stream: stream), model: request.model,
                                   stream: stream, assembler: ChatStreamAssembler(turn: turn),
                                   whole: { json, context in try Self.parse(json, turn: turn, context) })
    }

    // MARK: Request

    static func body(for request: ModelRequest, stream: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "messages": .array(messages(instructions: request.instructions, items: request.items)),
            "stream": .bool(stream),
        ]
        // OpenAI refuses `stream_options` on a request that does not stream.
        if stream { body["stream_options"] = ["include_usage": true] }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                ["type": "function",
                 "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
            })
        }
        // `max_tokens` is deprecated and refused by OpenAI's reasoning models; servers that do
        // not know the newer name ignore it rather than fail.
        if let limit = request.maxOutputTokens { body["max_completion_tokens"] = .number(Double(limit)) }
        return .object(body)
    }

    /// The conversation as messages: the instructions as the system message, an assistant's
    /// text and tool calls of one turn in one message, each result in a `tool` message.
    static func messages(instructions: String, items: [ConversationItem]) -> [JSONValue] {
        let malformed = ModelWire.malformedCalls(in: items)
        var messages: [JSONValue] = instructions.isEmpty ? [] : [["role": "system", "content": .string(instructions)]]
        var text: [String] = []
        var calls: [JSONValue] = []
        func flushAssistant() {
            guard !text.isEmpty || !calls.isEmpty else { return }
            // Servers answer tool calls with `content: null` and so must take it back.
            var message: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty ? .null : .string(text.joined(separator: "\n"))]
            if !calls.isEmpty { message["tool_calls"] = .array(calls) }
            messages.append(.object(message))
            text = []
            calls = []
        }
        for item in items {
            switch item {
            case .user(let content):
                flushAssistant()
                messages.append(["role": "user", "content": .string(content)])
            case .assistant(let content):
                text.append(content)
            case .toolCall(let call):
                let arguments = malformed[call.id] == nil ? call.arguments : "{}"
                calls.append(["id": .string(call.id), "type": "function",
                              "function": ["name": .string(call.name), "arguments": .string(arguments)]])
            case .toolResult(let callID, let output, _):
                flushAssistant()
                messages.append(["role": "tool", "tool_call_id": .string(callID),
                                 "content": .string(ModelWire.resultText(output, callID: callID, malformed: malformed))])
            case .reasoning:
                break  // nothing in Chat Completions carries reasoning back
            }
        }
        flushAssistant()
        return messages
    }

    // MARK: Response

    /// A whole `chat.completion`: the first choice's message, its finish reason, and usage.
    static func parse(_ json: JSONValue, turn: Int, _ context: ModelCallContext) throws -> ModelResponse {
        if let failure = json["error"], failure != .null {
            throw context.failure(status: nil, said: ModelErrorBody(json: json))
        }
        guard let choices = json["choices"]?.arrayValue else { throw context.bad("the completion has no \"choices\"") }
        guard let choice = choices.first(where: { ($0["index"]?.intValue ?? 0) == 0 }) ?? choices.first else {
            throw context.bad("the completion has no choice")
        }
        let message = try context.field(choice["message"], "message", in: "choice 0")
        var calls = ToolCallPieces(turn: turn)
        // A whole list: each element is a call of its own, ids and indices or not.
        for piece in message["tool_calls"]?.arrayValue ?? [] { calls.merge(piece, startsCall: true) }
        return try response(text: content(message["content"]), refusal: message["refusal"]?.stringValue,
                            calls: calls.assembled(context), finishReason: choice["finish_reason"]?.stringValue,
                            usage: json["usage"])
    }

    /// `content` as a string, or as a list of text parts (some servers answer that way).
    static func content(_ value: JSONValue?) -> String {
        if let text = value?.stringValue { return text }
        return (value?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }

    static func response(text: String, refusal: String?, calls: [ToolCall], finishReason: String?,
                         usage: JSONValue?) throws -> ModelResponse {
        var items: [ConversationItem] = text.isEmpty ? [] : [.assistant(text)]
        if let refusal, !refusal.isEmpty { items.append(.assistant(refusal)) }
        items += calls.map(ConversationItem.toolCall)
        let stop: StopReason
        switch finishReason {
        case "length": stop = .maxTokens
        case "content_filter": stop = .refused("content_filter")
        case _ where refusal?.isEmpty == false: stop = .refused(refusal ?? "")
        // Some servers say "stop" (or nothing) after tool calls; the calls decide.
        case _ where !calls.isEmpty: stop = .toolCalls
        case nil, "stop", "tool_calls", "function_call", "eos", "end_turn": stop = .endTurn
        case let other?: stop = .other(other)
        }
        let usage = Usage(inputTokens: usage?["prompt_tokens"]?.intValue ?? 0,
                          outputTokens: usage?["completion_tokens"]?.intValue ?? 0,
                          cachedInputTokens: usage?["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0)
        return ModelResponse(items: items, usage: usage, stopReason: stop)
    }
}

/// Tool calls put together from pieces: streamed deltas keyed by `index`, or a whole list.
struct ToolCallPieces {
    private struct Call {
        var id: String?
        var name = ""
        var arguments = ""
    }

    private let turn: Int
    private var calls: [Call] = []
    private var slots: [Int: Int] = [:]  // the server's `index` → position in `calls`

    init(turn: Int) { self.turn = turn }

    var isEmpty: Bool { calls.isEmpty }

    /// Adds one piece. Without an `index` (some servers leave it out), a new id starts a new
    /// call and a piece without one continues the last call; `startsCall` makes it a new call
    /// whatever it carries.
    mutating func merge(_ piece: JSONValue, startsCall: Bool = false) {
        let id = piece["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let slot: Int
        if startsCall {
            calls.append(Call())
            slot = calls.count - 1
        } else if let index = piece["index"]?.intValue {
            if let known = slots[index] {
                slot = known
            } else {
                calls.append(Call())
                slot = calls.count - 1
                slots[index] = slot
            }
        } else if let id, let known = calls.firstIndex(where: { $0.id == id }) {
            slot = known
        } else if id == nil, !calls.isEmpty {
            slot = calls.count - 1
        } else {
            calls.append(Call())
            slot = calls.count - 1
        }
        if calls[slot].id == nil { calls[slot].id = id }
        let function = piece["function"]
        // Names come whole in the first piece; servers that repeat them must not double them.
        if calls[slot].name.isEmpty, let name = function?["name"]?.stringValue { calls[slot].name = name }
        switch function?["arguments"] {
        case .string(let text)?: calls[slot].arguments += text
        case nil, .null?: break
        case let whole?: calls[slot].arguments = whole.jsonText
        }
    }

    func assembled(_ context: ModelCallContext) throws -> [ToolCall] {
        try calls.enumerated().map { index, call in
            guard !call.name.isEmpty else { throw context.bad("tool call \(index) has no function name") }
            return ToolCall(id: call.id ?? ModelWire.stableCallID(turn: turn, index: index, name: call.name, arguments: call.arguments),
                            name: call.name, arguments: call.arguments)
        }
    }
}

/// Chat Completions' stream: `chat.completion.chunk` objects whose first choice carries
/// deltas, a `finish_reason`, a last chunk with `usage` and no choices (with
/// `stream_options.include_usage`), then `data: [DONE]`.
struct ChatStreamAssembler: ModelStreamAssembler {
    var finalEventName: String { "data: [DONE]" }
    private var text = ""
    private var refusal = ""
    private var calls: ToolCallPieces
    private var finishReason: String?
    private var usage: JSONValue?

    init(turn: Int) { calls = ToolCallPieces(turn: turn) }

    /// A stream cut after `finish_reason` lost at most the usage chunk: the turn itself is whole.
    var isCompleteWithoutFinalEvent: Bool { finishReason != nil }

    mutating func take(_ event: ServerSentEvent, _ context: ModelCallContext) throws -> Bool {
        if event.data.trimmingCharacters(in: .whitespaces) == "[DONE]" { return true }
        let json = try context.json(event)
        if let failure = json["error"], failure != .null {
            throw context.failure(status: nil, said: ModelErrorBody(json: json))
        }
        if let reported = json["usage"], reported.objectValue != nil { usage = reported }
        for choice in json["choices"]?.arrayValue ?? [] where (choice["index"]?.intValue ?? 0) == 0 {
            let delta = choice["delta"] ?? choice["message"]
            text += OpenAIChatProvider.content(delta?["content"])
            refusal += delta?["refusal"]?.stringValue ?? ""
            for piece in delta?["tool_calls"]?.arrayValue ?? [] { calls.merge(piece) }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        }
        return false
    }

    func response(_ context: ModelCallContext) throws -> ModelResponse {
        try OpenAIChatProvider.response(text: text, refusal: refusal.isEmpty ? nil : refusal, calls: calls.assembled(context),
                                        finishReason: finishReason, usage: usage)
    }
}
