// The OpenAI Responses API side of ScriptedModelServer: `POST /v1/responses`, its checks,
// its Response object, and its named stream events with sequence numbers.
import Foundation

extension ScriptedModelCore {
    /// What the Responses API refuses that a client could get wrong.
    func validateResponses(_ body: [String: Any]) -> LoopbackHTTPResponse? {
        if let stream = body["stream"], !(stream is Bool) {
            return refuse(400, "Invalid type for 'stream': expected a boolean.", param: "stream")
        }
        if let limit = body["max_output_tokens"] {
            guard let value = limit as? Int else {
                return refuse(400, "Invalid type for 'max_output_tokens': expected an integer.", param: "max_output_tokens")
            }
            if value < 16 {
                return refuse(400, "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got \(value) instead.",
                              code: "integer_below_min_value", param: "max_output_tokens")
            }
        }
        if let tools = body["tools"] {
            guard let list = tools as? [[String: Any]] else {
                return refuse(400, "Invalid type for 'tools': expected an array of objects.", param: "tools")
            }
            for (index, tool) in list.enumerated() {
                guard tool["type"] as? String == "function" else {
                    return refuse(400, "Missing required parameter: 'tools[\(index)].type'.", param: "tools[\(index)].type")
                }
                guard tool["name"] is String else {
                    return refuse(400, "Missing required parameter: 'tools[\(index)].name'.", param: "tools[\(index)].name")
                }
            }
        }
        let input = body["input"]
        if input is String { return nil }
        guard let items = input as? [Any] else {
            return refuse(400, "Invalid type for 'input': expected one of a string or array of input items.", param: "input")
        }
        var calls: Set<String> = []
        for (index, element) in items.enumerated() {
            let place = "input[\(index)]"
            guard let item = element as? [String: Any] else {
                return refuse(400, "Invalid type for '\(place)': expected an input item object.", param: place)
            }
            let type = item["type"] as? String ?? (item["role"] != nil ? "message" : "")
            switch type {
            case "message":
                guard let role = item["role"] as? String, ["user", "assistant", "system", "developer"].contains(role) else {
                    return refuse(400, "Invalid value: '\(item["role"] ?? "")'. Supported values are: 'assistant', 'system', 'developer', and 'user'.",
                                  code: "invalid_value", param: "\(place).role")
                }
                guard item["content"] is String || item["content"] is [Any] else {
                    return refuse(400, "Missing required parameter: '\(place).content'.", param: "\(place).content")
                }
            case "function_call":
                guard let callID = item["call_id"] as? String else {
                    return refuse(400, "Missing required parameter: '\(place).call_id'.", param: "\(place).call_id")
                }
                guard item["name"] is String else {
                    return refuse(400, "Missing required parameter: '\(place).name'.", param: "\(place).name")
                }
                guard item["arguments"] is String else {
                    return refuse(400, "Invalid type for '\(place).arguments': expected a string, but got another type instead.",
                                  param: "\(place).arguments")
                }
                calls.insert(callID)
            case "function_call_output":
                guard let callID = item["call_id"] as? String else {
                    return refuse(400, "Missing required parameter: '\(place).call_id'.", param: "\(place).call_id")
                }
                guard calls.contains(callID) else {
                    return refuse(400, "No tool call found for function call output with call_id \(callID).", param: "input")
                }
                guard item["output"] is String || item["output"] is [Any] else {
                    return refuse(400, "Missing required parameter: '\(place).output'.", param: "\(place).output")
                }
            case "reasoning":
                guard let id = item["id"] as? String else {
                    return refuse(400, "Missing required parameter: '\(place).id'.", param: "\(place).id")
                }
                switch reasoningMatches(id: id, item: item) {
                case nil:
                    return refuse(400, "Item with id '\(id)' not found. Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.",
                                  param: "input")
                case false?:
                    return refuse(400, "The encrypted content for item \(id) could not be verified.", param: "input")
                case true?:
                    break
                }
            default:
                return refuse(400, "Invalid value: '\(type)'. Supported values are: 'message', 'function_call', 'function_call_output', 'reasoning', and others.",
                              code: "invalid_value", param: "\(place).type")
            }
        }
        return nil
    }

