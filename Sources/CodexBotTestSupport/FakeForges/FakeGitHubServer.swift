// A GitHub REST API in memory, on loopback: the GitHub forge's tests run against it as they
// would against api.github.com. It speaks the documented shapes (field names as in GitHub's
// OpenAPI description and recorded answers), refuses what GitHub refuses (401 without valid
// credentials, 422 for a second open pull request of a branch or a missing title, 403 for a
// personal token creating a check run), and plays the faults a client must survive on demand.
import Foundation

/// A stateful fake of the GitHub REST API for one repository, built on `LoopbackHTTPServer`.
///
/// Every request is recorded (`requests`); a request no route knows is answered 404 *and*
/// listed in `unexpectedRequests`, so a test can assert that none happened (go-github's
/// `setup(t)` idea). Job logs are served the way GitHub serves them: `…/logs` answers 302 to a
/// signed URL on a second server (`logStorage`, another origin), which fails any request that
/// carries an Authorization header and lists it in `unexpectedRequests` too.
///
/// Routes (under `pathPrefix`, e.g. "/api/v3" for GitHub Enterprise):
/// GET /user · GET /app · GET /repos/{o}/{r}/installation · POST /app/installations/{id}/access_tokens ·
/// GET /repos/{o}/{r} · GET /repos/{o}/{r}/issues/{n} · GET|POST /repos/{o}/{r}/issues/{n}/comments ·
/// PATCH /repos/{o}/{r}/issues/comments/{id} · POST /repos/{o}/{r}/issues/{n}/labels|assignees ·
/// GET /repos/{o}/{r}/collaborators/{user}/permission · GET|POST /repos/{o}/{r}/pulls ·
/// GET|PATCH /repos/{o}/{r}/pulls/{n} · GET /repos/{o}/{r}/commits/{sha}/check-runs|statuses ·
/// POST /repos/{o}/{r}/check-runs · PATCH /repos/{o}/{r}/check-runs/{id} · POST /repos/{o}/{r}/statuses/{sha} ·
/// GET /repos/{o}/{r}/actions/runs/{id}/jobs · GET /repos/{o}/{r}/actions/jobs/{id}/logs.
public final class FakeGitHubServer: @unchecked Sendable {  // all mutable state is in `core`, behind its lock
    public let api: LoopbackHTTPServer
    /// The second origin that serves job logs, like GitHub's blob storage.
    public let logStorage: LoopbackHTTPServer
    let core: FakeGitHubCore

    /// - Parameters:
    ///   - owner, name: the one repository this GitHub holds.
    ///   - pathPrefix: where the API lives on the server: "" like api.github.com, "/api/v3" like GitHub Enterprise.
    ///   - now: the clock for token and JWT expiry (tests move it).
    public init(owner: String = "octo-org", name: String = "widgets", pathPrefix: String = "",
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        let core = FakeGitHubCore(owner: owner, name: name, prefix: pathPrefix, now: now)
        self.core = core
        logStorage = try LoopbackHTTPServer(name: "FakeGitHubLogStorage") { request in
            core.lock.withLock { core.serveLog(request) }
        }
        api = try LoopbackHTTPServer(name: "FakeGitHubServer") { request in
            core.lock.withLock { core.handle(request) }
        }
        core.lock.withLock {
            core.serverBase = api.baseURL
            core.logBase = logStorage.baseURL
        }
    }

    deinit { stop() }

    /// Stops both servers. Idempotent.
    public func stop() {
        api.stop()
        logStorage.stop()
    }

    /// The API root to configure as GITHUB_API_URL ("http://127.0.0.1:PORT" plus the path prefix).
    public var apiURL: URL {
        // A loopback address with a port always parses.
        URL(string: api.baseURL + core.prefix)!
    }

    public var repository: String { "\(core.owner)/\(core.name)" }

    // MARK: Credentials

    /// A personal access token of `login` (who becomes a known user). It may read `/user`, sees
    /// `permissions` on the repository (push unless `canPush` is false), and is refused
    /// (403) when it tries to create a check run, as GitHub refuses tokens that are not an App's.
    public func addUserToken(_ token: String, login: String, canPush: Bool = true) {
        core.lock.withLock {
            core.tokens[token] = .user(login: login, canPush: canPush)
            core.users.insert(login.lowercased())
            if canPush, core.collaborators[login.lowercased()] == nil { core.collaborators[login.lowercased()] = "write" }
        }
    }

