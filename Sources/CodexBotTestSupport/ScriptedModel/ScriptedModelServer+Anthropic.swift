// The Anthropic Messages side of ScriptedModelServer: `POST /v1/messages`, its checks
// (alternating roles, tool_use/tool_result pairing, max_tokens, thinking signatures), the
// Message object, and its named stream events.
import Foundation

extension ScriptedModelCore {
    /// The signature the server gives a thinking block; one that comes back with other text fails.
    static func signature(ofThinking thinking: String) -> String {
        "sig_" + Data("scripted thinking: \(thinking)".utf8).base64EncodedString()
    }

    /// What the Messages API refuses that a client could get wrong.
    func validateAnthropic(_ body: [String: Any]) -> LoopbackHTTPResponse? {
        guard let maxTokens = body["max_tokens"] else { return refuse(400, "max_tokens: Field required") }
        guard let limit = maxTokens as? Int, limit >= 1 else {
            return refuse(400, "max_tokens: Input should be a valid integer greater than or equal to 1")
        }
        if let system = body["system"], !(system is String || system is [Any]) {
            return refuse(400, "system: Input should be a valid string")
        }
        if let tools = body["tools"] {
            guard let list = tools as? [[String: Any]] else { return refuse(400, "tools: Input should be a valid list") }
            for (index, tool) in list.enumerated() {
                guard tool["name"] is String else { return refuse(400, "tools.\(index).name: Field required") }
                guard tool["input_schema"] is [String: Any] else { return refuse(400, "tools.\(index).input_schema: Field required") }
            }
        }
        guard let list = body["messages"] else { return refuse(400, "messages: Field required") }
        guard let messages = list as? [[String: Any]] else { return refuse(400, "messages: Input should be a valid list") }
        guard !messages.isEmpty else { return refuse(400, "messages: at least one message is required") }

        var previousRole: String?
        var previousToolUses: [String] = []
        for (index, message) in messages.enumerated() {
            guard let role = message["role"] as? String else { return refuse(400, "messages.\(index).role: Field required") }
            if role == "system" {
                return refuse(400, "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.")
            }
            guard role == "user" || role == "assistant" else {
                return refuse(400, "messages.\(index).role: Input should be 'user' or 'assistant'")
            }
            if index == 0, role != "user" { return refuse(400, "messages: first message must use the \"user\" role") }
            if role == previousRole {
                return refuse(400, "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"\(role)\" roles in a row")
            }
            let blocks: [[String: Any]]
            if let text = message["content"] as? String {
                guard !text.isEmpty else {
                    return refuse(400, "messages.\(index): all messages must have non-empty content except for the optional final assistant message")
                }
                blocks = [["type": "text", "text": text]]
            } else if let list = message["content"] as? [[String: Any]], !list.isEmpty {
                blocks = list
            } else {
                return refuse(400, "messages.\(index): all messages must have non-empty content except for the optional final assistant message")
            }

            var toolUses: [String] = []
            var toolResults: Set<String> = []
            for (number, block) in blocks.enumerated() {
                let place = "messages.\(index).content.\(number)"
                switch block["type"] as? String {
                case "text":
                    guard let text = block["text"] as? String, !text.isEmpty else {
                        return refuse(400, "messages: text content blocks must be non-empty")
                    }
                case "tool_use" where role == "assistant":
                    guard let id = block["id"] as? String, block["name"] is String else {
                        return refuse(400, "\(place).tool_use.id: Field required")
                    }
                    guard block["input"] is [String: Any] else {
                        return refuse(400, "\(place).tool_use.input: Input should be a valid dictionary")
                    }
                    toolUses.append(id)
                case "tool_result" where role == "user":
                    guard let id = block["tool_use_id"] as? String else {
                        return refuse(400, "\(place).tool_result.tool_use_id: Field required")
                    }
                    guard previousToolUses.contains(id) else {
                        return refuse(400, "\(place): unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each `tool_result` block must have a corresponding `tool_use` block in the previous message.")
                    }
                    if let flag = block["is_error"], !(flag is Bool) {
                        return refuse(400, "\(place).tool_result.is_error: Input should be a valid boolean")
                    }
                    toolResults.insert(id)
                case "thinking" where role == "assistant":
                    guard let thinking = block["thinking"] as? String, let signature = block["signature"] as? String,
                          signature == Self.signature(ofThinking: thinking) else {
                        return refuse(400, "\(place): Invalid `signature` in `thinking` block")
                    }
                case "redacted_thinking" where role == "assistant":
                    guard block["data"] is String else { return refuse(400, "\(place).redacted_thinking.data: Field required") }
                case let type:
                    return refuse(400, "\(place): blocks of type \"\(type ?? "none")\" are not allowed in \(role) messages")
                }
            }
            if role == "user", !previousToolUses.isEmpty {
                let missing = previousToolUses.filter { !toolResults.contains($0) }
                if !missing.isEmpty {
                    return refuse(400, "messages.\(index): `tool_use` ids were found without `tool_result` blocks immediately after: \(missing.joined(separator: ", ")). Each `tool_use` block must have a corresponding `tool_result` block in the next message.")
                }
            }
            previousRole = role
            previousToolUses = role == "assistant" ? toolUses : []
        }
        return nil
    }

