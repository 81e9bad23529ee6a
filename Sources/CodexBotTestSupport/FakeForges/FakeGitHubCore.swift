// The state and routes of FakeGitHubServer. Every method here runs with `lock` held: the
// server's handlers take it for the whole request, so requests on parallel connections are
// served one at a time, as a tiny single-threaded GitHub.
import Foundation

final class FakeGitHubCore: @unchecked Sendable {  // every field is guarded by `lock`
    let lock = NSLock()
    let owner: String
    let name: String
    let prefix: String
    let now: @Sendable () -> Date
    var serverBase = ""
    var logBase = ""

    enum Identity {
        case user(login: String, canPush: Bool)
        /// An installation token; `expiresAt` nil never expires (the Actions token here).
        case installation(slug: String, expiresAt: Date?)

        var login: String {
            switch self {
            case .user(let login, _): login
            case .installation(let slug, _): "\(slug)[bot]"
            }
        }
    }

    struct AppRecord {
        var id: Int64
        var slug: String
        var installationID: Int64
        var installed: Bool
        var tokenLifetime: TimeInterval
        var permissions: [String: String]
    }

    struct PullRecord {
        var head: String
        var headOwner: String
        var base: String
        var draft: Bool
        var mergedAt: Date?
        /// A fork's pull request whose fork was deleted: GitHub then sends `head.repo: null`.
        var headRepositoryDeleted = false
    }

    struct IssueRecord {
        var number: Int
        var title: String
        var body: String
        var author: String
        var labels: [String]
        var assignees: [String] = []
        var state = "open"
        var createdAt: Date
        var pull: PullRecord?

        var pullRequestSnapshot: FakeGitHubPullRequest? {
            guard let pull else { return nil }
            return FakeGitHubPullRequest(number: number, title: title, body: body, head: pull.head, base: pull.base,
                                         isDraft: pull.draft, state: state, labels: labels, assignees: assignees, author: author)
        }
    }

    struct Fault {
        var method: String
        var pathPrefix: String
        var remaining: Int
        var response: LoopbackHTTPResponse
    }

    var tokens: [String: Identity] = [:]
    var app: AppRecord?
    var issued: [String] = []
    var defaultBranch = "main"
    var branches: Set<String> = ["main"]
    var cloneURL: String
    var issues: [Int: IssueRecord] = [:]
    var nextNumber = 1
    var comments: [FakeGitHubComment] = []
    var nextCommentID: Int64 = 5001
    /// Lower-cased logins GitHub knows, and the roles of those who have one.
    var users: Set<String> = []
    var collaborators: [String: String] = [:]
    var legacyPermission: [String: String] = [:]
    var checkRuns: [FakeGitHubCheckRun] = []
    var nextCheckRunID: Int64 = 7001
    var statuses: [FakeGitHubCommitStatus] = []
    var nextStatusID: Int64 = 9001
    var runs: [Int64: [FakeGitHubJob]] = [:]
    var faults: [Fault] = []
    var unexpected: [String] = []

    init(owner: String, name: String, prefix: String, now: @escaping @Sendable () -> Date) {
        self.owner = owner
        self.name = name
        var trimmed = prefix
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.prefix = trimmed
        self.now = now
        cloneURL = "https://github.test/\(owner)/\(name).git"
    }

    var fullName: String { "\(owner)/\(name)" }
    var webBase: String { "https://github.test/\(owner)/\(name)" }
    var apiBase: String { serverBase + prefix }

    func newIssue(title: String, body: String, author: String, labels: [String], pull: PullRecord?) -> Int {
        let number = nextNumber
        nextNumber += 1
        issues[number] = IssueRecord(number: number, title: title, body: body, author: author, labels: labels,
                                     createdAt: now(), pull: pull)
        return number
    }

    func newComment(issue: Int, body: String, author: String) -> Int64 {
        let id = nextCommentID
        nextCommentID += 1
        let date = now()
        comments.append(FakeGitHubComment(id: id, issue: issue, body: body, author: author, createdAt: date, updatedAt: date))
        return id
    }

    // MARK: Dispatch

    /// A request after the route matched: its captured path parts, query, body and caller.
    struct Call {
        var request: LoopbackHTTPRequest
        var parts: [String]
        var identity: Identity
        var query: [String: String] { request.queryItems }
        var object: [String: Any]? { request.jsonObject }
    }

    func handle(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        let label = "\(request.method) \(request.path)"
        guard request.path == prefix || request.path.hasPrefix(prefix + "/") else {
            unexpected.append("\(label) (outside the API prefix \"\(prefix)\")")
            return FakeGitHubReplies.notFound()
        }
        let path = String(request.path.dropFirst(prefix.count))
        if let index = faults.firstIndex(where: { ($0.method == "*" || $0.method == request.method) && path.hasPrefix($0.pathPrefix) }) {
            faults[index].remaining -= 1
            let response = faults[index].response
            if faults[index].remaining <= 0 { faults.remove(at: index) }
            return response
        }
        let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }

