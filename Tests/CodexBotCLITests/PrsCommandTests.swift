import Foundation
import Testing
@testable import CodexBotCLI
import ForgeKit
import CodexBotTestSupport

/// `codex-bot prs` on real repositories made with git, records written through LocalForge,
/// listed by the built binary.
@Suite("codex-bot prs")
struct PrsCommandTests {
    /// A repository with one commit, and the local forge of it, records in `<repo>/.git/codex-bot`
    /// (the path is spelled out here, not asked of GitKit, so the test checks where the command looks).
    static func repositoryWithForge(_ dir: TemporaryDirectory) throws -> (repo: String, forge: LocalForge) {
        let repo = dir.appending("repo")
        try GitCLI.makeRepository(at: repo)
        let facts = RepositoryFacts(path: RepositoryPath(owner: "local", name: "repository"), defaultBranch: "main",
                                    cloneURL: "file://\(repo)", webURL: "file://\(repo)", canPush: true)
        let forge = LocalForge(recordsDirectory: URL(fileURLWithPath: repo + "/.git/codex-bot"), facts: facts, user: "ada",
                               now: { Date(timeIntervalSince1970: 1_795_000_000) })
        return (repo, forge)
    }

    struct Row: Decodable, Equatable {
        var number: Int
        var state: String
        var draft: Bool
        var title: String
        var head: String
        var base: String
        var labels: [String]
        var path: String
        var created: String
        var body: String?
    }

    static func rows(_ stdout: String) throws -> [Row] {
        let last = try #require(stdout.split(separator: "\n").last)
        return try JSONDecoder().decode([Row].self, from: Data(last.utf8))
    }

