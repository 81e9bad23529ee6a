// A stateful, in-memory Gitea (REST v1, the shapes of swagger 1.27) on 127.0.0.1 for the forge
// client's tests: one repository, its issues and pull requests (one numbering, as in Gitea),
// comments, labels, collaborators, commit statuses and Actions jobs, refusing what Gitea refuses.
import Foundation

/// A fake Gitea under `apiURL` ("http://127.0.0.1:PORT/api/v1").
///
/// - Auth: `Authorization: token T` (or `Bearer T`); none is 401 `{"message":"token is required"}`.
///   GET /version answers without one, as Gitea's does.
/// - Lists honour `page`/`limit` (default 30, at most 50) with `Link` and `X-Total-Count`; issue
///   comments come all at once, as Gitea's endpoint takes no paging parameters.
/// - A second open pull request for the same head and base is 409 "pull request already exists
///   for these targets"; labels are label IDs; only repository admins may read another user's
///   permission (403 otherwise); an old `version` lacks the Actions endpoints (404).
/// - `failNext` makes the next N requests that match answer a given fault (see `FakeForgeFault`).
/// - Every request is recorded (`requests`); requests for routes the fake does not know get a
///   404 and are listed in `unexpectedRequests`, so a test can assert there were none.
public final class FakeGiteaServer: @unchecked Sendable {  // all state is guarded by `lock`
    public struct Comment: Sendable, Equatable {
        public var id: Int64
        public var body: String
        public var author: String
    }

    public struct PullRequest: Sendable, Equatable {
        public var number: Int
        public var title: String
        public var body: String
        public var head: String
        public var base: String
        public var labelIDs: [Int64]
        public var assignees: [String]
        /// "open" or "closed".
        public var state: String
        public var fromFork: Bool
        /// A fork's pull request whose fork was deleted: `head.repo` is null, `head.repo_id` -1.
        public var forkDeleted = false
        public var edits: Int

        /// Gitea's reading of the title with the default WORK_IN_PROGRESS_PREFIXES.
        public var isDraft: Bool { FakeGiteaServer.isDraftTitle(title) }
    }

    public struct Status: Sendable, Equatable {
        public var sha: String
        public var context: String
        public var state: String
        public var description: String?
        public var targetURL: String?

        public init(sha: String, context: String, state: String, description: String?, targetURL: String?) {
            self.sha = sha
            self.context = context
            self.state = state
            self.description = description
            self.targetURL = targetURL
        }
    }

    public struct Job: Sendable {
        public var id: Int64
        public var name: String
        /// "completed", "in_progress", …
        public var status: String
        /// "failure", "success", "cancelled", "skipped"; empty while running.
        public var conclusion: String
        public var log: String

        public init(id: Int64, name: String, status: String = "completed", conclusion: String = "failure", log: String = "") {
            self.id = id
            self.name = name
            self.status = status
            self.conclusion = conclusion
            self.log = log
        }
    }

    public let owner: String
    public let name: String
    public let token: String
    public let viewer: String
    public let repositoryID: Int64 = 7

    private let http: LoopbackHTTPServer
    private let faults = FakeForgeFaultQueue()
    private let lock = NSLock()
    private var serverVersion = "1.27.1"
    private var branch = "main"
    private var ownerIsOrganization = true
    private var users: [String] = []
    private var permissions: [String: String] = [:]
    private var issues: [Int: (title: String, body: String, author: String, labels: [String], state: String)] = [:]
    private var pulls: [Int: PullRequest] = [:]
    private var commentsByIndex: [Int: [Comment]] = [:]
    private var repoLabels: [(id: Int64, name: String)] = []
    private var orgLabels: [(id: Int64, name: String)] = []
    private var statusList: [Status] = []
    private var runs: [Int64: [Job]] = [:]
    private var unexpected: [String] = []
    private var lastIndex = 0
    private var lastID: Int64 = 100

