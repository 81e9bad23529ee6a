// A model API on loopback for tests: OpenAI Responses, OpenAI Chat Completions or Anthropic
// Messages, replaying a script of turns. It speaks the documented shapes (streamed as
// server-sent events when the request says `stream: true`, whole JSON otherwise), refuses what
// the real servers refuse, with their error shapes, and plays the faults a client must survive.
import Foundation

/// A scripted model server, built on `LoopbackHTTPServer`.
///
/// Each request to the model endpoint takes the next `ScriptedTurn` (a request the server
/// refuses takes none). What the real APIs refuse is refused here too, 400 with their error
/// shape: Responses, a `function_call_output` whose `call_id` matches no earlier
/// `function_call`, or a reasoning item that is not exactly as issued; Chat, a `tool` message
/// whose `tool_call_id` matches no preceding tool call, or tool calls left unanswered;
/// Anthropic, messages that do not alternate user/assistant, a `tool_result` whose
/// `tool_use_id` matches no `tool_use` of the previous message, a missing `max_tokens`, or a
/// thinking block whose signature does not match. With `apiKey` set, requests without it are
/// refused with 401.
///
/// Every request is recorded (`requests`, with its body); refusals are listed in `refusals`,
/// and requests to other paths or after the script ran out in `unexpectedRequests`, so a test
/// can assert that none happened.
///
/// Endpoints: Responses `POST /v1/responses`, Chat `POST /v1/chat/completions`, Anthropic
/// `POST /v1/messages`; all `GET /v1/models`.
public final class ScriptedModelServer: @unchecked Sendable {  // mutable state is in `core`, behind its lock
    public enum Format: String, Sendable, CaseIterable {
        case responses, chat, anthropic
    }

    public let format: Format
    public let http: LoopbackHTTPServer
    let core: ScriptedModelCore

    /// - Parameters:
    ///   - apiKey: when set, requests must carry it (`Authorization: Bearer` or `x-api-key`).
    ///   - models: the model names the server knows; others get the format's 404. nil knows every name.
    ///   - chatQuirks: how a local server bends Chat Completions (`.chat` only).
    public init(format: Format, script: [ScriptedTurn] = [], apiKey: String? = nil, models: [String]? = nil,
                chatQuirks: ChatQuirks = []) throws {
        let core = ScriptedModelCore(format: format, script: script, apiKey: apiKey, models: models.map(Set.init),
                                     quirks: chatQuirks)
        self.core = core
        self.format = format
        http = try LoopbackHTTPServer(name: "ScriptedModelServer") { request in
            // Time spent making answers is the "model's" time, which the agent benchmark leaves out.
            let start = ContinuousClock.now
            var response = core.handle(request)
            core.addBusyTime(start.duration(to: .now))
            if case .writer(let write) = response.delivery {
                response.delivery = .writer { send in
                    let writing = ContinuousClock.now
                    defer { core.addBusyTime(writing.duration(to: .now)) }
                    try write(send)
                }
            }
            return response
        }
    }

    /// How long the server has spent making and sending answers, in all.
    public var busyTime: Duration { core.busyTime }

    deinit { stop() }

    /// Stops the server; streams still running (endless, silent) end at once. Idempotent.
    public func stop() {
        core.markStopped()
        http.stop()
    }

    /// The base URL to configure: OPENAI_BASE_URL ("http://127.0.0.1:PORT/v1") for the OpenAI
    /// formats, ANTHROPIC_BASE_URL ("http://127.0.0.1:PORT", no /v1) for Anthropic.
    public var baseURL: String { format == .anthropic ? http.baseURL : http.baseURL + "/v1" }

    /// "/v1/responses", "/v1/chat/completions" or "/v1/messages".
    public var endpointPath: String { core.endpointPath }

    /// Adds turns at the end of the script.
    public func enqueue(_ turns: [ScriptedTurn]) { core.enqueue(turns) }

    public var remainingTurns: Int { core.remaining }

