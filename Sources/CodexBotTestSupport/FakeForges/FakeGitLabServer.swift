// A stateful, in-memory GitLab (REST v4) on 127.0.0.1 for the forge client's tests: one project,
// its issues, notes, members, merge requests, commit statuses and pipeline jobs, in the shapes
// GitLab documents (field names as in real answers), refusing what GitLab refuses.
import Foundation

/// A fake GitLab under `apiURL` ("http://127.0.0.1:PORT/api/v4").
///
/// - Auth: `PRIVATE-TOKEN: token` (or `Authorization: Bearer token`) acts as `viewer`;
///   `JOB-TOKEN: jobToken` may only read the project, pipeline jobs and traces (403 elsewhere);
///   anything else is 401 `{"message":"401 Unauthorized"}`.
/// - Lists honour `page`/`per_page` (default 20, at most 100) and answer with `Link`,
///   `X-Next-Page`, `X-Total-Pages` and friends; notes are newest first unless `sort=asc`.
/// - A second open merge request for a branch is 409 "Another open merge request already exists
///   for this source branch: !N"; a status set to the state it has is 400 "Cannot transition status".
/// - `failNext` makes the next N requests that match answer a given fault (see `FakeForgeFault`).
/// - Every request is recorded (`requests`); requests for routes the fake does not know get a
///   404 and are listed in `unexpectedRequests`, so a test can assert there were none.
public final class FakeGitLabServer: @unchecked Sendable {  // all state is guarded by `lock`
    public struct Job: Sendable {
        public var id: Int64
        public var name: String
        /// "failed", "success", "canceled", …
        public var status: String
        public var allowFailure: Bool
        public var stage: String
        public var trace: String

        public init(id: Int64, name: String, status: String = "failed", allowFailure: Bool = false, stage: String = "test",
                    trace: String = "") {
            self.id = id
            self.name = name
            self.status = status
            self.allowFailure = allowFailure
            self.stage = stage
            self.trace = trace
        }
    }

    public struct Note: Sendable, Equatable {
        public var id: Int64
        public var body: String
        public var author: String
        public var system: Bool
    }

    public struct MergeRequest: Sendable, Equatable {
        public var iid: Int
        public var title: String
        public var description: String?
        public var sourceBranch: String
        public var targetBranch: String
        public var labels: [String]
        public var assignees: [String]
        /// "opened", "closed" or "merged".
        public var state: String
        /// The project the source branch lives in: `projectID`, or another for a fork.
        public var sourceProjectID: Int64
        public var updates: Int

        /// GitLab's reading of the title: a "Draft:", "[Draft]" or "(Draft)" prefix.
        public var isDraft: Bool { FakeGitLabServer.isDraftTitle(title) }
    }

    public struct Status: Sendable, Equatable {
        public var sha: String
        public var name: String
        public var state: String
        public var description: String?
        public var targetURL: String?
    }

    /// The project's numeric ID; it answers under that ID and under its URL-encoded path.
    public let projectID: Int64 = 42
    public let projectPath: String
    /// The personal access token (`PRIVATE-TOKEN`) that acts as `viewer`.
    public let token: String
    /// The CI job token (`JOB-TOKEN`).
    public let jobToken: String
    public let viewer: String

    private let http: LoopbackHTTPServer
    private let faults = FakeForgeFaultQueue()
    private let lock = NSLock()
    private var users: [(id: Int64, username: String)] = []
    private var members: [Int64: (level: Int, state: String)] = [:]
    private var issues: [Int: (title: String, description: String?, author: String, labels: [String], state: String)] = [:]
    private var notesByIssue: [Int: [Note]] = [:]
    private var requestsByIID: [Int: MergeRequest] = [:]
    private var statusList: [Status] = []
    private var pipelines: [Int64: [Job]] = [:]
    private var unexpected: [String] = []
    private var lastID: Int64 = 1000
    private var linkHeaders = true
    private var branch: String? = "main"

    public init(projectPath: String = "group/sub/project", token: String = "glpat-FAKE-secret-token-0001",
                jobToken: String = "FAKE-job-token-secret-0002", viewer: String = "codex-bot") throws {
        let box = FakeForgeHandlerBox<FakeGitLabServer>()
        http = try LoopbackHTTPServer(name: "FakeGitLabServer") { request in
            box.target?.handle(request) ?? .json(503, ["message": "the fake is gone"])
        }
        self.projectPath = projectPath
        self.token = token
        self.jobToken = jobToken
        self.viewer = viewer
        users = [(1, viewer)]
        members[1] = (30, "active")
        box.target = self
    }

