import Foundation
import Testing
import GitKit
import CodexBotTestSupport

@Suite("Repository: open, branches and bad input")
struct RepositoryTests {
    @Test func openingADirectoryThatIsNotARepositoryNamesIt() async throws {
        try await withTemporaryDirectory("not-a-repo") { dir in
            let error = try #require(throws: GitError.self) { try Repository.open(at: dir.path) }
            #expect(error.code == .notARepository)
            #expect(error.description.contains(dir.path))
            #expect(error.hint != nil)
        }
    }

    @Test func openingAMissingPathSaysSo() throws {
        let error = try #require(throws: GitError.self) { try Repository.open(at: "/nonexistent/codex-bot/repo") }
        #expect(error.code == .notFound)
        #expect(error.message.contains("/nonexistent/codex-bot/repo"))
    }

    @Test func discoverFindsTheRepositoryFromASubdirectory() async throws {
        try await withTemporaryDirectory("discover") { dir in
            try GitCLI.makeRepository(at: dir.path, files: ["src/a/b.txt": "x\n"])
            let repo = try Repository.discover(from: dir.appending("src/a"))
            #expect(repo.workingDirectory == dir.path + "/")
            #expect(repo.currentBranch == "main")
        }
    }

    @Test func bareRepositoryHasNoWorkTreeAndSaysSoForWorkTreeOperations() async throws {
        try await withTemporaryDirectory("bare") { dir in
            try GitCLI.check(["init", "-q", "--bare", "-b", "main", dir.path], in: dir.path)
            let repo = try Repository.open(at: dir.path)
            #expect(repo.isBare)
            #expect(repo.workingDirectory == nil)
            let error = try #require(throws: GitError.self) { try repo.status() }
            #expect(error.code == .bareRepository)
            #expect(try #require(throws: GitError.self) { try repo.stageAll() }.code == .bareRepository)
        }
    }

    @Test func unbornBranchHasNoHeadCommit() async throws {
        try await withTemporaryDirectory("unborn") { dir in
            try GitCLI.check(["init", "-q", "-b", "trunk"], in: dir.path)
            let repo = try Repository.open(at: dir.path)
            #expect(repo.isHeadUnborn)
            #expect(repo.currentBranch == "trunk")
            let error = try #require(throws: GitError.self) { try repo.headCommit() }
            #expect(error.code == .unbornBranch)
            #expect(error.message.contains("trunk"))
        }
    }

    @Test func detachedHeadHasNoBranchButACommit() async throws {
        try await withTemporaryDirectory("detached") { dir in
            let first = try GitCLI.makeRepository(at: dir.path)
            try GitCLI.commitFiles(["b.txt": "b\n"], in: dir.path, message: "second")
            try GitCLI.check(["checkout", "-q", "--detach", first], in: dir.path)
            let repo = try Repository.open(at: dir.path)
            #expect(repo.isHeadDetached)
            #expect(repo.currentBranch == nil)
            #expect(try repo.headCommit().hex == first)
        }
    }

    @Test func resolvesRevisionsLikeGit() async throws {
        try await withTemporaryDirectory("resolve") { dir in
            let first = try GitCLI.makeRepository(at: dir.path)
            let second = try GitCLI.commitFiles(["b.txt": "b\n"], in: dir.path, message: "second")
            let repo = try Repository.open(at: dir.path)
            #expect(try repo.resolveCommit("HEAD~1").hex == first)
            #expect(try repo.resolveCommit("main").hex == second)
            #expect(try repo.resolveCommit(String(second.prefix(12))).hex == second)
            let error = try #require(throws: GitError.self) { try repo.resolveCommit("no-such-branch") }
            #expect(error.code == .notFound)
            #expect(error.message.contains("no-such-branch"))
        }
    }

    @Test(arguments: ["has space", "double..dot", "ends.lock", "-leading-dash", "tilde~1", "colon:x", "", "a/", "back\\slash"])
    func invalidBranchNamesAreRefused(name: String) async throws {
        try await withTemporaryDirectory("invalid-branch") { dir in
            let head = try GitCLI.makeRepository(at: dir.path)
            let repo = try Repository.open(at: dir.path)
            let error = try #require(throws: GitError.self) { try repo.createBranch(name, at: ObjectID(hex: head)!) }
            #expect(error.code == .invalidName)
            // git agrees that the name is invalid.
            let gitSays = try GitCLI.run(["check-ref-format", "--branch", name], in: dir.path)
            #expect(gitSays.status != 0)
        }
    }

    @Test func creatingAnExistingBranchIsRefusedAndForcingACheckedOutOneToo() async throws {
        try await withTemporaryDirectory("branch-exists") { dir in
            let head = try ObjectID(hex: GitCLI.makeRepository(at: dir.path))!
            let repo = try Repository.open(at: dir.path)
            try repo.createBranch("feature", at: head)
            #expect(try repo.localBranches().sorted() == ["feature", "main"])
            #expect(try #require(throws: GitError.self) { try repo.createBranch("feature", at: head) }.code == .alreadyExists)
            let error = try #require(throws: GitError.self) { try repo.createBranch("main", at: head, force: true) }
            #expect(error.code == .branchCheckedOut)
            #expect(error.message.contains(dir.path))
            try repo.deleteBranch("feature")
            #expect(try GitCLI.run(["rev-parse", "--verify", "-q", "refs/heads/feature"], in: dir.path).status != 0)
        }
    }

    @Test func readsConfigAndRemotes() async throws {
        try await withTemporaryDirectory("config") { dir in
            try GitCLI.makeRepository(at: dir.path)
            try GitCLI.check(["remote", "add", "origin", "https://example.invalid/o/r.git"], in: dir.path)
            try GitCLI.check(["config", "user.name", "Repo Person"], in: dir.path)
            let repo = try Repository.open(at: dir.path)
            #expect(try repo.configString("user.name") == "Repo Person")
            #expect(try repo.configString("codexbot.nothing") == nil)
            #expect(try repo.remoteNames() == ["origin"])
            #expect(try repo.remoteURL("origin") == "https://example.invalid/o/r.git")
            #expect(try repo.remoteURL("upstream") == nil)
        }
    }
}