    func responsesAnswer(_ plan: TurnPlan, model: String) -> WireAnswer {
        let responseID = "resp_\(plan.number)"
        var output: [[String: Any]] = []
        var content: [(String, [String: Any])] = []

        if let reasoning = plan.reasoning {
            let id = "rs_\(nextNumber())"
            let sealed = Data("scripted reasoning \(id): \(reasoning)".utf8).base64EncodedString()
            let item: [String: Any] = ["id": id, "type": "reasoning", "summary": [["type": "summary_text", "text": reasoning]],
                                       "encrypted_content": "gAAAAB" + sealed]
            issueReasoning(id: id, item: item)
            let index = output.count
            content.append(("response.output_item.added", ["output_index": index, "item": ["id": id, "type": "reasoning", "summary": [Any]()]]))
            content.append(("response.output_item.done", ["output_index": index, "item": item]))
            output.append(item)
        }
        if let text = plan.text {
            let id = "msg_\(nextNumber())"
            let index = output.count
            let refusal = plan.stop == .refusal
            let part: [String: Any] = refusal ? ["type": "refusal", "refusal": text] : ["type": "output_text", "text": text, "annotations": [Any]()]
            let item: [String: Any] = ["id": id, "type": "message", "status": "completed", "role": "assistant", "content": [part]]
            let place: [String: Any] = ["item_id": id, "output_index": index, "content_index": 0]
            content.append(("response.output_item.added", ["output_index": index, "item": [
                "id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": [Any](),
            ]]))
            let emptyPart: [String: Any] = refusal ? ["type": "refusal", "refusal": ""]
                                                   : ["type": "output_text", "text": "", "annotations": [Any]()]
            content.append(("response.content_part.added", place.merging(["part": emptyPart]) { $1 }))
            let deltaEvent = refusal ? "response.refusal.delta" : "response.output_text.delta"
            for piece in Self.pieces(text) {
                content.append((deltaEvent, place.merging(["delta": piece]) { $1 }))
            }
            let doneFields: [String: Any] = place.merging(refusal ? ["refusal": text] : ["text": text]) { $1 }
            content.append((refusal ? "response.refusal.done" : "response.output_text.done", doneFields))
            content.append(("response.content_part.done", place.merging(["part": part]) { $1 }))
            content.append(("response.output_item.done", ["output_index": index, "item": item]))
            output.append(item)
        }
        for call in plan.calls {
            let index = output.count
            let item: [String: Any] = ["id": call.itemID, "type": "function_call", "status": "completed", "call_id": call.id,
                                       "name": call.name, "arguments": call.arguments]
            content.append(("response.output_item.added", ["output_index": index, "item": [
                "id": call.itemID, "type": "function_call", "status": "in_progress", "call_id": call.id,
                "name": call.name, "arguments": "",
            ]]))
            for piece in Self.pieces(call.arguments) {
                content.append(("response.function_call_arguments.delta", ["item_id": call.itemID, "output_index": index, "delta": piece]))
            }
            content.append(("response.function_call_arguments.done", ["item_id": call.itemID, "output_index": index,
                                                                      "arguments": call.arguments]))
            content.append(("response.output_item.done", ["output_index": index, "item": item]))
            output.append(item)
        }

        let usage: [String: Any] = [
            "input_tokens": plan.usage.input, "input_tokens_details": ["cached_tokens": plan.usage.cached],
            "output_tokens": plan.usage.output, "output_tokens_details": ["reasoning_tokens": 0],
            "total_tokens": plan.usage.input + plan.usage.output,
        ]
        func response(status: String, output: [[String: Any]], usage: Any, extra: [String: Any] = [:]) -> [String: Any] {
            ["id": responseID, "object": "response", "created_at": 1_700_000_000, "status": status, "model": model,
             "output": output, "usage": usage, "error": NSNull(), "incomplete_details": NSNull(), "store": false,
             "parallel_tool_calls": true, "tool_choice": "auto"].merging(extra) { $1 }
        }
        let incomplete = plan.stop == .maxTokens
        let final = response(status: incomplete ? "incomplete" : "completed", output: output, usage: usage,
                             extra: incomplete ? ["incomplete_details": ["reason": "max_output_tokens"]] : [:])
        let started = response(status: "in_progress", output: [], usage: NSNull())

        // Sequence numbers count every event of the stream, in order.
        var sequence = 0
        func render(_ events: [(String, [String: Any])]) -> [[UInt8]] {
            events.map { name, fields in
                defer { sequence += 1 }
                return Self.event(name, fields.merging(["type": name, "sequence_number": sequence]) { $1 })
            }
        }
        let opening = render([("response.created", ["response": started]), ("response.in_progress", ["response": started])])
        let middle = render(content)
        let closing = render([(incomplete ? "response.incomplete" : "response.completed", ["response": final])])
        let failed = response(status: "failed", output: [], usage: NSNull(),
                              extra: ["error": ["code": "server_error", "message": "The model failed to produce a response."]])
        let filler = String(repeating: "endless ", count: 128)
        return WireAnswer(
            whole: final, opening: opening, content: middle, closing: closing,
            filler: { number in
                Self.event("response.output_text.delta", ["type": "response.output_text.delta", "sequence_number": 1000 + number,
                                                          "item_id": "msg_endless", "output_index": 0, "content_index": 0,
                                                          "delta": filler])
            },
            errorEvent: Self.event("response.failed", ["type": "response.failed", "sequence_number": 999, "response": failed]),
            malformedEvent: Array("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"unfinished\n\n".utf8))
    }
}
