// codex-bot-bench agent: the bot's own cost per agent turn, with a model that answers at once.
//
//   swift run -c release codex-bot-bench agent [--turns 40]
//
// For each wire format (OpenAI Responses, Chat Completions, Anthropic Messages), streamed and
// whole, a scripted model makes `turns` apply_patch calls (each adding a line to a file, so the
// conversation grows as a real one does) and then ends. The model runs in a child process
// (`codex-bot-bench model-server`), so this process's CPU time is the bot's alone: request
// encoding with the whole conversation, the HTTP exchange, SSE parsing, the tool, redaction, the
// JSONL transcript on disk. Prints per turn: the wall time, the bot's CPU time (user + system,
// every thread), and the time inside apply_patch (the one "command" here). The goal is under
// 5 ms of bot time per turn.
import AgentKit
import CodexBotTestSupport
import Foundation
import HTTPKit

enum AgentBench {
    static func run(_ arguments: ArraySlice<String>) throws {
        var turns = 40
        var rest = arguments
        while let flag = rest.popFirst() {
            guard flag == "--turns", let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                throw BenchError("usage: codex-bot-bench agent [--turns N]")
            }
            turns = value
        }
        print("\ncodex-bot-bench agent: \(turns) tool-call turns and a final answer, model answering at once")
        print("wire format    stream   wall ms/turn   bot CPU ms/turn   of it apply_patch   last request KB")
        for format in ScriptedModelServer.Format.allCases {
            for stream in [true, false] {
                var samples: [Sample] = []
                for _ in 0..<5 {
                    samples.append(try measureRun(format: format, stream: stream, turns: turns))
                }
                let median = samples.sorted { $0.cpu < $1.cpu }[samples.count / 2]
                print(format.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)
                      + (stream ? "yes" : "no ").padding(toLength: 6, withPad: " ", startingAt: 0)
                      + String(format: "%13.2f %17.2f %19.2f %17d", median.wall, median.cpu, median.tool,
                               median.lastRequestBytes / 1024))
            }
        }
    }

    /// Milliseconds per turn of one run, and the size of its last request body.
    struct Sample {
        var wall: Double
        var cpu: Double
        var tool: Double
        var lastRequestBytes: Int
    }

    static func measureRun(format: ScriptedModelServer.Format, stream: Bool, turns: Int) throws -> Sample {
        let work = try TemporaryDirectory(named: "bench-agent")
        defer { work.remove() }
        try "start\n".write(toFile: work.appending("notes.txt"), atomically: true, encoding: .utf8)
        let server = try ModelServerChild(format: format, turns: turns)
        defer { server.stop() }
        let anthropic = format == .anthropic
        let environment = [anthropic ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL": server.baseURL,
                           anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY": "sk-bench-0123456789"]
        let name = format == .responses ? "openai" : format == .chat ? "openai-chat" : "anthropic"
        var settings = try ModelSettings.resolve(provider: name, model: "bench-model", environment: environment)
        settings.stream = stream
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .direct
        let provider = settings.makeProvider(client: HTTPClient(configuration: configuration))
        let redactor = SecretRedactor(environment: environment)
        let agent = AgentLoop(provider: provider, model: settings.model, instructions: AgentInstructions.systemPrompt(agentsFile: nil),
                              tools: [ApplyPatchTool()], context: ToolContext(worktree: URL(fileURLWithPath: work.path)),
                              budget: AgentBudget(maxTurns: turns + 5),
                              transcript: try Transcript(path: work.appending("transcript.jsonl"), redactor: redactor),
                              redactor: redactor)
        let result = ResultBox()
        let cpuBefore = cpuTimes()
        let started = ContinuousClock.now
        try HTTPBench.blocking {
            result.outcome = try await agent.run(task: "Add the lines.") { .green }
        }
        let elapsed = started.duration(to: .now)
        let cpuAfter = cpuTimes()
        guard let outcome = result.outcome, outcome.status == .green, outcome.turns == turns + 1 else {
            throw BenchError("the agent run did not finish as scripted: \(String(describing: result.outcome?.status))")
        }
        let count = Double(outcome.turns)
        let cpu = (cpuAfter.user - cpuBefore.user) + (cpuAfter.system - cpuBefore.system)
        return Sample(wall: milliseconds(elapsed) / count, cpu: cpu / count,
                      tool: milliseconds(outcome.toolTime) / count, lastRequestBytes: server.lastRequestBytes())
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// The script: `turns` apply_patch calls adding a line each, then a final answer.
    static func script(turns: Int) -> [ScriptedTurn] {
        var script: [ScriptedTurn] = []
        for index in 0..<turns {
            let patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n+line \(index): " + String(repeating: "x", count: 200)
                + "\n*** End Patch"
            script.append(ScriptedTurn(text: "Adding line \(index).", toolCalls: [
                ScriptedToolCall(name: "apply_patch", arguments: JSONValue.object(["input": .string(patch)]).jsonText),
            ], usage: ScriptedUsage(input: 1000 + index * 300, output: 80)))
        }
        script.append(ScriptedTurn(text: "Done."))
        return script
    }

    /// The child mode: serve the script on loopback, print the base URL, and on each line read
    /// from stdin answer the size of the last request body; end when stdin closes.
    static func serveModel(_ arguments: ArraySlice<String>) throws {
        let values = Array(arguments)
        guard values.count == 2, let format = ScriptedModelServer.Format(rawValue: values[0]), let turns = Int(values[1]) else {
            throw BenchError("usage: codex-bot-bench model-server responses|chat|anthropic TURNS")
        }
        let server = try ScriptedModelServer(format: format, script: script(turns: turns), apiKey: "sk-bench-0123456789")
        FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
        while readLine() != nil {
            FileHandle.standardOutput.write(Data("\(server.requests.last?.body.count ?? 0)\n".utf8))
        }
        server.stop()
    }

    final class ResultBox: @unchecked Sendable {  // written before the semaphore signals, read after
        var outcome: AgentOutcome?
    }
}

/// A scripted model server in a child process of this bench (`codex-bot-bench model-server …`
/// or `pipeline model-server …`), so this process's CPU is the bot's alone. The child prints
/// its base URL, then answers one-line questions on stdin until stdin closes.
final class ModelServerChild {
    let baseURL: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var reader: FileHandle { output.fileHandleForReading }

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        guard let line = ModelServerChild.readLine(output.fileHandleForReading), line.hasPrefix("http") else {
            throw BenchError("the model-server child did not start")
        }
        baseURL = line
    }

    convenience init(format: ScriptedModelServer.Format, turns: Int) throws {
        try self.init(arguments: ["model-server", format.rawValue, String(turns)])
    }

    /// Sends `question` and returns the child's one-line answer.
    func ask(_ question: String) -> String? {
        input.fileHandleForWriting.write(Data((question + "\n").utf8))
        return ModelServerChild.readLine(reader)
    }

    func lastRequestBytes() -> Int {
        ask("size").flatMap(Int.init) ?? 0
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// One line from the child, without its newline; nil at the end.
    static func readLine(_ handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while let byte = try? handle.read(upToCount: 1), let first = byte.first {
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
