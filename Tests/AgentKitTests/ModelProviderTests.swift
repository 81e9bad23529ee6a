import AgentKit
import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

/// Each provider, streamed and whole, plays a two-turn conversation against the scripted
/// server: the model reasons, talks and calls a tool; the result goes back; the model ends its
/// turn. The tests check what went over the wire, byte for byte where the format fixes it,
/// and what came back.
@Suite("Model providers: two turns with a tool call, on the wire")
struct ModelProviderTests {
    @Test("OpenAI Responses: input items, reasoning sent back unchanged, store false", arguments: [true, false])
    func responses(stream: Bool) async throws {
        try await withModelRig(.responses, stream: stream, script: [ModelScript.firstTurn, ModelScript.secondTurn]) { rig in
            let first = try await rig.provider.respond(to: ModelScript.firstRequest())

            // The server gives ids in order: the call (1), the reasoning item (2), the message (3).
            let reasoningItem: JSONValue = [
                "id": "rs_2", "type": "reasoning",
                "summary": [["type": "summary_text", "text": .string(ModelScript.reasoning)]],
                "encrypted_content": .string("gAAAAB" + Data("scripted reasoning rs_2: \(ModelScript.reasoning)".utf8).base64EncodedString()),
            ]
            let call = ToolCall(id: "call_1", name: "shell", arguments: ModelScript.arguments)
            #expect(first.items == [
                .reasoning(ReasoningItem(provider: "openai-responses", payload: reasoningItem)),
                .assistant(ModelScript.firstText),
                .toolCall(call),
            ])
            #expect(first.usage == Usage(inputTokens: 1200, outputTokens: 45, cachedInputTokens: 1024))
            #expect(first.stopReason == .toolCalls)

            let second = try await rig.provider.respond(to: ModelScript.secondRequest(after: first, callID: call.id))
            #expect(second.items == [.assistant(ModelScript.finalText)])
            #expect(second.usage == Usage(inputTokens: 1320, outputTokens: 18, cachedInputTokens: 1152))
            #expect(second.stopReason == .endTurn)