    deinit { http.stop() }

    public func stop() { http.stop() }

    /// "http://127.0.0.1:PORT": the web root (CI_SERVER_URL).
    public var baseURL: String { http.baseURL }
    /// "http://127.0.0.1:PORT/api/v4" (CI_API_V4_URL).
    public var apiURL: String { http.baseURL + "/api/v4" }

    /// Every request answered so far, faults included, in order.
    public var requests: [LoopbackHTTPRequest] { http.requests }
    /// Requests for routes this fake does not know ("GET /api/v4/…"), in order.
    public var unexpectedRequests: [String] { lock.withLock { unexpected } }

    /// The next `count` requests whose method (nil: any) and path after "/api/v4" start as
    /// given get `response` instead of the fake's own answer.
    public func failNext(_ count: Int = 1, _ method: String? = nil, pathPrefix: String, with response: LoopbackHTTPResponse) {
        faults.add(count: count, method: method, pathPrefix: pathPrefix, response: response)
    }

    /// Drops the faults not served yet.
    public func clearFaults() { faults.removeAll() }

    // MARK: Seeding and reading state

    /// The viewer's access level on the project (30, Developer, at first); 0 for none.
    public var viewerAccessLevel: Int {
        get { lock.withLock { members[1]?.level ?? 0 } }
        set { lock.withLock { members[1] = newValue > 0 ? (newValue, "active") : nil } }
    }

    /// The project's default branch; nil plays an empty project.
    public var defaultBranch: String? {
        get { lock.withLock { branch } }
        set { lock.withLock { branch = newValue } }
    }

    /// Whether list answers carry `Link` (they do on GitLab; some proxies strip it).
    public var sendsLinkHeaders: Bool {
        get { lock.withLock { linkHeaders } }
        set { lock.withLock { linkHeaders = newValue } }
    }

    /// Adds a user (if new) and returns its ID; with `accessLevel`, makes it a project member.
    @discardableResult
    public func addUser(_ username: String, accessLevel: Int? = nil, state: String = "active") -> Int64 {
        lock.withLock {
            let id = userID(username)
            if let accessLevel { members[id] = (accessLevel, state) }
            return id
        }
    }

    /// Adds an issue and returns its iid (1, 2, …).
    @discardableResult
    public func addIssue(title: String, description: String?, author: String = "reporter", labels: [String] = [],
                         state: String = "opened") -> Int {
        lock.withLock {
            _ = userID(author)
            let iid = (issues.keys.max() ?? 0) + 1
            issues[iid] = (title, description, author, labels, state)
            return iid
        }
    }

    /// Adds a note to issue `iid` and returns its ID.
    @discardableResult
    public func addNote(toIssue iid: Int, body: String, author: String, system: Bool = false) -> Int64 {
        lock.withLock {
            _ = userID(author)
            let id = nextID()
            notesByIssue[iid, default: []].append(Note(id: id, body: body, author: author, system: system))
            return id
        }
    }

    /// Adds a merge request (from a fork when `fromFork`) and returns its iid.
    @discardableResult
    public func addMergeRequest(sourceBranch: String, targetBranch: String = "main", title: String, fromFork: Bool = false,
                                state: String = "opened") -> Int {
        lock.withLock {
            let iid = (requestsByIID.keys.max() ?? 0) + 1
            requestsByIID[iid] = MergeRequest(iid: iid, title: title, description: nil, sourceBranch: sourceBranch,
                                              targetBranch: targetBranch, labels: [], assignees: [], state: state,
                                              sourceProjectID: fromFork ? projectID + 1 : projectID, updates: 0)
            return iid
        }
    }

    public func addPipeline(_ id: Int64, jobs: [Job]) {
        lock.withLock { pipelines[id] = jobs }
    }

    public func notes(onIssue iid: Int) -> [Note] { lock.withLock { notesByIssue[iid] ?? [] } }
    public var mergeRequests: [MergeRequest] { lock.withLock { requestsByIID.values.sorted { $0.iid < $1.iid } } }
    public var statuses: [Status] { lock.withLock { statusList } }

    // MARK: Serving

    private enum Caller { case user(Int64), job }