        // The App's own endpoints take its JWT, not a token.
        for route in appRoutes {
            guard route.method == request.method, let parts = Self.match(route.pattern, segments) else { continue }
            return route.handler(self)(request, parts)
        }
        for route in tokenRoutes {
            guard route.method == request.method, let parts = Self.match(route.pattern, segments) else { continue }
            guard let identity = authenticate(request) else { return FakeGitHubReplies.badCredentials() }
            if route.pattern.first == "repos" {
                guard parts.count >= 2, parts[0].caseInsensitiveCompare(owner) == .orderedSame,
                      parts[1].caseInsensitiveCompare(name) == .orderedSame
                else { return FakeGitHubReplies.notFound() }
            }
            return route.handler(self)(Call(request: request, parts: parts, identity: identity))
        }
        unexpected.append("\(label) (no such route in the fake)")
        return FakeGitHubReplies.notFound()
    }

    /// The captured segments ("*" in the pattern) when `segments` fits `pattern`.
    static func match(_ pattern: [String], _ segments: [String]) -> [String]? {
        guard pattern.count == segments.count else { return nil }
        var parts: [String] = []
        for (expected, actual) in zip(pattern, segments) {
            if expected == "*" {
                parts.append(actual)
            } else if expected != actual {
                return nil
            }
        }
        return parts
    }

    private func authenticate(_ request: LoopbackHTTPRequest) -> Identity? {
        guard let header = request.header("Authorization") else { return nil }
        let token: Substring
        if header.hasPrefix("Bearer ") {
            token = header.dropFirst("Bearer ".count)
        } else if header.hasPrefix("token ") {
            token = header.dropFirst("token ".count)
        } else {
            return nil
        }
        guard let identity = tokens[String(token)] else { return nil }
        if case .installation(_, let expiresAt?) = identity, expiresAt <= now() { return nil }
        return identity
    }

    typealias TokenRoute = (method: String, pattern: [String], handler: (FakeGitHubCore) -> (Call) -> LoopbackHTTPResponse)
    typealias AppRoute = (method: String, pattern: [String],
                          handler: (FakeGitHubCore) -> (LoopbackHTTPRequest, [String]) -> LoopbackHTTPResponse)

    private var appRoutes: [AppRoute] {
        [
            ("GET", ["app"], FakeGitHubCore.getApp),
            ("GET", ["repos", "*", "*", "installation"], FakeGitHubCore.getInstallation),
            ("POST", ["app", "installations", "*", "access_tokens"], FakeGitHubCore.createAccessToken),
        ]
    }

    private var tokenRoutes: [TokenRoute] {
        let repo = ["repos", "*", "*"]
        return [
            ("GET", ["user"], FakeGitHubCore.getUser),
            ("GET", repo, FakeGitHubCore.getRepository),
            ("GET", repo + ["issues", "*"], FakeGitHubCore.getIssue),
            ("GET", repo + ["issues", "*", "comments"], FakeGitHubCore.listComments),
            ("POST", repo + ["issues", "*", "comments"], FakeGitHubCore.createComment),
            ("PATCH", repo + ["issues", "comments", "*"], FakeGitHubCore.editComment),
            ("POST", repo + ["issues", "*", "labels"], FakeGitHubCore.addLabels),
            ("POST", repo + ["issues", "*", "assignees"], FakeGitHubCore.addAssignees),
            ("GET", repo + ["collaborators", "*", "permission"], FakeGitHubCore.getPermission),
            ("GET", repo + ["pulls"], FakeGitHubCore.listPulls),
            ("POST", repo + ["pulls"], FakeGitHubCore.createPull),
            ("GET", repo + ["pulls", "*"], FakeGitHubCore.getPull),
            ("PATCH", repo + ["pulls", "*"], FakeGitHubCore.updatePull),
            ("GET", repo + ["commits", "*", "check-runs"], FakeGitHubCore.listCheckRuns),
            ("POST", repo + ["check-runs"], FakeGitHubCore.createCheckRun),
            ("PATCH", repo + ["check-runs", "*"], FakeGitHubCore.updateCheckRun),
            ("GET", repo + ["commits", "*", "statuses"], FakeGitHubCore.listStatuses),
            ("POST", repo + ["statuses", "*"], FakeGitHubCore.createStatus),
            ("GET", repo + ["actions", "runs", "*", "jobs"], FakeGitHubCore.listJobs),
            ("GET", repo + ["actions", "jobs", "*", "logs"], FakeGitHubCore.jobLogs),
        ]
    }

    // MARK: Pagination

    /// One page of `items` per `page` and `per_page` (default 30, at most 100, as GitHub), with
    /// a `Link` header of next/last/first/prev pointing back at this server.
    func paged(_ items: [Any], _ call: Call, wrap: ((Int, [Any]) -> Any)? = nil) -> LoopbackHTTPResponse {
        let query = call.query
        let perPage = min(100, max(1, query["per_page"].flatMap { Int($0) } ?? 30))
        let page = max(1, query["page"].flatMap { Int($0) } ?? 1)
        let lastPage = max(1, (items.count + perPage - 1) / perPage)
        let start = min(items.count, (page - 1) * perPage)
        let slice = Array(items[start..<min(items.count, start + perPage)])
        var links: [String] = []
        func link(_ number: Int, _ relation: String) {
            var pairs = call.request.query.split(separator: "&").map(String.init).filter { !$0.hasPrefix("page=") }
            pairs.append("page=\(number)")
            links.append("<\(serverBase)\(call.request.path)?\(pairs.joined(separator: "&"))>; rel=\"\(relation)\"")
        }
        if page < lastPage {
            link(page + 1, "next")
            link(lastPage, "last")
        }
        if page > 1 {
            link(1, "first")
            link(page - 1, "prev")
        }
        let headers = links.isEmpty ? [] : [("Link", links.joined(separator: ", "))]
        return .json(200, wrap.map { $0(items.count, slice) } ?? slice, headers: headers)
    }
}
