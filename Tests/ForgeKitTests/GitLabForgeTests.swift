import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing
@testable import ForgeKit

/// A GitLabForge talking to a fake GitLab, set up from the CI variables a GitLab job has, with
/// a client whose waits are recorded instead of slept.
private struct GitLabRig {
    let server: FakeGitLabServer
    let forge: GitLabForge
    let sleeps: RecordedSleeps

    init(projectPath: String = "group/sub/project", jobToken: Bool = false, token: String? = nil) throws {
        let server = try FakeGitLabServer(projectPath: projectPath)
        var environment = ["CI_SERVER_URL": server.baseURL, "CI_API_V4_URL": server.apiURL, "CI_PROJECT_PATH": projectPath]
        if jobToken {
            environment["CI_JOB_TOKEN"] = server.jobToken
        } else {
            environment["GITLAB_TOKEN"] = token ?? server.token
        }
        let settings = try ForgeSettings.resolve(forge: .gitlab, repository: nil, environment: environment)
        let (client, sleeps) = RecordedSleeps.client()
        self.server = server
        self.sleeps = sleeps
        forge = GitLabForge(settings: settings, client: client)
    }

    /// The requests made with `method` whose path (after /api/v4) starts with `prefix`.
    func requests(_ method: String, _ prefix: String = "") -> [LoopbackHTTPRequest] {
        server.requests.filter { $0.method == method && $0.path.hasPrefix("/api/v4" + prefix) }
    }

    /// The project's API path prefix as GitLab wants it: the whole path as one escaped segment.
    var project: String { "/projects/group%2Fsub%2Fproject" }

    /// An error must say which call failed and never show a credential.
    func expectClean(_ error: ForgeError, names operation: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(describing: error)
        #expect(text.hasPrefix("GitLab: \(operation)"), "\(text)", sourceLocation: sourceLocation)
        #expect(!text.contains(server.token) && !text.contains(server.jobToken), "\(text)", sourceLocation: sourceLocation)
    }
}

@Suite("GitLabForge against a fake GitLab")
struct GitLabForgeTests {
    // MARK: Project and user

    @Test("repository() reads the project by its escaped subgroup path and says whether a Developer may push")
    func repository() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let facts = try await rig.forge.repository()
        #expect(facts.defaultBranch == "main")
        #expect(facts.cloneURL == rig.server.baseURL + "/group/sub/project.git")
        #expect(facts.webURL == rig.server.baseURL + "/group/sub/project")
        #expect(facts.path == RepositoryPath(owner: "group/sub", name: "project"))
        #expect(facts.canPush)
        #expect(rig.server.requests.map(\.path) == ["/api/v4/projects/group%2Fsub%2Fproject"])
        #expect(rig.server.requests.first?.header("PRIVATE-TOKEN") == rig.server.token)

