import CodexBotTestSupport
import Foundation
import Glibc
import Testing

/// A forge on loopback for the task commands, as a CI job meets it: the sample project with its
/// bug in a bare repository behind a git smart-HTTP server (Basic auth with the forge token), a
/// fake GitHub whose clone URL is that server, and a checkout as actions/checkout leaves it.
private final class TaskRig: @unchecked Sendable {  // set up once, then only read
    let forge: SampleForge

    static let token = "ghp_CliCanaryToken0123456789abcdefghijklm"
    static let modelKey = "sk-cli-canary-model-key-0123456789abcd"

    init(name: String) throws {
        forge = try SampleForge(.python(), name: name, token: Self.token)
    }

    /// The rig, set up on a thread of its own (it spawns git a dozen times).
    static func start(name: String) async throws -> TaskRig {
        try await offPool { try TaskRig(name: name) }
    }

    var directory: TemporaryDirectory { forge.directory }
    var sample: SampleProject { forge.sample }
    var bare: String { forge.bare }
    var git: GitHTTPServer { forge.git }
    var github: FakeGitHubServer { forge.github }
    var checkout: String { forge.checkout }
    var pushes: Int { forge.pushes }

    func stop() { forge.stop() }

    /// The step's environment: the forge and model variables CI sets, and the two files GitHub
    /// Actions hands every step (made empty, as the runner makes them).
    func environment(model: ScriptedModelServer, _ extra: [String: String] = [:]) throws -> [String: String] {
        for file in [outputFile, summaryFile] where !FileManager.default.fileExists(atPath: file) {
            try Data().write(to: URL(fileURLWithPath: file))
        }
        var environment = GitCLI.environment([
            "GITHUB_TOKEN": Self.token, "GITHUB_API_URL": github.apiURL.absoluteString, "GITHUB_REPOSITORY": github.repository,
            "OPENAI_API_KEY": Self.modelKey, "OPENAI_BASE_URL": model.baseURL, "CODEX_BOT_MODEL": "test-model",
            "GITHUB_OUTPUT": outputFile, "GITHUB_STEP_SUMMARY": summaryFile,
        ])
        environment.merge(extra) { $1 }
        return environment
    }

    var outputFile: String { directory.appending("github_output") }
    var summaryFile: String { directory.appending("step_summary.md") }

    /// Runs the built binary in the checkout, to the end.
    func codexBot(_ arguments: [String], environment: [String: String]) async throws -> ProcessRunner.Output {
        let checkout = checkout
        return try await offPool { try ProcessRunner.run(CodexBotBinary.path, arguments, in: checkout, environment: environment) }
    }


    /// The bot's comments on issue `number`.
    func botComments(onIssue number: Int) -> [FakeGitHubComment] {
        github.comments(onIssue: number).filter { $0.author == "codex-bot-user" }
    }
}

/// The `--json` object on the last line of `stdout`.
private func resultObject(_ stdout: String) throws -> [String: Any] {
    let line = try #require(stdout.split(separator: "\n").last, "no output on stdout")
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: Any], "the last line is not a JSON object: \(line)")
}

/// An apply_patch call with `patch` as its input.
private func patchCall(_ patch: String) throws -> ScriptedToolCall {
    let arguments = try JSONSerialization.data(withJSONObject: ["input": patch])
    return ScriptedToolCall(name: "apply_patch", arguments: String(decoding: arguments, as: UTF8.self))
}