    func anthropicAnswer(_ plan: TurnPlan, model: String) -> WireAnswer {
        let id = "msg_scripted_\(plan.number)"
        var blocks: [[String: Any]] = []
        var content: [[UInt8]] = []
        func add(_ block: [String: Any], start: [String: Any], deltas: [[String: Any]]) {
            let index = blocks.count
            content.append(Self.event("content_block_start", ["type": "content_block_start", "index": index, "content_block": start]))
            for delta in deltas {
                content.append(Self.event("content_block_delta", ["type": "content_block_delta", "index": index, "delta": delta]))
            }
            content.append(Self.event("content_block_stop", ["type": "content_block_stop", "index": index]))
            blocks.append(block)
        }
        if let thinking = plan.reasoning {
            let signature = Self.signature(ofThinking: thinking)
            add(["type": "thinking", "thinking": thinking, "signature": signature],
                start: ["type": "thinking", "thinking": ""],
                deltas: Self.pieces(thinking).map { ["type": "thinking_delta", "thinking": $0] }
                    + [["type": "signature_delta", "signature": signature]])
        }
        if let text = plan.text {
            add(["type": "text", "text": text], start: ["type": "text", "text": ""],
                deltas: Self.pieces(text).map { ["type": "text_delta", "text": $0] })
        }
        for call in plan.calls {
            // The API always sends `input` as an object; broken arguments cannot be played here
            // whole, but streamed they arrive as the partial JSON they are.
            let input = Self.parsed(call.arguments) as? [String: Any] ?? [:]
            add(["type": "tool_use", "id": call.id, "name": call.name, "input": input],
                start: ["type": "tool_use", "id": call.id, "name": call.name, "input": [String: Any]()],
                deltas: [["type": "input_json_delta", "partial_json": ""]]
                    + Self.pieces(call.arguments).map { ["type": "input_json_delta", "partial_json": $0] })
        }
        let stop: String
        switch plan.stop {
        case .maxTokens?: stop = "max_tokens"
        case .refusal?: stop = "refusal"
        case nil: stop = plan.calls.isEmpty ? "end_turn" : "tool_use"
        }
        let inputUsage: [String: Any] = ["input_tokens": plan.usage.input - plan.usage.cached,
                                         "cache_creation_input_tokens": 0, "cache_read_input_tokens": plan.usage.cached]
        let whole: [String: Any] = ["id": id, "type": "message", "role": "assistant", "model": model, "content": blocks,
                                    "stop_reason": stop, "stop_sequence": NSNull(),
                                    "usage": inputUsage.merging(["output_tokens": plan.usage.output]) { $1 }]
        let start: [String: Any] = ["id": id, "type": "message", "role": "assistant", "model": model, "content": [Any](),
                                    "stop_reason": NSNull(), "stop_sequence": NSNull(),
                                    "usage": inputUsage.merging(["output_tokens": 1]) { $1 }]
        let opening = [Self.event("message_start", ["type": "message_start", "message": start]),
                       Self.event("ping", ["type": "ping"])]
        let closing = [Self.event("message_delta", ["type": "message_delta",
                                                    "delta": ["stop_reason": stop, "stop_sequence": NSNull()],
                                                    "usage": ["output_tokens": plan.usage.output]]),
                       Self.event("message_stop", ["type": "message_stop"])]
        let filler = String(repeating: "endless ", count: 128)
        let fillerEvent = Self.event("content_block_delta", ["type": "content_block_delta", "index": 0,
                                                             "delta": ["type": "text_delta", "text": filler]])
        let fillerStart = Self.event("content_block_start", ["type": "content_block_start", "index": 0,
                                                             "content_block": ["type": "text", "text": ""]])
        return WireAnswer(
            whole: whole, opening: opening, content: content, closing: closing,
            filler: { number in number == 0 ? fillerStart : fillerEvent },
            errorEvent: Self.event("error", ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]),
            malformedEvent: Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"unfinished\n\n".utf8))
    }
}
