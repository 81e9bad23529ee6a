import Foundation
import HTTPKit

/// Anthropic Messages: `POST {base}/v1/messages`, base "https://api.anthropic.com" or
/// `ANTHROPIC_BASE_URL` (without /v1, as in the Anthropic SDK).
///
/// Messages alternate user/assistant: consecutive items of one side go in one message, so a
/// turn's tool results travel together as `tool_result` blocks of one user message. Thinking
/// blocks come back as `ReasoningItem`s and are sent back unchanged with their signatures.
public struct AnthropicProvider: ModelProvider {
    public var name: String { "anthropic" }
    /// The `provider` of the reasoning items this format makes and reads.
    public static let reasoningFormat = "anthropic"
    public static let defaultBaseURL = URL(string: "https://api.anthropic.com")!
    public static let apiVersion = "2023-06-01"

    public let baseURL: URL
    public let stream: Bool
    /// `max_tokens` when the request sets no limit: the API requires one.
    public let defaultMaxTokens: Int
    private let http: ModelHTTP

    /// - Parameters:
    ///   - apiKey: sent as `x-api-key`; nil for a proxy that adds its own.
    ///   - stream: stream the answer (server-sent events) or wait for it whole.
    public init(baseURL: URL = AnthropicProvider.defaultBaseURL, apiKey: String?, client: HTTPClient,
                stream: Bool = true, defaultMaxTokens: Int = 8192, limits: ModelCallLimits = ModelCallLimits()) {
        self.baseURL = baseURL
        self.stream = stream
        self.defaultMaxTokens = max(1, defaultMaxTokens)
        http = ModelHTTP(provider: "anthropic", client: client, limits: limits, apiKey: apiKey,
                         keyVariable: "ANTHROPIC_API_KEY", baseVariable: "ANTHROPIC_BASE_URL")
    }

    public func respond(to request: ModelRequest) async throws -> ModelResponse {
        var headers: HTTPHeaders = ["anthropic-version": Self.apiVersion]
        if let key = http.apiKey { headers.set("x-api-key", key) }
        return try await http.call(baseURL.appendingPathComponent("v1").appendingPathComponent("messages"), headers: headers,
                                   body: body(for: request), model: request.model, stream: stream,
                                   assembler: AnthropicStreamAssembler(), whole: Self.parse)
    }

    // MARK: Request

    func body(for request: ModelRequest) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "messages": .array(Self.messages(request.items)),
            "max_tokens": .number(Double(request.maxOutputTokens ?? defaultMaxTokens)),
            "stream": .bool(stream),
        ]
        if !request.instructions.isEmpty { body["system"] = .string(request.instructions) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                ["name": .string(tool.name), "description": .string(tool.description), "input_schema": tool.parameters]
            })
        }
        return .object(body)
    }

    static func messages(_ items: [ConversationItem]) -> [JSONValue] {
        let malformed = ModelWire.malformedCalls(in: items)
        var messages: [(role: String, blocks: [JSONValue])] = []
        func add(_ role: String, _ block: JSONValue) {
            if messages.last?.role == role {
                messages[messages.count - 1].blocks.append(block)
            } else {
                messages.append((role, [block]))
            }
        }
        for item in items {
            switch item {
            case .user(let text) where !text.isEmpty:
                add("user", ["type": "text", "text": .string(text)])
            case .assistant(let text) where !text.isEmpty:
                add("assistant", ["type": "text", "text": .string(text)])
            case .user, .assistant:
                break  // the API refuses empty text blocks
            case .toolCall(let call):
                add("assistant", ["type": "tool_use", "id": .string(call.id), "name": .string(call.name),
                                  "input": ModelWire.argumentsObject(call).object])
            case .toolResult(let callID, let output, let isError):
                add("user", ["type": "tool_result", "tool_use_id": .string(callID),
                             "content": .string(ModelWire.resultText(output, callID: callID, malformed: malformed)),
                             "is_error": .bool(isError)])
            case .reasoning(let reasoning):
                if reasoning.provider == reasoningFormat { add("assistant", reasoning.payload) }
            }
        }
        return messages.map { message in
            // Tool results lead their user message, as the API requires; text (verification
            // results) follows them. The sort is stable, so each kind keeps its order.
            let blocks = message.role == "user"
                ? message.blocks.filter { $0["type"] == "tool_result" } + message.blocks.filter { $0["type"] != "tool_result" }
                : message.blocks
            return ["role": .string(message.role), "content": .array(blocks)]
        }
    }

    // MARK: Response

    /// A whole Message: its content blocks, stop reason and usage.
    static func parse(_ json: JSONValue, _ context: ModelCallContext) throws -> ModelResponse {
        if json["type"]?.stringValue == "error" {
            throw context.failure(status: nil, said: ModelErrorBody(json: json))
        }
        guard let blocks = json["content"]?.arrayValue else { throw context.bad("the message has no \"content\" list") }
        var items: [ConversationItem] = []
        for (index, block) in blocks.enumerated() {
            if let item = try convert(block, at: index, context) { items.append(item) }
        }
        let usage = json["usage"]
        return ModelResponse(items: items,
                             usage: tokens(input: usage, output: usage),
                             stopReason: stopReason(json["stop_reason"]?.stringValue, items: items))
    }

    /// One content block; nil for kinds the bot does not use (server tools' blocks).
    static func convert(_ block: JSONValue, at index: Int, _ context: ModelCallContext) throws -> ConversationItem? {
        let place = "content block \(index)"
        switch block["type"]?.stringValue {
        case "text":
            let text = block["text"]?.stringValue ?? ""
            return text.isEmpty ? nil : .assistant(text)
        case "tool_use":
            let id = try context.string(block["id"], "id", in: place)
            let name = try context.string(block["name"], "name", in: place)
            return .toolCall(ToolCall(id: id, name: name, arguments: (block["input"] ?? [:]).jsonText))
        case "thinking", "redacted_thinking":
            return .reasoning(ReasoningItem(provider: reasoningFormat, payload: block))
        case nil:
            throw context.bad("\(place) has no \"type\"")
        default:
            return nil
        }
    }

    /// Anthropic counts cached input apart from `input_tokens`; `Usage` counts it in.
    static func tokens(input: JSONValue?, output: JSONValue?) -> Usage {
        let fresh = input?["input_tokens"]?.intValue ?? 0
        let read = input?["cache_read_input_tokens"]?.intValue ?? 0
        let written = input?["cache_creation_input_tokens"]?.intValue ?? 0
        return Usage(inputTokens: fresh + read + written, outputTokens: output?["output_tokens"]?.intValue ?? 0,
                     cachedInputTokens: read)
    }

    static func stopReason(_ reason: String?, items: [ConversationItem]) -> StopReason {
        switch reason {
        case "end_turn", "stop_sequence": .endTurn
        case "tool_use": .toolCalls
        case "max_tokens": .maxTokens
        case "refusal": .refused("refusal")
        case nil: items.contains { if case .toolCall = $0 { true } else { false } } ? .toolCalls : .endTurn
        case let other?: .other(other)
        }
    }
}