        rig.server.viewerAccessLevel = 20
        #expect(try await rig.forge.repository().canPush == false)
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("An empty project (no default branch) is a clear error, not an empty branch name")
    func emptyProject() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        rig.server.defaultBranch = nil
        let error = try await #require(throws: ForgeError.self) { try await rig.forge.repository() }
        #expect(error.code == .notFound)
        #expect(error.hint?.contains("first commit") == true)
        rig.expectClean(error, names: "read project group/sub/project")
    }

    @Test("A CI job token goes as JOB-TOKEN, reads the project, cannot push, and is never used on /user")
    func jobToken() async throws {
        let rig = try GitLabRig(jobToken: true)
        defer { rig.server.stop() }
        let facts = try await rig.forge.repository()
        #expect(facts.canPush == false)
        #expect(try await rig.forge.viewerLogin() == nil)
        let requests = rig.server.requests
        #expect(requests.count == 1)
        #expect(requests.first?.header("JOB-TOKEN") == rig.server.jobToken)
        #expect(requests.first?.header("PRIVATE-TOKEN") == nil)
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("viewerLogin() is the token's username; a token without the scope for /user gives nil")
    func viewerLogin() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        #expect(try await rig.forge.viewerLogin() == "codex-bot")
        rig.server.failNext(1, "GET", pathPrefix: "/user", with: FakeForgeFault.forbidden("403 Forbidden - insufficient_scope"))
        #expect(try await rig.forge.viewerLogin() == nil)
        #expect(rig.requests("GET", "/user").count == 2)
    }

    // MARK: Issues and notes

    @Test("issue() maps opened/closed, a null description, labels and the author")
    func issue() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let first = rig.server.addIssue(title: "Crash on start", description: "Steps…", author: "alice", labels: ["bug", "codex-bot"])
        let second = rig.server.addIssue(title: "Old", description: nil, author: "bob", state: "closed")
        let issue = try await rig.forge.issue(first)
        #expect(issue == Issue(number: first, title: "Crash on start", body: "Steps…", author: "alice", labels: ["bug", "codex-bot"],
                               state: "open", webURL: rig.server.baseURL + "/group/sub/project/-/issues/\(first)"))
        let closed = try await rig.forge.issue(second)
        #expect(closed.state == "closed")
        #expect(closed.body == "")

        let error = try await #require(throws: ForgeError.self) { try await rig.forge.issue(99) }
        #expect(error.code == .notFound)
        #expect(error.status == 404)
        rig.expectClean(error, names: "read issue #99")
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("comments() reads 3 pages lazily, oldest first, without system notes; stopping early costs one request")
    func commentPages() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "t", description: "d")
        for index in 0..<250 {
            rig.server.addNote(toIssue: iid, body: "note \(index)", author: index % 50 == 0 ? "gitlab" : "alice", system: index % 50 == 0)
        }
        let all = try await rig.forge.comments(onIssue: iid).collect()
        #expect(all.count == 245)
        #expect(all.first?.body == "note 1")
        #expect(all.last?.body == "note 249")
        #expect(all.first?.webURL?.hasPrefix(rig.server.baseURL + "/group/sub/project/-/issues/\(iid)#note_") == true)
        let pages = rig.requests("GET", "\(rig.project)/issues/\(iid)/notes")
        #expect(pages.count == 3)
        #expect(pages.allSatisfy { $0.queryItems["per_page"] == "100" && $0.queryItems["sort"] == "asc" })

        var seen = 0
        for try await _ in rig.forge.comments(onIssue: iid) {
            seen += 1
            if seen == 5 { break }
        }
        #expect(rig.requests("GET", "\(rig.project)/issues/\(iid)/notes").count == 4)
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("Without Link headers the pages are followed through X-Next-Page")
    func nextPageHeader() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        rig.server.sendsLinkHeaders = false
        let iid = rig.server.addIssue(title: "t", description: "d")
        for index in 0..<230 { rig.server.addNote(toIssue: iid, body: "n\(index)", author: "alice") }
        #expect(try await rig.forge.comments(onIssue: iid).collect().count == 230)
        #expect(rig.requests("GET", "\(rig.project)/issues/\(iid)/notes").map { $0.queryItems["page"] } == [nil, "2", "3"])
    }

    @Test("upsertComment creates the progress note once, then edits it in place; others' notes stay untouched")
    func upsertComment() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "t", description: "d")
        // Someone quoting the marker must not have their note edited.
        rig.server.addNote(toIssue: iid, body: "<!-- codex-bot:task-1 -->\nquoted", author: "mallory")
        let first = try await rig.forge.upsertComment(onIssue: iid, marker: "task-1", body: "Working on it")
        let second = try await rig.forge.upsertComment(onIssue: iid, marker: "task-1", body: "Done")
        let third = try await rig.forge.upsertComment(onIssue: iid, marker: "task-1", body: "Done")
        #expect(first.id == second.id && second.id == third.id)
        #expect(second.body == "<!-- codex-bot:task-1 -->\nDone")
        #expect(rig.requests("POST", "\(rig.project)/issues/\(iid)/notes").count == 1)
        #expect(rig.requests("PUT", "\(rig.project)/issues/\(iid)/notes/").count == 1)
        let notes = rig.server.notes(onIssue: iid)
        #expect(notes.map(\.author) == ["mallory", "codex-bot"])
        #expect(notes.first?.body == "<!-- codex-bot:task-1 -->\nquoted")
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("createComment and editComment send {body} and return the note")
    func createAndEditComment() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "t", description: "d")
        let created = try await rig.forge.createComment(onIssue: iid, body: "hello")
        #expect(created.author == "codex-bot")
        #expect(rig.requests("POST").last?.jsonObject?["body"] as? String == "hello")
        let edited = try await rig.forge.editComment(created.id, onIssue: iid, body: "bye")
        #expect(edited.id == created.id && edited.body == "bye")
        #expect(rig.server.notes(onIssue: iid).map(\.body) == ["bye"])
        let missing = try await #require(throws: ForgeError.self) { try await rig.forge.editComment(1, onIssue: iid, body: "x") }
        #expect(missing.code == .notFound)
        rig.expectClean(missing, names: "edit comment 1 on issue #\(iid)")
    }

    // MARK: Permissions

    @Test("permission(of:) maps GitLab's access levels; unknown users, non-members and blocked users have none")
    func permissions() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let levels: [(Int, Permission)] = [(5, .none), (10, .read), (15, .read), (20, .triage), (30, .write), (40, .maintain), (50, .admin)]
        for (level, expected) in levels {
            rig.server.addUser("user\(level)", accessLevel: level)
            #expect(try await rig.forge.permission(of: "user\(level)") == expected, "access level \(level)")
        }
        rig.server.addUser("outsider")
        rig.server.addUser("blocked", accessLevel: 40, state: "blocked")
        #expect(try await rig.forge.permission(of: "outsider") == Permission.none)
        #expect(try await rig.forge.permission(of: "blocked") == Permission.none)
        #expect(try await rig.forge.permission(of: "nobody") == Permission.none)
        // No user, no member lookup.
        #expect(rig.requests("GET", "/users").count == levels.count + 3)
        #expect(rig.requests("GET", "\(rig.project)/members/all/").count == levels.count + 2)
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    // MARK: Merge requests

    @Test("openOrUpdatePullRequest creates one merge request, then updates it; drafts get the Draft: prefix")
    func openThenUpdate() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let reviewer = rig.server.addUser("reviewer", accessLevel: 30)
        var draft = PullRequestDraft(title: "Fix the crash", body: "Fixes #1", head: "codex-bot/issue-1", base: "main",
                                     isDraft: true, labels: ["codex-bot", "bug"], assignees: ["reviewer"])
        let (opened, created) = try await rig.forge.openOrUpdatePullRequest(draft)
        #expect(created)
        #expect(opened.title == "Fix the crash" && opened.isDraft && opened.state == "open")
        #expect(opened.head == "codex-bot/issue-1" && opened.base == "main" && opened.body == "Fixes #1")
        let post = try #require(rig.requests("POST", "\(rig.project)/merge_requests").first?.jsonObject)
        #expect(post["title"] as? String == "Draft: Fix the crash")
        #expect(post["labels"] as? String == "codex-bot,bug")
        #expect((post["assignee_ids"] as? [NSNumber])?.map(\.int64Value) == [reviewer])
        #expect(post["source_branch"] as? String == "codex-bot/issue-1")

        draft.isDraft = false
        draft.body = "Fixes #1, second try"
        draft.labels = ["ready"]
        let (updated, createdAgain) = try await rig.forge.openOrUpdatePullRequest(draft)
        #expect(!createdAgain)
        #expect(updated.number == opened.number && !updated.isDraft && updated.title == "Fix the crash")
        let put = try #require(rig.requests("PUT", "\(rig.project)/merge_requests/").first?.jsonObject)
        #expect(put["add_labels"] as? String == "ready")
        #expect(put["labels"] == nil)

        let merges = rig.server.mergeRequests
        #expect(merges.count == 1)
        #expect(merges.first?.title == "Fix the crash")
        #expect(merges.first?.labels == ["codex-bot", "bug", "ready"])
        #expect(merges.first?.assignees == ["reviewer"])
        #expect(rig.requests("POST").count == 1)
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("A create that loses the race (409) finds and updates the winner: exactly one merge request")
    func createRace() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        // The other run's merge request exists, but our first look happened before it did.
        let winner = rig.server.addMergeRequest(sourceBranch: "codex-bot/issue-2", title: "Theirs")
        rig.server.failNext(1, "GET", pathPrefix: "\(rig.project)/merge_requests", with: .json(200, [Any]()))
        let draft = PullRequestDraft(title: "Ours", body: "b", head: "codex-bot/issue-2", base: "main")
        let (pullRequest, created) = try await rig.forge.openOrUpdatePullRequest(draft)
        #expect(!created)
        #expect(pullRequest.number == winner && pullRequest.title == "Ours")
        #expect(rig.server.mergeRequests.count == 1)
        #expect(rig.requests("POST", "\(rig.project)/merge_requests").count == 1)
        #expect(rig.requests("PUT", "\(rig.project)/merge_requests/\(winner)").count == 1)
    }

    @Test("createPullRequest on a branch with an open merge request throws .alreadyExists with GitLab's words")
    func duplicate() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let existing = rig.server.addMergeRequest(sourceBranch: "b", title: "x")
        let error = try await #require(throws: ForgeError.self) {
            try await rig.forge.createPullRequest(PullRequestDraft(title: "y", body: "", head: "b", base: "main"))
        }
        #expect(error.code == .alreadyExists)
        #expect(error.status == 409)
        #expect(error.message.contains("Another open merge request already exists for this source branch: !\(existing)"))
        rig.expectClean(error, names: "open a merge request from b into main")
    }

    @Test("findOpenPullRequest skips a fork's merge request from a branch of the same name")
    func forkBranch() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        rig.server.addMergeRequest(sourceBranch: "codex-bot/x", title: "fork", fromFork: true)
        #expect(try await rig.forge.findOpenPullRequest(head: "codex-bot/x") == nil)
        let ours = rig.server.addMergeRequest(sourceBranch: "codex-bot/x", title: "ours")
        #expect(try await rig.forge.findOpenPullRequest(head: "codex-bot/x")?.number == ours)
        let query = try #require(rig.requests("GET", "\(rig.project)/merge_requests").first?.queryItems)
        #expect(query["state"] == "opened" && query["source_branch"] == "codex-bot/x")
    }

    @Test("pullRequest(_:) reads one merge request by iid: branches, draft, state, forks; a missing one is .notFound")
    func readOne() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let draft = PullRequestDraft(title: "Fix the parser", body: "Fixes #1", head: "codex-bot/issue-1", base: "main", isDraft: true)
        let created = try await rig.forge.createPullRequest(draft)
        let read = try await rig.forge.pullRequest(created.number)
        #expect(read == created)
        #expect(read.head == "codex-bot/issue-1" && read.base == "main" && read.isDraft && read.title == "Fix the parser")
        #expect(read.state == "open" && !read.isFromFork)
        #expect(read.webURL == rig.server.baseURL + "/group/sub/project/-/merge_requests/\(created.number)")
        #expect(rig.requests("GET", rig.project + "/merge_requests/\(created.number)").count == 1)

        let fork = rig.server.addMergeRequest(sourceBranch: "codex-bot/issue-1", title: "From a fork", fromFork: true)
        let forkRead = try await rig.forge.pullRequest(fork)
        #expect(forkRead.isFromFork && forkRead.head == "codex-bot/issue-1" && !forkRead.isDraft)
        let merged = rig.server.addMergeRequest(sourceBranch: "done", title: "Done", state: "merged")
        #expect(try await rig.forge.pullRequest(merged).state == "merged")

        let missing = try await #require(throws: ForgeError.self) { try await rig.forge.pullRequest(99) }
        #expect(missing.code == .notFound && missing.status == 404)
        rig.expectClean(missing, names: "read merge request !99")
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("gitCredential(): oauth2 for GITLAB_TOKEN, gitlab-ci-token for CI_JOB_TOKEN, the token as password; nil without one")
    func gitCredential() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let personal = try #require(try await rig.forge.gitCredential())
        #expect(personal == GitCredential(username: "oauth2", password: rig.server.token))
        expectHidden(personal, secret: rig.server.token)

        let jobRig = try GitLabRig(jobToken: true)
        defer { jobRig.server.stop() }
        let job = try #require(try await jobRig.forge.gitCredential())
        #expect(job == GitCredential(username: "gitlab-ci-token", password: jobRig.server.jobToken))
        expectHidden(job, secret: jobRig.server.jobToken)
        #expect(rig.server.requests.isEmpty && jobRig.server.requests.isEmpty)

        let settings = try ForgeSettings.resolve(forge: .gitlab, repository: nil, environment: [
            "CI_SERVER_URL": rig.server.baseURL, "CI_API_V4_URL": rig.server.apiURL, "CI_PROJECT_PATH": "group/sub/project",
        ])
        #expect(try await GitLabForge(settings: settings, client: RecordedSleeps.client().0).gitCredential() == nil)
    }

    @Test("An unknown assignee fails before anything is written")
    func unknownAssignee() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let error = try await #require(throws: ForgeError.self) {
            try await rig.forge.createPullRequest(PullRequestDraft(title: "t", body: "", head: "h", base: "main", assignees: ["ghost-user"]))
        }
        #expect(error.code == .rejected)
        #expect(error.message.contains("ghost-user"))
        #expect(rig.requests("POST").isEmpty)
    }

    // MARK: Statuses and pipelines

    @Test("setStatus posts GitLab's state words; setting the same state again is not an error and writes nothing new")
    func statuses() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let sha = "0123456789abcdef0123456789abcdef01234567"
        try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: "iteration 1", targetURL: "https://ci.example/1"))
        try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: "iteration 2"))
        try await rig.forge.setStatus(CommitStatus(sha: sha, state: .error, summary: String(repeating: "x", count: 300)))
        #expect(rig.server.statuses.count == 1)
        #expect(rig.server.statuses.first?.state == "failed")
        let posts = rig.requests("POST", "\(rig.project)/statuses/\(sha)")
        #expect(posts.count == 3)
        #expect(posts.first?.jsonObject?["name"] as? String == "codex-bot")
        #expect(posts.first?.jsonObject?["target_url"] as? String == "https://ci.example/1")
        #expect((posts.last?.jsonObject?["description"] as? String)?.count == 140)
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("failedJobs reads every page of failed jobs and leaves out those allowed to fail")
    func failedJobs() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        var jobs = (1...120).map { FakeGitLabServer.Job(id: Int64($0), name: "test \($0)") }
        jobs.append(FakeGitLabServer.Job(id: 500, name: "lint", allowFailure: true))
        jobs.append(FakeGitLabServer.Job(id: 501, name: "build", status: "success"))
        rig.server.addPipeline(77, jobs: jobs)
        let failed = try await rig.forge.failedJobs(inRun: 77)
        #expect(failed.count == 120)
        #expect(!failed.contains { $0.name == "lint" || $0.name == "build" })
        #expect(failed.allSatisfy { $0.conclusion == "failed" && $0.webURL?.contains("/-/jobs/") == true })
        let requests = rig.requests("GET", "\(rig.project)/pipelines/77/jobs")
        #expect(requests.count == 2)
        #expect(requests.first?.query.contains("scope%5B%5D=failed") == true)

        let error = try await #require(throws: ForgeError.self) { try await rig.forge.failedJobs(inRun: 78) }
        #expect(error.code == .notFound)
        rig.expectClean(error, names: "list the failed jobs of pipeline 78")
    }

    @Test("jobLog keeps the end of the trace, cut at a character boundary")
    func jobLog() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let trace = String(repeating: "héllo wörld\n", count: 5000) + "FAILED: test_crash\n"
        rig.server.addPipeline(1, jobs: [FakeGitLabServer.Job(id: 9, name: "test", trace: trace)])
        let job = CIJob(id: 9, name: "test", conclusion: "failed")
        let tail = try await rig.forge.jobLog(job, maxBytes: 101)
        #expect(tail.utf8.count <= 101 && tail.utf8.count >= 98)
        #expect(tail.hasSuffix("FAILED: test_crash\n"))
        #expect(!tail.contains("\u{FFFD}"))
        #expect(try await rig.forge.jobLog(job, maxBytes: 1 << 20) == trace)
        #expect(rig.requests("GET", "\(rig.project)/jobs/9/trace").count == 2)
    }

    // MARK: Bad answers and failures

    @Test("Malformed JSON, an HTML page, a missing field and a truncated body are .badResponse naming the call")
    func badAnswers() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "t", description: "d")
        let path = "\(rig.project)/issues/\(iid)"
        let faults: [(LoopbackHTTPResponse, Int, String)] = [
            (FakeForgeFault.malformedJSON(), 1, "not valid JSON"),
            (FakeForgeFault.htmlPage(status: 200, title: "Sign in · GitLab"), 1, "HTML page titled \"Sign in · GitLab\""),
            (.json(200, ["iid": iid, "state": "opened"]), 1, "the field \"title\" is missing"),
            (FakeForgeFault.truncated(["iid": iid, "title": String(repeating: "t", count: 2000)]), 10, "truncated"),
        ]
        for (fault, count, words) in faults {
            rig.server.failNext(count, "GET", pathPrefix: path, with: fault)
            let error = try await #require(throws: ForgeError.self) { try await rig.forge.issue(iid) }
            #expect(error.code == .badResponse, "\(error)")
            #expect(String(describing: error).contains(words), "\(error)")
            rig.expectClean(error, names: "read issue #\(iid)")
            rig.server.clearFaults()
        }
        #expect(rig.server.unexpectedRequests.isEmpty)
    }

    @Test("A body cut off once is read again and the call succeeds")
    func truncatedOnce() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "whole", description: "d")
        rig.server.failNext(1, "GET", pathPrefix: "\(rig.project)/issues/\(iid)",
                            with: FakeForgeFault.truncated(["iid": iid, "title": String(repeating: "t", count: 2000)]))
        #expect(try await rig.forge.issue(iid).title == "whole")
        #expect(rig.requests("GET").count == 2)
        #expect(rig.sleeps.recorded.count == 1)
    }

    @Test("An expired token (401) is .unauthorized with a hint naming GITLAB_TOKEN, and no token in the text")
    func expiredToken() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        rig.server.failNext(1, pathPrefix: "/projects/", with: FakeForgeFault.unauthorized("401 Unauthorized"))
        let error = try await #require(throws: ForgeError.self) { try await rig.forge.repository() }
        #expect(error.code == .unauthorized)
        #expect(error.hint?.contains("GITLAB_TOKEN") == true)
        rig.expectClean(error, names: "read project group/sub/project")

        let wrong = try GitLabRig(token: "glpat-WRONG-secret-value")
        defer { wrong.server.stop() }
        let refused = try await #require(throws: ForgeError.self) { try await wrong.forge.issue(1) }
        #expect(refused.code == .unauthorized)
        #expect(!String(describing: refused).contains("glpat-WRONG-secret-value"))
    }

    @Test("A rate limit that resets in an hour fails at once with .rateLimited, without sleeping")
    func longRateLimit() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        rig.server.failNext(5, "GET", pathPrefix: "/projects/", with: FakeForgeFault.rateLimited(resettingAt: Date().addingTimeInterval(3600)))
        let error = try await #require(throws: ForgeError.self) { try await rig.forge.repository() }
        #expect(error.code == .rateLimited)
        #expect(rig.sleeps.recorded.isEmpty)
        #expect(rig.server.requests.count == 1)
        #expect(String(describing: error).contains("run again after the limit resets"))
        rig.expectClean(error, names: "read project group/sub/project")
    }

    @Test("429 with Retry-After is waited out (a recorded wait) and retried, even for a POST")
    func retryAfter() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "t", description: "d")
        rig.server.failNext(1, "POST", pathPrefix: "\(rig.project)/issues", with: FakeForgeFault.rateLimited(retryAfter: 7))
        _ = try await rig.forge.createComment(onIssue: iid, body: "hi")
        #expect(rig.sleeps.recorded.count == 1)
        #expect(rig.sleeps.recorded.first.map { $0 >= .seconds(7) && $0 < .seconds(8) } == true)
        #expect(rig.requests("POST").count == 2)
        #expect(rig.server.notes(onIssue: iid).count == 1)
    }

    @Test("A 500 on a POST is not retried (nothing written twice); on a GET it is")
    func serverErrors() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let iid = rig.server.addIssue(title: "t", description: "d")
        rig.server.failNext(1, "POST", pathPrefix: "\(rig.project)/merge_requests", with: FakeForgeFault.serverError())
        let error = try await #require(throws: ForgeError.self) {
            try await rig.forge.createPullRequest(PullRequestDraft(title: "t", body: "", head: "h", base: "main"))
        }
        #expect(error.code == .unavailable)
        #expect(rig.requests("POST").count == 1)
        #expect(rig.server.mergeRequests.isEmpty)
        rig.expectClean(error, names: "open a merge request from h into main")

        rig.server.failNext(2, "GET", pathPrefix: "\(rig.project)/issues/\(iid)", with: FakeForgeFault.serverError())
        #expect(try await rig.forge.issue(iid).title == "t")
        #expect(rig.sleeps.recorded.count == 2)
    }

    @Test("403 is .forbidden with a hint about the token's rights")
    func forbidden() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        rig.server.failNext(1, "GET", pathPrefix: "/projects/", with: FakeForgeFault.forbidden())
        let error = try await #require(throws: ForgeError.self) { try await rig.forge.repository() }
        #expect(error.code == .forbidden)
        #expect(error.hint?.contains("lack a permission") == true)
        rig.expectClean(error, names: "read project group/sub/project")
    }

    @Test("The fake answers unknown routes with 404 and lists them")
    func fakeListsUnknownRoutes() async throws {
        let rig = try GitLabRig()
        defer { rig.server.stop() }
        let (client, _) = RecordedSleeps.client()
        var request = HTTPRequest(.get, try #require(URL(string: rig.server.apiURL + "/projects/group%2Fsub%2Fproject/wikis")))
        request.headers.set("PRIVATE-TOKEN", rig.server.token)
        let response = try await client.send(request)
        #expect(response.status == 404)
        #expect(rig.server.unexpectedRequests == ["GET /api/v4/projects/group%2Fsub%2Fproject/wikis"])
    }
}