    private func handle(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        guard request.path.hasPrefix("/api/v4/") else { return lock.withLock { unknown(request) } }
        let path = String(request.path.dropFirst("/api/v4".count))
        if let fault = faults.take(method: request.method, path: path) { return fault }
        return lock.withLock {
            guard let caller = authenticate(request) else { return .json(401, ["message": "401 Unauthorized"]) }
            return route(request, segments: path.split(separator: "/").map(String.init), caller: caller)
        }
    }

    private func authenticate(_ request: LoopbackHTTPRequest) -> Caller? {
        if request.header("PRIVATE-TOKEN") == token || request.header("Authorization") == "Bearer \(token)" { return .user(1) }
        if request.header("JOB-TOKEN") == jobToken { return .job }
        return nil
    }

    private func route(_ request: LoopbackHTTPRequest, segments: [String], caller: Caller) -> LoopbackHTTPResponse {
        let method = request.method
        switch (method, segments.first) {
        case ("GET", "user") where segments.count == 1:
            guard case .user(let id) = caller else { return .json(403, ["message": "403 Forbidden"]) }
            return .json(200, userJSON(id, request))
        case ("GET", "users") where segments.count == 1:
            let wanted = request.queryItems["username"] ?? ""
            let found = users.filter { $0.username.caseInsensitiveCompare(wanted) == .orderedSame }
            return .json(200, found.map { userJSON($0.id, request) })
        case (_, "projects") where segments.count >= 2:
            let id = segments[1].removingPercentEncoding ?? segments[1]
            guard id == projectPath || id == String(projectID) else { return .json(404, ["message": "404 Project Not Found"]) }
            return routeProject(request, Array(segments.dropFirst(2)), caller: caller)
        default:
            return unknown(request)
        }
    }

    private func routeProject(_ request: LoopbackHTTPRequest, _ rest: [String], caller: Caller) -> LoopbackHTTPResponse {
        let method = request.method
        let jobMayCall = method == "GET" && (rest.isEmpty || rest.first == "pipelines" || rest.first == "jobs")
        if case .job = caller, !jobMayCall { return .json(403, ["message": "403 Forbidden"]) }
        let viewerID: Int64 = if case .user(let id) = caller { id } else { 0 }
        switch (method, rest.count, rest.first) {
        case ("GET", 0, _):
            return .json(200, projectJSON(request, caller: caller))
        case ("GET", 2, "issues"):
            guard let iid = Int(rest[1]), issues[iid] != nil else { return .json(404, ["message": "404 Issue Not Found"]) }
            return .json(200, issueJSON(iid, request))
        case ("GET", 3, "issues") where rest[2] == "notes":
            guard let iid = Int(rest[1]), issues[iid] != nil else { return .json(404, ["message": "404 Issue Not Found"]) }
            var notes = notesByIssue[iid] ?? []
            // GitLab lists notes newest first unless asked otherwise.
            if request.queryItems["sort"] != "asc" { notes.reverse() }
            return page(notes.map { noteJSON($0, iid: iid, request) }, request)
        case ("POST", 3, "issues") where rest[2] == "notes":
            guard let iid = Int(rest[1]), issues[iid] != nil else { return .json(404, ["message": "404 Issue Not Found"]) }
            guard let body = request.jsonObject?["body"] as? String, !body.isEmpty else {
                return .json(400, ["message": "400 Bad request - Note {:note=>[\"can't be blank\"]}"])
            }
            let note = Note(id: nextID(), body: body, author: username(viewerID), system: false)
            notesByIssue[iid, default: []].append(note)
            return .json(201, noteJSON(note, iid: iid, request))
        case ("PUT", 4, "issues") where rest[2] == "notes":
            guard let iid = Int(rest[1]), issues[iid] != nil else { return .json(404, ["message": "404 Issue Not Found"]) }
            guard let noteID = Int64(rest[3]), let index = notesByIssue[iid]?.firstIndex(where: { $0.id == noteID }),
                  var note = notesByIssue[iid]?[index]
            else { return .json(404, ["message": "404 Note Not Found"]) }
            // Only the author edits a note, and nobody edits GitLab's own.
            guard !note.system, note.author == username(viewerID) else { return .json(403, ["message": "403 Forbidden"]) }
            guard let body = request.jsonObject?["body"] as? String, !body.isEmpty else {
                return .json(400, ["message": "400 Bad request - Note {:note=>[\"can't be blank\"]}"])
            }
            note.body = body
            notesByIssue[iid]?[index] = note
            return .json(200, noteJSON(note, iid: iid, request))
        case ("GET", 3, "members") where rest[1] == "all":
            guard let id = Int64(rest[2]), let member = members[id] else { return .json(404, ["message": "404 Not found"]) }
            var json = userJSON(id, request)
            json["access_level"] = member.level
            json["state"] = member.state
            json["expires_at"] = NSNull()
            return .json(200, json)
        case ("GET", 1, "merge_requests"):
            let state = request.queryItems["state"] ?? "all"
            let source = request.queryItems["source_branch"]
            let list = requestsByIID.values.sorted { $0.iid > $1.iid }
                .filter { (state == "all" || $0.state == state) && (source == nil || $0.sourceBranch == source) }
            return page(list.map { mergeRequestJSON($0, request) }, request)
        case ("POST", 1, "merge_requests"):
            return createMergeRequest(request, author: viewerID)
        case ("GET", 2, "merge_requests"):
            guard let iid = Int(rest[1]), let merge = requestsByIID[iid] else { return .json(404, ["message": "404 Not found"]) }
            return .json(200, mergeRequestJSON(merge, request))
        case ("PUT", 2, "merge_requests"):
            return updateMergeRequest(request, iid: Int(rest[1]))
        case ("POST", 2, "statuses"):
            return setStatus(request, sha: rest[1].removingPercentEncoding ?? rest[1], author: viewerID)
        case ("GET", 3, "pipelines") where rest[2] == "jobs":
            guard let id = Int64(rest[1]), let jobs = pipelines[id] else { return .json(404, ["message": "404 Not found"]) }
            let scopes = Set(fakeForgeQueryValues(request, ["scope", "scope[]"]))
            let chosen = jobs.filter { scopes.isEmpty || scopes.contains($0.status) }.sorted { $0.id > $1.id }
            return page(chosen.map { jobJSON($0, pipeline: id, request) }, request)
        case ("GET", 3, "jobs") where rest[2] == "trace":
            guard let id = Int64(rest[1]), let job = pipelines.values.joined().first(where: { $0.id == id }) else {
                return .json(404, ["message": "404 Not found"])
            }
            return .text(200, job.trace)
        default:
            return unknown(request)
        }
    }

