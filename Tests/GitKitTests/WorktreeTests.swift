import Foundation
import Testing
import GitKit
import CodexBotTestSupport

@Suite("Worktrees: isolated checkouts that never touch the user's")
struct WorktreeTests {
    /// A repository whose main checkout has staged, unstaged and untracked changes.
    private func makeDirtyCheckout(_ dir: TemporaryDirectory) throws -> (repo: String, head: ObjectID) {
        let repo = dir.appending("repo")
        let head = try GitCLI.makeRepository(at: repo, files: ["a.txt": "a\n", "src/b.txt": "b\n", "c.txt": "c\n"])
        try "a changed\n".write(toFile: repo + "/a.txt", atomically: true, encoding: .utf8)
        try "staged\n".write(toFile: repo + "/src/b.txt", atomically: true, encoding: .utf8)
        try GitCLI.check(["add", "src/b.txt"], in: repo)
        try FileManager.default.removeItem(atPath: repo + "/c.txt")
        try "new\n".write(toFile: repo + "/untracked.txt", atomically: true, encoding: .utf8)
        return (repo, ObjectID(hex: head)!)
    }

    /// Everything the user could notice about their checkout: status, index, HEAD, file contents.
    private func snapshot(_ repo: String) throws -> [String] {
        var lines = [try GitCLI.check(["status", "--porcelain=v1", "-uall"], in: repo),
                     try GitCLI.check(["rev-parse", "HEAD"], in: repo),
                     try GitCLI.check(["symbolic-ref", "HEAD"], in: repo),
                     try GitCLI.check(["ls-files", "--stage"], in: repo)]
        for file in ["a.txt", "src/b.txt", "untracked.txt"] {
            lines.append(try String(contentsOfFile: repo + "/" + file, encoding: .utf8))
        }
        return lines
    }

    @Test func worktreeIsCreatedCleanWhileTheMainCheckoutKeepsItsChanges() async throws {
        try await withTemporaryDirectory("worktree-dirty-main") { dir in
            let (repoPath, head) = try makeDirtyCheckout(dir)
            let before = try snapshot(repoPath)
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("codex-bot/issue-7", at: head)
            let worktreePath = dir.appending("wt")
            let worktree = try repo.addWorktree(branch: "codex-bot/issue-7", at: worktreePath)

            #expect(worktree.branch == "codex-bot/issue-7")
            #expect(worktree.path == worktreePath)
            #expect(try snapshot(repoPath) == before)
            // The worktree holds the committed content, not the user's edits.
            #expect(try String(contentsOfFile: worktreePath + "/a.txt", encoding: .utf8) == "a\n")
            #expect(try String(contentsOfFile: worktreePath + "/c.txt", encoding: .utf8) == "c\n")
            #expect(!FileManager.default.fileExists(atPath: worktreePath + "/untracked.txt"))
            #expect(try GitCLI.check(["status", "--porcelain"], in: worktreePath) == "")
            #expect(try GitCLI.check(["symbolic-ref", "--short", "HEAD"], in: worktreePath) == "codex-bot/issue-7")
            // git sees it, locked by us.
            let listed = try GitCLI.check(["worktree", "list", "--porcelain"], in: repoPath)
            #expect(listed.contains("worktree \(worktreePath)"))
            #expect(listed.contains("locked codex-bot pid \(getpid())"))

            try repo.removeWorktree(named: worktree.name)
            #expect(!FileManager.default.fileExists(atPath: worktreePath))
            #expect(try repo.listWorktrees().isEmpty)
            #expect(try snapshot(repoPath) == before)
        }
    }

