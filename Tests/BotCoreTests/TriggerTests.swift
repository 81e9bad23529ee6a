import BotCore
import ForgeKit
import Foundation
import Testing

/// `<package root>/../shared/corpora`, the package root being three levels up from this file.
private let corpora: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/corpora").standardizedFileURL.path
private let githubHooks = corpora + "/webhooks/github/octokit-webhooks/api.github.com"
private let giteaHooks = corpora + "/webhooks/gitea/drone-go-scm/testdata/webhooks"
private let haveCorpus = FileManager.default.fileExists(atPath: githubHooks) && FileManager.default.fileExists(atPath: giteaHooks)

/// A forge where only who-is-who matters: permissions from a table, or a failure; every other
/// call throws `.unsupported`, so a decision that reaches further fails the test loudly.
private struct PermissionForge: Forge {
    var permissions: [String: Permission] = [:]
    var failure: ForgeError?
    var kind: ForgeKind { .github }
    var repositoryPath: RepositoryPath { RepositoryPath(owner: "Codertocat", name: "Hello-World") }

    func permission(of user: String) async throws -> Permission {
        if let failure { throw failure }
        return permissions[user] ?? .none
    }
    func viewerLogin() async throws -> String? { "codex-bot[bot]" }

    private func unsupported(_ operation: String) -> ForgeError {
        ForgeError(.unsupported, forge: .github, operation: operation, message: "not part of this test")
    }
    func repository() async throws -> RepositoryFacts { throw unsupported("repository") }
    func issue(_ number: Int) async throws -> ForgeKit.Issue { throw unsupported("issue") }
    func comments(onIssue number: Int) -> Pages<IssueComment> { Pages { _ in throw unsupported("comments") } }
    func createComment(onIssue number: Int, body: String) async throws -> IssueComment { throw unsupported("create comment") }
    func editComment(_ id: Int64, onIssue number: Int, body: String) async throws -> IssueComment { throw unsupported("edit comment") }
    func pullRequest(_ number: Int) async throws -> PullRequest { throw unsupported("read pull request") }
    func findOpenPullRequest(head branch: String) async throws -> PullRequest? { throw unsupported("find pull request") }
    func createPullRequest(_ draft: PullRequestDraft) async throws -> PullRequest { throw unsupported("create pull request") }
    func updatePullRequest(_ number: Int, to draft: PullRequestDraft) async throws -> PullRequest { throw unsupported("update pull request") }
    func setStatus(_ status: CommitStatus) async throws { throw unsupported("set status") }
    func failedJobs(inRun runID: Int64) async throws -> [CIJob] { throw unsupported("failed jobs") }
    func jobLog(_ job: CIJob, maxBytes: Int) async throws -> String { throw unsupported("job log") }
    func gitCredential() async throws -> GitCredential? { throw unsupported("git credential") }
}

private let writer = PermissionForge(permissions: ["Codertocat": .write, "unknwon": .admin])
private let rules = TriggerRules(botLogins: ["codex-bot[bot]", "codex-bot"])

/// The event GitHub Actions would hand codex-bot for a corpus payload file.
private func readCorpus(_ event: String, _ path: String, extra: [String: String] = [:]) throws -> TriggerEvent {
    var env = ["GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": path]
    env.merge(extra) { $1 }
    return try TriggerReader.fromEnvironment(env) { try Data(contentsOf: URL(fileURLWithPath: $0)) }
}

/// A corpus payload with some fields changed (`path.to.field` → value; NSNull removes), served from memory.
private func readEdited(_ event: String, _ file: String, _ edits: [String: Any]) throws -> TriggerEvent {
    let data = try Data(contentsOf: URL(fileURLWithPath: file))
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    for (path, value) in edits { object = setting(object, path.split(separator: ".").map(String.init), to: value) }
    let edited = try JSONSerialization.data(withJSONObject: object)
    return try readBytes(event, edited)
}

private func setting(_ object: [String: Any], _ path: [String], to value: Any) -> [String: Any] {
    var copy = object
    guard let key = path.first else { return copy }
    if path.count == 1 {
        copy[key] = value is NSNull ? nil : value
    } else {
        copy[key] = setting(copy[key] as? [String: Any] ?? [:], Array(path.dropFirst()), to: value)
    }
    return copy
}