    private func createMergeRequest(_ request: LoopbackHTTPRequest, author: Int64) -> LoopbackHTTPResponse {
        guard let body = request.jsonObject else { return .json(400, ["error": "the body is not a JSON object"]) }
        let missing = ["source_branch", "target_branch", "title"].filter { (body[$0] as? String)?.isEmpty != false }
        guard missing.isEmpty else { return .json(400, ["error": missing.map { "\($0) is missing" }.joined(separator: ", ")]) }
        let source = body["source_branch"] as? String ?? ""
        if let open = requestsByIID.values.first(where: { $0.state == "opened" && $0.sourceBranch == source && $0.sourceProjectID == projectID }) {
            return .json(409, ["message": ["Another open merge request already exists for this source branch: !\(open.iid)"]])
        }
        let iid = (requestsByIID.keys.max() ?? 0) + 1
        var merge = MergeRequest(iid: iid, title: body["title"] as? String ?? "", description: body["description"] as? String,
                                 sourceBranch: source, targetBranch: body["target_branch"] as? String ?? "", labels: [],
                                 assignees: [], state: "opened", sourceProjectID: projectID, updates: 0)
        merge.labels = labelNames(body["labels"])
        merge.assignees = assigneeNames(body["assignee_ids"])
        requestsByIID[iid] = merge
        return .json(201, mergeRequestJSON(merge, request))
    }

    private func updateMergeRequest(_ request: LoopbackHTTPRequest, iid: Int?) -> LoopbackHTTPResponse {
        guard let iid, var merge = requestsByIID[iid] else { return .json(404, ["message": "404 Not found"]) }
        guard let body = request.jsonObject else { return .json(400, ["error": "the body is not a JSON object"]) }
        if let title = body["title"] as? String { merge.title = title }
        if let description = body["description"] as? String { merge.description = description }
        if let target = body["target_branch"] as? String { merge.targetBranch = target }
        if body["labels"] != nil { merge.labels = labelNames(body["labels"]) }
        for label in labelNames(body["add_labels"]) where !merge.labels.contains(label) { merge.labels.append(label) }
        if body["assignee_ids"] != nil { merge.assignees = assigneeNames(body["assignee_ids"]) }
        merge.updates += 1
        requestsByIID[iid] = merge
        return .json(200, mergeRequestJSON(merge, request))
    }

