// What a ScriptedModelServer plays: one turn per request, in order.
import Foundation

/// One model turn of the script: what the model "says" for the next request, or the fault
/// the server answers it with instead.
public struct ScriptedTurn: Sendable {
    /// Reasoning: a Responses `reasoning` item (summary plus opaque `encrypted_content`), an
    /// Anthropic `thinking` block (with a signature the server checks when it comes back), and
    /// `reasoning_content` deltas on Chat Completions when `ChatQuirks.reasoningContent` is set.
    public var reasoning: String?
    public var text: String?
    public var toolCalls: [ScriptedToolCall]
    public var usage: ScriptedUsage
    /// nil: the stop reason follows from the turn (tool calls or the end of the turn).
    public var stopReason: ScriptedStopReason?
    /// When set, the server answers with the fault and nothing else of the turn is used.
    public var fault: ScriptedFault?

    public init(reasoning: String? = nil, text: String? = nil, toolCalls: [ScriptedToolCall] = [],
                usage: ScriptedUsage = ScriptedUsage(), stopReason: ScriptedStopReason? = nil) {
        self.reasoning = reasoning
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
        self.stopReason = stopReason
    }

    /// A turn the server answers with `fault`.
    public static func fault(_ fault: ScriptedFault) -> ScriptedTurn {
        var turn = ScriptedTurn()
        turn.fault = fault
        return turn
    }
}

/// A tool call the scripted model makes. `arguments` is sent as written, so a test can make
/// the model write broken JSON.
public struct ScriptedToolCall: Sendable {
    /// nil: the server makes one ("call_1", "toolu_1", …, counting over the server's life).
    public var id: String?
    public var name: String
    public var arguments: String

    public init(id: String? = nil, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// The tokens a turn reports. `input` counts cached tokens in, as `Usage` does; the Anthropic
/// wire splits them out (`input_tokens` + `cache_read_input_tokens`).
public struct ScriptedUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int
    public var cached: Int

    public init(input: Int = 100, output: Int = 20, cached: Int = 0) {
        self.input = input
        self.output = output
        self.cached = cached
    }
}

/// Stop reasons that do not follow from the turn's content.
public enum ScriptedStopReason: Sendable, Equatable {
    /// Responses: status "incomplete" with reason "max_output_tokens"; Chat: "length"; Anthropic: "max_tokens".
    case maxTokens
    /// The turn's text is a refusal: a Responses `refusal` part, Chat `message.refusal`,
    /// Anthropic `stop_reason: "refusal"`.
    case refusal
}

/// What can go wrong, each in the real server's shape.
public enum ScriptedFault: Sendable {
    /// 429 with `Retry-After: seconds` and the format's rate-limit error.
    case rateLimited(retryAfter: Int)
    /// 500 with the format's server error.
    case serverError
    /// Anthropic 529 `overloaded_error`; OpenAI formats 503.
    case overloaded
    /// 401 with the format's authentication error.
    case unauthorized
    /// 404: the model does not exist.
    case modelNotFound
    /// 400 with the format's own context-length error.
    case contextTooLong
    /// Streamed: an event whose data is cut-off JSON. Whole: 200 with cut-off JSON.
    case malformedJSON
    /// Streamed: half the events, then a clean end without the final event. Whole: the
    /// connection closes halfway through the announced body.
    case truncatedStream
    /// Streamed: half the events, then the connection drops (no end of the chunked body).
    case droppedConnection
    /// Streamed: text deltas forever, until the client leaves. Whole: a JSON body that never ends.
    case endlessStream
    /// Streamed: the head and the first events, then silence for `seconds` (or until the
    /// server stops), then the connection drops. Whole: the head never comes.
    case silentStream(seconds: Int)
    /// Streamed: an error event after the first events (Responses `response.failed`,
    /// Anthropic `error` overloaded, Chat `{"error": …}` chunk). Whole: like `serverError`.
    case streamError
    /// Any answer, e.g. vLLM's or llama.cpp's own error shapes.
    case raw(status: Int, body: String, headers: [String: String] = ["Content-Type": "application/json"])
}

/// Ways local OpenAI-compatible servers bend Chat Completions, to play one of them.
public struct ChatQuirks: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// No `usage` anywhere, even with `stream_options.include_usage`.
    public static let omitUsage = ChatQuirks(rawValue: 1 << 0)
    /// Tool calls without an `id`.
    public static let omitToolCallIDs = ChatQuirks(rawValue: 1 << 1)
    /// `function.arguments` as a JSON object instead of JSON text (and whole, in one delta).
    public static let argumentsAsObject = ChatQuirks(rawValue: 1 << 2)
    /// `reasoning_content` deltas before the content (vLLM, llama.cpp, DeepSeek).
    public static let reasoningContent = ChatQuirks(rawValue: 1 << 3)
    /// Each tool call whole in one delta (Ollama).
    public static let wholeToolCalls = ChatQuirks(rawValue: 1 << 4)
    /// `finish_reason: "stop"` even after tool calls (older Ollama).
    public static let stopAfterToolCalls = ChatQuirks(rawValue: 1 << 5)
    /// Tool call deltas without `index`.
    public static let omitToolCallIndex = ChatQuirks(rawValue: 1 << 6)
    /// No `data: [DONE]` at the end of the stream.
    public static let omitDone = ChatQuirks(rawValue: 1 << 7)
}