/// The task commands (`run`, `issue N`, `fix-tests` through the pre-push hook) as a CI step or a
/// git hook runs them: the built binary, against a git server, a fake GitHub and a scripted
/// model on loopback, with real pytest.
@Suite("codex-bot task commands end to end", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
struct TaskCommandTests {
    // MARK: The pre-push hook

    @Test("pre-push hook: red tests stop the push, a fix lands on a local branch, the working copy is untouched")
    func prePushHookFixesOnABranchOfItsOwn() async throws {
        try await withTemporaryDirectory("cli-task-hook") { dir in
            let sample = SampleProject.python()
            let repo = dir.appending("repo")
            try sample.makeRepository(at: repo, configFile: true)
            let remote = dir.appending("remote.git")
            try GitCLI.check(["clone", "-q", "--bare", repo, remote], in: dir.path)
            try GitCLI.check(["remote", "add", "origin", remote], in: repo)
            let install = try CodexBotBinary.run(["hooks", "install"], in: repo)
            #expect(install.status == 0, "\(install.stderr)")
            let headBefore = try GitCLI.check(["rev-parse", "HEAD"], in: repo)

            let script = [ScriptedTurn(toolCalls: [try patchCall(sample.fixPatch)]),
                          ScriptedTurn(text: "clamp had its bounds swapped; fixed.")]
            // The hook passes no --provider: OPENAI_* in the environment means the Responses API.
            let model = try ScriptedModelServer(format: .responses, script: script, apiKey: TaskRig.modelKey)
            defer { model.stop() }
            let hookEnvironment = [
                "CODEX_BOT": CodexBotBinary.path, "CODEX_BOT_TEST_CMD": sample.testCommand,
                "OPENAI_BASE_URL": model.baseURL, "OPENAI_API_KEY": TaskRig.modelKey, "CODEX_BOT_MODEL": "test-model",
            ]
            let hook = try await offPool { [repo] in try HooksCommandTests.runHook(in: repo, hookEnvironment) }

            // The push is stopped, and the hook says where the fix is and how to review it.
            #expect(hook.status == 1, "\(hook.stderr)")
            #expect(hook.stderr.contains("the push is stopped"))
            #expect(hook.stderr.contains("(codex-bot exit 0)"), "\(hook.stderr)")
            #expect(hook.stderr.contains("codex-bot prs"))
            let branch = try #require(hook.stderr.firstMatch(of: #/a fix is on branch (codex-bot/fix-main-\S+) /#).map { String($0.1) },
                                      "no branch named: \(hook.stderr)")
            #expect(hook.stderr.contains("git diff main...\(branch)"))
            let json = try resultObject(try String(contentsOfFile: repo + "/.git/codex-bot/pre-push-fix.json", encoding: .utf8))
            #expect(json["status"] as? String == "green" && json["branch"] as? String == branch)

            // The branch is local, the commit is the bot's, and its tests pass (checked out with the git CLI).
            #expect(try GitCLI.check(["log", "-1", "--format=%an", "refs/heads/\(branch)"], in: repo) == "codex-bot")
            #expect(try GitCLI.check(["rev-parse", "\(branch)~1"], in: repo) == headBefore)
            let review = dir.appending("review")
            try GitCLI.check(["clone", "-q", "--branch", branch, repo, review], in: dir.path)
            let testCommand = sample.testCommand
            let tests = try await offPool { try ProcessRunner.run("/bin/sh", ["-c", testCommand], in: review, environment: GitCLI.environment()) }
            #expect(tests.status == 0, "the fix branch is not green: \(tests.stdout.suffix(1500))")

            // The user's working copy: as it was, on main, with no worktree left behind.
            #expect(try GitCLI.check(["status", "--porcelain"], in: repo).isEmpty, "the working copy was touched")
            #expect(try GitCLI.check(["rev-parse", "HEAD"], in: repo) == headBefore)
            #expect(try GitCLI.check(["symbolic-ref", "--short", "HEAD"], in: repo) == "main")
            #expect(try GitCLI.check(["worktree", "list"], in: repo).split(separator: "\n").count == 1)
            // Nothing went to the remote: the local forge keeps the branch here.
            #expect(try GitCLI.check(["for-each-ref", "--format=%(refname)", "refs/heads"], in: remote) == "refs/heads/main")

            // The pull request record, as `codex-bot prs` lists it.
            let prs = try CodexBotBinary.run(["prs"], in: repo)
            #expect(prs.status == 0, "\(prs.stderr)")
            #expect(prs.stdout.contains("#1") && prs.stdout.contains("\(branch) → main"), "\(prs.stdout)")
            #expect(prs.stdout.contains(".git/codex-bot/pulls/1.md"))
            #expect(model.requests.count == 2 && model.unexpectedRequests.isEmpty && model.refusals.isEmpty)
        }
    }

    // MARK: issue N

    @Test("issue N --json in GitHub Actions: exit 0, the JSON line, GITHUB_OUTPUT and the step summary")
    func issueToPullRequestWithActionsOutputs() async throws {
        let rig = try await TaskRig.start(name: "cli-task-issue")
        defer { rig.stop() }
        let number = rig.github.addIssue(title: "clamp returns the wrong bound", body: "clamp(5, 0, 3) should be 3.", author: "alice")
        let script = [ScriptedTurn(toolCalls: [try patchCall(rig.sample.fixPatch)]), ScriptedTurn(text: "Swapped clamp's bounds back.")]
        let model = try ScriptedModelServer(format: .chat, script: script, apiKey: TaskRig.modelKey)
        defer { model.stop() }
        let output = try await rig.codexBot(["issue", "\(number)", "--json", "--provider", "openai-chat"],
                                      environment: try rig.environment(model: model))

        #expect(output.status == 0, "\(output.stderr)")
        let pull = try #require(rig.github.pullRequests.first, "no pull request: \(output.stderr)")
        #expect(rig.github.pullRequests.count == 1 && pull.head == "codex-bot/issue-\(number)" && pull.body.contains("Fixes #\(number)"))
        let prURL = try #require(output.stderr.firstMatch(of: #/pull request \#\d+: (\S+)/#).map { String($0.1) })

        let json = try resultObject(output.stdout)
        #expect(json["status"] as? String == "green")
        #expect(json["branch"] as? String == "codex-bot/issue-\(number)")
        let pr = try #require(json["pr"] as? [String: Any])
        #expect((pr["number"] as? NSNumber)?.intValue == pull.number && pr["url"] as? String == prURL)
        #expect(json["error"] is NSNull)

        let outputs = try String(contentsOfFile: rig.outputFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(outputs.contains("status=green"))
        #expect(outputs.contains("pr-number=\(pull.number)"))
        #expect(outputs.contains("pr-url=\(prURL)"))
        #expect(outputs.contains("branch=codex-bot/issue-\(number)"))

        let summary = try String(contentsOfFile: rig.summaryFile, encoding: .utf8)
        #expect(summary.hasPrefix("### codex-bot: green\n"))
        #expect(summary.contains("[#\(pull.number)](\(prURL))"))
        #expect(summary.contains("| after | 6 | 0 |"), "\(summary)")

        // One comment of the bot's on the issue, edited to the result; the pushed branch is green.
        let mine = rig.botComments(onIssue: number)
        #expect(mine.count == 1 && mine.first?.body.contains("made the tests pass") == true)
        let review = rig.directory.appending("review")
        try GitCLI.check(["clone", "-q", "--branch", "codex-bot/issue-\(number)", rig.bare, review], in: rig.directory.path)
        let testCommand = rig.sample.testCommand
        let tests = try await offPool { try ProcessRunner.run("/bin/sh", ["-c", testCommand], in: review, environment: GitCLI.environment()) }
        #expect(tests.status == 0, "the pushed branch is not green: \(tests.stdout.suffix(1500))")
        #expect(try GitCLI.check(["worktree", "list"], in: rig.checkout).split(separator: "\n").count == 1)
        #expect(!(output.stdout + output.stderr).contains(TaskRig.token) && !(output.stdout + output.stderr).contains(TaskRig.modelKey))
        #expect(rig.github.unexpectedRequests.isEmpty && model.unexpectedRequests.isEmpty && model.refusals.isEmpty)
    }

    @Test("SIGTERM while the model is answering: exit 1, not-green naming SIGTERM, the comment says so, nothing left or pushed")
    func sigtermCancelsTheRun() async throws {
        let rig = try await TaskRig.start(name: "cli-task-sigterm")
        defer { rig.stop() }
        let number = rig.github.addIssue(title: "clamp returns the wrong bound", author: "alice")
        let model = try ScriptedModelServer(format: .responses, script: [.fault(.silentStream(seconds: 300))], apiKey: TaskRig.modelKey)
        defer { model.stop() }
        let process = try SignalableProcess.start(CodexBotBinary.path, ["issue", "\(number)", "--json"], in: rig.checkout,
                                                  environment: try rig.environment(model: model), outputDirectory: rig.directory.path)
        defer { process.kill() }

        // The agent is at work: its first model request is in, and the answer has stalled.
        let asked = await waitUntil(timeout: .seconds(60)) { !model.requests.isEmpty || process.exitStatus() != nil }
        try #require(asked && process.exitStatus() == nil, "the model was never asked: \(process.stderr)")
        try await Task.sleep(for: .milliseconds(300))
        process.send(SIGTERM)
        let status = await process.wait(timeout: .seconds(60))
        try #require(status != nil, "codex-bot did not stop within 60 s of SIGTERM: \(process.stderr)")

        #expect(status == 1, "\(process.stderr)")
        #expect(process.stderr.contains("SIGTERM received"))
        let json = try resultObject(process.stdout)
        #expect(json["status"] as? String == "not-green")
        #expect((json["error"] as? String)?.contains("SIGTERM") == true, "\(json)")
        #expect(json["pr"] is NSNull && json["branch"] is NSNull)

        // The one comment of the bot's, edited from "working" to the result.
        let mine = rig.botComments(onIssue: number)
        #expect(mine.count == 1)
        #expect(mine.first?.body.contains("could not make the tests pass") == true, "\(mine)")
        #expect(mine.first?.body.contains("cancelled by SIGTERM") == true)
        #expect(mine.first?.body.contains("working on this") == false)

        // No worktree, no branch of the bot's left in the checkout; nothing pushed or opened.
        #expect(try GitCLI.check(["worktree", "list"], in: rig.checkout).split(separator: "\n").count == 1)
        #expect(try GitCLI.check(["branch", "--list", "codex-bot/*"], in: rig.checkout).isEmpty)
        #expect(rig.pushes == 0 && rig.github.pullRequests.isEmpty)
        #expect(model.requests.count == 1)
    }

    // MARK: run

    @Test("run on an issue_comment from a reader: exit 3 refused, no model call, no push, nothing written")
    func runRefusesAnUntrustedCommenter() async throws {
        let rig = try await TaskRig.start(name: "cli-task-run-refused")
        defer { rig.stop() }
        let number = rig.github.addIssue(title: "clamp is broken", body: "clamp(5, 0, 3) is 0", author: "alice")
        rig.github.setRole("read", for: "mallory")
        let model = try ScriptedModelServer(format: .responses, script: [ScriptedTurn(text: "should never be asked")],
                                            apiKey: TaskRig.modelKey)
        defer { model.stop() }
        let now = ISO8601DateFormatter().string(from: Date())
        let payload: [String: Any] = [
            "action": "created",
            "issue": ["number": number, "title": "clamp is broken", "body": "clamp(5, 0, 3) is 0", "labels": [] as [Any],
                      "user": ["login": "alice", "type": "User"], "state": "open"],
            "comment": ["id": 4242, "body": "@codex-bot fix this", "user": ["login": "mallory", "type": "User"],
                        "created_at": now, "updated_at": now],
            "sender": ["login": "mallory", "type": "User"],
            "repository": ["full_name": rig.github.repository],
        ]
        let event = rig.directory.appending("event.json")
        try JSONSerialization.data(withJSONObject: payload).write(to: URL(fileURLWithPath: event))
        let output = try await rig.codexBot(["run", "--json"], environment: try rig.environment(model: model, [
            "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": event,
        ]))

        #expect(output.status == 3, "\(output.stderr)")
        let json = try resultObject(output.stdout)
        #expect(json["status"] as? String == "refused")
        #expect((json["error"] as? String)?.contains("mallory") == true, "\(json)")
        #expect(try String(contentsOfFile: rig.outputFile, encoding: .utf8).contains("status=refused"))
        #expect(model.requests.isEmpty)
        #expect(rig.pushes == 0)
        #expect(rig.github.writes.isEmpty, "\(rig.github.writes.map { "\($0.method) \($0.path)" })")
        #expect(rig.botComments(onIssue: number).isEmpty)
    }

    @Test("run with an event payload that is not JSON: exit 2 naming the file, nothing asked of anyone")
    func runWithABrokenPayloadExitsTwo() async throws {
        let rig = try await TaskRig.start(name: "cli-task-run-badjson")
        defer { rig.stop() }
        let model = try ScriptedModelServer(format: .responses, script: [], apiKey: TaskRig.modelKey)
        defer { model.stop() }
        let event = rig.directory.appending("event-broken.json")
        try Data("action=created; this is not JSON {".utf8).write(to: URL(fileURLWithPath: event))
        let output = try await rig.codexBot(["run", "--json"], environment: try rig.environment(model: model, [
            "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": event,
        ]))

        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains(event), "\(output.stderr)")
        let json = try resultObject(output.stdout)
        #expect(json["status"] as? String == "error")
        #expect((json["error"] as? String)?.contains(event) == true)
        #expect(model.requests.isEmpty && rig.github.requests.isEmpty && rig.git.requests.isEmpty)
    }
}
