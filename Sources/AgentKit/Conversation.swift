import Foundation

/// A function call the model asked for.
public struct ToolCall: Sendable, Equatable, Codable {
    /// The provider's id for the call ("call_…", "toolu_…"); the result must carry it back.
    public var id: String
    public var name: String
    /// The arguments as the model wrote them: JSON text, which may be malformed.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Reasoning the model produced, carried back to it on the next request unchanged (the
/// Responses API's `reasoning` items with `encrypted_content`; Anthropic's `thinking` blocks
/// with their `signature`). Only the provider that made it reads it.
public struct ReasoningItem: Sendable, Equatable, Codable {
    /// Which wire format made it: "openai-responses", "anthropic".
    public var provider: String
    /// The item itself, as the provider sent it, to be sent back as it was.
    public var payload: JSONValue

    public init(provider: String, payload: JSONValue) {
        self.provider = provider
        self.payload = payload
    }
}

/// One entry of the conversation, in the order it happened. The whole conversation is sent
/// with every request (DESIGN.md §3: no server-side state), so any compatible server works.
public enum ConversationItem: Sendable, Equatable, Codable {
    /// What the bot tells the model: the task, then verification results.
    case user(String)
    /// Text the model wrote.
    case assistant(String)
    case toolCall(ToolCall)
    /// The result of the tool call `callID`; `isError` when the tool failed or refused.
    case toolResult(callID: String, output: String, isError: Bool)
    case reasoning(ReasoningItem)
}

/// A tool the model may call: its name, what it does, and a JSON Schema of its arguments.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// Everything a provider sends for one model turn.
public struct ModelRequest: Sendable, Equatable {
    public var model: String
    /// The system prompt: the bot's rules and the repository's AGENTS.md.
    public var instructions: String
    public var items: [ConversationItem]
    public var tools: [ToolDefinition]
    public var maxOutputTokens: Int?

    public init(model: String, instructions: String, items: [ConversationItem], tools: [ToolDefinition], maxOutputTokens: Int? = nil) {
        self.model = model
        self.instructions = instructions
        self.items = items
        self.tools = tools
        self.maxOutputTokens = maxOutputTokens
    }
}

/// Tokens used by one request.
public struct Usage: Sendable, Equatable, Codable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// Input tokens the provider served from its prompt cache (already counted in `inputTokens`).
    public var cachedInputTokens: Int

    public init(inputTokens: Int = 0, outputTokens: Int = 0, cachedInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
    }

    public static func + (a: Usage, b: Usage) -> Usage {
        Usage(inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens,
              cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens)
    }
}

/// Why the model stopped.
public enum StopReason: Sendable, Equatable, Codable {
    /// It finished its turn (no tool calls, or calls it expects results for: see `toolCalls`).
    case endTurn
    /// It asked for tools.
    case toolCalls
    /// It hit the output token limit mid-answer.
    case maxTokens
    /// The provider refused or filtered the answer.
    case refused(String)
    case other(String)
}

/// One model turn: what the model produced, in order, and what it cost.
public struct ModelResponse: Sendable, Equatable {
    /// Assistant text, tool calls and reasoning, in the order the model produced them.
    public var items: [ConversationItem]
    public var usage: Usage
    public var stopReason: StopReason

    public init(items: [ConversationItem], usage: Usage, stopReason: StopReason) {
        self.items = items
        self.usage = usage
        self.stopReason = stopReason
    }

    public var toolCalls: [ToolCall] {
        items.compactMap { if case .toolCall(let call) = $0 { return call } else { return nil } }
    }

    /// The assistant text of the turn, joined.
    public var text: String {
        items.compactMap { if case .assistant(let text) = $0 { return text } else { return nil } }.joined(separator: "\n")
    }
}
