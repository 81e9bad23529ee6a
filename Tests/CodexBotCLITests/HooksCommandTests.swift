import Foundation
import Testing
@testable import CodexBotCLI
import CodexBotTestSupport
import Yams

/// `codex-bot hooks install` on real repositories, the hook script itself, and the CI templates.
@Suite("codex-bot hooks and the integration files")
struct HooksCommandTests {
    /// The checkout holding this file: Tests/CodexBotCLITests/ is two levels down.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
    }

    static func isExecutable(_ path: String) throws -> Bool {
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        return (mode ?? 0) & 0o111 == 0o111
    }

    // MARK: hooks install

    @Test func installsIntoTheCommonGitDirectory() async throws {
        try await withTemporaryDirectory("cli-hooks-install") { dir in
            let repo = dir.appending("repo")
            try GitCLI.makeRepository(at: repo)
            let output = try CodexBotBinary.run(["hooks", "install"], in: repo)
            #expect(output.status == 0, "\(output.stderr)")
            let hook = repo + "/.git/hooks/pre-push"
            #expect(output.stdout.contains("Installed codex-bot's pre-push hook at \(hook)."))
            #expect(try Self.read(hook) == HookScripts.prePush)
            #expect(try Self.isExecutable(hook))

            let again = try CodexBotBinary.run(["hooks", "install"], in: repo)
            #expect(again.status == 0)
            #expect(again.stdout.contains("already codex-bot's"))
        }
    }

    @Test func installsIntoCoreHooksPath() async throws {
        try await withTemporaryDirectory("cli-hooks-path") { dir in
            let repo = dir.appending("repo")
            try GitCLI.makeRepository(at: repo)
            try GitCLI.check(["config", "core.hooksPath", "tools/githooks"], in: repo)
            try FileManager.default.createDirectory(atPath: repo + "/sub", withIntermediateDirectories: true)
            // From a subdirectory: a relative hooksPath is relative to the work tree's top, as git reads it.
            let output = try CodexBotBinary.run(["hooks", "install"], in: repo + "/sub")
            #expect(output.status == 0, "\(output.stderr)")
            let hook = repo + "/tools/githooks/pre-push"
            #expect(try Self.read(hook) == HookScripts.prePush)
            #expect(try Self.isExecutable(hook))
            #expect(!FileManager.default.fileExists(atPath: repo + "/.git/hooks/pre-push"))
            // git itself finds it there.
            let gitSees = try GitCLI.check(["rev-parse", "--git-path", "hooks/pre-push"], in: repo)
            #expect(URL(fileURLWithPath: gitSees, relativeTo: URL(fileURLWithPath: repo + "/")).standardizedFileURL.path == hook)
        }
    }

    @Test func refusesToOverwriteADifferentHookAndForceKeepsABackup() async throws {
        try await withTemporaryDirectory("cli-hooks-force") { dir in
            let repo = dir.appending("repo")
            try GitCLI.makeRepository(at: repo)
            let hook = repo + "/.git/hooks/pre-push"
            let mine = "#!/bin/sh\necho mine\n"
            try Data(mine.utf8).write(to: URL(fileURLWithPath: hook))

            let refused = try CodexBotBinary.run(["hooks", "install"], in: repo)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("already holds a different pre-push hook"))
            #expect(refused.stderr.contains("--force"))
            #expect(try Self.read(hook) == mine)

            let forced = try CodexBotBinary.run(["hooks", "install", "--force"], in: repo)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(forced.stdout.contains("moved to \(hook).backup"))
            #expect(try Self.read(hook + ".backup") == mine)
            #expect(try Self.read(hook) == HookScripts.prePush)
            #expect(try Self.isExecutable(hook))

            // A second forced install over another hook keeps the first backup.
            try Data("#!/bin/sh\necho other\n".utf8).write(to: URL(fileURLWithPath: hook))
            let second = try CodexBotBinary.run(["hooks", "install", "--force"], in: repo)
            #expect(second.status == 0)
            #expect(try Self.read(hook + ".backup") == mine)
            #expect(try Self.read(hook + ".backup.2") == "#!/bin/sh\necho other\n")
        }
    }

    @Test func outsideARepositoryExitsTwo() async throws {
        try await withTemporaryDirectory("cli-hooks-norepo") { dir in
            let output = try CodexBotBinary.run(["hooks", "install"], in: dir.path)
            #expect(output.status == 2)
            #expect(output.stderr.contains("is not inside a git repository"))
            #expect(output.stdout.isEmpty)
        }
    }

    // MARK: The hook script

    @Test func scriptOnDiskIsTheOneInTheBinary() throws {
        let onDisk = try Self.read(Self.packageRoot.appendingPathComponent("hooks/pre-push").path)
        #expect(onDisk == HookScripts.prePush, "hooks/pre-push and HookScripts.prePush differ: edit both")
        #expect(try Self.isExecutable(Self.packageRoot.appendingPathComponent("hooks/pre-push").path))
    }

    @Test func scriptIsValidPOSIXShell() throws {
        let path = Self.packageRoot.appendingPathComponent("hooks/pre-push").path
        for shell in ["/bin/sh", "/bin/dash"] where FileManager.default.isExecutableFile(atPath: shell) {
            let output = try ProcessRunner.run(shell, ["-n", path], in: NSTemporaryDirectory(), environment: [:])
            #expect(output.status == 0, "\(shell) -n: \(output.stderr)")
        }
    }

    /// Runs the installed hook as git would, with `extra` in its environment.
    static func runHook(in repo: String, _ extra: [String: String]) throws -> ProcessRunner.Output {
        try ProcessRunner.run("/bin/sh", [repo + "/.git/hooks/pre-push", "origin", "file:///nowhere"], in: repo,
                              environment: GitCLI.environment(extra))
    }

    @Test func hookPassesGreenTestsSkipsOnRequestAndStopsARedPush() async throws {
        try await withTemporaryDirectory("cli-hooks-run") { dir in
            let repo = dir.appending("repo")
            try GitCLI.makeRepository(at: repo)
            #expect(try CodexBotBinary.run(["hooks", "install"], in: repo).status == 0)

            let green = try Self.runHook(in: repo, ["CODEX_BOT_TEST_CMD": "echo all good"])
            #expect(green.status == 0, "\(green.stderr)")
            #expect(green.stderr.contains("tests pass"))

            let skipped = try Self.runHook(in: repo, ["CODEX_BOT_SKIP": "1", "CODEX_BOT_TEST_CMD": "false"])
            #expect(skipped.status == 0)
            #expect(skipped.stderr.contains("CODEX_BOT_SKIP=1"))

            // Red tests: codex-bot is asked for a fix (no model is configured here, so none is made), the push stops.
            // codex-bot runs the tests three times before it finds no model: wait on a thread of its own.
            let red = try await offPool {
                try Self.runHook(in: repo, ["CODEX_BOT_TEST_CMD": "echo FAIL: test_x; exit 3", "CODEX_BOT": CodexBotBinary.path])
            }
            #expect(red.status == 1)
            #expect(red.stderr.contains("the tests failed (exit 3); the push is stopped"))
            #expect(red.stderr.contains("no fix was made"))
            #expect(try Self.read(repo + "/.git/codex-bot/pre-push-tests.log").contains("FAIL: test_x"))
            #expect(try GitCLI.check(["status", "--porcelain"], in: repo).isEmpty, "the working copy was touched")

            // The same script run from the binary, as the pre-commit framework starts it.
            let viaBinary = try ProcessRunner.run(CodexBotBinary.path, ["hooks", "run-pre-push", "origin", "x"], in: repo,
                                                  environment: GitCLI.environment(["CODEX_BOT_TEST_CMD": "echo ok"]))
            #expect(viaBinary.status == 0, "\(viaBinary.stderr)")
            #expect(viaBinary.stderr.contains("tests pass"))

            // The test command from git config, and a missing codex-bot.
            try GitCLI.check(["config", "codex-bot.testCmd", "exit 1"], in: repo)
            let missing = try Self.runHook(in: repo, ["CODEX_BOT": "/nonexistent/codex-bot"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("is not on PATH"))
        }
    }

    // MARK: CI templates

    static func ciFiles() throws -> [URL] {
        let ci = packageRoot.appendingPathComponent("ci")
        let enumerator = FileManager.default.enumerator(at: ci, includingPropertiesForKeys: nil)
        let files = (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "yml" || $0.pathExtension == "yaml" }
        return files.sorted { $0.path < $1.path }
    }

    @Test func everyCITemplateIsYAMLAndGitHubWorkflowsHaveLeastPrivilege() throws {
        let files = try Self.ciFiles()
        let names = Set(files.map { $0.path.replacingOccurrences(of: Self.packageRoot.path + "/", with: "") })
        #expect(names == ["ci/github/fix-failing-tests.yml", "ci/github/on-workflow-failure.yml", "ci/github/issue-to-pr.yml",
                          "ci/gitea/codex-bot.yml", "ci/gitlab/codex-bot.gitlab-ci.yml"])
        for file in files {
            let text = try Self.read(file.path)
            let document = try Yams.load(yaml: text) as? [String: Any]
            #expect(document != nil, "\(file.path) is not a YAML mapping")
            #expect(!text.contains("write-all"), "\(file.path) grants write-all")
            guard file.path.contains("/ci/github/"), let document else { continue }
            #expect(document["permissions"] != nil, "\(file.path) has no top-level permissions")
            #expect(document["on"] != nil, "\(file.path) has no trigger")
            let jobs = document["jobs"] as? [String: Any] ?? [:]
            #expect(!jobs.isEmpty)
            for (name, job) in jobs {
                let permissions = (job as? [String: Any])?["permissions"] as? [String: String]
                #expect(permissions != nil, "\(file.path): job \(name) does not list its permissions")
                for (scope, level) in permissions ?? [:] {
                    #expect(["read", "write", "none"].contains(level), "\(file.path): \(scope): \(level)")
                }
            }
        }
    }

    @Test func workflowFailureTemplateRunsOnlyOnFailure() throws {
        let text = try Self.read(Self.packageRoot.appendingPathComponent("ci/github/on-workflow-failure.yml").path)
        let loaded = try Yams.load(yaml: text)
        let document = try #require(loaded as? [String: Any])
        let on = try #require(document["on"] as? [String: Any])
        let run = try #require(on["workflow_run"] as? [String: Any])
        #expect(run["types"] as? [String] == ["completed"])
        #expect(text.contains("github.event.workflow_run.conclusion == 'failure'"))
    }

    @Test func preCommitManifestMatchesTheCommand() throws {
        let text = try Self.read(Self.packageRoot.appendingPathComponent(".pre-commit-hooks.yaml").path)
        let loaded = try Yams.load(yaml: text)
        let hooks = try #require(loaded as? [[String: Any]])
        let hook = try #require(hooks.first)
        #expect(hook["id"] as? String == "codex-bot")
        #expect(hook["stages"] as? [String] == ["pre-push"])
        #expect(hook["language"] as? String == "system")
        #expect(hook["entry"] as? String == "codex-bot hooks run-pre-push")
        let help = try CodexBotBinary.run(["hooks", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("\n  run-pre-push "))
    }
}
