import AgentKit
import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

/// The scripted server refuses what the real APIs refuse, in their error shapes, and streams
/// their event shapes: the provider tests mean something only if it does.
@Suite("ScriptedModelServer: refusals and wire shapes of the real model APIs")
struct ScriptedModelServerTests {
    /// Posts `body` (JSON text) to the server's endpoint, with its auth, and returns status and JSON answer.
    static func post(_ server: ScriptedModelServer, _ body: String, headers: HTTPHeaders? = nil) async throws -> (Int, JSONValue) {
        let url = try #require(URL(string: server.http.baseURL + server.endpointPath))
        let (client, _) = RecordedSleeps.client { $0.retry = .none }
        var request = HTTPRequest(.post, url, headers: headers ?? (server.format == .anthropic ? ["anthropic-version": "2023-06-01"] : [:]),
                                  body: Data(body.utf8))
        request.headers.set("Content-Type", "application/json")
        let response = try await client.send(request)
        return (response.status, try #require(JSONValue(parsing: response.text), "not JSON: \(response.text)"))
    }

    static let anthropicRefusals: [(body: String, message: String)] = [
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens: Field required"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}"#,
         #"messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row"#),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":"a"}]}"#,
         #"messages: first message must use the "user" role"#),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"text","text":"b"}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":"x"}]}]}"#,
         "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"shell","input":{}}]},{"role":"user","content":"no results"}]}"#,
         "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1."),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"shell","input":"{}"}]}]}"#,
         "messages.1.content.0.tool_use.input: Input should be a valid dictionary"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"thinking","thinking":"edited","signature":"sig_forged"}]}]}"#,
         "messages.1.content.0: Invalid `signature` in `thinking` block"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"system","content":"a"}]}"#, #"Unexpected role "system""#),
    ]

    @Test("Anthropic: the Messages API's refusals, as invalid_request_error", arguments: 0..<anthropicRefusals.count)
    func anthropic(index: Int) async throws {
        let (body, message) = Self.anthropicRefusals[index]
        let server = try ScriptedModelServer(format: .anthropic, script: [ScriptedTurn(text: "never")])
        defer { server.stop() }
        let (status, answer) = try await Self.post(server, body)
        #expect(status == 400)
        #expect(answer["type"] == "error")
        #expect(answer["error"]?["type"] == "invalid_request_error")
        let said = try #require(answer["error"]?["message"]?.stringValue)
        #expect(said.contains(message), "\(said)")
        #expect(server.refusals.count == 1 && server.remainingTurns == 1)
    }

    @Test("Anthropic: anthropic-version and x-api-key are required")
    func anthropicHeaders() async throws {
        let server = try ScriptedModelServer(format: .anthropic, script: [ScriptedTurn(text: "never")], apiKey: "sk-ant-right")
        defer { server.stop() }
        let body = #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#
        let (noVersion, versionAnswer) = try await Self.post(server, body, headers: ["x-api-key": "sk-ant-right"])
        #expect(noVersion == 400 && versionAnswer["error"]?["message"] == "anthropic-version: header is required")
        let (noKey, keyAnswer) = try await Self.post(server, body)
        #expect(noKey == 401 && keyAnswer["error"]?["type"] == "authentication_error")
        let (wrong, _) = try await Self.post(server, body, headers: ["anthropic-version": "2023-06-01", "x-api-key": "sk-ant-wrong"])
        #expect(wrong == 401)
        #expect(server.remainingTurns == 1)
    }

    static let openAIRefusals: [(format: ScriptedModelServer.Format, body: String, message: String)] = [
        (.responses, #"{"model":"m","input":[{"role":"user","content":"a"},{"type":"function_call_output","call_id":"call_9","output":"x"}]}"#,
         "No tool call found for function call output with call_id call_9."),
        (.responses, #"{"model":"m","input":[{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"forged"}]}"#,
         "Item with id 'rs_1' not found."),
        (.responses, #"{"model":"m","input":"hi","tools":[{"type":"function","function":{"name":"shell"}}]}"#,
         "Missing required parameter: 'tools[0].name'."),
        (.responses, #"{"model":"m","input":"hi","max_output_tokens":5}"#, "integer below minimum value"),
        (.chat, #"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"tool","tool_call_id":"call_9","content":"x"}]}"#,
         "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."),
        (.chat, #"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"shell","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_2","content":"x"}]}"#,
         "Invalid parameter: 'tool_call_id' of 'call_2' not found in 'tool_calls' of previous message."),
        (.chat, #"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"shell","arguments":"{}"}}]},{"role":"user","content":"b"}]}"#,
         "The following tool_call_ids did not have response messages: call_1"),
        (.chat, #"{"model":"m","messages":[{"role":"user","content":"a"}],"stream":false,"stream_options":{"include_usage":true}}"#,
         "The 'stream_options' parameter is only allowed when 'stream' is enabled."),
        (.chat, #"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"shell","arguments":{}}}]}]}"#,
         "expected a string, but got an object instead"),
    ]

    @Test("OpenAI: the Responses and Chat Completions refusals, in OpenAI's error shape", arguments: 0..<openAIRefusals.count)
    func openAI(index: Int) async throws {
        let (format, body, message) = Self.openAIRefusals[index]
        let server = try ScriptedModelServer(format: format, script: [ScriptedTurn(text: "never")])
        defer { server.stop() }
        let (status, answer) = try await Self.post(server, body)
        #expect(status == 400)
        #expect(answer["error"]?["type"] == "invalid_request_error")
        let said = try #require(answer["error"]?["message"]?.stringValue)
        #expect(said.contains(message), "\(said)")
        #expect(server.remainingTurns == 1)
    }

    @Test("a reasoning item must come back exactly as issued")
    func reasoningMustBeUnchanged() async throws {
        let server = try ScriptedModelServer(format: .responses, script: [ScriptedTurn(reasoning: "think", text: "a"), ScriptedTurn(text: "b")])
        defer { server.stop() }
        let (_, first) = try await Self.post(server, #"{"model":"m","input":"hi"}"#)
        var item = try #require(first["output"]?.arrayValue?.first?.objectValue)
        #expect(item["type"] == "reasoning")
        item["encrypted_content"] = "gAAAABedited"
        let input: JSONValue = [.object(item)]
        let (status, answer) = try await Self.post(server, #"{"model":"m","input":\#(input.jsonText)}"#)
        #expect(status == 400)
        #expect(answer["error"]?["message"]?.stringValue?.contains("could not be verified") == true)
    }

    @Test("requests after the script ran out, or to other paths, are refused and listed")
    func unexpectedRequests() async throws {
        let server = try ScriptedModelServer(format: .chat, script: [])
        defer { server.stop() }
        let (status, answer) = try await Self.post(server, #"{"model":"m","messages":[{"role":"user","content":"a"}]}"#)
        #expect(status == 400)
        #expect(answer["error"]?["message"]?.stringValue?.contains("no turn left") == true)
        let (client, _) = RecordedSleeps.client()
        let other = try await client.send(HTTPRequest(.get, try #require(URL(string: server.baseURL + "/engines"))))
        #expect(other.status == 404)
        #expect(server.unexpectedRequests == ["POST /v1/chat/completions after the script ended", "GET /v1/engines"])
    }

    @Test("streams: the Responses events in order with growing sequence numbers")
    func responsesStreamShape() async throws {
        let server = try ScriptedModelServer(format: .responses, script: [ModelScript.firstTurn])
        defer { server.stop() }
        let url = try #require(URL(string: server.baseURL + "/responses"))
        let (client, _) = RecordedSleeps.client()
        let response = try await client.stream(HTTPRequest(.post, url, body: Data(#"{"model":"m","input":"hi","stream":true}"#.utf8)))
        #expect(response.headers["Content-Type"] == "text/event-stream; charset=utf-8")
        var names: [String] = []
        var sequence: [Int] = []
        for try await event in response.serverSentEvents() {
            let json = try #require(JSONValue(parsing: event.data))
            #expect(json["type"]?.stringValue == event.event, "the data's type repeats the event name")
            names.append(event.event)
            sequence.append(Int(json["sequence_number"]?.numberValue ?? -1))
        }
        #expect(sequence == Array(0..<names.count))
        #expect(names.first == "response.created" && names.last == "response.completed")
        #expect(names.filter { $0 == "response.output_item.done" }.count == 3)
        #expect(names.contains("response.function_call_arguments.delta") && names.contains("response.output_text.delta"))
    }

    @Test("streams: Anthropic's named events, from message_start to message_stop")
    func anthropicStreamShape() async throws {
        let server = try ScriptedModelServer(format: .anthropic, script: [ModelScript.firstTurn])
        defer { server.stop() }
        let url = try #require(URL(string: server.baseURL + "/v1/messages"))
        let (client, _) = RecordedSleeps.client()
        let body = #"{"model":"m","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
        let response = try await client.stream(HTTPRequest(.post, url, headers: ["anthropic-version": "2023-06-01"], body: Data(body.utf8)))
        var names: [String] = []
        for try await event in response.serverSentEvents() { names.append(event.event) }
        let collapsed = names.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        #expect(collapsed == [
            "message_start", "ping",
            "content_block_start", "content_block_delta", "content_block_stop",  // thinking
            "content_block_start", "content_block_delta", "content_block_stop",  // text
            "content_block_start", "content_block_delta", "content_block_stop",  // tool_use
            "message_delta", "message_stop",
        ])
    }
}