private func readBytes(_ event: String, _ data: Data) throws -> TriggerEvent {
    try TriggerReader.fromEnvironment(["GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": "/ci/event.json"]) { path in
        guard path == "/ci/event.json" else { throw CocoaError(.fileNoSuchFile) }
        return data
    }
}

@Suite("Triggers from real webhook payloads (../shared/corpora)", .enabled(if: haveCorpus))
struct TriggerCorpusTests {
    @Test("issues opened: read, and run only when it carries the label")
    func issueOpened() async throws {
        let event = try readCorpus("issues", githubHooks + "/issues/opened.payload.json")
        guard case let .issue(issue, _, _) = event.kind else { Testing.Issue.record("not an issue event: \(event.kind)"); return }
        #expect(issue.number == 1 && issue.labels == ["bug"] && !issue.isPullRequest)
        #expect(event.action == "opened" && event.sender == TriggerEvent.Actor(login: "Codertocat"))
        #expect(event.repository == "Codertocat/Hello-World")
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer)
                == .ignore(reason: "issue #1 was opened without the label \"codex-bot\""))
        let bugRules = TriggerRules(label: "BUG", botLogins: rules.botLogins)
        #expect(await TriggerPolicy.decide(event, rules: bugRules, forge: writer)
                == .run(.issue(number: 1, commentID: nil, requestedBy: "Codertocat", instruction: nil)))
    }

    @Test("issues labeled: the right label runs, another label is ignored")
    func issueLabeled() async throws {
        let event = try readCorpus("issues", githubHooks + "/issues/labeled.payload.json")
        guard case let .issue(_, label, _) = event.kind else { Testing.Issue.record("not an issue event"); return }
        #expect(label == "bug")
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer)
                == .ignore(reason: "issue #1 was labeled \"bug\", not \"codex-bot\""))
        let labeled = try readEdited("issues", githubHooks + "/issues/labeled.payload.json", ["label.name": "codex-bot"])
        #expect(await TriggerPolicy.decide(labeled, rules: rules, forge: writer)
                == .run(.issue(number: 1, commentID: nil, requestedBy: "Codertocat", instruction: nil)))
        // The same trigger from someone with only read access is refused, not ignored.
        let reader = PermissionForge(permissions: ["Codertocat": .read])
        #expect(await TriggerPolicy.decide(labeled, rules: rules, forge: reader).exitCode == 3)
    }

    @Test("issues assigned: runs only when assigned to the bot")
    func issueAssigned() async throws {
        let event = try readCorpus("issues", githubHooks + "/issues/assigned.payload.json")
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer).exitCode == 0)
        guard case .ignore = await TriggerPolicy.decide(event, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
        let toBot = try readEdited("issues", githubHooks + "/issues/assigned.payload.json", ["assignee.login": "codex-bot"])
        #expect(await TriggerPolicy.decide(toBot, rules: rules, forge: writer)
                == .run(.issue(number: 1, commentID: nil, requestedBy: "Codertocat", instruction: nil)))
    }

    @Test("issue_comment created on an issue: the comment's time is the trigger time; no mention, no run")
    func issueComment() async throws {
        let event = try readCorpus("issue_comment", githubHooks + "/issue_comment/created.payload.json")
        guard case let .issueComment(issue, comment) = event.kind else { Testing.Issue.record("not a comment event"); return }
        #expect(issue.number == 1 && !issue.isPullRequest && comment.id == 492700400 && comment.author == "Codertocat")
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1557933621)) // 2019-05-15T15:20:21Z
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer)
                == .ignore(reason: "comment 492700400 does not mention @codex-bot"))
        let asked = try readEdited("issue_comment", githubHooks + "/issue_comment/created.payload.json",
                                   ["comment.body": "@codex-bot fix this"])
        #expect(await TriggerPolicy.decide(asked, rules: rules, forge: writer)
                == .run(.issue(number: 1, commentID: 492700400, requestedBy: "Codertocat", instruction: "fix this")))
    }

    @Test("issue_comment on a pull request (issue.pull_request present) works on the pull request")
    func pullRequestComment() async throws {
        let event = try readEdited("issue_comment", githubHooks + "/issue_comment/created.payload.json",
                                   ["comment.body": "@codex-bot: rebase and fix lint",
                                    "issue.pull_request": ["url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"]])
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer)
                == .run(.pullRequestComment(number: 1, branch: nil, commentID: 492700400, requestedBy: "Codertocat",
                                            instruction: "rebase and fix lint")))
    }

    @Test("edited comments do not trigger, even with a mention")
    func editedComment() async throws {
        let event = try readEdited("issue_comment", githubHooks + "/issue_comment/edited.payload.json", ["comment.body": "@codex-bot go"])
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer).exitCode == 0)
        guard case .ignore = await TriggerPolicy.decide(event, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
    }

    @Test("pull_request_review_comment created: path, line and branch; needs the mention")
    func reviewComment() async throws {
        let file = githubHooks + "/pull_request_review_comment/created.payload.json"
        let event = try readCorpus("pull_request_review_comment", file)
        guard case let .reviewComment(review) = event.kind else { Testing.Issue.record("not a review comment"); return }
        #expect(review.pullRequest == 2 && review.branch == "changes" && review.path == "README.md" && review.line == 265)
        #expect(!review.isFromFork)
        guard case .ignore = await TriggerPolicy.decide(event, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
        let asked = try readEdited("pull_request_review_comment", file, ["comment.body": "@codex-bot use more emoji here"])
        #expect(await TriggerPolicy.decide(asked, rules: rules, forge: writer)
                == .run(.reviewComment(pr: 2, branch: "changes", path: "README.md", line: 265, body: "@codex-bot use more emoji here",
                                       commentID: 284312630, requestedBy: "Codertocat")))
    }

    @Test("workflow_run completed in success is ignored; in failure it runs; on the bot's branch it is ignored")
    func workflowRun() async throws {
        let file = githubHooks + "/workflow_run/completed.payload.json"
        let event = try readCorpus("workflow_run", file)
        guard case let .workflowRun(run) = event.kind else { Testing.Issue.record("not a workflow run"); return }
        #expect(run.runID == 289782451 && run.headBranch == "master" && run.workflowName == "test" && run.conclusion == "success")
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer)
                == .ignore(reason: "workflow run 289782451 ended success, not in failure"))
        // The corpus has no failing workflow_run: the completed one with its conclusion changed.
        let failed = try readEdited("workflow_run", file, ["workflow_run.conclusion": "failure"])
        #expect(await TriggerPolicy.decide(failed, rules: rules, forge: writer)
                == .run(.failedWorkflowRun(runID: 289782451, headSHA: "3484a3fb816e0859fd6e1cea078d76385ff50625",
                                           headBranch: "master", workflowName: "test")))
        let ownBranch = try readEdited("workflow_run", file, ["workflow_run.conclusion": "failure", "workflow_run.head_branch": "codex-bot/issue-7"])
        guard case .ignore = await TriggerPolicy.decide(ownBranch, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
        let fork = try readEdited("workflow_run", file, ["workflow_run.conclusion": "failure",
                                                         "workflow_run.head_repository.full_name": "mallory/Hello-World"])
        guard case .ignore = await TriggerPolicy.decide(fork, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
        let requested = try readCorpus("workflow_run", githubHooks + "/workflow_run/requested.payload.json")
        guard case .ignore = await TriggerPolicy.decide(requested, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
    }

    @Test("workflow_dispatch: inputs as text, checked like a person's request")
    func workflowDispatch() async throws {
        let event = try readCorpus("workflow_dispatch", githubHooks + "/workflow_dispatch/payload.json")
        guard case let .workflowDispatch(ref, inputs) = event.kind else { Testing.Issue.record("not a dispatch"); return }
        #expect(ref == "refs/heads/master" && inputs == ["name": "Mona the Octocat"])
        let sender = try #require(event.sender?.login)
        let forge = PermissionForge(permissions: [sender: .maintain])
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: forge)
                == .run(.failingTests(ref: "refs/heads/master", sha: nil, pipelineID: nil, mergeRequest: nil,
                                      inputs: ["name": "Mona the Octocat"], requestedBy: sender)))
    }

    @Test("other events (push, ping) are nothing to do")
    func otherEvents() async throws {
        let event = try readCorpus("push", githubHooks + "/push/payload.json")
        #expect(event.kind == .other)
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: writer) == .ignore(reason: "GitHub Actions event push is not one codex-bot acts on"))
    }

    @Test("Gitea issue_comment on an issue and on a pull request; Gitea issues opened")
    func gitea() async throws {
        let gitea = ["GITEA_ACTIONS": "true"]
        let onIssue = try readCorpus("issue_comment", giteaHooks + "/issue_comment_created.json", extra: gitea)
        #expect(onIssue.source == .giteaActions && onIssue.sender == TriggerEvent.Actor(login: "unknwon"))
        guard case let .issueComment(issue, comment) = onIssue.kind else { Testing.Issue.record("not a comment"); return }
        #expect(issue.number == 1 && !issue.isPullRequest && comment.id == 43 && comment.body == "Got it")
        guard case .ignore = await TriggerPolicy.decide(onIssue, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }

        let onPull = try readCorpus("issue_comment", giteaHooks + "/pull_request_comment_created.json", extra: ["FORGEJO_ACTIONS": "true"])
        #expect(onPull.source == .forgejoActions)
        guard case let .issueComment(pull, _) = onPull.kind else { Testing.Issue.record("not a comment"); return }
        #expect(pull.isPullRequest)

        let opened = try readCorpus("issues", giteaHooks + "/issues_opened.json", extra: gitea)
        guard case let .issue(openedIssue, _, _) = opened.kind else { Testing.Issue.record("not an issue"); return }
        #expect(opened.action == "opened" && openedIssue.number > 0)
        guard case .ignore = await TriggerPolicy.decide(opened, rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
    }
}

