import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing
@testable import ForgeKit

/// `<package root>/../shared/corpora`, the package root being three levels up from this file.
private let gitHubCorpora: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/corpora").standardizedFileURL.path

private let recordedAnswers = gitHubCorpora + "/api-responses/github/drone-go-scm/testdata"
private let openAPISubset = gitHubCorpora + "/openapi/github/github-subset.json"
/// The whole 2020 description, for the two write endpoints the subset leaves out (statuses, assignees).
private let openAPIFull = gitHubCorpora + "/openapi/github/api.github.com.2020-08.json"

/// GitHub answers recorded by drone/go-scm, served from loopback so the forge's real request
/// and decoding path reads them: our decoding types must take GitHub's real shapes.
@Suite("GitHub forge reads answers recorded from the real API (../shared/corpora)",
       .enabled(if: FileManager.default.fileExists(atPath: recordedAnswers)))
struct GitHubRecordedAnswerTests {
    /// Serves `file` (from the recorded answers) for each "METHOD path"; anything else is a 404 the test sees.
    static func serve(_ routes: [String: (Int, String)]) throws -> (LoopbackHTTPServer, UnexpectedLog) {
        var bodies: [String: (Int, [UInt8])] = [:]
        for (route, (status, file)) in routes {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(recordedAnswers)/\(file)"))
            bodies[route] = (status, Array(data))
        }
        let unexpected = UnexpectedLog()
        let frozen = bodies
        let server = try LoopbackHTTPServer { request in
            if let (status, body) = frozen["\(request.method) \(request.path)"] {
                return LoopbackHTTPResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: body)
            }
            // Check runs are not in the recordings: none exist, and this token may not create them.
            if request.path.hasSuffix("/check-runs") {
                return request.method == "GET"
                    ? .json(200, ["total_count": 0, "check_runs": []])
                    : .json(403, ["message": "You must authenticate via a GitHub App."])
            }
            unexpected.add("\(request.method) \(request.path)")
            return .json(404, ["message": "Not Found"])
        }
        return (server, unexpected)
    }

    final class UnexpectedLog: @unchecked Sendable {  // guarded by `lock`
        private let lock = NSLock()
        private var entries: [String] = []
        func add(_ entry: String) { lock.withLock { entries.append(entry) } }
        var all: [String] { lock.withLock { entries } }
    }

    @Test("repo, issue, comments, pull requests and statuses decode into the forge's values")
    func recordedShapes() async throws {
        let repo = "/repos/octocat/Hello-World"
        let sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
        let (server, unexpected) = try Self.serve([
            "GET \(repo)": (200, "repo.json"),
            "GET \(repo)/issues/1347": (200, "issue.json"),
            "GET \(repo)/issues/1347/comments": (200, "issue_comments.json"),
            "POST \(repo)/issues/1347/comments": (201, "issue_comment.json"),
            "PATCH \(repo)/issues/comments/1": (200, "issue_comment.json"),
            "GET \(repo)/pulls": (200, "pulls.json"),
            "GET \(repo)/pulls/1347": (200, "pr.json"),
            "POST \(repo)/pulls": (201, "pr.json"),
            "GET \(repo)/commits/\(sha)/statuses": (200, "statuses.json"),
            "POST \(repo)/statuses/\(sha)": (201, "status.json"),
        ])
        defer { server.stop() }
        let settings = try ForgeSettings.resolve(forge: .github, repository: "octocat/Hello-World", environment: [
            "GITHUB_API_URL": server.baseURL, "GITHUB_TOKEN": "ghp_recordedAnswersToken",
        ])
        let forge = GitHubForge(settings: settings, client: GitHubRig.client().0)

        let facts = try await forge.repository()
        #expect(facts.defaultBranch == "master" && facts.canPush)
        #expect(facts.cloneURL == "https://github.com/octocat/Hello-World.git" && facts.webURL == "https://github.com/octocat/Hello-World")

        let issue = try await forge.issue(1347)
        #expect(issue.title == "Found a bug" && issue.body == "I'm having a problem with this." && issue.author == "octocat")
        #expect(issue.labels == ["bug"] && issue.state == "open" && issue.isPullRequest)

        let comments = try await forge.comments(onIssue: 1347).collect()
        let written = Date(timeIntervalSince1970: 1_302_796_849)  // 2011-04-14T16:00:49Z, as recorded
        #expect(comments == [IssueComment(id: 1, body: "Me too", author: "octocat",
                                          webURL: "https://github.com/octocat/Hello-World/issues/1347#issuecomment-1",
                                          createdAt: written, updatedAt: written)])
        #expect(try await forge.createComment(onIssue: 1347, body: "Me too").id == 1)
        #expect(try await forge.editComment(1, onIssue: 1347, body: "Me too").body == "Me too")

        let expected = PullRequest(number: 1347, title: "new-feature", body: "Please pull these awesome changes", head: "new-topic",
                                   base: "master", isDraft: false, state: "open",
                                   webURL: "https://github.com/octocat/Hello-World/pull/1347")
        #expect(try await forge.findOpenPullRequest(head: "new-topic") == expected)
        #expect(try await forge.createPullRequest(PullRequestDraft(title: "new-feature", body: "", head: "new-topic", base: "master"))
                == expected)
        // The recorded pull request already has this title, body and base: nothing to write.
        #expect(try await forge.updatePullRequest(1347, to: PullRequestDraft(
            title: "new-feature", body: "Please pull these awesome changes", head: "new-topic", base: "master")) == expected)

        // The recorded list shows this context at success with this description: nothing is posted.
        let shown = CommitStatus(sha: sha, state: .success, name: "continuous-integration/drone",
                                 summary: "Build has completed successfully", targetURL: "https://ci.example.com/1000/output")
        try await forge.setStatus(shown)
        #expect(!server.requests.contains { $0.method == "POST" && $0.path.contains("/statuses/") })
        var changed = shown
        changed.state = .failure
        try await forge.setStatus(changed)
        #expect(server.requests.filter { $0.method == "POST" && $0.path.contains("/statuses/") }.count == 1)
        #expect(unexpected.all == [])
    }
}