// MARK: - Real recorded answers

/// `<package root>/../shared/corpora/api-responses/gitlab`, when it is there; the package root
/// is three levels up from this file.
private let gitLabCorpus: String? = {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora/api-responses/gitlab")
        .standardizedFileURL.path
    return FileManager.default.fileExists(atPath: corpus + "/drone-go-scm/testdata/repo.json") ? corpus : nil
}()

/// Answers recorded from gitlab.com and self-managed GitLab (fixtures of drone/go-scm and
/// xanzy/go-gitlab), served over HTTP so the client's real decode path reads them.
@Suite("GitLabForge decodes real GitLab answers (../shared/corpora)", .enabled(if: gitLabCorpus != nil))
struct GitLabCorpusTests {
    /// Serves `routes` ("METHOD /api/v4/path" → file under the corpus); anything else is 404.
    private func withCorpusServer(project: String, _ routes: [String: String],
                                  _ body: (GitLabForge, LoopbackHTTPServer) async throws -> Void) async throws {
        let root = try #require(gitLabCorpus)
        var files: [String: [UInt8]] = [:]
        for (route, file) in routes {
            files[route] = try Array(Data(contentsOf: URL(fileURLWithPath: "\(root)/\(file)")))
        }
        let served = files
        let server = try LoopbackHTTPServer { request in
            guard let body = served["\(request.method) \(request.path)"] else { return .json(404, ["message": "404 Not found"]) }
            return LoopbackHTTPResponse(status: request.method == "POST" ? 201 : 200,
                                        headers: [("Content-Type", "application/json")], body: body)
        }
        defer { server.stop() }
        let settings = try ForgeSettings.resolve(forge: .gitlab, repository: project, environment: [
            "CI_SERVER_URL": server.baseURL, "CI_API_V4_URL": server.baseURL + "/api/v4", "GITLAB_TOKEN": "glpat-corpus",
        ])
        let (client, _) = RecordedSleeps.client()
        try await body(GitLabForge(settings: settings, client: client), server)
        let unknown = server.requests.filter { served["\($0.method) \($0.path)"] == nil }.map { "\($0.method) \($0.path)" }
        #expect(unknown.isEmpty)
    }

