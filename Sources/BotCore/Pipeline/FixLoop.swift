import AgentKit
import Foundation
import TestReports

/// The agent at work in the worktree: its tools, its budget, and after each of its turns the
/// bot's own verification (failing tests first, then the full suite).
struct FixLoop {
    let settings: PipelineSettings
    let commands: ProjectCommands
    let record: RunRecord
    let root: URL
    /// Where the JSONL transcript goes (`.git/codex-bot/runs/<id>/transcript.jsonl`).
    let transcriptPath: String

    func run(job: PipelineJob, prompt: String, baseline: Baseline, started: ContinuousClock.Instant) async throws -> AgentOutcome {
        let config = settings.config
        let model = try settings.model()
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: transcriptPath).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        let transcript = try Transcript(path: transcriptPath, redactor: record.redactor)
        record.transcriptPath = transcriptPath

        var tools: [any AgentTool] = [TimedTool(tool: ShellTool(sandbox: commands.sandbox), clock: record.commandClock), ApplyPatchTool()]
        if let runner = commands.runner {
            tools.append(TimedTool(tool: RunTestsTool(runner: runner, knownFailures: baseline.targets), clock: record.commandClock))
        }
        let remaining = Duration.seconds(config.maxMinutes * 60) - started.duration(to: .now)
        let budget = AgentBudget(maxTurns: max(20, config.maxIterations * 15), maxTokens: config.maxTokens,
                                 maxDuration: max(.seconds(1), remaining), maxIterations: config.maxIterations)
        let loop = AgentLoop(provider: model.provider, model: model.model,
                             instructions: AgentInstructions.systemPrompt(agentsFile: AgentInstructions.agentsFile(worktree: root)),
                             tools: tools, context: ToolContext(worktree: root), budget: budget, transcript: transcript,
                             redactor: record.redactor)
        settings.log("codex-bot: the agent (\(model.provider.name) \(model.model)) is at work; budget \(config.maxIterations) iterations, "
                     + "\(config.maxTokens) tokens, \(config.maxMinutes) min")

        let lastFullRun = LastRun()
        let commands = commands
        let targets = baseline.targets
        let baselineFailures = baseline.run?.failures ?? []
        let fixing = job.kind == .fixTests
        let log = settings.log
        let outcome = try await loop.run(task: prompt) {
            let check = fixing ? try await commands.verifyFix(targets: targets)
                               : try await commands.verifyChange(baselineFailures: baselineFailures)
            if let full = check.fullRun { lastFullRun.set(full.run) }
            let ran = check.commands.isEmpty ? "" : " (ran `\(check.commands.joined(separator: "`, then `"))`)"
            switch check.verification {
            case .green: log("codex-bot: verified: the tests pass\(ran)")
            case .failing: log("codex-bot: verified: not yet green\(ran); the results go back to the agent")
            }
            return check.verification
        }
        record.iterations = outcome.iterations
        record.usage = outcome.usage
        record.timings.model = outcome.modelTime.milliseconds
        record.timings.tools = outcome.toolTime.milliseconds
        record.timings.verify = outcome.verifyTime.milliseconds
        record.testsAfter = lastFullRun.value
        return outcome
    }
}

/// The last full test run of the verification, read after the loop.
final class LastRun: @unchecked Sendable {  // `lock` guards `run`
    private let lock = NSLock()
    private var run: TestRun?

    func set(_ run: TestRun) { lock.withLock { self.run = run } }
    var value: TestRun? { lock.withLock { run } }
}