@Suite("Trigger rules")
struct TriggerRuleTests {
    /// A comment event as Actions would deliver it, in memory.
    private func comment(_ body: String, by login: String = "alice", type: String = "User", action: String = "created",
                         onPullRequest: Bool = false) throws -> TriggerEvent {
        var issue: [String: Any] = ["number": 7, "title": "Crash", "body": "It crashes", "labels": []]
        if onPullRequest { issue["pull_request"] = ["url": "x"] }
        let user: [String: Any] = ["login": login, "type": type]
        let payload: [String: Any] = ["action": action, "issue": issue, "sender": user,
                                      "comment": ["id": 99, "body": body, "user": user, "created_at": "2026-11-20T10:00:00Z"],
                                      "repository": ["full_name": "o/r"]]
        return try readBytes("issue_comment", JSONSerialization.data(withJSONObject: payload))
    }

    @Test("an untrusted commenter is refused (exit 3)")
    func untrusted() async throws {
        let decision = await TriggerPolicy.decide(try comment("@codex-bot fix it", by: "mallory"), rules: rules,
                                                  forge: PermissionForge(permissions: ["mallory": .triage]))
        #expect(decision == .refuse(reason: "mallory has triage permission on the repository; starting codex-bot needs write (min_permission)"))
        #expect(decision.exitCode == 3)
    }

