import AgentKit
import ForgeKit
import Foundation

/// The one comment a run keeps on its issue or pull request: written as "working" when the run
/// starts and edited in place to the result, whatever the result (green, not green, refused,
/// an error, a cancellation). It finds itself again by a hidden marker, so a second run of the
/// same task edits the same comment instead of adding another.
struct ProgressComment: Sendable {
    let forge: any Forge
    let issue: Int
    let marker: String
    let redactor: SecretRedactor
    let runURL: String?

    /// "codex-bot is working on this", with who asked and a link to the run.
    func working(requestedBy: String?) async throws {
        var text = "⏳ **codex-bot is working on this.**"
        if let requestedBy { text += " Asked by @\(requestedBy)." }
        if let runURL { text += " [Follow the run](\(runURL))." }
        text += "\n\nThis comment is edited with the result when the run ends."
        _ = try await forge.upsertComment(onIssue: issue, marker: marker, body: redactor.redact(text))
    }

    /// The result, in place of the "working" text.
    func finished(_ result: RunResult) async throws {
        _ = try await forge.upsertComment(onIssue: issue, marker: marker, body: redactor.redact(Self.text(for: result, runURL: runURL)))
    }

    static func text(for result: RunResult, runURL: String?) -> String {
        var lines: [String] = []
        switch result.status {
        case .green:
            let stillFailing = result.testsAfter?.failed ?? 0
            let verdict = stillFailing == 0 ? "✅ **codex-bot made the tests pass.**"
                : "✅ **codex-bot made the change; no test that passed before fails.** \(stillFailing) test(s) that failed before it still fail."
            if let pr = result.pullRequest {
                lines.append("\(verdict) Pull request: #\(pr.number) (\(pr.url)).")
            } else {
                lines.append("\(verdict) Branch: `\(result.branch ?? "?")`.")
            }
        case .noop:
            lines.append("ℹ️ **codex-bot had nothing to do.** \(result.message)")
        case .notGreen:
            lines.append("❌ **codex-bot could not make the tests pass.** \(result.message) Nothing was pushed.")
        case .refused:
            lines.append("🚫 **codex-bot refused to publish.** \(result.message)")
        case .error:
            lines.append("⚠️ **codex-bot stopped with an error.** \(result.message)")
        }
        if result.testsBefore != nil || result.testsAfter != nil {
            lines += ["", "| tests | passed | failed |", "|---|---:|---:|"]
            if let before = result.testsBefore { lines.append("| before | \(before.passed) | \(before.failed) |") }
            if let after = result.testsAfter { lines.append("| after | \(after.passed) | \(after.failed) |") }
        }
        var facts = "\(result.iterations) iteration\(result.iterations == 1 ? "" : "s"), "
            + "\(result.usage.inputTokens + result.usage.outputTokens) tokens, "
            + String(format: "%.0f s", result.timings.total / 1000)
        if let runURL { facts += ", [run](\(runURL))" }
        lines += ["", facts]
        return lines.joined(separator: "\n")
    }
}
