import CodexBotTestSupport
import Foundation
import GitKit
import Testing

@Suite("Commit info")
struct CommitInfoTests {
    @Test("author, committer, message and parents agree with git's own view of the commit")
    func matchesGit() async throws {
        try await withTemporaryDirectory("commit-info") { dir in
            try GitCLI.makeRepository(at: dir.path)
            try "x\n".write(toFile: dir.appending("f.txt"), atomically: true, encoding: .utf8)
            try GitCLI.check(["add", "f.txt"], in: dir.path)
            try GitCLI.check(["commit", "-q", "-m", "Second\n\nBody line\n\nFixes: #3"], in: dir.path,
                             environment: ["GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
                                           "GIT_AUTHOR_DATE": "2020-01-02T03:04:05Z",
                                           "GIT_COMMITTER_NAME": "codex-bot", "GIT_COMMITTER_EMAIL": "bot@example.com"])
            let repo = try Repository.open(at: dir.path)
            let head = try repo.headCommit()
            let info = try repo.commitInfo(head)
            #expect(info.author.name == "Ada" && info.author.email == "ada@example.com")
            #expect(info.author.date == ISO8601DateFormatter().date(from: "2020-01-02T03:04:05Z"))
            #expect(info.committer.name == "codex-bot" && info.committer.email == "bot@example.com")
            #expect(info.message == "Second\n\nBody line\n\nFixes: #3\n")
            let parent = try GitCLI.check(["rev-parse", "HEAD~1"], in: dir.path).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(info.parents.map(\.hex) == [parent])
            #expect(throws: GitError.self) { try repo.commitInfo(ObjectID(hex: String(repeating: "1", count: 40))!) }
        }
    }
}
