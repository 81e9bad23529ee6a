import AgentKit
import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

/// Every way a model call fails becomes a `ModelError` with the right code, the call, and what
/// to do, and never with the key in it.
@Suite("Model errors: mapping, retries and bounded streams")
struct ModelErrorTests {
    static let formats = ScriptedModelServer.Format.allCases

    // MARK: Status answers

    @Test("a refused key is unauthorized, names the variable, and the key the server echoed is cut out",
          arguments: formats)
    func unauthorized(format: ScriptedModelServer.Format) async throws {
        let wrong = ModelTestKeys.key(for: format)
        // The OpenAI fake echoes a wrong key whole; Anthropic's answer is given the key here.
        let script: [ScriptedTurn] = format == .anthropic
            ? [.fault(.raw(status: 401, body: #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key \#(wrong)"}}"#))]
            : []
        try await withModelRig(format, script: script, serverKey: format == .anthropic ? .none : "sk-the-right-one") { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .unauthorized)
            #expect(error.status == 401)
            #expect(error.provider == ModelRig.providerName(format))
            #expect(error.description.contains(format == .anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"))
            #expect(error.description.contains("[redacted]"))
            #expect(error.request == "POST \(rig.server.http.baseURL)\(rig.server.endpointPath)")
            #expect(rig.sleeps.recorded.isEmpty, "a 401 is not retried")
        }
    }

    @Test("no key sent to a server that wants one: unauthorized, telling which variable to set", arguments: formats)
    func missingKey(format: ScriptedModelServer.Format) async throws {
        try await withModelRig(format, script: [], clientKey: .some(nil)) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .unauthorized)
            #expect(error.message.hasPrefix("no API key was sent"))
            #expect(error.hint == "Set \(format == .anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY")")
        }
    }

    @Test("an unknown model is modelNotFound naming it", arguments: formats)
    func unknownModel(format: ScriptedModelServer.Format) async throws {
        try await withModelRig(format, script: [ScriptedTurn(text: "never")], models: ["known-model"]) { rig in
            let error = try await expectModelError {
                try await rig.provider.respond(to: ModelScript.firstRequest(model: "gpt-imaginary"))
            }
            #expect(error.code == .modelNotFound)
            #expect(error.status == 404)
            #expect(error.message.contains("\"gpt-imaginary\""))
            #expect(error.hint?.contains("CODEX_BOT_MODEL") == true)
            #expect(rig.server.remainingTurns == 1, "a refused request takes no turn")
        }
    }

    @Test("a base URL without /v1 answers 404 too: the hint says to check it and names openai-chat")
    func wrongBaseURL() async throws {
        let server = try ScriptedModelServer(format: .responses, script: [])
        defer { server.stop() }
        let (client, _) = RecordedSleeps.client()
        let provider = OpenAIResponsesProvider(baseURL: try #require(URL(string: server.http.baseURL)), apiKey: nil, client: client)
        let error = try await expectModelError { try await provider.respond(to: ModelScript.firstRequest()) }
        #expect(error.code == .modelNotFound)
        #expect(error.request == "POST \(server.http.baseURL)/responses")
        #expect(error.hint?.contains("OPENAI_BASE_URL") == true && error.hint?.contains("--provider openai-chat") == true)
        #expect(server.unexpectedRequests == ["POST /responses"])
    }

    @Test("each format's context-length error is contextTooLong", arguments: formats)
    func contextTooLong(format: ScriptedModelServer.Format) async throws {
        try await withModelRig(format, script: [.fault(.contextTooLong)]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .contextTooLong)
            #expect(error.status == 400)
            #expect(error.hint?.contains("compact") == true)
        }
    }

