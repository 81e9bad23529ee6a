import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing
@testable import ForgeKit

@Suite("GitHub forge: every operation against the fake GitHub")
struct GitHubForgeTests {
    // MARK: Repository, viewer, permissions

    @Test("repository(): branch, URLs and push rights; every call carries the API headers and the token")
    func repository() async throws {
        try await withGitHub { rig throws in
            rig.server.setDefaultBranch("trunk")
            let facts = try await rig.forge.repository()
            #expect(facts == RepositoryFacts(path: rig.repository, defaultBranch: "trunk",
                                             cloneURL: "https://github.test/octo-org/widgets.git",
                                             webURL: "https://github.test/octo-org/widgets", canPush: true))
            let request = try #require(rig.server.requests.first)
            #expect(request.path == "/repos/octo-org/widgets")
            #expect(request.header("Accept") == "application/vnd.github+json")
            #expect(request.header("X-GitHub-Api-Version") == "2022-11-28")
            #expect(request.header("Authorization") == "Bearer \(GitHubRig.userToken)")
        }
        try await withGitHub(.user(canPush: false)) { rig throws in
            #expect(try await rig.forge.repository().canPush == false)
        }
        // Installation tokens see no `permissions`; the Actions token is taken as able to push.
        try await withGitHub(.actions) { rig throws in
            #expect(try await rig.forge.repository().canPush == true)
        }
    }

    @Test("credentials: `Bearer` and `token` forms are accepted; no token or a wrong one is a 401 naming the source")
    func credentials() async throws {
        try await withGitHub { rig throws in
            let settings = try ForgeSettings.resolve(forge: .github, repository: rig.server.repository,
                                                     environment: ["GITHUB_API_URL": rig.server.apiURL.absoluteString])
            #expect(settings.token == nil && settings.app == nil)
            let anonymous = GitHubForge(settings: settings, client: rig.client)
            let refused = await forgeError { _ = try await anonymous.repository() }
            #expect(refused?.code == .unauthorized && refused?.message == "Bad credentials")
            #expect(refused?.hint?.contains("no token") == true)
            #expect(rig.server.requests.last?.header("Authorization") == nil)

            let wrong = GitHubForge(settings: settings, client: rig.client,
                                    tokens: StaticToken("ghp_wrongTOKEN", style: .bearer, origin: "GH_TOKEN"))
            let error = await forgeError { _ = try await wrong.repository() }
            #expect(error?.code == .unauthorized && error?.hint?.contains("GH_TOKEN") == true)
            expectClear(error, operation: "read the repository", secrets: ["ghp_wrongTOKEN", rig.token])

            let oldStyle = GitHubForge(settings: settings, client: rig.client,
                                       tokens: StaticToken(rig.token, style: .token, origin: "GITHUB_TOKEN"))
            #expect(try await oldStyle.repository().defaultBranch == "main")
            #expect(rig.server.requests.last?.header("Authorization") == "token \(rig.token)")
        }
    }

    @Test("describing the forge names where the credentials come from, never the token")
    func descriptionHidesToken() async throws {
        try await withGitHub { rig throws in
            for text in [String(describing: rig.forge), String(reflecting: rig.forge)] {
                #expect(!text.contains(rig.token))
                #expect(text.contains("GITHUB_TOKEN") && text.contains("octo-org/widgets"))
            }
        }
    }

    @Test("GitHub Enterprise: everything lives under GITHUB_API_URL's /api/v3")
    func enterprisePrefix() async throws {
        try await withGitHub(pathPrefix: "/api/v3") { rig throws in
            #expect(rig.server.apiURL.path == "/api/v3")
            _ = try await rig.forge.repository()
            let number = rig.server.addIssue(title: "t")
            _ = try await rig.forge.comments(onIssue: number).collect()
            #expect(rig.server.requests.count == 2)
            #expect(rig.server.requests.allSatisfy { $0.path.hasPrefix("/api/v3/repos/octo-org/widgets") })
        }
    }

    @Test("viewerLogin(): the user's login; the Actions token, refused by /user, is github-actions[bot]")
    func viewer() async throws {
        try await withGitHub { rig throws in
            #expect(try await rig.forge.viewerLogin() == GitHubRig.login)
        }
        try await withGitHub(.actions) { rig throws in
            #expect(try await rig.forge.viewerLogin() == "github-actions[bot]")
            #expect(rig.server.requests.map(\.path) == ["/user"])
        }
    }

    @Test("permission(of:): role_name first, the legacy permission for custom roles, none for unknown users")
    func permissions() async throws {
        try await withGitHub { rig throws in
            for role in ["admin", "maintain", "write", "triage", "read"] {
                rig.server.setRole(role, for: "user-\(role)")
                #expect(try await rig.forge.permission(of: "user-\(role)") == Permission(name: role))
            }
            rig.server.setRole("security-manager", for: "custom", legacy: "write")
            #expect(try await rig.forge.permission(of: "custom") == .write)
            rig.server.addUser("visitor")
            #expect(try await rig.forge.permission(of: "visitor") == .read)
            #expect(try await rig.forge.permission(of: "nobody-here") == Permission.none)
        }
    }

    // MARK: Issues and comments

    @Test("issue(): fields of an issue; a pull request is marked; a missing one is notFound naming the call")
    func issues() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "Crash on start", body: "Steps: …", author: "octocat", labels: ["bug", "p1"])
            let issue = try await rig.forge.issue(number)
            #expect(issue == ForgeKit.Issue(number: number, title: "Crash on start", body: "Steps: …", author: "octocat",
                                            labels: ["bug", "p1"], state: "open",
                                            webURL: "https://github.test/octo-org/widgets/issues/\(number)"))
            let pull = rig.server.addPullRequest(title: "A fix", head: "fix")
            #expect(try await rig.forge.issue(pull).isPullRequest)
            let error = await forgeError { _ = try await rig.forge.issue(99) }
            #expect(error?.code == .notFound)
            expectClear(error, operation: "read issue #99", secrets: [rig.token])
        }
    }

    @Test("comments(onIssue:): all pages in order, 100 per request, read lazily")
    func commentPages() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "Many comments")
            for index in 0..<250 { rig.server.addComment(onIssue: number, body: "comment \(index)") }
            let all = try await rig.forge.comments(onIssue: number).collect()
            #expect(all.map(\.body) == (0..<250).map { "comment \($0)" })
            #expect(all.first?.author == "octocat")
            let listing = rig.server.requests.filter { $0.path == rig.repoPath("/issues/\(number)/comments") }
            #expect(listing.map { $0.queryItems["page"] ?? "1" } == ["1", "2", "3"])
            #expect(listing.allSatisfy { $0.queryItems["per_page"] == "100" })

            let before = rig.server.requests.count
            var iterator = rig.forge.comments(onIssue: number).makeAsyncIterator()
            for _ in 0..<5 { _ = try await iterator.next() }
            #expect(rig.server.requests.count == before + 1)
        }
    }

    @Test("createComment and editComment write what they are given, as the token's user")
    func commentWrites() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "t")
            let created = try await rig.forge.createComment(onIssue: number, body: "Working on it")
            #expect(created.author == GitHubRig.login)
            #expect(created.webURL == "https://github.test/octo-org/widgets/issues/\(number)#issuecomment-\(created.id)")
            let edited = try await rig.forge.editComment(created.id, onIssue: number, body: "Done ✓")
            #expect(edited.id == created.id && edited.body == "Done ✓")
            #expect(rig.server.comments(onIssue: number).map(\.body) == ["Done ✓"])
            #expect(rig.server.writes.map { "\($0.method) \($0.path)" } == [
                "POST \(rig.repoPath("/issues/\(number)/comments"))", "PATCH \(rig.repoPath("/issues/comments/\(created.id)"))",
            ])
            #expect(rig.server.writes.map(\.bodyText) == [#"{"body":"Working on it"}"#, #"{"body":"Done ✓"}"#])
        }
    }

    @Test("upsertComment: one progress comment, edited in place; another user's marked comment is left alone")
    func upsert() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "t")
            // Someone quoting the marker must not have their comment taken over.
            rig.server.addComment(onIssue: number, body: ProgressMarker.html("task-1") + "\nquoted", author: "mallory")
            let first = try await rig.forge.upsertComment(onIssue: number, marker: "task-1", body: "Started")
            let second = try await rig.forge.upsertComment(onIssue: number, marker: "task-1", body: "Building")
            let third = try await rig.forge.upsertComment(onIssue: number, marker: "task-1", body: "Building")
            #expect(first.id == second.id && second.id == third.id)
            let ours = rig.server.comments(onIssue: number).filter { $0.author == GitHubRig.login }
            #expect(ours.count == 1)
            #expect(ours.first?.body == ProgressMarker.html("task-1") + "\nBuilding")
            #expect(rig.server.comments(onIssue: number).first?.body.hasSuffix("quoted") == true)
            #expect(rig.server.count("POST", rig.repoPath("/issues/\(number)/comments")) == 1)
            #expect(rig.server.count("PATCH", rig.repoPath("/issues/comments/\(first.id)")) == 1)  // the third changed nothing
        }
    }

    // MARK: Pull requests

    @Test("openOrUpdatePullRequest: opens once with labels and assignees, then updates the same one")
    func openThenUpdate() async throws {
        try await withGitHub { rig throws in
            rig.server.addUser("reviewer")
            var draft = PullRequestDraft(title: "Fix #3", body: "Fixes #3", head: "codex-bot/issue-3", base: "main",
                                         isDraft: true, labels: ["codex-bot"], assignees: ["reviewer"])
            let (opened, created) = try await rig.forge.openOrUpdatePullRequest(draft)
            #expect(created)
            #expect(opened.head == "codex-bot/issue-3" && opened.base == "main" && opened.isDraft && opened.state == "open")
            #expect(opened.webURL == "https://github.test/octo-org/widgets/pull/\(opened.number)")

            draft.body = "Fixes #3\n\nSecond round."
            let (updated, createdAgain) = try await rig.forge.openOrUpdatePullRequest(draft)
            #expect(!createdAgain && updated.number == opened.number && updated.body == draft.body)
            _ = try await rig.forge.openOrUpdatePullRequest(draft)  // nothing differs: nothing is written

            let pulls = rig.server.pullRequests
            #expect(pulls.count == 1)
            #expect(pulls.first?.labels == ["codex-bot"] && pulls.first?.assignees == ["reviewer"])
            #expect(pulls.first?.author == GitHubRig.login)
            #expect(rig.server.writes.map { "\($0.method) \($0.path)" } == [
                "POST \(rig.repoPath("/pulls"))",
                "POST \(rig.repoPath("/issues/\(opened.number)/labels"))",
                "POST \(rig.repoPath("/issues/\(opened.number)/assignees"))",
                "PATCH \(rig.repoPath("/pulls/\(opened.number)"))",
            ])
            let find = try #require(rig.server.requests.first { $0.path == rig.repoPath("/pulls") && $0.method == "GET" })
            #expect(find.queryItems["head"] == "octo-org:codex-bot/issue-3" && find.queryItems["state"] == "open")
        }
    }

    @Test("the create race: the lookup misses the winner's pull request, the POST gets 422, the winner is updated")
    func createRace() async throws {
        try await withGitHub { rig throws in
            let winner = rig.server.addPullRequest(title: "Other run", head: "codex-bot/issue-7", author: GitHubRig.login)
            // The first lookup answers before the other run's pull request shows up.
            rig.server.failNext(1, "GET", rig.repoPath("/pulls"), with: FakeGitHubReplies.json(200, []))
            let draft = PullRequestDraft(title: "Fix #7", body: "Fixes #7", head: "codex-bot/issue-7", base: "main")
            let (pull, created) = try await rig.forge.openOrUpdatePullRequest(draft)
            #expect(!created && pull.number == winner && pull.title == "Fix #7")
            #expect(rig.server.pullRequests.filter { $0.head == "codex-bot/issue-7" }.count == 1)
            #expect(rig.server.count("POST", rig.repoPath("/pulls")) == 1)
            #expect(rig.server.pendingFaults == 0)
        }
    }

    @Test("createPullRequest: a second one for the branch is alreadyExists; a missing title is rejected")
    func createRefusals() async throws {
        try await withGitHub { rig throws in
            let draft = PullRequestDraft(title: "Fix", body: "", head: "topic", base: "main")
            _ = try await rig.forge.createPullRequest(draft)
            let duplicate = await forgeError { _ = try await rig.forge.createPullRequest(draft) }
            #expect(duplicate?.code == .alreadyExists && duplicate?.status == 422)
            #expect(duplicate?.message.contains("A pull request already exists for octo-org:topic.") == true)
            expectClear(duplicate, operation: "open a pull request for topic", secrets: [rig.token])

            var untitled = draft
            untitled.title = ""
            untitled.head = "other"
            let missing = await forgeError { _ = try await rig.forge.createPullRequest(untitled) }
            #expect(missing?.code == .rejected && missing?.message.contains("title") == true)
            expectClear(missing, operation: "open a pull request for other", secrets: [rig.token])
            #expect(rig.server.pullRequests.count == 1)
            #expect(rig.server.count("POST", rig.repoPath("/pulls")) == 3)  // each refused once, never resent
        }
    }

    @Test("findOpenPullRequest ignores closed ones and a fork's branch of the same name")
    func findOnlyOurs() async throws {
        try await withGitHub { rig throws in
            #expect(try await rig.forge.findOpenPullRequest(head: "topic") == nil)
            let closed = rig.server.addPullRequest(title: "old", head: "topic")
            rig.server.closePullRequest(closed)
            #expect(try await rig.forge.findOpenPullRequest(head: "topic") == nil)
            rig.server.failNext(1, "GET", rig.repoPath("/pulls"), with: FakeGitHubReplies.json(200, [[
                "number": 41, "title": "fork", "state": "open", "html_url": "https://github.test/x/pull/41",
                "head": ["ref": "topic", "label": "someone:topic", "repo": ["full_name": "someone/widgets"]],
                "base": ["ref": "main"],
            ]]))
            #expect(try await rig.forge.findOpenPullRequest(head: "topic") == nil)
            let open = rig.server.addPullRequest(title: "new", head: "topic")
            #expect(try await rig.forge.findOpenPullRequest(head: "topic")?.number == open)
        }
    }

    @Test("pullRequest(_:): one pull request by number with its branches and draft flag; forks are marked; a missing one is notFound")
    func readOne() async throws {
        try await withGitHub { rig throws in
            let draft = PullRequestDraft(title: "Fix #5", body: "Fixes #5", head: "codex-bot/issue-5", base: "main", isDraft: true)
            let created = try await rig.forge.createPullRequest(draft)
            let read = try await rig.forge.pullRequest(created.number)
            #expect(read == created)
            #expect(read.head == "codex-bot/issue-5" && read.base == "main" && read.isDraft && read.state == "open")
            #expect(!read.isFromFork)
            #expect(read.webURL == "https://github.test/octo-org/widgets/pull/\(created.number)")
            #expect(rig.server.requests.last.map { "\($0.method) \($0.path)" } == "GET \(rig.repoPath("/pulls/\(created.number)"))")
            rig.server.closePullRequest(created.number)
            #expect(try await rig.forge.pullRequest(created.number).state == "closed")

            // A fork's branch: the head repository is someone else's, or gone.
            let fork = try await rig.forge.createPullRequest(PullRequestDraft(title: "From a fork", body: "", head: "someone:topic",
                                                                              base: "main"))
            let forkRead = try await rig.forge.pullRequest(fork.number)
            #expect(forkRead.isFromFork && forkRead.head == "topic" && forkRead.base == "main" && !forkRead.isDraft)
            let orphan = rig.server.addPullRequest(title: "Fork deleted", head: "topic", forkOwner: "someone", forkDeleted: true)
            #expect(try await rig.forge.pullRequest(orphan).isFromFork)

            // An issue's number is not a pull request's.
            let issue = rig.server.addIssue(title: "not a pull request")
            for number in [999, issue] {
                let missing = await forgeError { _ = try await rig.forge.pullRequest(number) }
                #expect(missing?.code == .notFound && missing?.status == 404)
                expectClear(missing, operation: "read pull request #\(number)", secrets: [rig.token])
            }
        }
    }

    // MARK: Git credentials

    @Test("gitCredential(): x-access-token with the token as password, never described; nil without a token")
    func gitCredential() async throws {
        try await withGitHub { rig throws in
            let credential = try #require(try await rig.forge.gitCredential())
            #expect(credential == GitCredential(username: "x-access-token", password: GitHubRig.userToken))
            expectHidden(credential, secret: rig.token)
            #expect(rig.server.requests.isEmpty)  // a fixed token needs no call

            let settings = try ForgeSettings.resolve(forge: .github, repository: rig.server.repository,
                                                     environment: ["GITHUB_API_URL": rig.server.apiURL.absoluteString])
            #expect(try await GitHubForge(settings: settings, client: rig.client).gitCredential() == nil)
        }
        try await withGitHub(.actions) { rig throws in
            #expect(try await rig.forge.gitCredential() == GitCredential(username: "x-access-token", password: GitHubRig.actionsToken))
        }
    }

    // MARK: Statuses

    @Test("setStatus with an App/Actions token: one check run, created once, patched on change, left alone when equal")
    func checkRuns() async throws {
        try await withGitHub(.actions) { rig throws in
            let sha = "0123456789abcdef0123456789abcdef01234567"
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: "Fixing 2 tests"))
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: "Fixing 2 tests"))
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .success, summary: "Green after 3 iterations",
                                                       targetURL: "https://ci.test/run/1"))
            let runs = rig.server.checkRuns
            #expect(runs.count == 1)
            let run = try #require(runs.first)
            #expect(run.name == "codex-bot" && run.headSHA == sha && run.status == "completed" && run.conclusion == "success")
            #expect(run.title == "Green after 3 iterations" && run.detailsURL == "https://ci.test/run/1")
            #expect(rig.server.writes.map { "\($0.method) \($0.path)" } == [
                "POST \(rig.repoPath("/check-runs"))", "PATCH \(rig.repoPath("/check-runs/\(runs[0].id)"))",
            ])
            // A finished check is not reopened: a new round is a new check run.
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .pending, summary: "Queued again"))
            #expect(rig.server.checkRuns.map(\.status) == ["completed", "queued"])
            #expect(rig.server.statuses.isEmpty)
        }
    }

    @Test("setStatus with a personal token: check runs are refused (403), commit statuses are used from then on")
    func statusFallback() async throws {
        try await withGitHub { rig throws in
            let sha = "89abcdef0123456789abcdef0123456789abcdef"
            let long = String(repeating: "very long summary ", count: 20)
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: long))
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: long))
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .error, summary: "Model unreachable",
                                                       targetURL: "https://ci.test/2"))
            #expect(rig.server.checkRuns.isEmpty)
            #expect(rig.server.count("POST", rig.repoPath("/check-runs")) == 1)
            let statuses = rig.server.statuses
            #expect(statuses.map(\.state) == ["pending", "error"])
            #expect(statuses.allSatisfy { $0.context == "codex-bot" && $0.creator == GitHubRig.login })
            #expect(statuses.first?.description?.count == 140 && statuses.first?.description?.hasSuffix("…") == true)
            #expect(statuses.last?.targetURL == "https://ci.test/2")
        }
    }

    // MARK: Actions

    @Test("failedJobs: every page of the latest attempt; failure and timed_out count, cancelled and running do not")
    func failedJobs() async throws {
        try await withGitHub(.actions) { rig throws in
            var jobs = (1...118).map { FakeGitHubJob(id: Int64($0), name: "shard \($0)", conclusion: "success") }
            jobs += [
                FakeGitHubJob(id: 200, name: "unit (linux)", conclusion: "failure"),
                FakeGitHubJob(id: 201, name: "unit (macos)", conclusion: "cancelled"),
                FakeGitHubJob(id: 202, name: "integration", conclusion: "timed_out"),
                FakeGitHubJob(id: 203, name: "deploy", status: "in_progress", conclusion: nil),
            ]
            rig.server.addWorkflowRun(555, jobs: jobs)
            let failed = try await rig.forge.failedJobs(inRun: 555)
            #expect(failed.map(\.id) == [200, 202])
            #expect(failed.map(\.conclusion) == ["failure", "timed_out"])
            #expect(failed.first?.webURL == "https://github.test/octo-org/widgets/actions/runs/555/job/200")
            let listing = rig.server.requests.filter { $0.path == rig.repoPath("/actions/runs/555/jobs") }
            #expect(listing.count == 2 && listing.allSatisfy { $0.queryItems["filter"] == "latest" })

            let missing = await forgeError { _ = try await rig.forge.failedJobs(inRun: 9) }
            #expect(missing?.code == .notFound)
            expectClear(missing, operation: "list the jobs of workflow run 9", secrets: [rig.token])
        }
    }

    @Test("jobLog: follows the redirect to the log storage without the token, keeps the end, never splits a character")
    func jobLog() async throws {
        try await withGitHub(.actions) { rig throws in
            let log = (1...2000).map { "line \($0) ✓ ok" }.joined(separator: "\n") + "\nerror: test failed ✗\n"
            rig.server.addWorkflowRun(7, jobs: [FakeGitHubJob(id: 70, name: "test", conclusion: "failure", log: log)])
            let job = try #require(try await rig.forge.failedJobs(inRun: 7).first)
            let whole = try await rig.forge.jobLog(job, maxBytes: 1 << 20)
            #expect(whole == log)
            #expect(try await rig.forge.jobLog(job, maxBytes: 25) == "k\nerror: test failed ✗\n")
            #expect(try await rig.forge.jobLog(job, maxBytes: 4) == "✗\n")
            // 3 bytes from the end the cut lands inside "✗" (E2 9C 97): its remains are dropped, not shown as U+FFFD.
            #expect(try await rig.forge.jobLog(job, maxBytes: 3) == "\n")

            // The API got the token; the storage got the signed URL and nothing else.
            let apiLogRequests = rig.server.requests.filter { $0.path == rig.repoPath("/actions/jobs/70/logs") }
            #expect(apiLogRequests.count == 4 && apiLogRequests.allSatisfy { $0.header("Authorization") != nil })
            #expect(rig.server.logRequests.count == 4)
            for request in rig.server.logRequests {
                #expect(request.header("Authorization") == nil)
                #expect(!request.headers.contains { $0.value.contains(rig.token) })
                #expect(request.queryItems["sig"] == "fake-signature-70")
            }
        }
    }

    @Test("jobLog of a long log keeps only its end")
    func longJobLog() async throws {
        try await withGitHub(.actions) { rig throws in
            let log = String(repeating: "noise line\n", count: 400_000) + "FAIL: TestParse (0.01s)\n"
            rig.server.addWorkflowRun(8, jobs: [FakeGitHubJob(id: 80, name: "go test", conclusion: "failure", log: log)])
            let tail = try await rig.forge.jobLog(CIJob(id: 80, name: "go test", conclusion: "failure"), maxBytes: 100)
            #expect(tail.utf8.count == 100)
            #expect(tail.hasSuffix("noise line\nFAIL: TestParse (0.01s)\n"))
        }
    }

    @Test("the log storage refuses and reports a request that carries a token (so the test above can fail)")
    func logStorageCatchesLeaks() async throws {
        try await withGitHub(.actions) { rig throws in
            rig.server.addWorkflowRun(7, jobs: [FakeGitHubJob(id: 70, name: "test", conclusion: "failure", log: "x")])
            let url = try #require(URL(string: rig.server.logStorage.baseURL + "/job-logs/70?sig=fake-signature-70"))
            var request = HTTPRequest(.get, url)
            request.headers.set("Authorization", "Bearer \(rig.token)")
            let response = try await rig.client.send(request)
            #expect(response.status == 400)
            #expect(rig.server.unexpectedRequests.count == 1)
            #expect(rig.server.unexpectedRequests.first?.contains("Authorization") == true)
            // Undo the report so withGitHub's own check passes: the point here was that it was made.
            #expect(rig.server.takeUnexpectedRequests().count == 1)
        }
    }
}
