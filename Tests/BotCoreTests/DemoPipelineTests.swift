import AgentKit
@testable import BotCore
import CodexBotTestSupport
import ForgeKit
import Foundation
import GitKit
import Testing

/// The whole pipeline with the local forge and the recorded session of `codex-bot demo`:
/// worktree, baseline, agent, verification, guards, commit and pull request record, all real.
@Suite("Pipeline: the demo, end to end with the local forge")
struct DemoPipelineTests {
    @Test("fix-tests makes a green branch and a PR record; the user's checkout is untouched")
    func demoIsGreen() async throws {
        try await withTemporaryDirectory("demo-pipeline") { directory in
            let place = directory.appending("sample")
            try Demo.makeRepository(at: place)
            let headBefore = try GitCLI.check(["rev-parse", "HEAD"], in: place)
            let result = try await Demo.run(directory: place, environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home],
                                            log: { _ in })
            #expect(result.status == .green && result.exitCode == 0, "\(result.message)")
            let branch = try #require(result.branch)
            #expect(branch.hasPrefix("codex-bot/fix-main-"))
            #expect(result.testsBefore == RunResult.TestCounts(failed: 2, passed: 1))
            #expect(result.testsAfter == RunResult.TestCounts(failed: 0, passed: 3))
            #expect(result.iterations == 1 && result.pullRequest?.number == 1)

            // The user's checkout: same HEAD, the bug still in its files, no worktree or work branch left.
            #expect(try GitCLI.check(["rev-parse", "HEAD"], in: place) == headBefore)
            #expect(try String(contentsOfFile: place + "/calc.sh", encoding: .utf8).contains("$1 - $2"))
            #expect(try GitCLI.check(["worktree", "list"], in: place).split(separator: "\n").count == 1)
            #expect(!(try GitCLI.check(["branch", "--list"], in: place).contains("run-")))

            // The branch, checked out and tested with the git CLI, is green; the commit is the bot's.
            let clone = directory.appending("clone")
            try GitCLI.check(["clone", "-q", "--branch", branch, place, clone], in: directory.path)
            let tests = try ProcessRunner.run("/bin/sh", ["test.sh"], in: clone, environment: GitCLI.environment())
            #expect(tests.status == 0 && !tests.stdout.contains("not ok"))
            let author = try GitCLI.check(["log", "-1", "--format=%an <%ae>|%cn <%ce>|%(trailers:key=Codex-Bot-Task,valueonly)"], in: clone)
            #expect(author.hasPrefix("codex-bot <codex-bot@users.noreply.github.com>|codex-bot <codex-bot@users.noreply.github.com>|fix failing tests"))

            // The local forge recorded one pull request for the branch.
            let forge = ForgeConnection.localForge(for: try Repository.open(at: place))
            let pr = try #require(try await forge.findOpenPullRequest(head: branch))
            #expect(pr.base == "main" && pr.body.contains("| after | 3 | 0 |"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: place + "/.git/codex-bot/runs").count == 1)
        }
    }

    @Test("a worktree left by a killed run is removed at the next start; the user's own worktrees stay")
    func staleWorktreeIsCleaned() async throws {
        try await withTemporaryDirectory("demo-stale") { directory in
            let place = directory.appending("sample")
            try Demo.makeRepository(at: place)
            let stale = directory.appending("stale")
            try GitCLI.check(["worktree", "add", "-q", "-b", "codex-bot/run-20260101-000000-2147483646-beef", stale], in: place)
            try GitCLI.check(["worktree", "lock", "--reason", "codex-bot pid 2147483646", stale], in: place)
            let mine = directory.appending("mine")
            try GitCLI.check(["worktree", "add", "-q", "-b", "feature", mine], in: place)
            let logs = LogLines()
            let result = try await Demo.run(directory: place, environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home],
                                            log: { logs.append($0) })
            #expect(result.status == .green, "\(result.message)")
            #expect(!FileManager.default.fileExists(atPath: stale) && FileManager.default.fileExists(atPath: mine))
            let list = try GitCLI.check(["worktree", "list"], in: place)
            #expect(list.split(separator: "\n").count == 2 && list.contains("mine"))
            #expect(logs.lines.contains { $0.contains("removed the worktrees and work branches of runs that were killed") })
            // The killed run's work branch went with its worktree; the user's branch stays.
            let branches = try GitCLI.check(["branch", "--list"], in: place)
            #expect(!branches.contains("run-") && branches.contains("feature"))
        }
    }

    @Test("a second run on the same failures updates the same branch and PR, and a branch someone else committed to is refused")
    func secondRunAndForeignBranch() async throws {
        try await withTemporaryDirectory("demo-twice") { directory in
            let place = directory.appending("sample")
            try Demo.makeRepository(at: place)
            let environment = ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home]
            let first = try await Demo.run(directory: place, environment: environment, log: { _ in })
            let second = try await Demo.run(directory: place, environment: environment, log: { _ in })
            #expect(first.status == .green && second.status == .green, "\(second.message)")
            #expect(first.branch == second.branch && first.pullRequest == second.pullRequest)
            let forge = ForgeConnection.localForge(for: try Repository.open(at: place))
            #expect(try await forge.findOpenPullRequest(head: try #require(first.branch))?.number == 1)

            // Someone commits on the bot's branch: the next run must not overwrite it.
            let branch = try #require(first.branch)
            try GitCLI.check(["checkout", "-q", branch], in: place)
            try "# reviewed\n".write(toFile: place + "/NOTES.md", atomically: true, encoding: .utf8)
            try GitCLI.check(["add", "NOTES.md"], in: place)
            try GitCLI.check(["commit", "-q", "-m", "Review notes"], in: place)
            let theirs = try GitCLI.check(["rev-parse", "HEAD"], in: place)
            try GitCLI.check(["checkout", "-q", "main"], in: place)
            let third = try await Demo.run(directory: place, environment: environment, log: { _ in })
            #expect(third.status == .refused && third.exitCode == 3, "\(third.message)")
            #expect(third.message.contains("never overwrites"))
            #expect(try GitCLI.check(["rev-parse", branch], in: place) == theirs)
        }
    }
}
