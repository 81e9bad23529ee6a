import Foundation
import Testing
import GitKit
import CodexBotTestSupport

@Suite("Status, diff, stage and commit, checked against git")
struct ChangesTests {
    @Test func statusDiffStageAndCommitAgreeWithGit() async throws {
        try await withTemporaryDirectory("changes") { dir in
            let base = try GitCLI.makeRepository(at: dir.path, files: [
                "keep.txt": "one\ntwo\nthree\n", "remove.txt": "bye\n", "edit.swift": "let a = 1\nlet b = 2\n",
            ])
            let repo = try Repository.open(at: dir.path)
            try "let a = 1\nlet b = 3\nlet c = 4\n".write(toFile: dir.path + "/edit.swift", atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: dir.path + "/remove.txt")
            try FileManager.default.createDirectory(atPath: dir.path + "/new", withIntermediateDirectories: true)
            try "fresh\n".write(toFile: dir.path + "/new/file.txt", atomically: true, encoding: .utf8)
            try "*.log\n".write(toFile: dir.path + "/.gitignore", atomically: true, encoding: .utf8)
            try "noise\n".write(toFile: dir.path + "/debug.log", atomically: true, encoding: .utf8)

            let status = try repo.status()
            let byPath = Dictionary(uniqueKeysWithValues: status.map { ($0.path, $0) })
            #expect(byPath["edit.swift"]?.unstaged == .modified)
            #expect(byPath["remove.txt"]?.unstaged == .deleted)
            #expect(byPath["new/file.txt"]?.unstaged == .untracked)
            #expect(byPath["debug.log"] == nil)
            #expect(byPath["keep.txt"] == nil)

            let baseID = ObjectID(hex: base)!
            let workDiff = try repo.diff(from: baseID)
            #expect(workDiff.stats == DiffStats(filesChanged: 4, insertions: 4, deletions: 2))
            #expect(workDiff.patch.contains("+let c = 4"))
            #expect(workDiff.patch.contains("-bye"))

            try repo.stageAll()
            #expect(try repo.status().allSatisfy { $0.unstaged == nil })
            let commit = try repo.commit(message: "Fix the thing\n\nLonger body.  \n",
                                         trailers: [(key: "Fixes", value: "#12"), (key: "Co-authored-by", value: "Bot <bot@example.com>")],
                                         author: Signature(name: "codex-bot", email: "bot@example.com",
                                                           date: Date(timeIntervalSince1970: 1_700_000_000)),
                                         committer: Signature(name: "CI", email: "ci@example.com"))
            #expect(try GitCLI.check(["rev-parse", "HEAD"], in: dir.path) == commit.hex)
            #expect(try GitCLI.check(["status", "--porcelain"], in: dir.path) == "")
            #expect(try GitCLI.check(["log", "-1", "--format=%an <%ae> %at|%cn"], in: dir.path)
                    == "codex-bot <bot@example.com> 1700000000|CI")
            let trailers = try GitCLI.check(["log", "-1", "--format=%(trailers:only,unfold)"], in: dir.path)
            #expect(trailers == "Fixes: #12\nCo-authored-by: Bot <bot@example.com>")
            #expect(try GitCLI.check(["log", "-1", "--format=%s"], in: dir.path) == "Fix the thing")

            // The same diff between the two commits, as git prints it.
            let treeDiff = try repo.diff(from: baseID, to: .commit(commit))
            let gitPatch = try GitCLI.run(["diff", "--no-color", base, commit.hex], in: dir.path).stdout
            #expect(treeDiff.patch == gitPatch)
            #expect(treeDiff.paths.sorted() == [".gitignore", "edit.swift", "new/file.txt", "remove.txt"])
            let shortstat = try GitCLI.check(["diff", "--shortstat", base, commit.hex], in: dir.path)
            #expect(shortstat.contains("\(treeDiff.stats.filesChanged) files changed"))
            #expect(shortstat.contains("\(treeDiff.stats.insertions) insertions"))
        }
    }

    @Test func firstCommitOnAnUnbornBranch() async throws {
        try await withTemporaryDirectory("first-commit") { dir in
            let repo = try Repository.create(at: dir.path, initialBranch: "main")
            try "hello\n".write(toFile: dir.path + "/hello.txt", atomically: true, encoding: .utf8)
            try repo.stageAll()
            let commit = try repo.commit(message: "first", author: Signature(name: "A", email: "a@example.com"))
            #expect(try GitCLI.check(["rev-list", "--count", "HEAD"], in: dir.path) == "1")
            #expect(try GitCLI.check(["rev-parse", "main"], in: dir.path) == commit.hex)
        }
    }

    @Test(arguments: ["", "   \n\n"])
    func emptyMessagesAreRefused(message: String) async throws {
        try await withTemporaryDirectory("empty-message") { dir in
            try GitCLI.makeRepository(at: dir.path)
            let repo = try Repository.open(at: dir.path)
            let error = try #require(throws: GitError.self) {
                try repo.commit(message: message, author: Signature(name: "A", email: "a@example.com"))
            }
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func malformedTrailersAreRefused() async throws {
        try await withTemporaryDirectory("bad-trailer") { dir in
            let head = try GitCLI.makeRepository(at: dir.path)
            let repo = try Repository.open(at: dir.path)
            for trailer in [(key: "Has Space", value: "x"), (key: "Ok", value: "two\nlines"), (key: "", value: "x")] {
                let error = try #require(throws: GitError.self) {
                    try repo.commit(message: "m", trailers: [trailer], author: Signature(name: "A", email: "a@example.com"))
                }
                #expect(error.code == .invalidArgument)
            }
            #expect(try GitCLI.check(["rev-parse", "HEAD"], in: dir.path) == head)
        }
    }
}