    @Test("Project, user, issue, notes, merge requests and statuses from go-scm's fixtures")
    func droneFixtures() async throws {
        let p = "/api/v4/projects/diaspora%2Fdiaspora"
        let d = "drone-go-scm/testdata/"
        try await withCorpusServer(project: "diaspora/diaspora", [
            "GET \(p)": d + "repo.json", "GET /api/v4/user": d + "user.json", "GET \(p)/issues/1": d + "issue.json",
            "GET \(p)/issues/1/notes": d + "issue_notes.json", "GET \(p)/issues/2/notes": d + "merge_notes.json",
            "POST \(p)/issues/1/notes": d + "issue_note.json", "GET \(p)/merge_requests": d + "merges.json",
            "POST \(p)/merge_requests": d + "merge.json", "GET /api/v4/users": d + "user_search.json",
            "POST \(p)/statuses/18f3e63d05582537db6d183d9d557be09e1f90c8": d + "status.json",
        ]) { forge, _ in
            let facts = try await forge.repository()
            #expect(facts == RepositoryFacts(path: RepositoryPath(owner: "diaspora", name: "diaspora"), defaultBranch: "master",
                                             cloneURL: "https://gitlab.com/diaspora/diaspora.git",
                                             webURL: "https://gitlab.com/diaspora/diaspora", canPush: false))
            #expect(try await forge.viewerLogin() == "john_smith")
            let issue = try await forge.issue(1)
            #expect(issue.title == "Ut commodi ullam eos dolores perferendis nihil sunt.")
            #expect(issue.author == "root" && issue.state == "closed" && issue.labels.isEmpty)
            #expect(issue.body == "Omnis vero earum sunt corporis dolor et placeat.")
            // The only note is GitLab's own ("closed"): not a comment.
            #expect(try await forge.comments(onIssue: 1).collect().isEmpty)
            let notes = try await forge.comments(onIssue: 2).collect()
            #expect(notes.count == 1 && notes.first?.author == "pipin")
            #expect(try await forge.createComment(onIssue: 1, body: "closed").id == 302)
            let found = try #require(try await forge.findOpenPullRequest(head: "fix"))
            #expect(found.number == 1 && found.title == "JS fix" && found.base == "master" && !found.isDraft)
            let created = try await forge.createPullRequest(PullRequestDraft(title: "JS fix", body: "", head: "fix", base: "master",
                                                                             assignees: ["john_smith"]))
            #expect(created.number == 1 && created.state == "closed")
            try await forge.setStatus(CommitStatus(sha: "18f3e63d05582537db6d183d9d557be09e1f90c8", state: .pending,
                                                   name: "default", summary: "the dude abides"))
        }
    }

    @Test("Merge requests and users from go-gitlab's fixtures: drafts by work_in_progress and by draft")
    func xanzyFixtures() async throws {
        let p = "/api/v4/projects/gitlab-org%2Fgitlab-ee"
        let x = "xanzy-go-gitlab/testdata/"
        try await withCorpusServer(project: "gitlab-org/gitlab-ee", [
            "GET /api/v4/user": x + "get_user.json", "GET \(p)/merge_requests": x + "get_merge_requests.json",
            "PUT \(p)/merge_requests/14656": x + "get_merge_request.json",
        ]) { forge, _ in
            #expect(try await forge.viewerLogin() == "john_smith")
            let found = try #require(try await forge.findOpenPullRequest(head: "use-structured-logging-for-db-load-balancer"))
            #expect(found.number == 15442 && found.isDraft && found.title == "Use structured logging for DB load balancer")
            #expect(found.body == "## What does this MR do?" && found.state == "open")
            let notDraft = try #require(try await forge.findOpenPullRequest(head: "load-balancing-prometheus"))
            #expect(!notDraft.isDraft)
            let updated = try await forge.updatePullRequest(14656, to: PullRequestDraft(title: "Add deletion support for designs",
                                                                                      body: "", head: "delete-designs-v2", base: "master"))
            #expect(updated.isDraft && updated.head == "delete-designs-v2" && updated.base == "master")
            #expect(updated.webURL == "https://gitlab.com/gitlab-org/gitlab-ee/merge_requests/14656")
        }
    }
}