    /// Local servers' own shapes, each as the server sends it.
    static let localServerAnswers: [(name: String, status: Int, body: String, code: ModelError.Code)] = [
        ("vLLM context", 400,
         #"{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}"#,
         .contextTooLong),
        ("llama.cpp context", 400,
         #"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}"#,
         .contextTooLong),
        ("Ollama unknown model", 404, #"{"error":"model \"llama9\" not found, try pulling it first"}"#, .modelNotFound),
        ("vLLM unknown model", 404,
         #"{"object":"error","message":"The model `llama9` does not exist.","type":"NotFoundError","param":null,"code":404}"#,
         .modelNotFound),
        ("a proxy's bad parameter", 422, #"{"detail":"temperature: must be at most 2"}"#, .rejected),
        ("a plain-text gateway error", 413, "Request Entity Too Large\n", .rejected),
    ]

    @Test("local servers' error shapes map like OpenAI's", arguments: 0..<localServerAnswers.count)
    func localServerErrors(index: Int) async throws {
        let answer = Self.localServerAnswers[index]
        let contentType = answer.body.hasPrefix("{") ? "application/json" : "text/plain"
        try await withModelRig(.chat, script: [.fault(.raw(status: answer.status, body: answer.body, headers: ["Content-Type": contentType]))]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == answer.code, "\(answer.name): \(error)")
            #expect(error.status == answer.status)
            if answer.code == .rejected {
                // The server's own words reach the user.
                #expect(error.message.contains(answer.status == 422 ? "temperature: must be at most 2" : "Request Entity Too Large"))
            }
        }
    }

    @Test("a request the server refuses is rejected with the server's message, and takes no turn", arguments: formats)
    func rejected(format: ScriptedModelServer.Format) async throws {
        // A result for a call the conversation never made: every real API refuses it.
        let items: [ConversationItem] = [.user("go"), .toolResult(callID: "call_nowhere", output: "x", isError: false)]
        try await withModelRig(format, script: [ScriptedTurn(text: "never")]) { rig in
            let error = try await expectModelError {
                try await rig.provider.respond(to: ModelRequest(model: "test-model", instructions: "", items: items, tools: []))
            }
            #expect(error.code == .rejected)
            #expect(error.status == 400)
            let said = switch format {
            case .responses: "No tool call found for function call output with call_id call_nowhere."
            case .chat: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
            case .anthropic: "unexpected `tool_use_id` found in `tool_result` blocks: call_nowhere."
            }
            #expect(error.message.contains(said), "\(error)")
            #expect(rig.server.remainingTurns == 1)
        }
    }

    // MARK: Retries

    @Test("429 with Retry-After is waited out (recorded, not slept) and the turn is sent again",
          arguments: formats, [true, false])
    func rateLimitRetried(format: ScriptedModelServer.Format, stream: Bool) async throws {
        try await withModelRig(format, stream: stream, script: [.fault(.rateLimited(retryAfter: 7)), ScriptedTurn(text: "after the wait")]) { rig in
            let response = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(response.text == "after the wait")
            #expect(rig.server.requests.count == 2)
            // Retry-After plus at most a fifth of the 500 ms base delay of jitter.
            let waits = rig.sleeps.recorded
            #expect(waits.count == 1)
            #expect(waits.allSatisfy { $0 >= .seconds(7) && $0 <= .milliseconds(7100) }, "\(waits)")
        }
    }

    @Test("a rate limit that lasts through every attempt is rateLimited")
    func rateLimitExhausted() async throws {
        let script = Array(repeating: ScriptedTurn.fault(.rateLimited(retryAfter: 2)), count: 4)
        try await withModelRig(.responses, script: script) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .rateLimited)
            #expect(error.status == 429)
            #expect(rig.server.requests.count == 4)
            #expect(rig.sleeps.recorded.count == 3)
        }
    }

    @Test("500 and Anthropic's 529 overload are retried with backoff; a lasting overload is unavailable", arguments: [true, false])
    func serverErrors(stream: Bool) async throws {
        try await withModelRig(.chat, stream: stream, script: [.fault(.serverError), ScriptedTurn(text: "second try")]) { rig in
            let response = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(response.text == "second try")
            #expect(rig.sleeps.recorded == [.milliseconds(500)])
        }
        try await withModelRig(.anthropic, stream: stream, script: [.fault(.overloaded), ScriptedTurn(text: "after the overload")]) { rig in
            let response = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(response.text == "after the overload")
            #expect(rig.sleeps.recorded == [.milliseconds(500)])
        }
        let overloaded = Array(repeating: ScriptedTurn.fault(.overloaded), count: 4)
        try await withModelRig(.anthropic, stream: stream, script: overloaded) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .unavailable)
            #expect(error.status == 529)
            #expect(error.hint?.contains("overloaded") == true)
            #expect(rig.server.requests.count == 4)
        }
    }

    @Test("a whole answer cut off mid-body is sent again (the turn did not reach the client)")
    func truncatedWholeAnswerRetried() async throws {
        try await withModelRig(.responses, stream: false, script: [.fault(.truncatedStream), ScriptedTurn(text: "whole")]) { rig in
            let response = try await rig.provider.respond(to: ModelScript.firstRequest())
            #expect(response.text == "whole")
            #expect(rig.server.requests.count == 2)
        }
    }

    // MARK: Broken streams

    @Test("a stream that ends cleanly without its final event is an error naming the event", arguments: formats)
    func truncatedStream(format: ScriptedModelServer.Format) async throws {
        try await withModelRig(format, script: [.fault(.truncatedStream)]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .badResponse)
            let final = switch format {
            case .responses: "response.completed"
            case .chat: "data: [DONE]"
            case .anthropic: "message_stop"
            }
            #expect(error.message == "the stream ended before its final event (\(final)), so the answer is incomplete")
        }
    }

    @Test("a connection dropped mid-stream is badResponse, and not retried", arguments: formats)
    func droppedConnection(format: ScriptedModelServer.Format) async throws {
        try await withModelRig(format, script: [.fault(.droppedConnection), ScriptedTurn(text: "never")]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .badResponse)
            #expect(error.message.hasPrefix("the connection broke before the answer was complete"), "\(error)")
            #expect(rig.server.requests.count == 1)
        }
    }

    @Test("an endless stream is cut at the size limit with a clear error", arguments: formats, [true, false])
    func endlessStream(format: ScriptedModelServer.Format, stream: Bool) async throws {
        let limits = ModelCallLimits(maxResponseBytes: 256 << 10)
        try await withModelRig(format, stream: stream, script: [.fault(.endlessStream)], limits: limits) { rig in
            let clock = ContinuousClock()
            let started = clock.now
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .badResponse)
            #expect(error.message == "the answer went past the 256 KiB limit without ending")
            // A hang guard, not a speed test (alone this takes 0.2 s): reading the stream needs a
            // cooperative thread, which other suites' synchronous work can hold for tens of seconds
            // on two cores. Without the size limit the stream never ends.
            #expect(started.duration(to: clock.now) < .seconds(90))
        }
    }

    @Test("a stream that goes silent ends at the idle timeout", arguments: formats)
    func silentStream(format: ScriptedModelServer.Format) async throws {
        let limits = ModelCallLimits(idleTimeout: .seconds(1))
        try await withModelRig(format, script: [.fault(.silentStream(seconds: 60))], limits: limits) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .badResponse)
            #expect(error.message == "the stream went silent for 1 s before its final event")
        }
    }

    @Test("cut-off JSON, streamed or whole, is badResponse", arguments: formats, [true, false])
    func malformedJSON(format: ScriptedModelServer.Format, stream: Bool) async throws {
        try await withModelRig(format, stream: stream, script: [.fault(.malformedJSON)]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .badResponse)
            #expect(error.message.contains(stream ? "data is not a JSON object" : "not a JSON object"), "\(error)")
        }
    }

    @Test("an error event mid-stream ends the call as unavailable", arguments: formats)
    func streamErrorEvent(format: ScriptedModelServer.Format) async throws {
        try await withModelRig(format, script: [.fault(.streamError)]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .unavailable, "\(error)")
            #expect(error.status == nil)
        }
    }

    @Test("an HTML page instead of the API is badResponse pointing at the base URL", arguments: [true, false])
    func htmlPage(stream: Bool) async throws {
        let page = "<!DOCTYPE html><html><head><title>Sign in</title></head><body></body></html>"
        try await withModelRig(.chat, stream: stream, script: [.fault(.raw(status: 200, body: page, headers: ["Content-Type": "text/html"]))]) { rig in
            let error = try await expectModelError { try await rig.provider.respond(to: ModelScript.firstRequest()) }
            #expect(error.code == .badResponse)
            #expect(error.message.contains("an HTML page titled \"Sign in\""))
            #expect(error.hint?.contains("OPENAI_BASE_URL") == true)
        }
    }

    @Test("a server that is not there is unavailable, naming the base URL variable")
    func noServer() async throws {
        let server = try ScriptedModelServer(format: .anthropic)
        let base = try #require(URL(string: server.baseURL))
        server.stop()  // the port is now closed
        let (client, _) = RecordedSleeps.client()
        let provider = AnthropicProvider(baseURL: base, apiKey: ModelTestKeys.anthropic, client: client)
        let error = try await expectModelError { try await provider.respond(to: ModelScript.firstRequest()) }
        #expect(error.code == .unavailable)
        #expect(error.hint?.contains("ANTHROPIC_BASE_URL") == true)
    }
}