    /// Every request to the model endpoint, in order: answered, refused or faulted.
    public var requests: [LoopbackHTTPRequest] { core.requests }

    /// "400 invalid_request_error: messages: roles must alternate…", one per refused request.
    public var refusals: [String] { core.refusals }

    /// "GET /v1/other", "POST /v1/responses after the script ended": requests no test should make.
    public var unexpectedRequests: [String] { core.unexpected }
}

/// Runs a scripted model server for the duration of `body` and stops it on every path.
public func withScriptedModelServer<T>(format: ScriptedModelServer.Format, script: [ScriptedTurn], apiKey: String? = nil,
                                       models: [String]? = nil, chatQuirks: ChatQuirks = [],
                                       _ body: (ScriptedModelServer) async throws -> T) async throws -> T {
    let server = try ScriptedModelServer(format: format, script: script, apiKey: apiKey, models: models, chatQuirks: chatQuirks)
    defer { server.stop() }
    return try await body(server)
}

/// A turn with its ids given out: what one format's answer is built from.
struct TurnPlan {
    struct Call {
        var id: String
        /// The Responses item id ("fc_…"); unused by the other formats.
        var itemID: String
        var name: String
        var arguments: String
    }

    var number: Int
    var reasoning: String?
    var text: String?
    var calls: [Call]
    var usage: ScriptedUsage
    var stop: ScriptedStopReason?
}

/// One answer in the shapes a format needs: whole JSON, or the events of its stream.
struct WireAnswer {
    /// The JSON object answered to a request that does not stream.
    var whole: [String: Any]
    /// The events every stream starts with (created / message_start / the role chunk).
    var opening: [[UInt8]]
    /// The events with the content.
    var content: [[UInt8]]
    /// The events that end a complete stream.
    var closing: [[UInt8]]
    /// The n-th event of an endless stream.
    var filler: @Sendable (Int) -> [UInt8]
    /// An error event in the middle of the stream.
    var errorEvent: [UInt8]
    /// An event whose data is cut-off JSON.
    var malformedEvent: [UInt8]
}

/// The drop of a connection on purpose (the writer throws, so no end of the chunked body is sent).
struct ScriptedConnectionDrop: Error {}

final class ScriptedModelCore: @unchecked Sendable {  // every `var` is guarded by `lock`
    let format: ScriptedModelServer.Format
    let apiKey: String?
    let models: Set<String>?
    let quirks: ChatQuirks
    private let lock = NSLock()
    private var script: [ScriptedTurn]
    private var log: [LoopbackHTTPRequest] = []
    private var refusalLog: [String] = []
    private var unexpectedLog: [String] = []
    private var counter = 0
    private var turnsServed = 0
    private var stopped = false
    private var busy: Duration = .zero

    var busyTime: Duration { lock.withLock { busy } }
    func addBusyTime(_ duration: Duration) { lock.withLock { busy += duration } }
    /// Responses reasoning items as issued (id → canonical JSON), to check they come back unchanged.
    private var issuedReasoning: [String: String] = [:]

    init(format: ScriptedModelServer.Format, script: [ScriptedTurn], apiKey: String?, models: Set<String>?, quirks: ChatQuirks) {
        self.format = format
        self.script = script
        self.apiKey = apiKey
        self.models = models
        self.quirks = quirks
    }

    var endpointPath: String {
        switch format {
        case .responses: "/v1/responses"
        case .chat: "/v1/chat/completions"
        case .anthropic: "/v1/messages"
        }
    }

    var requests: [LoopbackHTTPRequest] { lock.withLock { log } }
    var refusals: [String] { lock.withLock { refusalLog } }
    var unexpected: [String] { lock.withLock { unexpectedLog } }
    var remaining: Int { lock.withLock { script.count } }
    var isStopped: Bool { lock.withLock { stopped } }
    func markStopped() { lock.withLock { stopped = true } }
    func enqueue(_ turns: [ScriptedTurn]) { lock.withLock { script += turns } }

