import Foundation
import Sandbox

/// `shell`, as Codex has it: `{"command": ["bash", "-lc", "…"], "workdir": "…", "timeout_ms": N}`.
/// Runs in the worktree through the Sandbox: filtered environment, time limit on the whole
/// process group, output cap, and no network when the policy says so.
public struct ShellTool: AgentTool {
    public var sandbox: Sandbox
    /// When the model gives no `timeout_ms`; and the most it may ask for.
    public var defaultTimeout: Duration
    public var maxTimeout: Duration
    public var outputLimit: Int

    public init(sandbox: Sandbox, defaultTimeout: Duration = .seconds(120), maxTimeout: Duration = .seconds(1800),
                outputLimit: Int = 64 * 1024) {
        self.sandbox = sandbox
        self.defaultTimeout = defaultTimeout
        self.maxTimeout = maxTimeout
        self.outputLimit = outputLimit
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "shell",
            description: "Runs a shell command and returns its output. The command runs in the repository's worktree.",
            parameters: [
                "type": "object",
                "properties": [
                    "command": ["type": "array", "items": ["type": "string"], "description": "The command to execute"],
                    "workdir": ["type": "string", "description": "The working directory to execute the command in"],
                    "timeout_ms": ["type": "number", "description": "The timeout for the command in milliseconds"],
                ],
                "required": ["command"],
                "additionalProperties": false,
            ])
    }

    public func run(arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let command: [String]
        switch arguments["command"] {
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }):
            command = items.compactMap(\.stringValue)
        case .string(let line) where !line.isEmpty:
            command = ["bash", "-lc", line]  // some models send one string
        default:
            return .error("shell needs \"command\": a non-empty array of strings, e.g. [\"bash\", \"-lc\", \"ls\"]")
        }
        var directory = context.worktree
        if let workdir = arguments["workdir"]?.stringValue, !workdir.isEmpty {
            directory = workdir.hasPrefix("/") ? URL(fileURLWithPath: workdir) : context.worktree.appendingPathComponent(workdir)
        }
        var timeout = defaultTimeout
        if let milliseconds = arguments["timeout_ms"]?.numberValue, milliseconds > 0 {
            timeout = min(.milliseconds(Int64(milliseconds)), maxTimeout)
        }
        let request = CommandRequest(arguments: command, workingDirectory: directory, worktree: context.worktree,
                                     timeout: timeout, outputLimit: outputLimit)
        do {
            let result = try await sandbox.run(request)
            return ShellTool.format(result)
        } catch {
            return .error("\(error)")
        }
    }

    /// Codex's result shape: `{"output": "…", "metadata": {"exit_code": N, "duration_seconds": S}}`.
    static func format(_ result: CommandResult) -> ToolOutput {
        var output = result.output
        if result.timedOut { output += "\n[command timed out and was killed]" }
        let seconds = Double(result.duration.components.seconds) + Double(result.duration.components.attoseconds) / 1e18
        let payload: JSONValue = [
            "output": .string(output),
            "metadata": ["exit_code": .number(Double(result.exitCode ?? -1)), "duration_seconds": .number((seconds * 10).rounded() / 10)],
        ]
        return ToolOutput(payload.jsonText, isError: !result.succeeded)
    }
}