    @Test func badWorktreeRequestsAreRefusedAndChangeNothing() async throws {
        try await withTemporaryDirectory("worktree-bad-input") { dir in
            let (repoPath, head) = try makeDirtyCheckout(dir)
            let before = try snapshot(repoPath)
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("fix", at: head)

            let existing = dir.appending("exists")
            try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: true)
            try "keep me\n".write(toFile: existing + "/keep.txt", atomically: true, encoding: .utf8)
            let pathError = try #require(throws: GitError.self) { try repo.addWorktree(branch: "fix", at: existing) }
            #expect(pathError.code == .pathExists)
            #expect(pathError.message.contains(existing))
            #expect(try String(contentsOfFile: existing + "/keep.txt", encoding: .utf8) == "keep me\n")

            let checkedOut = try #require(throws: GitError.self) { try repo.addWorktree(branch: "main", at: dir.appending("m")) }
            #expect(checkedOut.code == .branchCheckedOut)
            #expect(checkedOut.message.contains(repoPath))

            let missing = try #require(throws: GitError.self) { try repo.addWorktree(branch: "nope", at: dir.appending("n")) }
            #expect(missing.code == .notFound)

            try repo.addWorktree(branch: "fix", at: dir.appending("wt1"))
            let twice = try #require(throws: GitError.self) { try repo.addWorktree(branch: "fix", at: dir.appending("wt2")) }
            #expect(twice.code == .branchCheckedOut)
            #expect(twice.message.contains(dir.appending("wt1")))

            #expect(!FileManager.default.fileExists(atPath: dir.appending("m")))
            #expect(!FileManager.default.fileExists(atPath: dir.appending("n")))
            #expect(!FileManager.default.fileExists(atPath: dir.appending("wt2")))
            #expect(try snapshot(repoPath) == before)
        }
    }

    @Test func staleWorktreesAreListedAndPrunedLikeGitDoes() async throws {
        try await withTemporaryDirectory("worktree-stale") { dir in
            let repoPath = dir.appending("repo")
            let head = try ObjectID(hex: GitCLI.makeRepository(at: repoPath))!
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("gone", at: head)
            try repo.createBranch("users", at: head)
            let gone = try repo.addWorktree(branch: "gone", at: dir.appending("gone"))
            // The user's own locked worktree, made with git: never ours to prune.
            try GitCLI.check(["worktree", "add", "-q", "--lock", dir.appending("users"), "users"], in: repoPath)
            try FileManager.default.removeItem(atPath: gone.path)
            try FileManager.default.removeItem(atPath: dir.appending("users"))

            let listed = try repo.listWorktrees()
            #expect(listed.count == 2)
            #expect(listed.first { $0.name == gone.name }?.isValid == false)

            #expect(try repo.pruneStaleWorktrees() == [gone.name])
            #expect(try repo.listWorktrees().map(\.name) == ["users"])
            let gitList = try GitCLI.check(["worktree", "list", "--porcelain"], in: repoPath)
            #expect(!gitList.contains(gone.path))
        }
    }

    @Test func worktreesLeftByADeadProcessAreRemovedAtTheNextStart() async throws {
        try await withTemporaryDirectory("worktree-abandoned") { dir in
            let repoPath = dir.appending("repo")
            let head = try ObjectID(hex: GitCLI.makeRepository(at: repoPath))!
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("crashed", at: head)
            try repo.createBranch("running", at: head)
            let crashed = try repo.addWorktree(branch: "crashed", at: dir.appending("crashed"))
            let running = try repo.addWorktree(branch: "running", at: dir.appending("running"))
            // Pretend a process that has exited made the first one: relock it with a dead pid.
            let deadPID = try deadProcessID()
            try GitCLI.check(["worktree", "unlock", crashed.path], in: repoPath)
            try GitCLI.check(["worktree", "lock", "--reason", "codex-bot pid \(deadPID)", crashed.path], in: repoPath)

            #expect(try repo.pruneAbandonedWorktrees() == [crashed.name])
            #expect(!FileManager.default.fileExists(atPath: crashed.path))
            #expect(FileManager.default.fileExists(atPath: running.path))
            #expect(try repo.listWorktrees().map(\.name) == [running.name])
            // The branch survives: only the checkout is cleaned up.
            #expect(try repo.localBranches().contains("crashed"))
        }
    }

    @Test func withWorktreeRemovesItWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        try await withTemporaryDirectory("worktree-scoped") { dir in
            let repoPath = dir.appending("repo")
            let head = try ObjectID(hex: GitCLI.makeRepository(at: repoPath))!
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("scoped", at: head)
            let path = dir.appending("scoped")
            await #expect(throws: Boom.self) {
                try await repo.withWorktree(branch: "scoped", at: path) { worktree in
                    #expect(FileManager.default.fileExists(atPath: worktree.path + "/README.md"))
                    throw Boom()
                }
            }
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try repo.listWorktrees().isEmpty)
            let count = try await repo.withWorktree(branch: "scoped", at: path) { _ in 42 }
            #expect(count == 42)
            #expect(try repo.listWorktrees().isEmpty)
        }
    }

    /// GitKit skips libgit2's filters when nothing could ask for one; when something does,
    /// the worktree's bytes must be exactly what `git worktree add` writes.
    @Test(arguments: [
        ("attributes in the tree", [".gitattributes": "*.txt text eol=crlf\n"], [String: String]()),
        ("attributes in a subdirectory", ["sub/.gitattributes": "*.txt text eol=crlf\n"], [:]),
        ("core.autocrlf", [:], ["core.autocrlf": "true"]),
        ("no attributes", [:], [:]),
    ])
    func checkoutBytesMatchGit(label: String, extraFiles: [String: String], config: [String: String]) async throws {
        try await withTemporaryDirectory("worktree-filters") { dir in
            let repoPath = dir.appending("repo")
            var files = ["a.txt": "one\ntwo\n", "sub/b.txt": "three\n", "bin.dat": "raw\n", "id.c": "$Id$\n"]
            files.merge(extraFiles) { $1 }
            let head = try ObjectID(hex: GitCLI.makeRepository(at: repoPath, files: files))!
            for (key, value) in config { try GitCLI.check(["config", key, value], in: repoPath) }
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("kit", at: head)
            try repo.createBranch("git", at: head)
            try repo.addWorktree(branch: "kit", at: dir.appending("kit"))
            try GitCLI.check(["worktree", "add", "-q", dir.appending("git"), "git"], in: repoPath)
            for file in files.keys {
                let ours = try Data(contentsOf: URL(fileURLWithPath: dir.appending("kit/" + file)))
                let gits = try Data(contentsOf: URL(fileURLWithPath: dir.appending("git/" + file)))
                #expect(ours == gits, "\(label): \(file) differs from git's checkout")
            }
            #expect(try GitCLI.check(["status", "--porcelain"], in: dir.appending("kit")) == "")
        }
    }

    /// The threaded checkout must write what git writes — bytes, modes, symlinks, submodule
    /// directories — and an index whose stat data git accepts without re-reading any file.
    @Test func threadedCheckoutMatchesGitFileForFile() async throws {
        try await withTemporaryDirectory("worktree-threaded") { dir in
            let repoPath = dir.appending("repo")
            var files: [String: String] = [:]
            for index in 0..<1_200 { files["src/d\(index % 37)/f\(index).txt"] = "file \(index)\n" + String(repeating: "x", count: index) }
            files["tools/run.sh"] = "#!/bin/sh\necho hi\n"
            files["empty.txt"] = ""
            try GitCLI.makeRepository(at: repoPath, files: files)
            try GitCLI.check(["update-index", "--chmod=+x", "tools/run.sh"], in: repoPath)
            try FileManager.default.createSymbolicLink(atPath: repoPath + "/link", withDestinationPath: "tools/run.sh")
            try GitCLI.check(["add", "link"], in: repoPath)
            // A submodule entry (gitlink) pointing at some commit.
            let someCommit = try GitCLI.check(["rev-parse", "HEAD"], in: repoPath)
            try GitCLI.check(["update-index", "--add", "--cacheinfo", "160000,\(someCommit),vendor/sub"], in: repoPath)
            try GitCLI.check(["commit", "-q", "-m", "modes"], in: repoPath)
            let head = try ObjectID(hex: GitCLI.check(["rev-parse", "HEAD"], in: repoPath))!

            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("kit", at: head)
            try repo.createBranch("git", at: head)
            let kit = dir.appending("kit"), git = dir.appending("git")
            try repo.addWorktree(branch: "kit", at: kit)
            try GitCLI.check(["worktree", "add", "-q", git, "git"], in: repoPath)

            // No stat mismatch: git diff-files does not refresh, so a wrong field shows up here.
            let stale = try GitCLI.run(["diff-files", "--name-only"], in: kit)
            #expect(stale.status == 0 && stale.stdout.isEmpty, "stat data git rejects: \(stale.stdout.prefix(300))")
            #expect(try GitCLI.check(["status", "--porcelain"], in: kit) == "")
            #expect(try GitCLI.check(["ls-files", "-s"], in: kit) == (try GitCLI.check(["ls-files", "-s"], in: git)))
            for path in files.keys.sorted() {
                let ours = try Data(contentsOf: URL(fileURLWithPath: kit + "/" + path))
                let gits = try Data(contentsOf: URL(fileURLWithPath: git + "/" + path))
                #expect(ours == gits, "\(path) differs")
            }
            let mode = try FileManager.default.attributesOfItem(atPath: kit + "/tools/run.sh")[.posixPermissions] as? Int
            #expect(mode.map { $0 & 0o111 != 0 } == true, "run.sh is not executable")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: kit + "/link") == "tools/run.sh")
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: kit + "/vendor/sub", isDirectory: &isDirectory) && isDirectory.boolValue)
        }
    }

    @Test func pathsWithSpacesAndUnicodeWork() async throws {
        try await withTemporaryDirectory("worktree-unicode") { dir in
            let repoPath = dir.appending("my repo/ünïcødé 仓库")
            let head = try ObjectID(hex: GitCLI.makeRepository(at: repoPath, files: ["dir with space/fïlé 名.txt": "x\n"]))!
            let repo = try Repository.open(at: repoPath)
            try repo.createBranch("fix/ünï", at: head)
            let path = dir.appending("work trees/wt ü 木")
            let worktree = try repo.addWorktree(branch: "fix/ünï", at: path)
            #expect(worktree.path == path)
            #expect(try String(contentsOfFile: path + "/dir with space/fïlé 名.txt", encoding: .utf8) == "x\n")

            let inside = try Repository.open(at: path)
            #expect(inside.isWorktree)
            #expect(inside.currentBranch == "fix/ünï")
            try "y\n".write(toFile: path + "/dir with space/fïlé 名.txt", atomically: true, encoding: .utf8)
            try "new\n".write(toFile: path + "/nöu file.txt", atomically: true, encoding: .utf8)
            #expect(try inside.status().map(\.path).sorted() == ["dir with space/fïlé 名.txt", "nöu file.txt"])
            try inside.stageAll()
            let commit = try inside.commit(message: "unicode", author: Signature(name: "Bot", email: "bot@example.com"))
            #expect(try GitCLI.check(["rev-parse", "fix/ünï"], in: repoPath) == commit.hex)
            let names = try GitCLI.check(["-c", "core.quotepath=off", "show", "--name-only", "--format=", commit.hex], in: repoPath)
            #expect(names.split(separator: "\n").sorted() == ["dir with space/fïlé 名.txt", "nöu file.txt"])
            try repo.removeWorktree(named: worktree.name)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}

/// The pid of a process that has already exited (and been reaped).
func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