    @Test("a failed permission check refuses (fails closed) and says why")
    func permissionError() async throws {
        let failure = ForgeError(.forbidden, forge: .github, operation: "read collaborator permission", status: 403, message: "Resource not accessible by integration")
        let decision = await TriggerPolicy.decide(try comment("@codex-bot fix it"), rules: rules, forge: PermissionForge(failure: failure))
        guard case let .refuse(reason) = decision else { Testing.Issue.record("expected refuse, got \(decision)"); return }
        #expect(reason.contains("alice") && reason.contains("Resource not accessible by integration"))
    }

    @Test("the bot's own comment is ignored, whatever its permission")
    func ownComment() async throws {
        let forge = PermissionForge(permissions: ["codex-bot[bot]": .admin])
        let decision = await TriggerPolicy.decide(try comment("@codex-bot done", by: "codex-bot[bot]", type: "Bot"), rules: rules, forge: forge)
        #expect(decision == .ignore(reason: "the event was sent by the bot itself (codex-bot[bot]); it does not answer itself"))
        let byName = await TriggerPolicy.decide(try comment("@codex-bot done", by: "Codex-Bot"), rules: rules, forge: forge)
        guard case .ignore = byName else { Testing.Issue.record("expected ignore, got \(byName)"); return }
    }

    @Test("another bot is ignored unless allowed; a Bot-typed sender without [bot] too")
    func otherBots() async throws {
        let forge = PermissionForge(permissions: ["renovate[bot]": .write, "ci-robot": .write])
        let renovate = try comment("@codex-bot fix", by: "renovate[bot]")
        guard case .ignore = await TriggerPolicy.decide(renovate, rules: rules, forge: forge) else { Testing.Issue.record("expected ignore"); return }
        let typed = try comment("@codex-bot fix", by: "ci-robot", type: "Bot")
        guard case .ignore = await TriggerPolicy.decide(typed, rules: rules, forge: forge) else { Testing.Issue.record("expected ignore"); return }
        var allowing = rules
        allowing.allowedBots = ["Renovate[bot]"]
        #expect(await TriggerPolicy.decide(renovate, rules: allowing, forge: forge)
                == .run(.issue(number: 7, commentID: 99, requestedBy: "renovate[bot]", instruction: "fix")))
    }

    @Test("a mention in code, in a quote or as part of another name does not trigger")
    func mentionInCode() async throws {
        let forge = PermissionForge(permissions: ["alice": .admin])
        for body in ["Run `@codex-bot fix` to ask it", "```\n@codex-bot fix this\n```", "> @codex-bot fix this\nno", "@codex-bot2 fix",
                     "mail me at me@codex-bot.io", "~~~sh\n@codex-bot go\n~~~"] {
            let decision = await TriggerPolicy.decide(try comment(body), rules: rules, forge: forge)
            guard case .ignore = decision else { Testing.Issue.record("\(body.debugDescription) gave \(decision)"); continue }
        }
    }

    @Test("mention parsing: instruction after the mention, code elsewhere on the line kept")
    func mentionParsing() {
        #expect(MentionParser.instruction(in: "@codex-bot fix this", mention: "@codex-bot") == "fix this")
        #expect(MentionParser.instruction(in: "hey @Codex-Bot, please fix `parse()`\nthanks", mention: "@codex-bot")
                == "please fix `parse()`\nthanks")
        #expect(MentionParser.instruction(in: "```\n@codex-bot no\n```\n@codex-bot yes", mention: "@codex-bot") == "yes")
        #expect(MentionParser.instruction(in: "@codex-bot", mention: "@codex-bot") == "")
        #expect(MentionParser.instruction(in: "(@codex-bot) look.", mention: "@codex-bot") == ") look.")
        #expect(MentionParser.instruction(in: "``@codex-bot ` x`` @codex-bot-dev", mention: "@codex-bot") == nil)
        #expect(MentionParser.instruction(in: "unclosed ` @codex-bot go", mention: "@codex-bot") == "go")
    }

    @Test("comments written or edited after the trigger are kept from the model")
    func commentsAfterTrigger() {
        let trigger = Date(timeIntervalSince1970: 1_000_000)
        let comments = [
            IssueComment(id: 1, body: "before", author: "alice", createdAt: trigger - 60),
            IssueComment(id: 2, body: "the trigger", author: "alice", createdAt: trigger, updatedAt: trigger),
            IssueComment(id: 3, body: "edited later", author: "bob", createdAt: trigger - 60, updatedAt: trigger + 1),
            IssueComment(id: 4, body: "after", author: "mallory", createdAt: trigger + 5),
            IssueComment(id: 5, body: "no dates", author: "carol"),
            IssueComment(id: 6, body: "progress", author: "codex-bot[bot]", createdAt: trigger - 10),
        ]
        let kept = TriggerPolicy.commentsForModel(comments, triggeredAt: trigger, excludingAuthors: ["codex-bot[bot]"])
        #expect(kept.map(\.id) == [1, 2])
    }
}