/// The Messages stream: `message_start` (input usage), then per block `content_block_start`,
/// deltas (`text_delta`, `input_json_delta`, `thinking_delta`, `signature_delta`) and
/// `content_block_stop`, then `message_delta` (stop reason, output usage) and `message_stop`.
/// `ping` keeps the connection alive; `error` ends the stream with an error.
struct AnthropicStreamAssembler: ModelStreamAssembler {
    private struct Block {
        var start: JSONValue
        var text = ""
        var json = ""
        var thinking = ""
        var signature = ""
    }

    var finalEventName: String { "message_stop" }
    private var blocks: [Int: Block] = [:]
    private var started: JSONValue?
    private var stop: String?
    private var finalUsage: JSONValue?

    mutating func take(_ event: ServerSentEvent, _ context: ModelCallContext) throws -> Bool {
        let json = try context.json(event)
        let type = json["type"]?.stringValue ?? event.event
        switch type {
        case "message_start":
            started = try context.field(json["message"], "message", in: "the message_start event")
        case "content_block_start":
            let index = try blockIndex(json, type, context)
            blocks[index] = Block(start: try context.field(json["content_block"], "content_block", in: "a content_block_start event"))
        case "content_block_delta":
            let index = try blockIndex(json, type, context)
            guard var block = blocks[index] else {
                throw context.bad("a content_block_delta event is for block \(index), which never started")
            }
            let delta = json["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta": block.text += delta?["text"]?.stringValue ?? ""
            case "input_json_delta": block.json += delta?["partial_json"]?.stringValue ?? ""
            case "thinking_delta": block.thinking += delta?["thinking"]?.stringValue ?? ""
            case "signature_delta": block.signature += delta?["signature"]?.stringValue ?? ""
            default: break  // citations and kinds added later
            }
            blocks[index] = block
        case "message_delta":
            if let reason = json["delta"]?["stop_reason"]?.stringValue { stop = reason }
            if let usage = json["usage"], usage.objectValue != nil { finalUsage = usage }
        case "message_stop":
            return true
        case "error":
            throw context.failure(status: nil, said: ModelErrorBody(json: json))
        default:
            break  // "ping", "content_block_stop"
        }
        return false
    }

    private func blockIndex(_ json: JSONValue, _ type: String, _ context: ModelCallContext) throws -> Int {
        guard let index = json["index"]?.intValue else { throw context.bad("a \(type) event has no \"index\"") }
        return index
    }

    func response(_ context: ModelCallContext) throws -> ModelResponse {
        guard let started else { throw context.bad("the stream has no message_start event") }
        var items: [ConversationItem] = []
        for index in blocks.keys.sorted() {
            guard let block = blocks[index] else { continue }
            if let item = try assemble(block, at: index, context) { items.append(item) }
        }
        // message_delta's usage is cumulative and, in newer versions, repeats the input counts.
        let startUsage = started["usage"]
        let input = finalUsage?["input_tokens"] != nil ? finalUsage : startUsage
        let usage = AnthropicProvider.tokens(input: input, output: finalUsage ?? startUsage)
        return ModelResponse(items: items, usage: usage, stopReason: AnthropicProvider.stopReason(stop, items: items))
    }

    private func assemble(_ block: Block, at index: Int, _ context: ModelCallContext) throws -> ConversationItem? {
        var whole = block.start.objectValue ?? [:]
        switch whole["type"]?.stringValue {
        case "text":
            whole["text"] = .string((whole["text"]?.stringValue ?? "") + block.text)
        case "tool_use" where !block.json.isEmpty:
            // The start carries `input: {}`; the arguments are the partial JSON put together,
            // kept as the model wrote them (malformed text included: the tool runner reports it).
            let place = "content block \(index)"
            return .toolCall(ToolCall(id: try context.string(whole["id"], "id", in: place),
                                      name: try context.string(whole["name"], "name", in: place), arguments: block.json))
        case "thinking":
            whole["thinking"] = .string((whole["thinking"]?.stringValue ?? "") + block.thinking)
            if whole["signature"] != nil || !block.signature.isEmpty {
                whole["signature"] = .string((whole["signature"]?.stringValue ?? "") + block.signature)
            }
        default:
            break
        }
        return try AnthropicProvider.convert(.object(whole), at: index, context)
    }
}