    @Test func listsTheOpenRecordsWithTheirFiles() async throws {
        try await withTemporaryDirectory("cli-prs-list") { dir in
            let (repo, forge) = try Self.repositoryWithForge(dir)
            _ = try await forge.createPullRequest(PullRequestDraft(title: "First", body: "", head: "codex-bot/a", base: "main"))
            _ = try await forge.closePullRequest(1)
            _ = try await forge.createPullRequest(PullRequestDraft(title: "Second\nline", body: "b", head: "codex-bot/b",
                                                                   base: "main", isDraft: true))
            _ = try await forge.createPullRequest(PullRequestDraft(title: "Third", body: "", head: "codex-bot/c", base: "dev"))

            let output = try CodexBotBinary.run(["prs"], in: repo)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stderr.isEmpty)
            #expect(output.stdout == """
            #2  draft  codex-bot/b → main  Second\\nline
                \(repo)/.git/codex-bot/pulls/2.md
            #3  open   codex-bot/c → dev  Third
                \(repo)/.git/codex-bot/pulls/3.md

            """)

            let closed = try CodexBotBinary.run(["prs", "--state", "closed"], in: repo)
            #expect(closed.status == 0)
            #expect(closed.stdout == "#1  closed  codex-bot/a → main  First\n    \(repo)/.git/codex-bot/pulls/1.md\n")

            let json = try CodexBotBinary.run(["prs", "list", "--state", "all", "--json"], in: repo)
            #expect(json.status == 0, "\(json.stderr)")
            let rows = try Self.rows(json.stdout)
            #expect(rows.map(\.number) == [1, 2, 3])
            #expect(rows.map(\.state) == ["closed", "open", "open"])
            #expect(rows[1] == Row(number: 2, state: "open", draft: true, title: "Second\nline", head: "codex-bot/b",
                                   base: "main", labels: [], path: "\(repo)/.git/codex-bot/pulls/2.md",
                                   created: "2026-11-18T11:06:40Z", body: nil))
        }
    }

    @Test func showPrintsOneRecord() async throws {
        try await withTemporaryDirectory("cli-prs-show") { dir in
            let (repo, forge) = try Self.repositoryWithForge(dir)
            _ = try await forge.createPullRequest(PullRequestDraft(title: "Fix it", body: "Fixes #4\n", head: "codex-bot/4",
                                                                   base: "main", labels: ["codex-bot"]))
            let output = try CodexBotBinary.run(["prs", "show", "1"], in: repo)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout == (try String(contentsOf: forge.pullRequestFile(1), encoding: .utf8)))

            let json = try CodexBotBinary.run(["prs", "show", "1", "--json"], in: repo)
            let row = try JSONDecoder().decode(Row.self, from: Data(json.stdout.utf8))
            #expect(row.body == "Fixes #4\n" && row.labels == ["codex-bot"])

            let missing = try CodexBotBinary.run(["prs", "show", "9"], in: repo)
            #expect(missing.status == 2)
            #expect(missing.stdout.isEmpty)
            #expect(missing.stderr.contains("there is no pull request #9: \(repo)/.git/codex-bot/pulls/9.md does not exist"))
        }
    }

    @Test func aLinkedWorktreeSeesTheRecordsOfTheCommonDirectory() async throws {
        try await withTemporaryDirectory("cli-prs-worktree") { dir in
            let (repo, forge) = try Self.repositoryWithForge(dir)
            let worktree = dir.appending("wt")
            try GitCLI.check(["worktree", "add", "-q", "-b", "feature", worktree], in: repo)
            _ = try await forge.createPullRequest(PullRequestDraft(title: "From main", body: "", head: "codex-bot/m", base: "main"))

            // The command, started inside the worktree (and in a subfolder of it), finds the same records.
            try FileManager.default.createDirectory(atPath: worktree + "/sub", withIntermediateDirectories: true)
            for place in [worktree, worktree + "/sub"] {
                let output = try CodexBotBinary.run(["prs", "--json"], in: place)
                #expect(output.status == 0, "\(output.stderr)")
                #expect(try Self.rows(output.stdout).map(\.path) == ["\(repo)/.git/codex-bot/pulls/1.md"])
            }

            // A forge made for the worktree writes where the main checkout reads.
            let fromWorktree = try Prs.localForge(try Prs.Location.parse(["--directory", worktree]), command: "prs")
            #expect(fromWorktree.recordsDirectory.path == forge.recordsDirectory.path)
            _ = try await fromWorktree.createPullRequest(PullRequestDraft(title: "From wt", body: "", head: "feature", base: "main"))
            let output = try CodexBotBinary.run(["prs", "--json", "--directory", worktree], in: dir.path)
            #expect(try Self.rows(output.stdout).map(\.title) == ["From main", "From wt"])
            #expect(!FileManager.default.fileExists(atPath: "\(repo)/.git/worktrees/wt/codex-bot"))
        }
    }

    @Test func aRepositoryWithoutRecordsSaysWhereItLooked() async throws {
        try await withTemporaryDirectory("cli-prs-empty") { dir in
            let (repo, _) = try Self.repositoryWithForge(dir)
            let output = try CodexBotBinary.run(["prs"], in: repo)
            #expect(output.status == 0)
            #expect(output.stdout == "No open pull requests in \(repo)/.git/codex-bot/pulls.\n")
            let json = try CodexBotBinary.run(["prs", "--json", "--state", "all"], in: repo)
            #expect(json.stdout == "[]\n")
        }
    }

    @Test func aDamagedRecordIsNamedTheOthersStillListAndTheExitIs2() async throws {
        try await withTemporaryDirectory("cli-prs-damaged") { dir in
            let (repo, forge) = try Self.repositoryWithForge(dir)
            _ = try await forge.createPullRequest(PullRequestDraft(title: "Good", body: "", head: "codex-bot/g", base: "main"))
            let damaged = forge.pullRequestFile(2)
            try Data("---\nnumber: 2\ntitle: \"cut here".utf8).write(to: damaged)
            let output = try CodexBotBinary.run(["prs", "--json"], in: repo)
            #expect(output.status == 2)
            #expect(try Self.rows(output.stdout).map(\.number) == [1])
            #expect(output.stderr.hasPrefix("codex-bot prs: local forge: read pull request #2 failed: \(damaged.path): "))
            #expect(output.stderr.contains("has no closing '---' line"))
        }
    }

    @Test func outsideARepositoryOrWithBadFlagsItExits2() async throws {
        try await withTemporaryDirectory("cli-prs-no-repo") { dir in
            let output = try CodexBotBinary.run(["prs"], in: dir.path)
            #expect(output.status == 2)
            #expect(output.stdout.isEmpty)
            #expect(output.stderr == "codex-bot prs: '\(dir.path)' is not inside a git repository. "
                    + "Run it inside a git checkout, or pass --directory PATH\n")

            let nowhere = try CodexBotBinary.run(["prs", "--directory", dir.appending("missing")], in: dir.path)
            #expect(nowhere.status == 2)
            #expect(nowhere.stderr.contains("does not exist. Pass an existing directory with --directory"))

            let badState = try CodexBotBinary.run(["prs", "--state", "merged"], in: dir.path)
            #expect(badState.status == 2)
            #expect(badState.stderr.contains("--state must be open, closed or all, not 'merged'"))
            let badNumber = try CodexBotBinary.run(["prs", "show", "0"], in: dir.path)
            #expect(badNumber.status == 2)
            #expect(badNumber.stderr.contains("the pull request number must be positive"))
        }
    }

    @Test func helpListsPrs() throws {
        let output = try CodexBotBinary.run(["--help"])
        #expect(output.stdout.contains("\n  prs "))
        let help = try CodexBotBinary.run(["prs", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains(".git/codex-bot/pulls/N.md"))
    }
}
