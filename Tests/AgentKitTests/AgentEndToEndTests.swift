import AgentKit
import CodexBotTestSupport
import Foundation
import HTTPKit
import Sandbox
import Testing
import TestReports

/// The agent's parts together: a provider speaking the real wire format to a scripted model on
/// loopback, the real tools (run_tests, apply_patch, shell) in the Sandbox, real pytest, and the
/// bot's own verification deciding green.
@Suite("Agent end to end", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
struct AgentEndToEndTests {
    static let broken = """
    def add(a, b):
        return a - b


    def test_add():
        assert add(2, 2) == 4
    """

    static let patch = """
    *** Begin Patch
    *** Update File: test_calc.py
    @@ def add(a, b):
    -    return a - b
    +    return a + b
    *** End Patch
    """

    @Test("run_tests, apply_patch, verification: green, over each wire format", arguments: ScriptedModelServer.Format.allCases)
    func fixesAFailingTest(_ format: ScriptedModelServer.Format) async throws {
        let directory = try TemporaryDirectory(named: "agent-e2e")
        defer { directory.remove() }
        try Self.broken.write(toFile: directory.appending("test_calc.py"), atomically: true, encoding: .utf8)
        let worktree = URL(fileURLWithPath: directory.path)
        let patchArguments = JSONValue.object(["input": .string(Self.patch)]).jsonText
        let script = [
            ScriptedTurn(text: "Let me run the tests.", toolCalls: [ScriptedToolCall(name: "run_tests", arguments: "{}")]),
            ScriptedTurn(toolCalls: [ScriptedToolCall(name: "apply_patch", arguments: patchArguments)]),
            ScriptedTurn(toolCalls: [ScriptedToolCall(name: "shell", arguments: #"{"command":["cat","test_calc.py"]}"#)]),
            ScriptedTurn(text: "Fixed add: it subtracted."),
        ]
        let server = try ScriptedModelServer(format: format, script: script, apiKey: "sk-test-e2e-0123456789")
        defer { server.stop() }
        let anthropic = format == .anthropic
        let environment = [anthropic ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL": server.baseURL,
                           anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY": "sk-test-e2e-0123456789"]
        let settings = try ModelSettings.resolve(provider: format == .responses ? "openai" : format == .chat ? "openai-chat" : "anthropic",
                                                 model: "test-model", environment: environment)
        let (client, _) = RecordedSleeps.client()
        let sandbox = Sandbox(policy: SandboxPolicy(network: .off),
                              environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home])
        let runner = TestRunner(sandbox: sandbox, worktree: worktree, command: TestCommand("python3 -m pytest -q -p no:cacheprovider"))
        let redactor = SecretRedactor(environment: environment)
        let transcriptPath = directory.appending("transcript.jsonl")
        let agent = AgentLoop(provider: settings.makeProvider(client: client), model: settings.model,
                              instructions: AgentInstructions.systemPrompt(agentsFile: nil),
                              tools: [ShellTool(sandbox: sandbox), ApplyPatchTool(), RunTestsTool(runner: runner)],
                              context: ToolContext(worktree: worktree),
                              transcript: try Transcript(path: transcriptPath, redactor: redactor), redactor: redactor)
        let outcome = try await agent.run(task: "Make the failing test pass.") {
            let result = try await runner.run()
            return result.passed ? .green : .failing(feedback: "Still failing", signature: result.signature)
        }
        #expect(outcome.status == .green && outcome.turns == 4)
        #expect(try String(contentsOfFile: directory.appending("test_calc.py"), encoding: .utf8).contains("return a + b"))
        #expect(server.refusals.isEmpty && server.unexpectedRequests.isEmpty && server.remainingTurns == 0)

        // What the model saw of run_tests: the parsed failure with its source, not a raw log.
        let second = server.requests[1].bodyText
        #expect(second.contains("test_add") && second.contains("return a - b"))
        let transcript = try String(contentsOfFile: transcriptPath, encoding: .utf8)
        #expect(transcript.split(separator: "\n").count >= 9 && !transcript.contains("sk-test-e2e-0123456789"))
    }
}