            #expect(rig.server.refusals.isEmpty && rig.server.unexpectedRequests.isEmpty)
            let requests = rig.server.requests
            try #require(requests.count == 2)
            for request in requests {
                #expect(request.method == "POST" && request.path == "/v1/responses")
                #expect(request.header("Authorization") == "Bearer \(ModelTestKeys.openAI)")
                #expect(request.header("Content-Type") == "application/json")
                #expect(request.header("Accept") == (stream ? "text/event-stream" : "application/json"))
            }
            let tools: JSONValue = [[
                "type": "function", "name": "shell", "description": "Runs a command in the worktree.",
                "parameters": ModelScript.shell.parameters, "strict": false,
            ]]
            #expect(try rig.body(0) == [
                "model": "test-model", "instructions": .string(ModelScript.instructions), "store": false,
                "include": ["reasoning.encrypted_content"], "stream": .bool(stream), "tools": tools,
                "input": [["role": "user", "content": .string(ModelScript.task)]],
            ])
            #expect(try rig.body(1) == [
                "model": "test-model", "instructions": .string(ModelScript.instructions), "store": false,
                "include": ["reasoning.encrypted_content"], "stream": .bool(stream), "tools": tools,
                "max_output_tokens": 2048,
                "input": [
                    ["role": "user", "content": .string(ModelScript.task)],
                    reasoningItem,
                    ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": .string(ModelScript.firstText)]]],
                    ["type": "function_call", "call_id": "call_1", "name": "shell", "arguments": .string(ModelScript.arguments)],
                    ["type": "function_call_output", "call_id": "call_1", "output": .string(ModelScript.toolOutput)],
                ],
            ])
        }
    }

    @Test("OpenAI Chat Completions: system message, assistant tool_calls, tool message", arguments: [true, false])
    func chat(stream: Bool) async throws {
        try await withModelRig(.chat, stream: stream, script: [ModelScript.firstTurn, ModelScript.secondTurn]) { rig in
            let first = try await rig.provider.respond(to: ModelScript.firstRequest())
            let call = ToolCall(id: "call_1", name: "shell", arguments: ModelScript.arguments)
            // Chat Completions has no reasoning to carry: the turn is its text and its call.
            #expect(first.items == [.assistant(ModelScript.firstText), .toolCall(call)])
            #expect(first.usage == Usage(inputTokens: 1200, outputTokens: 45, cachedInputTokens: 1024))
            #expect(first.stopReason == .toolCalls)

            let second = try await rig.provider.respond(to: ModelScript.secondRequest(after: first, callID: call.id))
            #expect(second.items == [.assistant(ModelScript.finalText)])
            #expect(second.usage == Usage(inputTokens: 1320, outputTokens: 18, cachedInputTokens: 1152))
            #expect(second.stopReason == .endTurn)

            #expect(rig.server.refusals.isEmpty && rig.server.unexpectedRequests.isEmpty)
            let requests = rig.server.requests
            try #require(requests.count == 2)
            for request in requests {
                #expect(request.path == "/v1/chat/completions")
                #expect(request.header("Authorization") == "Bearer \(ModelTestKeys.openAI)")
            }
            let tools: JSONValue = [[
                "type": "function",
                "function": ["name": "shell", "description": "Runs a command in the worktree.", "parameters": ModelScript.shell.parameters],
            ]]
            var expected: [String: JSONValue] = [
                "model": "test-model", "stream": .bool(stream), "tools": tools, "max_completion_tokens": 2048,
                "messages": [
                    ["role": "system", "content": .string(ModelScript.instructions)],
                    ["role": "user", "content": .string(ModelScript.task)],
                    ["role": "assistant", "content": .string(ModelScript.firstText),
                     "tool_calls": [["id": "call_1", "type": "function",
                                     "function": ["name": "shell", "arguments": .string(ModelScript.arguments)]]]],
                    ["role": "tool", "tool_call_id": "call_1", "content": .string(ModelScript.toolOutput)],
                ],
            ]
            if stream { expected["stream_options"] = ["include_usage": true] }
            #expect(try rig.body(1) == .object(expected))
            #expect(try rig.body(0)["max_completion_tokens"] == nil)
        }
    }

    @Test("Anthropic Messages: alternating messages, tool_result blocks, thinking sent back with its signature",
          arguments: [true, false])
    func anthropic(stream: Bool) async throws {
        try await withModelRig(.anthropic, stream: stream, script: [ModelScript.firstTurn, ModelScript.secondTurn]) { rig in
            let first = try await rig.provider.respond(to: ModelScript.firstRequest())
            let thinking: JSONValue = [
                "type": "thinking", "thinking": .string(ModelScript.reasoning),
                "signature": .string("sig_" + Data("scripted thinking: \(ModelScript.reasoning)".utf8).base64EncodedString()),
            ]
            try #require(first.items.count == 3)
            #expect(first.items[0] == .reasoning(ReasoningItem(provider: "anthropic", payload: thinking)))
            #expect(first.items[1] == .assistant(ModelScript.firstText))
            let call = try #require(first.toolCalls.first)
            #expect(call.id == "toolu_1" && call.name == "shell")
            // Whole answers carry `input` as an object, streams as the JSON text: the same value.
            #expect(JSONValue(parsing: call.arguments) == JSONValue(parsing: ModelScript.arguments))
            // Anthropic counts cached input apart; Usage counts it in.
            #expect(first.usage == Usage(inputTokens: 1200, outputTokens: 45, cachedInputTokens: 1024))
            #expect(first.stopReason == .toolCalls)

            let second = try await rig.provider.respond(to: ModelScript.secondRequest(after: first, callID: call.id))
            #expect(second.items == [.assistant(ModelScript.finalText)])
            #expect(second.usage == Usage(inputTokens: 1320, outputTokens: 18, cachedInputTokens: 1152))
            #expect(second.stopReason == .endTurn)

            #expect(rig.server.refusals.isEmpty && rig.server.unexpectedRequests.isEmpty)
            let requests = rig.server.requests
            try #require(requests.count == 2)
            for request in requests {
                #expect(request.path == "/v1/messages")
                #expect(request.header("x-api-key") == ModelTestKeys.anthropic)
                #expect(request.header("anthropic-version") == "2023-06-01")
                #expect(request.header("Authorization") == nil)
            }
            let tools: JSONValue = [["name": "shell", "description": "Runs a command in the worktree.",
                                     "input_schema": ModelScript.shell.parameters]]
            let firstBody = try rig.body(0)
            #expect(firstBody["max_tokens"] == 8192)
            #expect(firstBody["system"] == .string(ModelScript.instructions))
            #expect(try rig.body(1) == [
                "model": "test-model", "system": .string(ModelScript.instructions), "max_tokens": 2048,
                "stream": .bool(stream), "tools": tools,
                "messages": [
                    ["role": "user", "content": [["type": "text", "text": .string(ModelScript.task)]]],
                    ["role": "assistant", "content": [
                        thinking,
                        ["type": "text", "text": .string(ModelScript.firstText)],
                        ["type": "tool_use", "id": "toolu_1", "name": "shell",
                         "input": ["command": ["bash", "-lc", "ls Sources"], "timeout_ms": 10000]],
                    ]],
                    ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1",
                                                  "content": .string(ModelScript.toolOutput), "is_error": false]]],
                ],
            ])
        }
    }

    @Test("Anthropic: several tool results and the bot's own message go in one user message, results first")
    func anthropicMergesToolResults() async throws {
        let turn = ScriptedTurn(text: "Two checks.", toolCalls: [
            ScriptedToolCall(name: "shell", arguments: #"{"command":["ls"]}"#),
            ScriptedToolCall(name: "run_tests", arguments: "{}"),
        ])
        try await withModelRig(.anthropic, script: [turn, ScriptedTurn(text: "ok")]) { rig in
            let first = try await rig.provider.respond(to: ModelScript.firstRequest())
            let calls = first.toolCalls
            try #require(calls.count == 2)
            let items: [ConversationItem] = [.user(ModelScript.task)] + first.items + [
                .toolResult(callID: calls[0].id, output: "a.swift", isError: false),
                .toolResult(callID: calls[1].id, output: "error: no test command", isError: true),
                .user("Verification: test_parser still fails."),
            ]
            _ = try await rig.provider.respond(to: ModelRequest(model: "test-model", instructions: "", items: items, tools: []))
            let messages = try #require(try rig.body(1)["messages"]?.arrayValue)
            #expect(messages.map { $0["role"] } == ["user", "assistant", "user"])
            #expect(messages[2]["content"] == [
                ["type": "tool_result", "tool_use_id": .string(calls[0].id), "content": "a.swift", "is_error": false],
                ["type": "tool_result", "tool_use_id": .string(calls[1].id), "content": "error: no test command", "is_error": true],
                ["type": "text", "text": "Verification: test_parser still fails."],
            ])
            // No instructions, no tools: no `system` and no `tools` at all.
            #expect(try rig.body(1)["system"] == nil && rig.body(1)["tools"] == nil)
            #expect(rig.server.refusals.isEmpty)
        }
    }

    @Test("malformed tool arguments go back as {} and the result says what the model wrote",
          arguments: ScriptedModelServer.Format.allCases)
    func malformedArguments(format: ScriptedModelServer.Format) async throws {
        let broken = #"{"command": ["ls", "#
        let turn = ScriptedTurn(toolCalls: [ScriptedToolCall(id: format == .anthropic ? "toolu_x" : "call_x", name: "shell", arguments: broken)])
        try await withModelRig(format, script: [turn, ScriptedTurn(text: "ok")]) { rig in
            let first = try await rig.provider.respond(to: ModelScript.firstRequest())
            let call = try #require(first.toolCalls.first)
            // The arguments come back as the model wrote them: the tool runner judges them.
            #expect(call.arguments == broken)
            let items: [ConversationItem] = [.user("go"), .toolCall(call),
                                             .toolResult(callID: call.id, output: "the command failed", isError: true)]
            _ = try await rig.provider.respond(to: ModelRequest(model: "test-model", instructions: "", items: items, tools: []))
            #expect(rig.server.refusals.isEmpty, "\(rig.server.refusals)")
            let body = try rig.body(1)
            let note = "[The arguments of this call were not a valid JSON object, so they are shown as {}. They were: \(broken)]\nthe command failed"
            switch format {
            case .responses:
                #expect(body["input"]?.arrayValue?[1]["arguments"] == "{}")
                #expect(body["input"]?.arrayValue?[2]["output"] == .string(note))
            case .chat:
                #expect(body["messages"]?.arrayValue?[1]["tool_calls"]?.arrayValue?[0]["function"]?["arguments"] == "{}")
                #expect(body["messages"]?.arrayValue?[2]["content"] == .string(note))
            case .anthropic:
                #expect(body["messages"]?.arrayValue?[1]["content"]?.arrayValue?[0]["input"] == [:])
                #expect(body["messages"]?.arrayValue?[2]["content"]?.arrayValue?[0]["content"] == .string(note))
            }
        }
    }

    @Test("stop reasons: the output limit and a refusal", arguments: ScriptedModelServer.Format.allCases, [true, false])
    func stopReasons(format: ScriptedModelServer.Format, stream: Bool) async throws {
        let script = [ScriptedTurn(text: "The answer is cut", stopReason: .maxTokens),
                      ScriptedTurn(text: "I can't help with that.", stopReason: .refusal)]
        try await withModelRig(format, stream: stream, script: script) { rig in
            let cut = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(cut.stopReason == .maxTokens)
            #expect(cut.text == "The answer is cut")
            let refused = try await rig.provider.respond(to: ModelScript.firstRequest())
            if format == .anthropic {
                #expect(refused.stopReason == .refused("refusal"))
            } else {
                #expect(refused.stopReason == .refused("I can't help with that."))
            }
            #expect(refused.text == "I can't help with that.")
        }
    }

    @Test("a reasoning item of another provider is not sent to the Responses API")
    func foreignReasoningIsDropped() async throws {
        try await withModelRig(.responses, script: [ScriptedTurn(text: "ok")]) { rig in
            let items: [ConversationItem] = [.user("hi"),
                                             .reasoning(ReasoningItem(provider: "anthropic", payload: ["type": "thinking", "thinking": "x"])),
                                             .assistant("hello"), .user("go on")]
            _ = try await rig.provider.respond(to: ModelRequest(model: "test-model", instructions: "", items: items, tools: []))
            #expect(try rig.body(0)["input"]?.arrayValue?.count == 3)
        }
    }
}
