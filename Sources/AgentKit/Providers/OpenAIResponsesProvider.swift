import Foundation
import HTTPKit

/// The OpenAI Responses API: `POST {base}/responses`, base "https://api.openai.com/v1" or any
/// server that implements it (`OPENAI_BASE_URL`, ending in /v1 as in the OpenAI SDK).
///
/// Every request carries the whole conversation with `store: false` (DESIGN.md §3: no
/// server-side state), so reasoning items come back encrypted (`include:
/// ["reasoning.encrypted_content"]`) and are sent back exactly as they came.
public struct OpenAIResponsesProvider: ModelProvider {
    public var name: String { "openai" }
    /// The `provider` of the reasoning items this format makes and reads.
    public static let reasoningFormat = "openai-responses"
    public static let defaultBaseURL = URL(string: "https://api.openai.com/v1")!

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
        http = ModelHTTP(provider: "openai", client: client, limits: limits, apiKey: apiKey,
                         keyVariable: "OPENAI_API_KEY", baseVariable: "OPENAI_BASE_URL",
                         notFoundHint: "A server without the Responses API (many local servers) answers 404 too: use --provider openai-chat there")
    }

    public func respond(to request: ModelRequest) async throws -> ModelResponse {
        var headers = HTTPHeaders()
        if let key = http.apiKey { headers.set("Authorization", "Bearer \(key)") }
        return try await http.call(baseURL.appendingPathComponent("responses"), headers: headers,
                                   body: Self.body(for: request, stream: stream), model: request.model, stream: stream,
                                   assembler: ResponsesStreamAssembler(), whole: Self.parse)
    }

    // MARK: Request

    static func body(for request: ModelRequest, stream: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "instructions": .string(request.instructions),
            "input": .array(input(request.items)),
            "store": false,
            "include": ["reasoning.encrypted_content"],
            "stream": .bool(stream),
        ]
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                ["type": "function", "name": .string(tool.name), "description": .string(tool.description),
                 "parameters": tool.parameters, "strict": false]
            })
        }
        if let limit = request.maxOutputTokens { body["max_output_tokens"] = .number(Double(limit)) }
        return .object(body)
    }

    static func input(_ items: [ConversationItem]) -> [JSONValue] {
        let malformed = ModelWire.malformedCalls(in: items)
        return items.compactMap { item -> JSONValue? in
            switch item {
            case .user(let text):
                return ["role": "user", "content": .string(text)]
            case .assistant(let text):
                return ["type": "message", "role": "assistant",
                        "content": [["type": "output_text", "text": .string(text)]]]
            case .toolCall(let call):
                let arguments = malformed[call.id] == nil ? call.arguments : "{}"
                return ["type": "function_call", "call_id": .string(call.id), "name": .string(call.name),
                        "arguments": .string(arguments)]
            case .toolResult(let callID, let output, _):
                // The Responses API has no error flag: the output's words say it.
                return ["type": "function_call_output", "call_id": .string(callID),
                        "output": .string(ModelWire.resultText(output, callID: callID, malformed: malformed))]
            case .reasoning(let reasoning):
                // Another provider's reasoning means nothing here (and cannot be verified).
                return reasoning.provider == reasoningFormat ? reasoning.payload : nil
            }
        }
    }

    // MARK: Response

    /// A whole (not streamed) answer: the Response object.
    static func parse(_ json: JSONValue, _ context: ModelCallContext) throws -> ModelResponse {
        try response(from: json, items: nil, context)
    }

    /// The turn a Response object stands for; `streamed` are the items from the stream's
    /// `output_item.done` events, which take the place of the object's `output` when present.
    static func response(from object: JSONValue, items streamed: [JSONValue]?, _ context: ModelCallContext) throws -> ModelResponse {
        let status = object["status"]?.stringValue
        if status == "failed" {
            throw context.failure(status: nil, said: ModelErrorBody(json: ["error": object["error"] ?? .null],
                                                                    fallback: "the response failed"))
        }
        let outputItems: [JSONValue]
        if let streamed, !streamed.isEmpty {
            outputItems = streamed
        } else if let output = object["output"]?.arrayValue {
            outputItems = output
        } else if streamed != nil {
            outputItems = []
        } else {
            throw context.bad("the response has no \"output\" list")
        }
        var items: [ConversationItem] = []
        var refusal: String?
        for (index, output) in outputItems.enumerated() {
            let converted = try convert(output, at: index, context)
            items += converted.items
            refusal = refusal ?? converted.refusal
        }
        let usage = object["usage"]
        let stop: StopReason
        if status == "incomplete" {
            let reason = object["incomplete_details"]?["reason"]?.stringValue
            switch reason {
            case "max_output_tokens": stop = .maxTokens
            case "content_filter": stop = .refused("content_filter")
            default: stop = .other(reason ?? "incomplete")
            }
        } else if let refusal {
            stop = .refused(refusal)
        } else {
            stop = items.contains { if case .toolCall = $0 { true } else { false } } ? .toolCalls : .endTurn
        }
        return ModelResponse(
            items: items,
            usage: Usage(inputTokens: usage?["input_tokens"]?.intValue ?? 0,
                         outputTokens: usage?["output_tokens"]?.intValue ?? 0,
                         cachedInputTokens: usage?["input_tokens_details"]?["cached_tokens"]?.intValue ?? 0),
            stopReason: stop)
    }

    /// One output item: a message (text, or a refusal), a function call, or reasoning. Other
    /// kinds (built-in tools this bot never offers) are skipped.
    static func convert(_ item: JSONValue, at index: Int, _ context: ModelCallContext) throws -> (items: [ConversationItem], refusal: String?) {
        let place = "output item \(index)"
        switch item["type"]?.stringValue {
        case "message":
            var text = ""
            var refusal: String?
            for part in item["content"]?.arrayValue ?? [] {
                switch part["type"]?.stringValue {
                case "output_text": text += part["text"]?.stringValue ?? ""
                case "refusal": refusal = (refusal ?? "") + (part["refusal"]?.stringValue ?? "")
                default: break
                }
            }
            var items: [ConversationItem] = text.isEmpty ? [] : [.assistant(text)]
            if let refusal { items.append(.assistant(refusal)) }
            return (items, refusal)
        case "function_call":
            // `call_id` is what the output must carry back; `id` ("fc_…") names the item itself.
            guard let callID = item["call_id"]?.stringValue ?? item["id"]?.stringValue else {
                throw context.bad("\(place) is a function call without a \"call_id\"")
            }
            let name = try context.string(item["name"], "name", in: place)
            return ([.toolCall(ToolCall(id: callID, name: name, arguments: ModelWire.argumentsText(item["arguments"])))], nil)
        case "reasoning":
            return ([.reasoning(ReasoningItem(provider: reasoningFormat, payload: item))], nil)
        case nil:
            throw context.bad("\(place) has no \"type\"")
        default:
            return ([], nil)
        }
    }
}