/// Every request body the forge writes, checked against GitHub's OpenAPI description.
@Suite("GitHub forge writes what GitHub's OpenAPI description documents (../shared/corpora)",
       .enabled(if: FileManager.default.fileExists(atPath: openAPISubset)))
struct GitHubOpenAPIWriteTests {
    @Test("pull requests, labels, assignees, comments, check runs and statuses conform to the request schemas")
    func writesConform() async throws {
        let subset = try OpenAPIRequestCheck(specPath: openAPISubset)
        let full = FileManager.default.fileExists(atPath: openAPIFull) ? try OpenAPIRequestCheck(specPath: openAPIFull) : nil
        var checked: [String] = []
        func check(_ server: FakeGitHubServer) {
            for request in server.writes {
                let spec = subset.documents(method: request.method, path: request.path) ? subset : full
                guard let spec else {
                    Testing.Issue.record("\(request.method) \(request.path) is in no description")
                    continue
                }
                #expect(spec.violations(method: request.method, path: request.path, body: request.body) == [],
                        "\(request.method) \(request.path): \(request.bodyText)")
                checked.append("\(request.method) \(request.path.split(separator: "/").dropFirst(3).first ?? "")")
            }
        }

        // An Actions token: pull requests, comments, check runs.
        try await withGitHub(.actions) { rig throws in
            rig.server.addUser("reviewer")
            let number = rig.server.addIssue(title: "t")
            var draft = PullRequestDraft(title: "Fix", body: "Fixes #1", head: "codex-bot/1", base: "main", isDraft: true,
                                         labels: ["codex-bot"], assignees: ["reviewer"])
            _ = try await rig.forge.openOrUpdatePullRequest(draft)
            draft.title = "Fix, second round"
            draft.labels.append("tests")
            _ = try await rig.forge.openOrUpdatePullRequest(draft)
            _ = try await rig.forge.upsertComment(onIssue: number, marker: "run-1", body: "Started")
            _ = try await rig.forge.upsertComment(onIssue: number, marker: "run-1", body: "Done")
            let sha = "0123456789abcdef0123456789abcdef01234567"
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .running, summary: "Working", targetURL: "https://ci.test/1"))
            try await rig.forge.setStatus(CommitStatus(sha: sha, state: .failure, summary: "Still failing"))
            check(rig.server)
        }
        // A personal token: commit statuses.
        try await withGitHub { rig throws in
            try await rig.forge.setStatus(CommitStatus(sha: "89abcdef0123456789abcdef0123456789abcdef", state: .success,
                                                       summary: "Green", targetURL: "https://ci.test/2"))
            check(rig.server)
        }
        #expect(Set(checked) == ["POST pulls", "POST issues", "PATCH pulls", "PATCH issues", "POST check-runs",
                                 "PATCH check-runs", "POST statuses"])
        #expect(checked.count == 11)
    }
}