    /// A token like the Actions `GITHUB_TOKEN`: an installation token of the "github-actions"
    /// app that never expires here; `/user` refuses it with 403.
    public func addActionsToken(_ token: String) {
        core.lock.withLock { core.tokens[token] = .installation(slug: "github-actions", expiresAt: nil) }
    }

    /// Makes `token` unknown: the next request with it gets 401 "Bad credentials".
    public func revoke(_ token: String) {
        _ = core.lock.withLock { core.tokens.removeValue(forKey: token) }
    }

    /// Registers a GitHub App and, when `installed`, its installation on the repository.
    /// Installation tokens it hands out live `tokenLifetime` by the server's clock.
    public func installApp(id: Int64, slug: String, installationID: Int64, installed: Bool = true,
                           tokenLifetime: TimeInterval = 3600,
                           permissions: [String: String] = ["contents": "write", "issues": "write", "pull_requests": "write",
                                                            "checks": "write", "statuses": "write", "actions": "read",
                                                            "metadata": "read"]) {
        core.lock.withLock {
            core.app = FakeGitHubCore.AppRecord(id: id, slug: slug, installationID: installationID, installed: installed,
                                                tokenLifetime: tokenLifetime, permissions: permissions)
        }
    }

    /// The installation tokens handed out so far, oldest first.
    public var issuedInstallationTokens: [String] { core.lock.withLock { core.issued } }

    // MARK: Content

    /// The default branch (also the only base a pull request may have until `addBranch`).
    public func setDefaultBranch(_ branch: String) {
        core.lock.withLock {
            core.defaultBranch = branch
            core.branches.insert(branch)
        }
    }

    /// A branch pull requests may target.
    public func addBranch(_ branch: String) {
        _ = core.lock.withLock { core.branches.insert(branch) }
    }

    /// The `clone_url` the repository reports (default: an https URL under github.test).
    public func setCloneURL(_ url: String) {
        core.lock.withLock { core.cloneURL = url }
    }

    /// Opens an issue and returns its number (issues and pull requests share the numbers).
    @discardableResult
    public func addIssue(title: String, body: String = "", author: String = "octocat", labels: [String] = []) -> Int {
        core.lock.withLock {
            core.users.insert(author.lowercased())
            return core.newIssue(title: title, body: body, author: author, labels: labels, pull: nil)
        }
    }

    /// Opens a pull request as someone else would (no request, no validation) and returns its
    /// number. With `forkOwner` its head is a branch of that owner's fork; with
    /// `forkDeleted` too, the fork is gone and the head's `repo` is null, as GitHub shows it.
    @discardableResult
    public func addPullRequest(title: String, body: String = "", head: String, base: String = "main",
                               author: String = "octocat", isDraft: Bool = false,
                               forkOwner: String? = nil, forkDeleted: Bool = false) -> Int {
        core.lock.withLock {
            var pull = FakeGitHubCore.PullRecord(head: head, headOwner: forkOwner ?? core.owner, base: base, draft: isDraft)
            pull.headRepositoryDeleted = forkOwner != nil && forkDeleted
            return core.newIssue(title: title, body: body, author: author, labels: [], pull: pull)
        }
    }

    /// Closes a pull request (or issue), as its author would on the web.
    public func closePullRequest(_ number: Int) {
        core.lock.withLock { core.issues[number]?.state = "closed" }
    }

    /// Adds a comment to an issue as `author` and returns its ID.
    @discardableResult
    public func addComment(onIssue number: Int, body: String, author: String = "octocat") -> Int64 {
        core.lock.withLock { core.newComment(issue: number, body: body, author: author) }
    }

    /// Gives `login` a role on the repository ("admin", "maintain", "write", "triage", "read",
    /// or a custom role's name, whose legacy permission is `legacy`). Users never added are
    /// unknown to GitHub: their permission query answers 404.
    public func setRole(_ role: String, for login: String, legacy: String? = nil) {
        core.lock.withLock {
            core.users.insert(login.lowercased())
            core.collaborators[login.lowercased()] = role
            if let legacy { core.legacyPermission[login.lowercased()] = legacy }
        }
    }

    /// A user GitHub knows who has no role here (public repository: they may read).
    public func addUser(_ login: String) {
        _ = core.lock.withLock { core.users.insert(login.lowercased()) }
    }