    public init(owner: String = "acme", name: String = "widgets", token: String = "FAKE-gitea-token-secret-0003",
                viewer: String = "codex-bot") throws {
        let box = FakeForgeHandlerBox<FakeGiteaServer>()
        http = try LoopbackHTTPServer(name: "FakeGiteaServer") { request in
            box.target?.handle(request) ?? .json(503, ["message": "the fake is gone"])
        }
        self.owner = owner
        self.name = name
        self.token = token
        self.viewer = viewer
        users = [viewer]
        permissions[viewer] = "write"
        box.target = self
    }

    deinit { http.stop() }

    public func stop() { http.stop() }

    /// "http://127.0.0.1:PORT": the web root (GITHUB_SERVER_URL in Gitea Actions).
    public var baseURL: String { http.baseURL }
    /// "http://127.0.0.1:PORT/api/v1" (GITHUB_API_URL in Gitea Actions).
    public var apiURL: String { http.baseURL + "/api/v1" }

    /// Every request answered so far, faults included, in order.
    public var requests: [LoopbackHTTPRequest] { http.requests }
    /// Requests for routes this fake does not know ("GET /api/v1/…"), in order.
    public var unexpectedRequests: [String] { lock.withLock { unexpected } }

    /// The next `count` requests whose method (nil: any) and path after "/api/v1" start as
    /// given get `response` instead of the fake's own answer.
    public func failNext(_ count: Int = 1, _ method: String? = nil, pathPrefix: String, with response: LoopbackHTTPResponse) {
        faults.add(count: count, method: method, pathPrefix: pathPrefix, response: response)
    }

    /// Drops the faults not served yet.
    public func clearFaults() { faults.removeAll() }

    // MARK: Seeding and reading state

    /// What GET /version says ("1.27.1" at first; Forgejo says "11.0.1+gitea-1.22.0"). Before
    /// 1.25 the jobs of a run are missing, before 1.24 the job logs too.
    public var version: String {
        get { lock.withLock { serverVersion } }
        set { lock.withLock { serverVersion = newValue } }
    }

    /// The viewer's permission on the repository: "read", "write" (at first), "admin" or "owner".
    public var viewerPermission: String {
        get { lock.withLock { permissions[viewer] ?? "none" } }
        set { lock.withLock { permissions[viewer] = newValue } }
    }

    /// Whether the owner is an organization (with labels of its own) rather than a user.
    public var ownerIsOrg: Bool {
        get { lock.withLock { ownerIsOrganization } }
        set { lock.withLock { ownerIsOrganization = newValue } }
    }

    /// Adds a user, a collaborator when `permission` is given ("read", "write", "admin", "owner").
    public func addUser(_ username: String, permission: String? = nil) {
        lock.withLock {
            if !users.contains(username) { users.append(username) }
            if let permission { permissions[username] = permission }
        }
    }

    /// Adds an issue and returns its number (issues and pull requests share the numbering).
    @discardableResult
    public func addIssue(title: String, body: String, author: String = "reporter", labels: [String] = [], state: String = "open") -> Int {
        lock.withLock {
            if !users.contains(author) { users.append(author) }
            lastIndex += 1
            issues[lastIndex] = (title, body, author, labels, state)
            return lastIndex
        }
    }

    @discardableResult
    public func addComment(toIssue number: Int, body: String, author: String) -> Int64 {
        lock.withLock {
            if !users.contains(author) { users.append(author) }
            let id = nextID()
            commentsByIndex[number, default: []].append(Comment(id: id, body: body, author: author))
            return id
        }
    }

    /// Adds an open pull request (from a fork when `fromFork`, one since deleted when
    /// `forkDeleted` too) and returns its number.
    @discardableResult
    public func addPullRequest(head: String, base: String = "main", title: String, fromFork: Bool = false,
                               forkDeleted: Bool = false, state: String = "open") -> Int {
        lock.withLock {
            lastIndex += 1
            var pull = PullRequest(number: lastIndex, title: title, body: "", head: head, base: base, labelIDs: [],
                                   assignees: [], state: state, fromFork: fromFork, edits: 0)
            pull.forkDeleted = fromFork && forkDeleted
            pulls[lastIndex] = pull
            return lastIndex
        }
    }