@Suite("Trigger payload errors")
struct TriggerErrorTests {
    @Test("malformed JSON names the file and the event")
    func malformed() throws {
        let error = try #require(throws: TriggerError.self) { try readBytes("issues", Data("{\"action\": ".utf8)) }
        #expect(error.code == .malformedPayload && error.file == "/ci/event.json" && error.event == "issues")
        #expect(error.description.contains("not valid JSON") && error.description.contains("/ci/event.json"))
        let array = try #require(throws: TriggerError.self) { try readBytes("issues", Data("[1]".utf8)) }
        #expect(array.code == .malformedPayload)
        let empty = try #require(throws: TriggerError.self) { try readBytes("issues", Data()) }
        #expect(empty.description.contains("empty"))
    }

    @Test("a missing or mistyped field is named with its path")
    func missingField() throws {
        let noComment = Data(#"{"action":"created","issue":{"number":3},"sender":{"login":"a"}}"#.utf8)
        let error = try #require(throws: TriggerError.self) { try readBytes("issue_comment", noComment) }
        #expect(error.code == .missingField && error.field == "comment.id" && error.event == "issue_comment")
        #expect(error.description == "trigger (event issue_comment): the payload's field comment.id is missing [field comment.id] in /ci/event.json. codex-bot needs it for issue_comment events; check that the workflow runs on the event it expects")
        let badNumber = Data(#"{"action":"opened","issue":{"number":"three"}}"#.utf8)
        let typed = try #require(throws: TriggerError.self) { try readBytes("issues", badNumber) }
        #expect(typed.field == "issue.number" && typed.message.contains("is not a whole number"))
        let run = Data(#"{"action":"completed","workflow_run":{"id":5,"head_sha":"abc"}}"#.utf8)
        let noBranch = try #require(throws: TriggerError.self) { try readBytes("workflow_run", run) }
        #expect(noBranch.field == "workflow_run.head_branch")
    }

    @Test("a missing payload file or variable says which")
    func missingFile() throws {
        let unreadable = try #require(throws: TriggerError.self) {
            try TriggerReader.fromEnvironment(["GITHUB_EVENT_NAME": "issues", "GITHUB_EVENT_PATH": "/nonexistent/event.json"]) {
                try Data(contentsOf: URL(fileURLWithPath: $0))
            }
        }
        #expect(unreadable.code == .unreadablePayload && unreadable.file == "/nonexistent/event.json")
        let noPath = try #require(throws: TriggerError.self) {
            try TriggerReader.fromEnvironment(["GITHUB_EVENT_NAME": "issues"]) { _ in Data() }
        }
        #expect(noPath.field == "GITHUB_EVENT_PATH")
        let nothing = try #require(throws: TriggerError.self) { try TriggerReader.fromEnvironment([:]) { _ in Data() } }
        #expect(nothing.code == .unknownEnvironment)
    }
}

@Suite("Triggers from GitLab CI")
struct GitLabTriggerTests {
    private let base = ["CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "12", "CI_COMMIT_SHA": "abc123",
                        "CI_COMMIT_REF_NAME": "feature", "CI_PIPELINE_ID": "9001", "CI_PROJECT_PATH": "group/app",
                        "GITLAB_USER_LOGIN": "alice"]