    /// A workflow run with its jobs (of its latest attempt).
    public func addWorkflowRun(_ id: Int64, jobs: [FakeGitHubJob]) {
        core.lock.withLock { core.runs[id] = jobs }
    }

    // MARK: What happened

    /// Every API request, in the order answered.
    public var requests: [LoopbackHTTPRequest] { api.requests }

    /// Every request the log storage received.
    public var logRequests: [LoopbackHTTPRequest] { logStorage.requests }

    /// Requests no route knows, and credentials sent where they must not go: "METHOD /path (why)".
    public var unexpectedRequests: [String] { core.lock.withLock { core.unexpected } }

    /// Returns the unexpected requests so far and forgets them: for a test that provokes one on purpose.
    public func takeUnexpectedRequests() -> [String] {
        core.lock.withLock {
            defer { core.unexpected = [] }
            return core.unexpected
        }
    }

    /// The requests that would change something (everything but GET and HEAD), in order.
    public var writes: [LoopbackHTTPRequest] { requests.filter { $0.method != "GET" && $0.method != "HEAD" } }

    /// How many `method` requests went to exactly `path` (under the prefix, without the query).
    public func count(_ method: String, _ path: String) -> Int {
        requests.filter { $0.method == method && $0.path == core.prefix + path }.count
    }

    public var pullRequests: [FakeGitHubPullRequest] {
        core.lock.withLock { core.issues.values.sorted { $0.number < $1.number }.compactMap { $0.pullRequestSnapshot } }
    }

    public func comments(onIssue number: Int) -> [FakeGitHubComment] {
        core.lock.withLock { core.comments.filter { $0.issue == number } }
    }

    public var checkRuns: [FakeGitHubCheckRun] { core.lock.withLock { core.checkRuns } }

    /// Commit statuses, oldest first.
    public var statuses: [FakeGitHubCommitStatus] { core.lock.withLock { core.statuses } }

    // MARK: Faults

    /// The next `count` requests whose method is `method` ("*" for any) and whose path under
    /// the prefix starts with `pathPrefix` get `response` instead of their normal answer,
    /// before credentials are checked. Faults are used up in the order they were added.
    public func failNext(_ count: Int = 1, _ method: String, _ pathPrefix: String, with response: LoopbackHTTPResponse) {
        core.lock.withLock {
            core.faults.append(FakeGitHubCore.Fault(method: method, pathPrefix: pathPrefix, remaining: count, response: response))
        }
    }

    /// How many fault answers are still waiting to be given.
    public var pendingFaults: Int { core.lock.withLock { core.faults.reduce(0) { $0 + $1.remaining } } }
}

// MARK: - Snapshots

/// A job of a workflow run, with the log the storage serves for it.
public struct FakeGitHubJob: Sendable {
    public var id: Int64
    public var name: String
    /// "completed", "in_progress", "queued".
    public var status: String
    /// "success", "failure", "cancelled", "timed_out", … ; nil while running.
    public var conclusion: String?
    public var log: [UInt8]

    public init(id: Int64, name: String, status: String = "completed", conclusion: String?, log: String = "") {
        self.init(id: id, name: name, status: status, conclusion: conclusion, logBytes: Array(log.utf8))
    }

    public init(id: Int64, name: String, status: String = "completed", conclusion: String?, logBytes: [UInt8]) {
        self.id = id
        self.name = name
        self.status = status
        self.conclusion = conclusion
        self.log = logBytes
    }
}

public struct FakeGitHubPullRequest: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var body: String
    public var head: String
    public var base: String
    public var isDraft: Bool
    /// "open" or "closed".
    public var state: String
    public var labels: [String]
    public var assignees: [String]
    public var author: String
}

public struct FakeGitHubComment: Sendable, Equatable {
    public var id: Int64
    public var issue: Int
    public var body: String
    public var author: String
    /// By the server's clock: when the comment was written, and last edited.
    public var createdAt = Date()
    public var updatedAt = Date()
}

public struct FakeGitHubCheckRun: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var headSHA: String
    public var status: String
    public var conclusion: String?
    public var title: String?
    public var summary: String?
    public var detailsURL: String?
}

public struct FakeGitHubCommitStatus: Sendable, Equatable {
    public var id: Int64
    public var sha: String
    public var state: String
    public var context: String
    public var description: String?
    public var targetURL: String?
    public var creator: String
}
