import AgentKit
import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

/// Chat Completions as local servers (Ollama, vLLM, llama.cpp) speak it.
@Suite("Model providers: Chat Completions quirks of local servers")
struct ModelChatQuirkTests {
    static let twoCalls = ScriptedTurn(
        reasoning: "Thinking out loud, which Chat Completions cannot carry back.",
        text: "Two things to check.",
        toolCalls: [ScriptedToolCall(name: "shell", arguments: #"{"command":["ls"]}"#),
                    ScriptedToolCall(name: "shell", arguments: #"{"command":["cat","Package.swift"]}"#)],
        usage: ScriptedUsage(input: 300, output: 40))

    @Test("no usage, no call ids, arguments as objects, reasoning_content, stop after tool calls", arguments: [true, false])
    func localServer(stream: Bool) async throws {
        let quirks: ChatQuirks = [.omitUsage, .omitToolCallIDs, .argumentsAsObject, .reasoningContent, .stopAfterToolCalls]
        let script = [Self.twoCalls, ScriptedTurn(text: "done"), Self.twoCalls]
        try await withModelRig(.chat, stream: stream, script: script, serverKey: .some(nil), clientKey: .some(nil),
                               quirks: quirks) { rig in
            let first = try await rig.provider.respond(to: ModelScript.firstRequest())
            // reasoning_content is dropped; the text is only the content.
            #expect(first.items.first == .assistant("Two things to check."))
            let calls = first.toolCalls
            try #require(calls.count == 2)
            // Arguments sent as objects come back as JSON text.
            #expect(calls.map(\.arguments) == [#"{"command":["ls"]}"#, #"{"command":["cat","Package.swift"]}"#])
            #expect(calls.allSatisfy { $0.id.hasPrefix("call_1_") }, "ids made from the turn: \(calls.map(\.id))")
            #expect(Set(calls.map(\.id)).count == 2)
            #expect(first.stopReason == .toolCalls, "the calls decide, whatever finish_reason says")
            #expect(first.usage == Usage())

            // The ids made up here are what the results carry back, and the server accepts them.
            let items: [ConversationItem] = [.user(ModelScript.task)] + first.items
                + calls.map { .toolResult(callID: $0.id, output: "ok", isError: false) }
            let second = try await rig.provider.respond(to: ModelRequest(model: "test-model", instructions: "", items: items, tools: []))
            #expect(second.text == "done")
            #expect(rig.server.refusals.isEmpty, "\(rig.server.refusals)")
            let wire = try #require(try rig.body(1)["messages"]?.arrayValue)
            #expect(wire[1]["tool_calls"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == calls.map(\.id))
            #expect(rig.server.requests.allSatisfy { $0.header("Authorization") == nil }, "no key, no header")

            // The same turn at the same place in a conversation gets the same ids again.
            let again = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(again.toolCalls.map(\.id) == calls.map(\.id))
        }
    }

    @Test("tool call deltas without index, each call whole in one delta, and no [DONE]")
    func deltasWithoutIndex() async throws {
        for quirks: ChatQuirks in [[.omitToolCallIndex], [.wholeToolCalls, .omitToolCallIndex], [.omitDone]] {
            try await withModelRig(.chat, script: [Self.twoCalls], quirks: quirks) { rig in
                let response = try await rig.provider.respond(to: ModelScript.firstRequest())
                #expect(response.toolCalls == [
                    ToolCall(id: "call_1", name: "shell", arguments: #"{"command":["ls"]}"#),
                    ToolCall(id: "call_2", name: "shell", arguments: #"{"command":["cat","Package.swift"]}"#),
                ], "quirks \(quirks.rawValue)")
                #expect(response.usage == Usage(inputTokens: 300, outputTokens: 40))
            }
        }
    }

    @Test("a server that ignores stream: true and answers whole JSON is read all the same")
    func streamIgnored() async throws {
        let whole = #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}]}"#
        try await withModelRig(.chat, script: [.fault(.raw(status: 200, body: whole))]) { rig in
            let response = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(response.items == [.assistant("whole")])
            #expect(response.stopReason == .endTurn)
        }
    }
}