    private func read(_ env: [String: String]) throws -> TriggerEvent {
        try TriggerReader.fromEnvironment(env) { _ in throw CocoaError(.fileNoSuchFile) }
    }

    @Test("a merge request pipeline fixes the failing tests on its branch, for a developer")
    func mergeRequest() async throws {
        let event = try read(base)
        #expect(event.source == .gitlabCI && event.repository == "group/app")
        let forge = PermissionForge(permissions: ["alice": .write])
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: forge)
                == .run(.failingTests(ref: "feature", sha: "abc123", pipelineID: 9001, mergeRequest: 12, inputs: [:], requestedBy: "alice")))
        #expect(await TriggerPolicy.decide(event, rules: rules, forge: PermissionForge(permissions: ["alice": .read])).exitCode == 3)
    }

    @Test("the bot's branches, forks and other sources are ignored; missing variables are named")
    func ignoredAndErrors() async throws {
        var own = base
        own["CI_COMMIT_REF_NAME"] = "codex-bot/fix-1"
        guard case .ignore = await TriggerPolicy.decide(try read(own), rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
        var fork = base
        fork["CI_MERGE_REQUEST_SOURCE_PROJECT_PATH"] = "mallory/app"
        guard case .ignore = await TriggerPolicy.decide(try read(fork), rules: rules, forge: writer) else { Testing.Issue.record("expected ignore"); return }
        var chat = base
        chat["CI_PIPELINE_SOURCE"] = "chat"
        #expect(try read(chat).kind == .other)
        var push = base
        push["CI_PIPELINE_SOURCE"] = "push"
        push["CI_MERGE_REQUEST_IID"] = nil
        guard case let .pipeline(facts) = try read(push).kind else { Testing.Issue.record("expected a pipeline"); return }
        #expect(facts.mergeRequest == nil && facts.ref == "feature")
        var noSHA = base
        noSHA["CI_COMMIT_SHA"] = nil
        let error = try #require(throws: TriggerError.self) { try read(noSHA) }
        #expect(error.field == "CI_COMMIT_SHA" && error.event == "merge_request_event")
        var badIID = base
        badIID["CI_MERGE_REQUEST_IID"] = "twelve"
        #expect(throws: TriggerError.self) { try read(badIID) }
    }
}