/// The Responses API's stream: `response.output_item.done` events carry each finished item,
/// `response.completed` (or `response.incomplete`) the status and usage; `response.failed`
/// and `error` end it with an error. Text and argument deltas are kept for servers that send
/// an item's pieces but not its `done` event.
struct ResponsesStreamAssembler: ModelStreamAssembler {
    var finalEventName: String { "response.completed" }
    private var finished: [Int: JSONValue] = [:]
    private var added: [Int: JSONValue] = [:]
    private var textDeltas: [Int: String] = [:]
    private var argumentDeltas: [Int: String] = [:]
    private var final: JSONValue?

    mutating func take(_ event: ServerSentEvent, _ context: ModelCallContext) throws -> Bool {
        if event.data == "[DONE]" { return false }
        let json = try context.json(event)
        let type = json["type"]?.stringValue ?? event.event
        let index = json["output_index"]?.intValue ?? finished.count
        switch type {
        case "response.output_item.added":
            added[index] = json["item"]
        case "response.output_text.delta":
            textDeltas[index, default: ""] += json["delta"]?.stringValue ?? ""
        case "response.function_call_arguments.delta":
            argumentDeltas[index, default: ""] += json["delta"]?.stringValue ?? ""
        case "response.output_item.done":
            guard let item = json["item"], item.objectValue != nil else {
                throw context.bad("a response.output_item.done event has no \"item\"")
            }
            finished[index] = item
        case "response.completed", "response.incomplete":
            guard let response = json["response"], response.objectValue != nil else {
                throw context.bad("the \(type) event has no \"response\"")
            }
            final = response
            return true
        case "response.failed":
            let failure = json["response"]?["error"] ?? .null
            throw context.failure(status: nil, said: ModelErrorBody(json: ["error": failure], fallback: "the response failed"))
        case "error":
            throw context.failure(status: nil, said: ModelErrorBody(json: json, fallback: "an error event"))
        default:
            break
        }
        return false
    }

    func response(_ context: ModelCallContext) throws -> ModelResponse {
        guard let final else { throw context.bad("the stream ended before response.completed") }
        let indices = Set(finished.keys).union(added.keys).sorted()
        let items = indices.compactMap { index in finished[index] ?? rebuilt(index) }
        return try OpenAIResponsesProvider.response(from: final, items: items, context)
    }

    /// An item that was announced and streamed but never finished with its `done` event.
    private func rebuilt(_ index: Int) -> JSONValue? {
        guard var item = added[index]?.objectValue else { return nil }
        switch item["type"]?.stringValue {
        case "message":
            item["content"] = [["type": "output_text", "text": .string(textDeltas[index] ?? "")]]
        case "function_call":
            item["arguments"] = .string(argumentDeltas[index] ?? ModelWire.argumentsText(item["arguments"]))
        default:
            break
        }
        return .object(item)
    }
}
