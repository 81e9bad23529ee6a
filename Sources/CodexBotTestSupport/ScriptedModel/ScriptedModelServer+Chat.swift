// The OpenAI Chat Completions side of ScriptedModelServer: `POST /v1/chat/completions`, its
// checks, `chat.completion` and `chat.completion.chunk` objects, and the quirks of local servers.
import Foundation

extension ScriptedModelCore {
    /// What Chat Completions refuses that a client could get wrong.
    func validateChat(_ body: [String: Any]) -> LoopbackHTTPResponse? {
        if body["stream_options"] != nil, body["stream"] as? Bool != true {
            return refuse(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options")
        }
        if let tools = body["tools"] {
            guard let list = tools as? [[String: Any]] else {
                return refuse(400, "Invalid type for 'tools': expected an array of objects.", param: "tools")
            }
            for (index, tool) in list.enumerated() {
                guard let function = tool["function"] as? [String: Any] else {
                    return refuse(400, "Missing required parameter: 'tools[\(index)].function'.", param: "tools[\(index)].function")
                }
                guard function["name"] is String else {
                    return refuse(400, "Missing required parameter: 'tools[\(index)].function.name'.", param: "tools[\(index)].function.name")
                }
            }
        }
        guard let messages = body["messages"] as? [Any] else {
            return refuse(400, "Missing required parameter: 'messages'.", param: "messages")
        }
        guard !messages.isEmpty else {
            return refuse(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                          code: "empty_array", param: "messages")
        }
        // The ids of the last assistant message's tool calls still waiting for their `tool`
        // message; nil when the last message that was not a tool message had no tool calls.
        var waiting: [String]?
        func unanswered(at index: Int) -> LoopbackHTTPResponse? {
            guard let ids = waiting, !ids.isEmpty else { return nil }
            return refuse(400, "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: \(ids.joined(separator: ", "))",
                          param: "messages.[\(index)].role")
        }
        for (index, element) in messages.enumerated() {
            let place = "messages[\(index)]"
            guard let message = element as? [String: Any], let role = message["role"] as? String else {
                return refuse(400, "Missing required parameter: '\(place).role'.", param: "\(place).role")
            }
            switch role {
            case "system", "developer", "user":
                if let refusal = unanswered(at: index) { return refusal }
                waiting = nil
                guard message["content"] is String || message["content"] is [Any] else {
                    return refuse(400, "Invalid type for '\(place).content': expected one of a string or array of objects.",
                                  param: "\(place).content")
                }
            case "assistant":
                if let refusal = unanswered(at: index) { return refusal }
                let calls = message["tool_calls"] as? [[String: Any]] ?? []
                if calls.isEmpty, !(message["content"] is String || message["content"] is [Any]) {
                    return refuse(400, "Invalid value for '\(place).content': expected a string, got null.", param: "\(place).content")
                }
                var ids: [String] = []
                for (number, call) in calls.enumerated() {
                    let callPlace = "\(place).tool_calls[\(number)]"
                    guard let id = call["id"] as? String else {
                        return refuse(400, "Missing required parameter: '\(callPlace).id'.", param: "\(callPlace).id")
                    }
                    guard let function = call["function"] as? [String: Any], function["name"] is String else {
                        return refuse(400, "Missing required parameter: '\(callPlace).function'.", param: "\(callPlace).function")
                    }
                    guard function["arguments"] is String else {
                        return refuse(400, "Invalid type for '\(callPlace).function.arguments': expected a string, but got an object instead.",
                                      param: "\(callPlace).function.arguments")
                    }
                    ids.append(id)
                }
                waiting = ids.isEmpty ? nil : ids
            case "tool":
                guard let callID = message["tool_call_id"] as? String else {
                    return refuse(400, "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
                                  param: "\(place).tool_call_id")
                }
                guard let ids = waiting else {
                    return refuse(400, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                                  param: "\(place).role")
                }
                guard let position = ids.firstIndex(of: callID) else {
                    return refuse(400, "Invalid parameter: 'tool_call_id' of '\(callID)' not found in 'tool_calls' of previous message.",
                                  param: "\(place).tool_call_id")
                }
                waiting?.remove(at: position)
            default:
                return refuse(400, "Invalid value: '\(role)'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                              code: "invalid_value", param: "\(place).role")
            }
        }
        return unanswered(at: messages.count)
    }

    func chatAnswer(_ plan: TurnPlan, model: String, includeUsage: Bool) -> WireAnswer {
        let id = "chatcmpl-\(plan.number)"
        let refusal = plan.stop == .refusal
        let finish: String
        switch plan.stop {
        case .maxTokens?: finish = "length"
        case .refusal?: finish = "stop"
        case nil: finish = plan.calls.isEmpty || quirks.contains(.stopAfterToolCalls) ? "stop" : "tool_calls"
        }
        let usage: [String: Any] = [
            "prompt_tokens": plan.usage.input, "completion_tokens": plan.usage.output,
            "total_tokens": plan.usage.input + plan.usage.output,
            "prompt_tokens_details": ["cached_tokens": plan.usage.cached],
        ]
        func arguments(_ call: TurnPlan.Call) -> Any {
            quirks.contains(.argumentsAsObject) ? Self.parsed(call.arguments) ?? call.arguments : call.arguments
        }
        func wholeCall(_ call: TurnPlan.Call, index: Int) -> [String: Any] {
            var fields: [String: Any] = ["type": "function", "function": ["name": call.name, "arguments": arguments(call)]]
            if !quirks.contains(.omitToolCallIDs) { fields["id"] = call.id }
            if !quirks.contains(.omitToolCallIndex) { fields["index"] = index }
            return fields
        }

        var message: [String: Any] = ["role": "assistant", "content": Self.orNull(refusal ? nil : plan.text),
                                      "refusal": Self.orNull(refusal ? plan.text ?? "" : nil)]
        if !plan.calls.isEmpty {
            message["tool_calls"] = plan.calls.enumerated().map { index, call in
                var whole = wholeCall(call, index: index)
                whole["index"] = nil  // `index` belongs to deltas only
                return whole
            }
        }
        if quirks.contains(.reasoningContent), let reasoning = plan.reasoning { message["reasoning_content"] = reasoning }
        var whole: [String: Any] = ["id": id, "object": "chat.completion", "created": 1_700_000_000, "model": model,
                                    "system_fingerprint": "fp_scripted",
                                    "choices": [["index": 0, "message": message, "finish_reason": finish, "logprobs": NSNull()]]]
        if !quirks.contains(.omitUsage) { whole["usage"] = usage }

        let reportsUsage = includeUsage && !quirks.contains(.omitUsage)
        func chunk(_ delta: [String: Any], finish: String? = nil) -> [UInt8] {
            var fields: [String: Any] = ["id": id, "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                         "system_fingerprint": "fp_scripted",
                                         "choices": [["index": 0, "delta": delta, "finish_reason": Self.orNull(finish), "logprobs": NSNull()]]]
            // With include_usage every chunk says `usage: null` until the last one.
            if reportsUsage { fields["usage"] = NSNull() }
            return Self.event(nil, fields)
        }
        let opening = [chunk(["role": "assistant", "content": "", "refusal": NSNull()])]
        var content: [[UInt8]] = []
        if quirks.contains(.reasoningContent), let reasoning = plan.reasoning {
            content += Self.pieces(reasoning).map { chunk(["reasoning_content": $0]) }
        }
        if let text = plan.text {
            content += Self.pieces(text).map { chunk(refusal ? ["refusal": $0] : ["content": $0]) }
        }
        for (index, call) in plan.calls.enumerated() {
            if quirks.contains(.wholeToolCalls) || quirks.contains(.argumentsAsObject) {
                content.append(chunk(["tool_calls": [wholeCall(call, index: index)]]))
                continue
            }
            var head = wholeCall(call, index: index)
            head["function"] = ["name": call.name, "arguments": ""]
            content.append(chunk(["tool_calls": [head]]))
            for piece in Self.pieces(call.arguments) {
                var delta: [String: Any] = ["function": ["arguments": piece]]
                if !quirks.contains(.omitToolCallIndex) { delta["index"] = index }
                content.append(chunk(["tool_calls": [delta]]))
            }
        }
        var closing = [chunk([:], finish: finish)]
        if reportsUsage {
            closing.append(Self.event(nil, ["id": id, "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                            "system_fingerprint": "fp_scripted", "choices": [Any](), "usage": usage]))
        }
        if !quirks.contains(.omitDone) { closing.append(Array("data: [DONE]\n\n".utf8)) }

        let filler = String(repeating: "endless ", count: 128)
        let fillerEvent = chunk(["content": filler])
        return WireAnswer(
            whole: whole, opening: opening, content: content, closing: closing,
            filler: { _ in fillerEvent },
            errorEvent: Self.event(nil, ["error": ["message": "The server had an error while processing your request.",
                                                   "type": "server_error", "param": NSNull(), "code": NSNull()]]),
            malformedEvent: Array("data: {\"id\":\"\(id)\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"unfinished\n\n".utf8))
    }
}