    /// Adds a repository label (or, with `organization`, one of the owner's) and returns its ID.
    @discardableResult
    public func addLabel(_ name: String, organization: Bool = false) -> Int64 {
        lock.withLock {
            let id = nextID()
            if organization { orgLabels.append((id, name)) } else { repoLabels.append((id, name)) }
            return id
        }
    }

    public func addRun(_ id: Int64, jobs: [Job]) {
        lock.withLock { runs[id] = jobs }
    }

    public func comments(onIssue number: Int) -> [Comment] { lock.withLock { commentsByIndex[number] ?? [] } }
    public var pullRequests: [PullRequest] { lock.withLock { pulls.values.sorted { $0.number < $1.number } } }
    public var statuses: [Status] { lock.withLock { statusList } }
    /// The names of the labels on pull request `number`.
    public func labels(onPullRequest number: Int) -> [String] {
        lock.withLock { (pulls[number]?.labelIDs ?? []).compactMap { labelName($0) } }
    }

    // MARK: Serving

    private func handle(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        guard request.path.hasPrefix("/api/v1/") else { return lock.withLock { unknown(request) } }
        let path = String(request.path.dropFirst("/api/v1".count))
        if let fault = faults.take(method: request.method, path: path) { return fault }
        return lock.withLock {
            let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
            if request.method == "GET" && segments == ["version"] { return .json(200, ["version": serverVersion]) }
            guard let authorization = request.header("Authorization") else {
                return .json(401, ["message": "token is required", "url": "\(webRoot(request))/api/swagger"])
            }
            guard authorization == "token \(token)" || authorization == "Bearer \(token)" else {
                return .json(401, ["message": "invalid username, password or token", "url": "\(webRoot(request))/api/swagger"])
            }
            return route(request, segments)
        }
    }

    private func route(_ request: LoopbackHTTPRequest, _ segments: [String]) -> LoopbackHTTPResponse {
        switch (request.method, segments.first) {
        case ("GET", "user") where segments.count == 1:
            return .json(200, userJSON(viewer, request))
        case ("GET", "orgs") where segments.count == 3 && segments[2] == "labels":
            guard segments[1] == owner, ownerIsOrganization else { return notFound(request) }
            return page(orgLabels.map { labelJSON($0, request) }, request)
        case (_, "repos") where segments.count >= 3:
            guard segments[1].caseInsensitiveCompare(owner) == .orderedSame, segments[2].caseInsensitiveCompare(name) == .orderedSame
            else { return notFound(request) }
            return routeRepository(request, Array(segments.dropFirst(3)))
        default:
            return unknown(request)
        }
    }