    /// The next number for an id ("call_3"), counting over the server's life.
    func nextNumber() -> Int {
        lock.withLock {
            counter += 1
            return counter
        }
    }

    func issueReasoning(id: String, item: [String: Any]) {
        let canonical = Self.canonical(item)
        lock.withLock { issuedReasoning[id] = canonical }
    }

    /// nil when `id` was never issued; else whether `item` is exactly what was.
    func reasoningMatches(id: String, item: [String: Any]) -> Bool? {
        let canonical = Self.canonical(item)
        return lock.withLock { issuedReasoning[id].map { $0 == canonical } }
    }

    // MARK: Requests

    func handle(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        if request.method == "GET" && request.path == "/v1/models" {
            // The real APIs want the key for their model list too.
            return authenticate(request) ?? modelList()
        }
        guard request.method == "POST", request.path == endpointPath else {
            lock.withLock { unexpectedLog.append("\(request.method) \(request.path)") }
            return error(404, format == .anthropic ? "Not Found" : "Invalid URL (\(request.method) \(request.path))",
                         type: format == .anthropic ? "not_found_error" : "invalid_request_error")
        }
        lock.withLock { log.append(request) }
        if let refusal = authenticate(request) { return refusal }
        guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return refuse(400, format == .anthropic
                ? "There was an error parsing the body of your request: it is not a JSON object"
                : "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
        }
        guard let model = body["model"] as? String, !model.isEmpty else {
            return refuse(400, format == .anthropic ? "model: Field required" : "Missing required parameter: 'model'.", param: "model")
        }
        if let models, !models.contains(model) {
            lock.withLock { refusalLog.append("404 unknown model \(model)") }
            return fault(.modelNotFound, model: model)
        }
        let refusal: LoopbackHTTPResponse? = switch format {
        case .responses: validateResponses(body)
        case .chat: validateChat(body)
        case .anthropic: validateAnthropic(body)
        }
        if let refusal { return refusal }

        let next: (turn: ScriptedTurn, number: Int)? = lock.withLock {
            guard !script.isEmpty else { return nil }
            turnsServed += 1
            return (script.removeFirst(), turnsServed)
        }
        guard let (turn, number) = next else {
            lock.withLock { unexpectedLog.append("POST \(request.path) after the script ended") }
            return error(400, "ScriptedModelServer: the script has no turn left for this request", type: "invalid_request_error")
        }
        let stream = body["stream"] as? Bool ?? false
        if let fault = turn.fault, !fault.isStreamFault { return self.fault(fault, model: model) }
        let plan = TurnPlan(
            number: number, reasoning: turn.reasoning, text: turn.text,
            calls: turn.toolCalls.map { call in
                let n = nextNumber()
                return TurnPlan.Call(id: call.id ?? (format == .anthropic ? "toolu_\(n)" : "call_\(n)"), itemID: "fc_\(n)",
                                     name: call.name, arguments: call.arguments)
            },
            usage: turn.usage, stop: turn.stopReason)
        let answer: WireAnswer = switch format {
        case .responses: responsesAnswer(plan, model: model)
        case .chat: chatAnswer(plan, model: model, includeUsage: ((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool) ?? false)
        case .anthropic: anthropicAnswer(plan, model: model)
        }
        return deliver(answer, stream: stream, fault: turn.fault, model: model)
    }

    private func authenticate(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse? {
        if format == .anthropic, request.header("anthropic-version") == nil {
            return refuse(400, "anthropic-version: header is required")
        }
        guard let apiKey else { return nil }
        switch format {
        case .anthropic:
            guard let sent = request.header("x-api-key") else { return refuse(401, "x-api-key header is required") }
            return sent == apiKey ? nil : refuse(401, "invalid x-api-key")
        case .responses, .chat:
            guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else {
                return refuse(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
            }
            let sent = String(header.dropFirst("Bearer ".count))
            // The real API masks all but the key's end; this echoes it whole, so a test
            // shows that the client never lets a server's words leak the key.
            return sent == apiKey ? nil : refuse(401, "Incorrect API key provided: \(sent). You can find your API key at https://platform.openai.com/account/api-keys.",
                                                 code: "invalid_api_key")
        }
    }

    private func modelList() -> LoopbackHTTPResponse {
        let names = (models.map(Array.init) ?? ["scripted-model"]).sorted()
        if format == .anthropic {
            return .json(200, ["data": names.map { ["type": "model", "id": $0, "display_name": $0] }, "has_more": false])
        }
        return .json(200, ["object": "list", "data": names.map { ["id": $0, "object": "model", "owned_by": "scripted"] }])
    }

    // MARK: Errors

    /// An error answer in the format's shape: OpenAI `{"error": {message, type, param, code}}`,
    /// Anthropic `{"type": "error", "error": {type, message}}`.
    func error(_ status: Int, _ message: String, type: String? = nil, code: String? = nil, param: String? = nil,
               headers: [(String, String)] = []) -> LoopbackHTTPResponse {
        if format == .anthropic {
            let kind = type ?? [400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                                404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                                529: "overloaded_error"][status] ?? "api_error"
            return .json(status, ["type": "error", "error": ["type": kind, "message": message], "request_id": "req_scripted"],
                         headers: [("request-id", "req_scripted")] + headers)
        }
        let kind = type ?? (status >= 500 ? "server_error" : "invalid_request_error")
        return .json(status, ["error": ["message": message, "type": kind, "param": Self.orNull(param), "code": Self.orNull(code)]],
                     headers: headers)
    }

    /// A refusal of what the real server refuses, logged in `refusals`.
    func refuse(_ status: Int, _ message: String, code: String? = nil, param: String? = nil) -> LoopbackHTTPResponse {
        lock.withLock { refusalLog.append("\(status) \(message)") }
        return error(status, message, code: code, param: param)
    }

    private func fault(_ fault: ScriptedFault, model: String) -> LoopbackHTTPResponse {
        let anthropic = format == .anthropic
        switch fault {
        case .rateLimited(let seconds):
            return anthropic
                ? error(429, "Number of request tokens has exceeded your per-minute rate limit; please try again later.",
                        headers: [("retry-after", String(seconds))])
                : error(429, "Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in \(seconds)s.",
                        type: "requests", code: "rate_limit_exceeded", headers: [("Retry-After", String(seconds))])
        case .serverError, .streamError:
            return anthropic ? error(500, "Internal server error")
                : error(500, "The server had an error while processing your request. Sorry about that!")
        case .overloaded:
            return anthropic ? error(529, "Overloaded") : error(503, "The engine is currently overloaded, please try again later.")
        case .unauthorized:
            return anthropic ? error(401, "invalid x-api-key")
                : error(401, "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                        code: "invalid_api_key")
        case .modelNotFound:
            return anthropic ? error(404, "model: \(model)")
                : error(404, "The model `\(model)` does not exist or you do not have access to it.", code: "model_not_found")
        case .contextTooLong:
            switch format {
            case .anthropic:
                return error(400, "prompt is too long: 210431 tokens > 200000 maximum")
            case .responses:
                return error(400, "Your input exceeds the context window of this model. Please adjust your input and try again.",
                             code: "context_length_exceeded", param: "input")
            case .chat:
                return error(400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
                             code: "context_length_exceeded", param: "messages")
            }
        case .raw(let status, let body, let headers):
            return LoopbackHTTPResponse(status: status, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                        body: Array(body.utf8))
        case .malformedJSON, .truncatedStream, .droppedConnection, .endlessStream, .silentStream:
            // Stream faults are played by `deliver`, on the turn's own answer.
            return error(500, "ScriptedModelServer: \(fault) reached the status faults")
        }
    }

    // MARK: Delivery

    private func deliver(_ answer: WireAnswer, stream: Bool, fault: ScriptedFault?, model: String) -> LoopbackHTTPResponse {
        let json = [("Content-Type", "application/json")]
        guard stream else {
            let body = Array(Self.json(answer.whole).utf8)
            switch fault {
            case .malformedJSON?:
                return LoopbackHTTPResponse(status: 200, headers: json, body: Array(body.prefix(body.count / 2)))
            case .truncatedStream?, .droppedConnection?:
                return LoopbackHTTPResponse(status: 200, headers: json, body: body, delivery: .truncated(afterBytes: body.count / 2))
            case .endlessStream?:
                let opening = Array(Self.json(answer.whole).prefix(40).utf8)
                let filler = Array(String(repeating: "x", count: 16 << 10).utf8)
                return LoopbackHTTPResponse(status: 200, headers: json, delivery: .writer { [self] send in
                    try send(opening)
                    var sent = 0
                    while !isStopped && sent < 1 << 30 {
                        try send(filler)
                        sent += filler.count
                    }
                })
            case .silentStream?:
                return LoopbackHTTPResponse(status: 200, delivery: .stall)
            case .streamError?:
                return self.fault(.serverError, model: model)
            default:
                return LoopbackHTTPResponse(status: 200, headers: json, body: body)
            }
        }
        let headers = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache")]
        let opening = answer.opening, content = answer.content, closing = answer.closing
        let filler = answer.filler, errorEvent = answer.errorEvent, malformed = answer.malformedEvent
        let half = Array(content.prefix(content.count / 2))
        return LoopbackHTTPResponse(status: 200, headers: headers, delivery: .writer { [self] send in
            for event in opening { try send(event) }
            switch fault {
            case nil:
                for event in content + closing { try send(event) }
            case .truncatedStream?:
                for event in half { try send(event) }
            case .droppedConnection?:
                for event in half { try send(event) }
                throw ScriptedConnectionDrop()
            case .malformedJSON?:
                try send(malformed)
            case .streamError?:
                for event in half { try send(event) }
                try send(errorEvent)
            case .endlessStream?:
                var number = 0
                var sent = 0
                while !isStopped && sent < 1 << 30 {
                    let event = filler(number)
                    try send(event)
                    number += 1
                    sent += event.count
                }
            case .silentStream(let seconds)?:
                let deadline = Date().addingTimeInterval(TimeInterval(seconds))
                while !isStopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
                throw ScriptedConnectionDrop()
            default:
                for event in content + closing { try send(event) }
            }
        })
    }

    // MARK: Wire helpers

    /// Compact JSON with sorted keys; `object` holds only JSONSerialization's types.
    /// JSON text as a server writes it (key order unspecified: sorting costs the benchmark's
    /// "model" time for nothing).
    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes, .fragmentsAllowed])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// JSON text with sorted keys: the form in which an item sent back is compared with the one issued.
    static func canonical(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// One server-sent event: `event: name` (when the format names its events) and `data: json`.
    static func event(_ name: String?, _ object: Any) -> [UInt8] {
        var text = name.map { "event: \($0)\n" } ?? ""
        text += "data: \(json(object))\n\n"
        return Array(text.utf8)
    }

    /// `text` in pieces of a few characters, as a model streams it (never splitting a character).
    static func pieces(_ text: String, size: Int = 7) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return pieces
    }

    /// `value`, or JSON null.
    static func orNull(_ value: Any?) -> Any { value ?? NSNull() }

    /// The JSON value `arguments` stands for, or nil when it is not JSON.
    static func parsed(_ arguments: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(arguments.utf8), options: [.fragmentsAllowed])
    }
}

extension ScriptedFault {
    /// Faults played on the turn's own stream (or body) rather than instead of it.
    var isStreamFault: Bool {
        switch self {
        case .malformedJSON, .truncatedStream, .droppedConnection, .endlessStream, .silentStream, .streamError: true
        default: false
        }
    }
}
