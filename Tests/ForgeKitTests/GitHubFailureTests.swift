import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing
@testable import ForgeKit

/// Bad answers and refusals: each must end in a `ForgeError` that names the call, says what
/// was wrong, and shows no token; retries happen only where they are safe and are recorded,
/// never slept through.
@Suite("GitHub forge: bad answers, refusals and rate limits")
struct GitHubFailureTests {
    static let readRepository = "read the repository"

    @Test("malformed JSON is a bad response that says so")
    func malformedJSON() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.malformedJSON())
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .badResponse)
            #expect(error?.message.contains("not valid JSON") == true)
            expectClear(error, operation: Self.readRepository, secrets: [rig.token])
        }
    }

    @Test("an HTML page where JSON belongs is a bad response naming the page and the base URL setting")
    func htmlPage() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.htmlPage(title: "Sign in to your proxy"))
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .badResponse)
            #expect(error?.message.contains("Sign in to your proxy") == true)
            #expect(error?.hint?.contains("GITHUB_API_URL") == true)
            expectClear(error, operation: Self.readRepository, secrets: [rig.token])
        }
    }

    @Test("an answer without a documented field names the field")
    func missingField() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.json(200, [
                "default_branch": "main", "html_url": "https://github.test/octo-org/widgets",
            ]))
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .badResponse)
            #expect(error?.message.contains("\"clone_url\" is missing") == true)
            expectClear(error, operation: Self.readRepository, secrets: [rig.token])

            let number = rig.server.addIssue(title: "t")
            rig.server.failNext(1, "GET", rig.repoPath("/issues/\(number)/comments"),
                                with: FakeGitHubReplies.json(200, [["body": "no id"]]))
            let listing = await forgeError { _ = try await rig.forge.comments(onIssue: number).collect() }
            #expect(listing?.message.contains("\"id\" is missing in [0]") == true)
            expectClear(listing, operation: "list the comments of issue #\(number)", secrets: [rig.token])
        }
    }

    @Test("a truncated body is retried for a read, then reported as a bad response")
    func truncatedBody() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.truncated())
            #expect(try await rig.forge.repository().defaultBranch == "main")  // the retry got the whole answer
            #expect(rig.sleeps.recorded.count == 1)

            rig.server.failNext(10, "GET", rig.repoPath(), with: FakeGitHubReplies.truncated())
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .badResponse)
            #expect(error?.underlying?.code == .truncated)
            expectClear(error, operation: Self.readRepository, secrets: [rig.token])
        }
    }

    @Test("401 for an expired token: unauthorized, naming where the token came from, tried once")
    func expiredToken() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.badCredentials())
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .unauthorized && error?.status == 401)
            #expect(error?.message == "Bad credentials")
            #expect(error?.hint?.contains("GITHUB_TOKEN") == true)
            expectClear(error, operation: Self.readRepository, secrets: [rig.token])
            #expect(rig.server.requests.count == 1)
        }
    }

    @Test("a rate limit that resets in an hour fails at once with rateLimited, saying when it resets")
    func hourLongRateLimit() async throws {
        try await withGitHub { rig throws in
            let reset = Date().addingTimeInterval(3600)
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.rateLimitExhausted(resetsAt: reset))
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .rateLimited)
            let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: reset.timeIntervalSince1970.rounded(.down)))
            #expect(error?.message.contains(when) == true, "\(String(describing: error))")
            #expect(error?.message.contains("API rate limit exceeded") == true)
            expectClear(error, operation: Self.readRepository, secrets: [rig.token])
            #expect(rig.sleeps.recorded.isEmpty)
            #expect(rig.server.requests.count == 1)
        }
    }

    @Test("429 with Retry-After: 1 is waited out (recorded, not slept) and retried, a POST included")
    func retryAfter() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "t")
            rig.server.failNext(1, "POST", rig.repoPath("/issues/\(number)/comments"),
                                with: FakeGitHubReplies.tooManyRequests(retryAfter: 1))
            _ = try await rig.forge.createComment(onIssue: number, body: "hello")
            let waits = rig.sleeps.recorded
            #expect(waits.count == 1 && waits[0] >= .seconds(1) && waits[0] < .seconds(2))
            // Refused without being acted on, then written once.
            #expect(rig.server.count("POST", rig.repoPath("/issues/\(number)/comments")) == 2)
            #expect(rig.server.comments(onIssue: number).count == 1)
        }
    }

    @Test("a secondary rate limit without Retry-After waits the minute GitHub asks for")
    func secondaryRateLimit() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(1, "GET", rig.repoPath(), with: FakeGitHubReplies.secondaryRateLimit())
            _ = try await rig.forge.repository()
            let waits = rig.sleeps.recorded
            #expect(waits.count == 1 && waits[0] >= .seconds(60) && waits[0] < .seconds(62))
        }
    }

    @Test("500: a read is retried; a write that may have happened is not sent again")
    func serverErrors() async throws {
        try await withGitHub { rig throws in
            rig.server.failNext(2, "GET", rig.repoPath(), with: FakeGitHubReplies.serverError())
            _ = try await rig.forge.repository()
            #expect(rig.server.count("GET", rig.repoPath()) == 3)
            #expect(rig.sleeps.recorded.count == 2)

            rig.server.failNext(1, "POST", rig.repoPath("/pulls"), with: FakeGitHubReplies.serverError())
            let draft = PullRequestDraft(title: "Fix", body: "", head: "topic", base: "main")
            let error = await forgeError { _ = try await rig.forge.createPullRequest(draft) }
            #expect(error?.code == .unavailable && error?.status == 500)
            expectClear(error, operation: "open a pull request for topic", secrets: [rig.token])
            #expect(rig.server.count("POST", rig.repoPath("/pulls")) == 1)
        }
    }

    @Test("403 that is no rate limit is forbidden, with the server's words")
    func forbidden() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "t")
            rig.server.failNext(1, "POST", rig.repoPath("/issues/\(number)/comments"),
                                with: FakeGitHubReplies.error(403, "Resource not accessible by personal access token"))
            let error = await forgeError { _ = try await rig.forge.createComment(onIssue: number, body: "x") }
            #expect(error?.code == .forbidden)
            #expect(error?.message == "Resource not accessible by personal access token")
            expectClear(error, operation: "comment on issue #\(number)", secrets: [rig.token])
            #expect(rig.server.comments(onIssue: number).isEmpty)
        }
    }

    @Test("a Link header to another host is refused: the token stays with the API")
    func foreignNextPage() async throws {
        try await withGitHub { rig throws in
            let number = rig.server.addIssue(title: "t")
            rig.server.failNext(1, "GET", rig.repoPath("/issues/\(number)/comments"), with: LoopbackHTTPResponse.json(
                200, [["id": 1, "body": "a", "user": ["login": "x"]]],
                headers: [("Link", "<http://127.0.0.2:1/steal?page=2>; rel=\"next\"")]))
            let error = await forgeError { _ = try await rig.forge.comments(onIssue: number).collect() }
            #expect(error?.code == .badResponse && error?.message.contains("another host") == true)
        }
    }
}
