import AgentKit
import Foundation
import TestReports

/// What the bot writes when it publishes: the commit message with its trailers, and the pull
/// request's title and body. Everything passes through the secret redactor last.
public struct PullRequestText: Sendable {
    /// Passed and failed (errors counted as failures), as the result reports them.
    public typealias TestCounts = RunResult.TestCounts

    public var title: String
    /// The agent's own account of the change (model output: shown as the bot's summary, cut to a page).
    public var summary: String
    public var issue: Int?
    public var before: TestCounts?
    public var after: TestCounts?
    public var iterations: Int
    public var usage: Usage
    public var duration: Duration
    /// A link to the CI run, when there is one.
    public var runURL: String?

    public init(title: String, summary: String, issue: Int? = nil, before: TestCounts? = nil, after: TestCounts? = nil,
                iterations: Int, usage: Usage, duration: Duration, runURL: String? = nil) {
        self.title = title
        self.summary = summary
        self.issue = issue
        self.before = before
        self.after = after
        self.iterations = iterations
        self.usage = usage
        self.duration = duration
        self.runURL = runURL
    }

    /// The pull request body: the summary, `Fixes #N`, a before/after test table, and what the run cost.
    public func body(redactor: SecretRedactor) -> String {
        var lines: [String] = []
        lines.append(TextClip.headAndTail(summary.trimmingCharacters(in: .whitespacesAndNewlines), limit: 6000))
        if let issue { lines += ["", "Fixes #\(issue)"] }
        if before != nil || after != nil {
            lines += ["", "| tests | passed | failed |", "|---|---:|---:|"]
            if let before { lines.append("| before | \(before.passed) | \(before.failed) |") }
            if let after { lines.append("| after | \(after.passed) | \(after.failed) |") }
        }
        let minutes = Double(duration.components.seconds) / 60
        var facts = "\(iterations) iteration\(iterations == 1 ? "" : "s"), \(usage.inputTokens + usage.outputTokens) tokens "
            + "(\(usage.inputTokens) in, \(usage.outputTokens) out), \(String(format: "%.1f", minutes)) min"
        if let runURL { facts += ", [run](\(runURL))" }
        lines += ["", "---", "Made by codex-bot: \(facts). The tests were run by the bot itself, not taken from the agent's word."]
        return redactor.redact(lines.joined(separator: "\n"))
    }

    /// The commit message: the title, a blank line, a short body, and git trailers.
    public func commitMessage(trailers: [(key: String, value: String)], redactor: SecretRedactor) -> String {
        var message = title + "\n\n" + TextClip.headAndTail(summary.trimmingCharacters(in: .whitespacesAndNewlines), limit: 2000)
        if !trailers.isEmpty {
            message += "\n\n" + trailers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        }
        return redactor.redact(message)
    }
}