    private func setStatus(_ request: LoopbackHTTPRequest, sha: String, author: Int64) -> LoopbackHTTPResponse {
        guard let body = request.jsonObject else { return .json(400, ["error": "the body is not a JSON object"]) }
        let states = ["pending", "running", "success", "failed", "canceled"]
        guard let state = body["state"] as? String, states.contains(state) else {
            return .json(400, ["error": "state does not have a valid value"])
        }
        let name = body["name"] as? String ?? "default"
        let status = Status(sha: sha, name: name, state: state, description: body["description"] as? String,
                            targetURL: body["target_url"] as? String)
        if let index = statusList.firstIndex(where: { $0.sha == sha && $0.name == name }) {
            let current = statusList[index].state
            if current == state {
                let event = ["pending": "enqueue", "running": "run", "success": "success", "failed": "drop", "canceled": "cancel"][state] ?? state
                return .json(400, ["message": "Cannot transition status via :\(event) from :\(current) (Reason(s): Status cannot transition via \"\(event)\" from \"\(current)\")"])
            }
            statusList[index] = status
        } else {
            statusList.append(status)
        }
        return .json(201, [
            "id": nextID(), "sha": sha, "ref": NSNull(), "status": state, "name": name,
            "target_url": status.targetURL ?? NSNull(), "description": status.description ?? NSNull(),
            "created_at": Self.timestamp, "started_at": NSNull(), "finished_at": NSNull(), "allow_failure": false,
            "coverage": NSNull(), "author": userJSON(author, request),
        ] as [String: Any])
    }

    // MARK: Shapes

    private func projectJSON(_ request: LoopbackHTTPRequest, caller: Caller) -> [String: Any] {
        let web = webRoot(request)
        let name = projectPath.split(separator: "/").last.map(String.init) ?? projectPath
        var json: [String: Any] = [
            "id": projectID, "description": "", "name": name, "path": name, "path_with_namespace": projectPath,
            "name_with_namespace": projectPath.replacingOccurrences(of: "/", with: " / "),
            "default_branch": branch ?? NSNull(), "visibility": "private",
            "http_url_to_repo": "\(web)/\(projectPath).git", "ssh_url_to_repo": "git@127.0.0.1:\(projectPath).git",
            "web_url": "\(web)/\(projectPath)", "created_at": Self.timestamp, "last_activity_at": Self.timestamp,
            "namespace": ["id": 7, "name": projectPath, "path": projectPath, "kind": "group",
                          "full_path": projectPath.split(separator: "/").dropLast().joined(separator: "/")] as [String: Any],
        ]
        // A job token's answer has no permissions object.
        if case .user(let id) = caller {
            let access: Any = members[id].map { ["access_level": $0.level, "notification_level": 3] as [String: Any] } ?? NSNull()
            json["permissions"] = ["project_access": access, "group_access": NSNull()] as [String: Any]
        }
        return json
    }

    private func userJSON(_ id: Int64, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let name = username(id)
        return ["id": id, "username": name, "name": name.capitalized, "state": "active", "avatar_url": NSNull(),
                "web_url": "\(webRoot(request))/\(name)"]
    }

    private func userJSON(named name: String, _ request: LoopbackHTTPRequest) -> [String: Any] {
        userJSON(users.first { $0.username == name }?.id ?? 0, request)
    }

    private func issueJSON(_ iid: Int, _ request: LoopbackHTTPRequest) -> [String: Any] {
        guard let issue = issues[iid] else { return [:] }
        return [
            "id": 5000 + iid, "iid": iid, "project_id": projectID, "title": issue.title,
            "description": issue.description ?? NSNull(), "state": issue.state, "labels": issue.labels,
            "author": userJSON(named: issue.author, request), "assignees": [Any](), "assignee": NSNull(),
            "user_notes_count": notesByIssue[iid]?.count ?? 0, "created_at": Self.timestamp, "updated_at": Self.timestamp,
            "closed_at": NSNull(), "confidential": false, "web_url": "\(webRoot(request))/\(projectPath)/-/issues/\(iid)",
        ]
    }

