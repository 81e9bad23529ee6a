import AgentKit
@testable import BotCore
import Foundation
import Testing
import TestReports

@Suite("Publishing text")
struct PublishingTextTests {
    @Test("the same task gets the same branch; different failures or bases get another")
    func branches() {
        #expect(BranchNames.issue(12, prefix: "codex-bot/") == "codex-bot/issue-12")
        let a = [FailingTest(suite: "S", name: "a"), FailingTest(suite: "S", name: "b")]
        let first = BranchNames.failingTests(a, base: "main", prefix: "codex-bot/")
        #expect(first == BranchNames.failingTests(a.reversed(), base: "main", prefix: "codex-bot/"))
        #expect(first.hasPrefix("codex-bot/fix-main-") && first.count == "codex-bot/fix-main-".count + 8)
        #expect(first != BranchNames.failingTests([a[0]], base: "main", prefix: "codex-bot/"))
        #expect(first != BranchNames.failingTests(a, base: "release/1.0", prefix: "codex-bot/"))
        #expect(BranchNames.failingTests(a, base: "release/1.0", prefix: "cb/").hasPrefix("cb/fix-release-1.0-"))
        #expect(BranchNames.shortHash("") == "cbf29ce4")  // FNV-1a's offset basis: stable everywhere
    }

    @Test("the body says Fixes #N, shows before and after, what it cost, and never a secret")
    func body() {
        let text = PullRequestText(title: "Fix the parser", summary: "Parser kept the last line. Token ghp_\(String(repeating: "a", count: 36))",
                                   issue: 7, before: .init(failed: 2, passed: 10), after: .init(failed: 0, passed: 12),
                                   iterations: 2, usage: Usage(inputTokens: 1200, outputTokens: 300), duration: .seconds(90))
        let body = text.body(redactor: SecretRedactor(secrets: []))
        #expect(body.contains("\nFixes #7\n"))
        #expect(body.contains("| before | 10 | 2 |") && body.contains("| after | 12 | 0 |"))
        #expect(body.contains("2 iterations, 1500 tokens (1200 in, 300 out), 1.5 min"))
        #expect(!body.contains("ghp_a") && body.contains("[redacted]"))
        let message = text.commitMessage(trailers: [("Fixes", "#7"), ("Codex-Bot-Run", "abc")], redactor: SecretRedactor(secrets: []))
        #expect(message.hasPrefix("Fix the parser\n\n") && message.hasSuffix("\n\nFixes: #7\nCodex-Bot-Run: abc"))
    }
}
