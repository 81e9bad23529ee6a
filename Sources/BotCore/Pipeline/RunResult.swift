import AgentKit
import Foundation
import TestReports

/// How a run ended, in the words and numbers of DESIGN.md §1: the exit code, the `--json` line,
/// the `$GITHUB_OUTPUT` facts and the job summary all come from this one value.
public struct RunResult: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case green
        case notGreen = "not-green"
        case refused
        case noop
        case error
    }

    public struct TestCounts: Sendable, Equatable {
        public var failed: Int
        public var passed: Int
        public init(failed: Int, passed: Int) {
            self.failed = failed
            self.passed = passed
        }
        /// A run's totals, errors counted as failures.
        public init(_ totals: Totals) {
            self.init(failed: totals.failed + totals.errored, passed: totals.passed)
        }
    }

    public struct PullRequestLink: Sendable, Equatable {
        public var number: Int
        public var url: String
        public init(number: Int, url: String) {
            self.number = number
            self.url = url
        }
    }

    /// Milliseconds spent in each phase. `model` and `tools` are inside the agent's turns;
    /// `verify` is the bot's own test runs after them; `total` is the whole run.
    public struct Timings: Sendable, Equatable {
        public var workspace = 0.0
        public var baseline = 0.0
        public var model = 0.0
        public var tools = 0.0
        public var verify = 0.0
        public var publish = 0.0
        public var total = 0.0
        public init() {}
    }

    public var status: Status
    public var exitCode: Int32
    /// What happened, in one or two sentences for people (also the `error` when there is one).
    public var message: String
    public var branch: String?
    public var pullRequest: PullRequestLink?
    public var iterations = 0
    public var testsBefore: TestCounts?
    public var testsAfter: TestCounts?
    public var usage = Usage()
    public var timings = Timings()
    /// The change, for `--dry-run` (printed instead of pushed).
    public var diff: String?
    /// Where the run's transcript is, when one was written.
    public var transcriptPath: String?
    /// Milliseconds spent in the project's own commands (setup, build, tests, the agent's shell calls).
    public var commandMilliseconds = 0.0

    /// The bot's own time: the total less the model's answers and the project's commands
    /// (`timings_ms.bot` in the JSON result).
    public var botMilliseconds: Double {
        max(0, timings.total - timings.model - commandMilliseconds)
    }

    public init(status: Status, exitCode: Int32, message: String) {
        self.status = status
        self.exitCode = exitCode
        self.message = message
    }

    /// The `error` field: nil when the run did what it set out to do.
    public var error: String? {
        switch status {
        case .green, .noop: nil
        case .notGreen, .refused, .error: message
        }
    }

    // MARK: Output

    /// The `--json` result: one line, keys sorted so the line is stable.
    public var jsonLine: String {
        func counts(_ counts: TestCounts?) -> JSONValue {
            guard let counts else { return .null }
            return ["failed": .number(Double(counts.failed)), "passed": .number(Double(counts.passed))]
        }
        func ms(_ value: Double) -> JSONValue { .number(value.rounded()) }
        let object: JSONValue = [
            "status": .string(status.rawValue),
            "branch": branch.map(JSONValue.string) ?? .null,
            "pr": pullRequest.map { ["number": .number(Double($0.number)), "url": .string($0.url)] } ?? .null,
            "iterations": .number(Double(iterations)),
            "tests": ["before": counts(testsBefore), "after": counts(testsAfter)],
            "usage": ["input_tokens": .number(Double(usage.inputTokens)), "output_tokens": .number(Double(usage.outputTokens))],
            "timings_ms": ["workspace": ms(timings.workspace), "baseline": ms(timings.baseline), "model": ms(timings.model),
                           "tools": ms(timings.tools), "verify": ms(timings.verify), "publish": ms(timings.publish),
                           "total": ms(timings.total), "bot": ms(botMilliseconds)],
            "error": error.map(JSONValue.string) ?? .null,
        ]
        return object.jsonText
    }

    /// Lines for `$GITHUB_OUTPUT`: `status`, `pr-url`, `pr-number`, `branch` (empty when unknown).
    public var githubOutput: String {
        ["status=\(status.rawValue)", "pr-url=\(pullRequest?.url ?? "")",
         "pr-number=\(pullRequest.map { String($0.number) } ?? "")", "branch=\(branch ?? "")"]
            .map { Self.oneLine($0) }.joined(separator: "\n") + "\n"
    }

    /// The Markdown job summary for `$GITHUB_STEP_SUMMARY`.
    public var stepSummary: String {
        var lines = ["### codex-bot: \(status.rawValue)", "", Self.oneLine(message)]
        if let pullRequest { lines += ["", "Pull request: [#\(pullRequest.number)](\(pullRequest.url))"] }
        if let branch { lines += ["", "Branch: `\(branch)`"] }
        if testsBefore != nil || testsAfter != nil {
            lines += ["", "| tests | passed | failed |", "|---|---:|---:|"]
            if let before = testsBefore { lines.append("| before | \(before.passed) | \(before.failed) |") }
            if let after = testsAfter { lines.append("| after | \(after.passed) | \(after.failed) |") }
        }
        lines += ["", "\(iterations) iteration\(iterations == 1 ? "" : "s"), \(usage.inputTokens) input and \(usage.outputTokens) output tokens, "
                  + String(format: "%.1f s", timings.total / 1000)]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `$GITHUB_OUTPUT` takes `name=value` lines: a newline in a value would start a forged line.
    private static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