    private func noteJSON(_ note: Note, iid: Int, _ request: LoopbackHTTPRequest) -> [String: Any] {
        [
            "id": note.id, "type": NSNull(), "body": note.body, "attachment": NSNull(),
            "author": userJSON(named: note.author, request), "created_at": Self.timestamp, "updated_at": Self.timestamp,
            "system": note.system, "noteable_id": 5000 + iid, "noteable_type": "Issue", "noteable_iid": iid,
            "resolvable": false, "confidential": false, "internal": false,
        ]
    }

    private func mergeRequestJSON(_ merge: MergeRequest, _ request: LoopbackHTTPRequest) -> [String: Any] {
        let assignees = merge.assignees.map { userJSON(named: $0, request) }
        return [
            "id": 9000 + merge.iid, "iid": merge.iid, "project_id": projectID, "title": merge.title,
            "description": merge.description ?? NSNull(), "state": merge.state, "created_at": Self.timestamp,
            "updated_at": Self.timestamp, "target_branch": merge.targetBranch, "source_branch": merge.sourceBranch,
            "author": userJSON(1, request), "assignees": assignees, "assignee": assignees.first ?? NSNull(),
            "source_project_id": merge.sourceProjectID, "target_project_id": projectID, "labels": merge.labels,
            "draft": merge.isDraft, "work_in_progress": merge.isDraft, "merge_status": "can_be_merged",
            "sha": "0123456789abcdef0123456789abcdef01234567", "reference": "!\(merge.iid)",
            "web_url": "\(webRoot(request))/\(projectPath)/-/merge_requests/\(merge.iid)",
        ]
    }

    private func jobJSON(_ job: Job, pipeline: Int64, _ request: LoopbackHTTPRequest) -> [String: Any] {
        [
            "id": job.id, "status": job.status, "stage": job.stage, "name": job.name, "ref": "main", "tag": false,
            "coverage": NSNull(), "allow_failure": job.allowFailure, "created_at": Self.timestamp,
            "started_at": Self.timestamp, "finished_at": Self.timestamp, "duration": 12.5,
            "failure_reason": job.status == "failed" ? "script_failure" : NSNull(), "user": userJSON(1, request),
            "pipeline": ["id": pipeline, "project_id": projectID, "ref": "main", "status": "failed",
                         "sha": "0123456789abcdef0123456789abcdef01234567"] as [String: Any],
            "web_url": "\(webRoot(request))/\(projectPath)/-/jobs/\(job.id)",
        ]
    }

    // MARK: Helpers (called with `lock` held)

    private func page(_ all: [Any], _ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        let perPage = min(100, max(1, Int(request.queryItems["per_page"] ?? "") ?? 20))
        let page = FakeForgePage.slice(all, request: request, page: Int(request.queryItems["page"] ?? "") ?? 1,
                                       perPage: perPage, withLinks: linkHeaders)
        return .json(200, page.items, headers: page.headers)
    }

    private func unknown(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        unexpected.append(FakeForgeFaultQueue.requestLine(request))
        return .json(404, ["error": "404 Not Found"])
    }

    private func userID(_ username: String) -> Int64 {
        if let user = users.first(where: { $0.username == username }) { return user.id }
        let id = Int64(users.count + 1)
        users.append((id, username))
        return id
    }

    private func username(_ id: Int64) -> String {
        users.first { $0.id == id }?.username ?? "ghost"
    }

    private func nextID() -> Int64 {
        lastID += 1
        return lastID
    }

    /// Label names from a comma-separated string or a list, as GitLab accepts both.
    private func labelNames(_ value: Any?) -> [String] {
        let names: [String] = switch value {
        case let text as String: text.split(separator: ",").map(String.init)
        case let list as [String]: list
        default: []
        }
        return names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func assigneeNames(_ value: Any?) -> [String] {
        guard let ids = value as? [Any] else { return [] }
        return ids.compactMap { ($0 as? NSNumber)?.int64Value }.compactMap { id in users.first { $0.id == id }?.username }
    }

    private func webRoot(_ request: LoopbackHTTPRequest) -> String {
        "http://\(request.header("Host") ?? "127.0.0.1")"
    }

    static func isDraftTitle(_ title: String) -> Bool {
        let lower = title.lowercased()
        return ["draft:", "[draft]", "(draft)"].contains { lower.hasPrefix($0) }
    }

    private static let timestamp = "2026-11-21T10:00:00.000Z"
}