    private func routeRepository(_ request: LoopbackHTTPRequest, _ rest: [String]) -> LoopbackHTTPResponse {
        let method = request.method
        switch (method, rest.count, rest.first) {
        case ("GET", 0, _):
            return .json(200, repositoryJSON(request))
        case ("GET", 2, "issues"):
            guard let number = Int(rest[1]), issues[number] != nil || pulls[number] != nil else { return notFound(request) }
            return .json(200, issueJSON(number, request))
        case ("GET", 3, "issues") where rest[2] == "comments":
            guard let number = Int(rest[1]), issues[number] != nil || pulls[number] != nil else { return notFound(request) }
            let all = (commentsByIndex[number] ?? []).map { commentJSON($0, number: number, request) }
            // No paging on this endpoint (the swagger lists none): every comment, and the count.
            return .json(200, all, headers: [("X-Total-Count", String(all.count))])
        case ("POST", 3, "issues") where rest[2] == "comments":
            guard let number = Int(rest[1]), issues[number] != nil || pulls[number] != nil else { return notFound(request) }
            guard let body = request.jsonObject?["body"] as? String, !body.isEmpty else { return validation("[Body]: Required") }
            let comment = Comment(id: nextID(), body: body, author: viewer)
            commentsByIndex[number, default: []].append(comment)
            return .json(201, commentJSON(comment, number: number, request))
        case ("PATCH", 3, "issues") where rest[1] == "comments":
            guard let id = Int64(rest[2]),
                  let (number, index) = commentsByIndex.lazy.compactMap({ key, list in list.firstIndex { $0.id == id }.map { (key, $0) } }).first,
                  var comment = commentsByIndex[number]?[index]
            else { return notFound(request) }
            guard comment.author == viewer || ["admin", "owner"].contains(permissions[viewer] ?? "") else {
                return .json(403, ["message": "user should be the poster or an admin", "url": "\(webRoot(request))/api/swagger"])
            }
            guard let body = request.jsonObject?["body"] as? String, !body.isEmpty else { return validation("[Body]: Required") }
            comment.body = body
            commentsByIndex[number]?[index] = comment
            return .json(200, commentJSON(comment, number: number, request))
        case ("POST", 3, "issues") where rest[2] == "labels":
            guard let number = Int(rest[1]), pulls[number] != nil || issues[number] != nil else { return notFound(request) }
            guard let ids = (request.jsonObject?["labels"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.int64Value }),
                  ids.allSatisfy({ labelName($0) != nil })
            else { return validation("[Labels]: label does not exist") }
            for id in ids where pulls[number]?.labelIDs.contains(id) == false { pulls[number]?.labelIDs.append(id) }
            return .json(200, (pulls[number]?.labelIDs ?? []).map { id in labelJSON((id, labelName(id) ?? ""), request) })
        case ("GET", 3, "collaborators") where rest[2] == "permission":
            let user = rest[1]
            guard users.contains(user) else {
                return .json(404, ["message": "user does not exist [uid: 0, name: \(user)]", "url": "\(webRoot(request))/api/swagger"])
            }
            guard user == viewer || ["admin", "owner"].contains(permissions[viewer] ?? "") else {
                return .json(403, ["message": "Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own",
                                   "url": "\(webRoot(request))/api/swagger"])
            }
            let level = permissions[user] ?? "none"
            return .json(200, ["permission": level, "role_name": level, "user": userJSON(user, request)])
        case ("GET", 1, "labels"):
            return page(repoLabels.map { labelJSON($0, request) }, request)
        case ("GET", 1, "pulls"):
            let state = request.queryItems["state"] ?? "open"
            let list = pulls.values.sorted { $0.number > $1.number }.filter { state == "all" || $0.state == state }
            return page(list.map { pullJSON($0, request) }, request)
        case ("POST", 1, "pulls"):
            return createPull(request)
        case ("GET", 2, "pulls"):
            guard let number = Int(rest[1]), let pull = pulls[number] else { return notFound(request) }
            return .json(200, pullJSON(pull, request))
        case ("PATCH", 2, "pulls"):
            return editPull(request, number: Int(rest[1]))
        case ("POST", 2, "statuses"):
            guard let body = request.jsonObject else { return validation("the body is not a JSON object") }
            let states = ["pending", "success", "error", "failure", "warning", "skipped"]
            guard let state = body["state"] as? String, states.contains(state) else { return validation("[State]: invalid state") }
            let status = Status(sha: rest[1], context: body["context"] as? String ?? "default", state: state,
                                description: body["description"] as? String, targetURL: body["target_url"] as? String)
            statusList.append(status)
            return .json(201, ["id": nextID(), "status": state, "context": status.context, "description": status.description ?? "",
                               "target_url": status.targetURL ?? "", "creator": userJSON(viewer, request),
                               "created_at": Self.timestamp, "updated_at": Self.timestamp,
                               "url": "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/statuses/\(rest[1])"] as [String: Any])
        case ("GET", 4, "actions") where rest[1] == "runs" && rest[3] == "jobs":
            // Gitea before 1.25 has no such route: a plain 404, which is no surprise to the test.
            guard versionAtLeast(1, 25) else { return .json(404, ["message": "not found"]) }
            guard let id = Int64(rest[2]), let jobs = runs[id] else { return notFound(request) }
            let limit = min(50, max(1, Int(request.queryItems["limit"] ?? "") ?? 30))
            let slice = FakeForgePage.slice(jobs.map { jobJSON($0, run: id, request) }, request: request,
                                            page: Int(request.queryItems["page"] ?? "") ?? 1, perPage: limit)
            return .json(200, ["jobs": slice.items, "total_count": jobs.count] as [String: Any], headers: slice.headers)
        case ("GET", 4, "actions") where rest[1] == "jobs" && rest[3] == "logs":
            guard versionAtLeast(1, 24) else { return .json(404, ["message": "not found"]) }
            guard let id = Int64(rest[2]), let job = runs.values.joined().first(where: { $0.id == id }) else { return notFound(request) }
            return LoopbackHTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: Array(job.log.utf8))
        default:
            return unknown(request)
        }
    }

    private func createPull(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        guard let body = request.jsonObject else { return validation("the body is not a JSON object") }
        guard let head = body["head"] as? String, !head.isEmpty, let base = body["base"] as? String, !base.isEmpty else {
            return validation("[Head]: Required; [Base]: Required")
        }
        guard let title = body["title"] as? String, !title.isEmpty else { return validation("[Title]: Required") }
        if let open = pulls.values.first(where: { $0.state == "open" && $0.head == head && $0.base == base && !$0.fromFork }) {
            return .json(409, ["message": "pull request already exists for these targets [id: \(open.number), issue_id: \(open.number), head_repo_id: \(repositoryID), base_repo_id: \(repositoryID), head_branch: \(head), base_branch: \(base)]",
                               "url": "\(webRoot(request))/api/swagger"])
        }
        let labelValues = body["labels"] as? [Any] ?? []
        let labelIDs = labelValues.compactMap { ($0 as? NSNumber)?.int64Value }
        guard labelIDs.count == labelValues.count, labelIDs.allSatisfy({ labelName($0) != nil }) else {
            return validation("[Labels]: label does not exist")
        }
        lastIndex += 1
        let pull = PullRequest(number: lastIndex, title: title, body: body["body"] as? String ?? "", head: head, base: base,
                               labelIDs: labelIDs, assignees: body["assignees"] as? [String] ?? [], state: "open",
                               fromFork: false, edits: 0)
        pulls[lastIndex] = pull
        return .json(201, pullJSON(pull, request))
    }

    private func editPull(_ request: LoopbackHTTPRequest, number: Int?) -> LoopbackHTTPResponse {
        guard let number, var pull = pulls[number] else { return notFound(request) }
        guard let body = request.jsonObject else { return validation("the body is not a JSON object") }
        if let title = body["title"] as? String { pull.title = title }
        if let text = body["body"] as? String { pull.body = text }
        if let base = body["base"] as? String, !base.isEmpty { pull.base = base }
        if let assignees = body["assignees"] as? [String] { pull.assignees = assignees }
        if let labels = body["labels"] as? [Any] { pull.labelIDs = labels.compactMap { ($0 as? NSNumber)?.int64Value } }
        pull.edits += 1
        pulls[number] = pull
        // Gitea answers an edit with 201 Created.
        return .json(201, pullJSON(pull, request))
    }

    // MARK: Shapes

    private func userJSON(_ login: String, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let id = (users.firstIndex(of: login) ?? 90) + 1
        return ["id": id, "login": login, "login_name": "", "full_name": login.capitalized, "email": "\(login)@example.invalid",
                "avatar_url": "\(webRoot(request))/avatars/\(id)", "html_url": "\(webRoot(request))/\(login)", "language": "",
                "is_admin": false, "active": true, "visibility": "public"]
    }

    private func repositoryJSON(_ request: LoopbackHTTPRequest) -> [String: Any] {
        let level = permissions[viewer] ?? "none"
        let web = "\(webRoot(request))/\(owner)/\(name)"
        return [
            "id": repositoryID, "owner": userJSON(owner, request), "name": name, "full_name": "\(owner)/\(name)",
            "description": "", "empty": false, "private": true, "fork": false, "mirror": false, "archived": false,
            "html_url": web, "clone_url": "\(web).git", "ssh_url": "git@127.0.0.1:\(owner)/\(name).git",
            "default_branch": branch, "created_at": Self.timestamp, "updated_at": Self.timestamp,
            "permissions": ["admin": ["admin", "owner"].contains(level), "push": level != "read" && level != "none",
                            "pull": level != "none"],
        ]
    }

    private func labelJSON(_ label: (id: Int64, name: String), _ request: LoopbackHTTPRequest) -> [String: Any] {
        ["id": label.id, "name": label.name, "color": "e11d21", "description": "", "exclusive": false, "is_archived": false,
         "url": "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/labels/\(label.id)"]
    }

    private func issueJSON(_ number: Int, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let web = "\(webRoot(request))/\(owner)/\(name)"
        var json: [String: Any] = [
            "id": 3000 + number, "number": number, "url": "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/issues/\(number)",
            "original_author": "", "original_author_id": 0, "ref": "", "assets": [Any](), "milestone": NSNull(),
            "assignee": NSNull(), "assignees": NSNull(), "is_locked": false, "comments": commentsByIndex[number]?.count ?? 0,
            "created_at": Self.timestamp, "updated_at": Self.timestamp, "closed_at": NSNull(), "due_date": NSNull(),
            "repository": ["id": repositoryID, "name": name, "owner": owner, "full_name": "\(owner)/\(name)"] as [String: Any],
        ]
        if let pull = pulls[number] {
            json["title"] = pull.title
            json["body"] = pull.body
            json["user"] = userJSON(viewer, request)
            json["labels"] = pull.labelIDs.map { labelJSON(($0, labelName($0) ?? ""), request) }
            json["state"] = pull.state
            json["html_url"] = "\(web)/pulls/\(number)"
            json["pull_request"] = ["merged": false, "merged_at": NSNull(), "draft": pull.isDraft,
                                    "html_url": "\(web)/pulls/\(number)"] as [String: Any]
        } else if let issue = issues[number] {
            json["title"] = issue.title
            json["body"] = issue.body
            json["user"] = userJSON(issue.author, request)
            json["labels"] = issue.labels.map { labelJSON((0, $0), request) }
            json["state"] = issue.state
            json["html_url"] = "\(web)/issues/\(number)"
            json["pull_request"] = NSNull()
        }
        return json
    }

    private func commentJSON(_ comment: Comment, number: Int, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let kind = pulls[number] != nil ? "pulls" : "issues"
        return [
            "id": comment.id, "body": comment.body, "user": userJSON(comment.author, request), "original_author": "",
            "original_author_id": 0, "assets": [Any](), "created_at": Self.timestamp, "updated_at": Self.timestamp,
            "html_url": "\(webRoot(request))/\(owner)/\(name)/\(kind)/\(number)#issuecomment-\(comment.id)",
            "issue_url": "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/issues/\(number)",
            "pull_request_url": kind == "pulls" ? "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/pulls/\(number)" : "",
        ]
    }

    private func pullJSON(_ pull: PullRequest, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let web = "\(webRoot(request))/\(owner)/\(name)"
        let repository: [String: Any] = ["id": repositoryID, "name": name, "full_name": "\(owner)/\(name)",
                                         "owner": userJSON(owner, request), "html_url": web, "clone_url": "\(web).git",
                                         "default_branch": branch]
        let headRepository: Any = pull.forkDeleted ? NSNull()
            : pull.fromFork ? ["id": repositoryID + 1, "name": name, "full_name": "someone/\(name)",
                               "owner": userJSON("someone", request)] as [String: Any]
            : repository
        let headRepositoryID = pull.forkDeleted ? -1 : pull.fromFork ? repositoryID + 1 : repositoryID
        return [
            "id": 4000 + pull.number, "number": pull.number, "url": "\(web)/pulls/\(pull.number)",
            "user": userJSON(viewer, request), "title": pull.title, "body": pull.body,
            "labels": pull.labelIDs.map { labelJSON(($0, labelName($0) ?? ""), request) }, "milestone": NSNull(),
            "assignee": pull.assignees.first.map { userJSON($0, request) } ?? NSNull(),
            "assignees": pull.assignees.map { userJSON($0, request) }, "requested_reviewers": NSNull(),
            "state": pull.state, "draft": pull.isDraft, "is_locked": false, "comments": commentsByIndex[pull.number]?.count ?? 0,
            "html_url": "\(web)/pulls/\(pull.number)", "diff_url": "\(web)/pulls/\(pull.number).diff",
            "patch_url": "\(web)/pulls/\(pull.number).patch", "mergeable": true, "merged": false, "merged_at": NSNull(),
            "merge_commit_sha": NSNull(), "merged_by": NSNull(), "allow_maintainer_edit": false,
            "base": ["label": pull.base, "ref": pull.base, "sha": "0123456789abcdef0123456789abcdef01234567",
                     "repo_id": repositoryID, "repo": repository] as [String: Any],
            "head": ["label": pull.head, "ref": pull.head, "sha": "89abcdef0123456789abcdef0123456789abcdef",
                     "repo_id": headRepositoryID, "repo": headRepository] as [String: Any],
            "merge_base": "0123456789abcdef0123456789abcdef01234567", "due_date": NSNull(),
            "created_at": Self.timestamp, "updated_at": Self.timestamp, "closed_at": NSNull(),
        ]
    }

    private func jobJSON(_ job: Job, run: Int64, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let web = "\(webRoot(request))/\(owner)/\(name)/actions/runs/\(run)"
        return [
            "id": job.id, "run_id": run, "run_attempt": 1, "name": job.name, "status": job.status, "conclusion": job.conclusion,
            "head_branch": branch, "head_sha": "0123456789abcdef0123456789abcdef01234567", "labels": ["ubuntu-latest"],
            "runner_id": 1, "runner_name": "runner", "steps": [Any](), "created_at": Self.timestamp,
            "started_at": Self.timestamp, "completed_at": Self.timestamp,
            "html_url": "\(web)/jobs/\(job.id)", "run_url": "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/actions/runs/\(run)",
            "url": "\(webRoot(request))/api/v1/repos/\(owner)/\(name)/actions/jobs/\(job.id)",
        ]
    }

    // MARK: Helpers (called with `lock` held)

    private func page(_ all: [Any], _ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        let limit = min(50, max(1, Int(request.queryItems["limit"] ?? "") ?? 30))
        let page = FakeForgePage.slice(all, request: request, page: Int(request.queryItems["page"] ?? "") ?? 1, perPage: limit)
        return .json(200, page.items, headers: page.headers.filter { $0.0 == "Link" || $0.0 == "X-Total-Count" })
    }

    private func notFound(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        .json(404, ["errors": [String](), "message": "The target couldn't be found.", "url": "\(webRoot(request))/api/swagger"])
    }

    private func validation(_ message: String) -> LoopbackHTTPResponse {
        .json(422, ["message": message, "url": "/api/swagger"])
    }

    private func unknown(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        unexpected.append(FakeForgeFaultQueue.requestLine(request))
        return .json(404, ["errors": NSNull(), "message": "not found", "url": "/api/swagger"])
    }

    private func labelName(_ id: Int64) -> String? {
        (repoLabels + orgLabels).first { $0.id == id }?.name
    }

    private func nextID() -> Int64 {
        lastID += 1
        return lastID
    }

    private func versionAtLeast(_ major: Int, _ minor: Int) -> Bool {
        let compatible = serverVersion.range(of: "+gitea-").map { String(serverVersion[$0.upperBound...]) } ?? serverVersion
        let numbers = compatible.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return true }
        return (numbers[0], numbers[1]) >= (major, minor)
    }

    private func webRoot(_ request: LoopbackHTTPRequest) -> String {
        "http://\(request.header("Host") ?? "127.0.0.1")"
    }

    static func isDraftTitle(_ title: String) -> Bool {
        let upper = title.uppercased()
        return upper.hasPrefix("WIP:") || upper.hasPrefix("[WIP]")
    }

    private static let timestamp = "2026-11-21T10:00:00+00:00"
}
