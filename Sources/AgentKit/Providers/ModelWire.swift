import Foundation

/// Conversation details the three wire formats treat alike.
enum ModelWire {
    /// A call's arguments as the JSON object the next request carries. Arguments that are not
    /// a JSON object (the model wrote broken JSON) go back as `{}`: Anthropic refuses anything
    /// else, and templates of local servers (vLLM, llama.cpp) parse them; the call's result
    /// then says what happened (`resultText`).
    static func argumentsObject(_ call: ToolCall) -> (object: JSONValue, malformed: Bool) {
        if let value = JSONValue(parsing: call.arguments), value.objectValue != nil { return (value, false) }
        return ([:], true)
    }

    /// The ids of calls whose arguments go back as `{}`, with the text the model wrote.
    static func malformedCalls(in items: [ConversationItem]) -> [String: String] {
        var calls: [String: String] = [:]
        for case .toolCall(let call) in items where argumentsObject(call).malformed {
            calls[call.id] = call.arguments
        }
        return calls
    }

    /// The result of a call, told that its arguments were replaced by `{}` when they were, so
    /// the model does not take `{}` for what it wrote. A result that already talks about the
    /// JSON (the tool runner's own refusal) is left as it is.
    static func resultText(_ output: String, callID: String, malformed: [String: String]) -> String {
        guard let written = malformed[callID], !output.localizedCaseInsensitiveContains("json") else { return output }
        let shown = written.count > 200 ? String(written.prefix(200)) + "…" : written
        return "[The arguments of this call were not a valid JSON object, so they are shown as {}. They were: \(shown)]\n\(output)"
    }

    /// Arguments that arrive as a string (the documented form) or as an object (Ollama and some
    /// vLLM parsers), always as JSON text.
    static func argumentsText(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case nil, .null?: ""
        case let other?: other.jsonText
        }
    }

    /// An id for a tool call the server sent without one (some local servers do): derived from
    /// the conversation and the call, so the same turn always gets the same id, and calls of
    /// different turns do not collide.
    static func stableCallID(turn: Int, index: Int, name: String, arguments: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in "\(turn)|\(index)|\(name)|\(arguments)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "call_\(turn)_\(index)_" + String(hash, radix: 16)
    }
}
