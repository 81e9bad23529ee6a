// The fake's routes, one per GitHub endpoint, with the checks GitHub makes before it writes.
// Each runs with the core's lock held (see FakeGitHubCore.handle).
import Foundation

extension FakeGitHubCore {
    // MARK: The App (JWT)

    /// The App a request's JWT stands for, or the 401 GitHub gives: a three-part token whose
    /// claims name the App (`iss`), with at most ten minutes between `iat` and `exp`, and not
    /// expired by the server's clock. The signature is not checked (the JWT tests do that).
    private func appFromJWT(_ request: LoopbackHTTPRequest) -> Result<AppRecord, FakeGitHubRefusal> {
        func refuse(_ message: String) -> Result<AppRecord, FakeGitHubRefusal> {
            .failure(FakeGitHubRefusal(FakeGitHubReplies.error(401, message)))
        }
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else {
            return refuse("A JSON web token could not be decoded")
        }
        let parts = header.dropFirst("Bearer ".count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }),
              let payload = Self.base64URLDecode(parts[1]),
              let claims = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any],
              let iat = (claims["iat"] as? NSNumber)?.doubleValue, let exp = (claims["exp"] as? NSNumber)?.doubleValue
        else { return refuse("A JSON web token could not be decoded") }
        let issuer = (claims["iss"] as? String) ?? (claims["iss"] as? NSNumber).map { "\($0.int64Value)" }
        guard let app, issuer == "\(app.id)" else { return refuse("Integration not found") }
        let now = now().timeIntervalSince1970
        guard exp - iat <= 600, exp - now <= 600 else {
            return refuse("'Expiration time' claim ('exp') is too far in the future")
        }
        guard exp > now else {
            return refuse("'Expiration time' claim ('exp') must be a numeric value representing the future time "
                          + "at which the assertion expires")
        }
        guard iat <= now + 60 else {
            return refuse("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
        }
        return .success(app)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }

    /// GET /app
    func getApp(_ request: LoopbackHTTPRequest, _ parts: [String]) -> LoopbackHTTPResponse {
        switch appFromJWT(request) {
        case .failure(let refusal): return refusal.response
        case .success(let app):
            return .json(200, ["id": app.id, "slug": app.slug, "node_id": "A_\(app.id)", "name": app.slug,
                               "owner": userJSON(owner), "permissions": app.permissions, "events": [],
                               "html_url": "https://github.test/apps/\(app.slug)"])
        }
    }

    /// GET /repos/{owner}/{repo}/installation
    func getInstallation(_ request: LoopbackHTTPRequest, _ parts: [String]) -> LoopbackHTTPResponse {
        switch appFromJWT(request) {
        case .failure(let refusal): return refusal.response
        case .success(let app):
            guard app.installed, parts[0].caseInsensitiveCompare(owner) == .orderedSame,
                  parts[1].caseInsensitiveCompare(name) == .orderedSame
            else { return FakeGitHubReplies.notFound() }
            return .json(200, installationJSON(app))
        }
    }

    /// POST /app/installations/{installation_id}/access_tokens
    func createAccessToken(_ request: LoopbackHTTPRequest, _ parts: [String]) -> LoopbackHTTPResponse {
        switch appFromJWT(request) {
        case .failure(let refusal): return refusal.response
        case .success(let app):
            guard app.installed, parts[0] == "\(app.installationID)" else { return FakeGitHubReplies.notFound() }
            if !request.body.isEmpty {
                guard let body = request.jsonObject else { return FakeGitHubReplies.problemsParsingJSON() }
                if let names = body["repositories"] as? [String],
                   names.contains(where: { $0.caseInsensitiveCompare(name) != .orderedSame }) {
                    return FakeGitHubReplies.validationFailed([[
                        "resource": "Installation", "code": "custom",
                        "message": "There is at least one repository that does not exist or is not accessible to the parent installation.",
                    ]])
                }
            }
            let token = "ghs_fake\(issued.count + 1)_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let expiry = now().addingTimeInterval(app.tokenLifetime)
            tokens[token] = .installation(slug: app.slug, expiresAt: expiry)
            issued.append(token)
            return .json(201, ["token": token, "expires_at": Self.timestamp(expiry), "permissions": app.permissions,
                               "repository_selection": "selected"])
        }
    }

    // MARK: Users and repositories

    /// GET /user
    func getUser(_ call: Call) -> LoopbackHTTPResponse {
        guard case .user(let login, _) = call.identity else {
            return FakeGitHubReplies.error(403, "Resource not accessible by integration",
                                           documentation: "https://docs.github.com/rest/users/users#get-the-authenticated-user")
        }
        return .json(200, userJSON(login))
    }

    /// GET /repos/{owner}/{repo}
    func getRepository(_ call: Call) -> LoopbackHTTPResponse {
        var repo = repositoryJSON()
        // GitHub shows `permissions` to users, not to installation tokens.
        if case .user(let login, let canPush) = call.identity {
            let role = collaborators[login.lowercased()]
            repo["permissions"] = ["admin": role == "admin", "maintain": role == "maintain" || role == "admin",
                                   "push": canPush, "triage": canPush || role == "triage", "pull": true]
        }
        return .json(200, repo)
    }

    /// GET /repos/{owner}/{repo}/collaborators/{username}/permission
    func getPermission(_ call: Call) -> LoopbackHTTPResponse {
        let login = call.parts[2].lowercased()
        guard users.contains(login) else { return FakeGitHubReplies.notFound() }
        let role = collaborators[login] ?? "read"
        let legacy = legacyPermission[login] ?? ["admin": "admin", "maintain": "write", "write": "write",
                                                 "triage": "read", "read": "read"][role] ?? "none"
        return .json(200, ["permission": legacy, "role_name": role, "user": userJSON(call.parts[2])])
    }

    // MARK: Issues and comments

    /// GET /repos/{owner}/{repo}/issues/{issue_number}
    func getIssue(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), let issue = issues[number] else { return FakeGitHubReplies.notFound() }
        return .json(200, issueJSON(issue))
    }

    /// GET /repos/{owner}/{repo}/issues/{issue_number}/comments
    func listComments(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), issues[number] != nil else { return FakeGitHubReplies.notFound() }
        return paged(comments.filter { $0.issue == number }.map(commentJSON), call)
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/comments
    func createComment(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), issues[number] != nil else { return FakeGitHubReplies.notFound() }
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        guard let body = object["body"] as? String, !body.isEmpty else {
            return FakeGitHubReplies.missingField("body", resource: "IssueComment")
        }
        let id = newComment(issue: number, body: body, author: call.identity.login)
        guard let comment = comments.last, comment.id == id else { return FakeGitHubReplies.serverError() }
        return .json(201, commentJSON(comment))
    }

    /// PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}
    func editComment(_ call: Call) -> LoopbackHTTPResponse {
        guard let id = Int64(call.parts[2]), let index = comments.firstIndex(where: { $0.id == id }) else {
            return FakeGitHubReplies.notFound()
        }
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        guard let body = object["body"] as? String, !body.isEmpty else {
            return FakeGitHubReplies.missingField("body", resource: "IssueComment")
        }
        comments[index].body = body
        comments[index].updatedAt = now()
        return .json(200, commentJSON(comments[index]))
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/labels (an object with `labels`, or a bare list)
    func addLabels(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), issues[number] != nil else { return FakeGitHubReplies.notFound() }
        let parsed = try? JSONSerialization.jsonObject(with: Data(call.request.body))
        guard let names = ((parsed as? [String: Any])?["labels"] ?? parsed) as? [String], !names.isEmpty else {
            return FakeGitHubReplies.missingField("labels", resource: "Label")
        }
        for label in names where !(issues[number]?.labels ?? []).contains(where: { $0.caseInsensitiveCompare(label) == .orderedSame }) {
            issues[number]?.labels.append(label)
        }
        return .json(200, (issues[number]?.labels ?? []).map(labelJSON))
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/assignees
    func addAssignees(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), issues[number] != nil else { return FakeGitHubReplies.notFound() }
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        guard let names = object["assignees"] as? [String] else { return FakeGitHubReplies.missingField("assignees", resource: "Issue") }
        // Like GitHub, people who may not be assigned are silently skipped.
        for login in names where users.contains(login.lowercased())
            && !(issues[number]?.assignees ?? []).contains(where: { $0.caseInsensitiveCompare(login) == .orderedSame }) {
            issues[number]?.assignees.append(login)
        }
        guard let issue = issues[number] else { return FakeGitHubReplies.notFound() }
        return .json(201, issueJSON(issue))
    }

    // MARK: Pull requests

    /// GET /repos/{owner}/{repo}/pulls?state=&head=owner:branch&base=
    func listPulls(_ call: Call) -> LoopbackHTTPResponse {
        let query = call.query
        let state = query["state"] ?? "open"
        var head = query["head"]
        var headOwner: String?
        if let filter = head, let colon = filter.firstIndex(of: ":") {
            headOwner = String(filter[..<colon])
            head = String(filter[filter.index(after: colon)...])
        }
        let matching = issues.values.filter { issue in
            guard let pull = issue.pull else { return false }
            if state != "all" && issue.state != state { return false }
            if let head, pull.head != head { return false }
            if let headOwner, pull.headOwner.caseInsensitiveCompare(headOwner) != .orderedSame { return false }
            if let base = query["base"], pull.base != base { return false }
            return true
        }.sorted { $0.number > $1.number }  // newest first, GitHub's default
        return paged(matching.map(pullJSON), call)
    }

    /// GET /repos/{owner}/{repo}/pulls/{pull_number}
    func getPull(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), let issue = issues[number], issue.pull != nil else { return FakeGitHubReplies.notFound() }
        return .json(200, pullJSON(issue))
    }

    /// POST /repos/{owner}/{repo}/pulls
    func createPull(_ call: Call) -> LoopbackHTTPResponse {
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        for field in ["title", "head", "base"] {
            guard let value = object[field] as? String, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                return FakeGitHubReplies.missingField(field, resource: "PullRequest")
            }
        }
        guard let title = object["title"] as? String, let headSpec = object["head"] as? String, let base = object["base"] as? String
        else { return FakeGitHubReplies.serverError() }
        if let draft = object["draft"], !(draft is Bool) {
            return FakeGitHubReplies.validationFailed([["resource": "PullRequest", "code": "invalid", "field": "draft"]])
        }
        var headOwner = owner
        var head = headSpec
        if let colon = headSpec.firstIndex(of: ":") {
            headOwner = String(headSpec[..<colon])
            head = String(headSpec[headSpec.index(after: colon)...])
        }
        guard branches.contains(base) else {
            return FakeGitHubReplies.validationFailed([["resource": "PullRequest", "code": "invalid", "field": "base"]])
        }
        guard head != base || headOwner.caseInsensitiveCompare(owner) != .orderedSame else {
            return FakeGitHubReplies.validationFailed([["resource": "PullRequest", "code": "custom",
                                                        "message": "No commits between \(base) and \(head)"]])
        }
        if issues.values.contains(where: { $0.state == "open" && $0.pull?.head == head
                                           && $0.pull?.headOwner.caseInsensitiveCompare(headOwner) == .orderedSame }) {
            return FakeGitHubReplies.validationFailed(
                [["resource": "PullRequest", "code": "custom", "message": "A pull request already exists for \(headOwner):\(head)."]],
                documentation: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request")
        }
        let number = newIssue(title: title, body: object["body"] as? String ?? "", author: call.identity.login, labels: [],
                              pull: PullRecord(head: head, headOwner: headOwner, base: base,
                                               draft: (object["draft"] as? Bool) ?? false))
        guard let issue = issues[number] else { return FakeGitHubReplies.serverError() }
        return .json(201, pullJSON(issue))
    }

    /// PATCH /repos/{owner}/{repo}/pulls/{pull_number}
    func updatePull(_ call: Call) -> LoopbackHTTPResponse {
        guard let number = Int(call.parts[2]), issues[number]?.pull != nil else { return FakeGitHubReplies.notFound() }
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        for field in ["title", "body", "base", "state"] where object[field] != nil && !(object[field] is String) {
            return FakeGitHubReplies.validationFailed([["resource": "PullRequest", "code": "invalid", "field": field]])
        }
        if let title = object["title"] as? String {
            guard !title.trimmingCharacters(in: .whitespaces).isEmpty else {
                return FakeGitHubReplies.missingField("title", resource: "PullRequest")
            }
            issues[number]?.title = title
        }
        if let body = object["body"] as? String { issues[number]?.body = body }
        if let base = object["base"] as? String {
            guard branches.contains(base) else {
                return FakeGitHubReplies.validationFailed([["resource": "PullRequest", "code": "invalid", "field": "base"]])
            }
            issues[number]?.pull?.base = base
        }
        if let state = object["state"] as? String {
            guard state == "open" || state == "closed" else {
                return FakeGitHubReplies.validationFailed([["resource": "PullRequest", "code": "invalid", "field": "state"]])
            }
            issues[number]?.state = state
        }
        guard let issue = issues[number] else { return FakeGitHubReplies.notFound() }
        return .json(200, pullJSON(issue))
    }

    // MARK: Checks and statuses

    static let checkStatuses: Set<String> = ["queued", "in_progress", "completed"]
    static let checkConclusions: Set<String> = ["success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"]

    /// GET /repos/{owner}/{repo}/commits/{ref}/check-runs?check_name=&filter=
    func listCheckRuns(_ call: Call) -> LoopbackHTTPResponse {
        let sha = call.parts[2]
        let name = call.query["check_name"]
        let runs = checkRuns.filter { $0.headSHA == sha && (name == nil || $0.name == name) }.reversed().map(checkRunJSON)
        return paged(Array(runs), call) { total, page in ["total_count": total, "check_runs": page] }
    }

    /// POST /repos/{owner}/{repo}/check-runs
    func createCheckRun(_ call: Call) -> LoopbackHTTPResponse {
        guard case .installation = call.identity else {
            return FakeGitHubReplies.error(403, "You must authenticate via a GitHub App.",
                                           documentation: "https://docs.github.com/rest/checks/runs#create-a-check-run")
        }
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        for field in ["name", "head_sha"] {
            guard let value = object[field] as? String, !value.isEmpty else {
                return FakeGitHubReplies.missingField(field, resource: "CheckRun")
            }
        }
        if let refusal = checkRunRefusal(object, creating: true) { return refusal }
        let output = object["output"] as? [String: Any]
        let conclusion = object["conclusion"] as? String
        let run = FakeGitHubCheckRun(id: nextCheckRunID, name: object["name"] as? String ?? "",
                                     headSHA: object["head_sha"] as? String ?? "",
                                     status: conclusion != nil ? "completed" : (object["status"] as? String ?? "queued"),
                                     conclusion: conclusion, title: output?["title"] as? String,
                                     summary: output?["summary"] as? String, detailsURL: object["details_url"] as? String)
        nextCheckRunID += 1
        checkRuns.append(run)
        return .json(201, checkRunJSON(run))
    }

    /// PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}
    func updateCheckRun(_ call: Call) -> LoopbackHTTPResponse {
        guard case .installation = call.identity else {
            return FakeGitHubReplies.error(403, "You must authenticate via a GitHub App.",
                                           documentation: "https://docs.github.com/rest/checks/runs#update-a-check-run")
        }
        guard let id = Int64(call.parts[2]), let index = checkRuns.firstIndex(where: { $0.id == id }) else {
            return FakeGitHubReplies.notFound()
        }
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        if let refusal = checkRunRefusal(object, creating: false) { return refusal }
        if let name = object["name"] as? String { checkRuns[index].name = name }
        if let status = object["status"] as? String { checkRuns[index].status = status }
        if let conclusion = object["conclusion"] as? String {
            checkRuns[index].conclusion = conclusion
            checkRuns[index].status = "completed"
        } else if checkRuns[index].status != "completed" {
            checkRuns[index].conclusion = nil
        }
        if let url = object["details_url"] as? String { checkRuns[index].detailsURL = url }
        if let output = object["output"] as? [String: Any] {
            if let title = output["title"] as? String { checkRuns[index].title = title }
            if let summary = output["summary"] as? String { checkRuns[index].summary = summary }
        }
        return .json(200, checkRunJSON(checkRuns[index]))
    }

    /// What GitHub refuses in a check run's fields: unknown status or conclusion, "completed"
    /// without a conclusion, an output without its required title (on create) and summary.
    private func checkRunRefusal(_ object: [String: Any], creating: Bool) -> LoopbackHTTPResponse? {
        let status = object["status"] as? String
        let conclusion = object["conclusion"] as? String
        if let status, !Self.checkStatuses.contains(status) {
            return FakeGitHubReplies.validationFailed([["resource": "CheckRun", "code": "invalid", "field": "status"]])
        }
        if let conclusion, !Self.checkConclusions.contains(conclusion) {
            return FakeGitHubReplies.validationFailed([["resource": "CheckRun", "code": "invalid", "field": "conclusion"]])
        }
        if status == "completed" && conclusion == nil {
            return FakeGitHubReplies.validationFailed([["resource": "CheckRun", "code": "missing_field", "field": "conclusion"]])
        }
        if let output = object["output"] {
            guard let output = output as? [String: Any] else {
                return FakeGitHubReplies.validationFailed([["resource": "CheckRun", "code": "invalid", "field": "output"]])
            }
            for field in creating ? ["title", "summary"] : ["summary"] where !(output[field] is String) {
                return FakeGitHubReplies.missingField("output.\(field)", resource: "CheckRun")
            }
        }
        return nil
    }

    /// GET /repos/{owner}/{repo}/commits/{ref}/statuses (newest first)
    func listStatuses(_ call: Call) -> LoopbackHTTPResponse {
        let sha = call.parts[2]
        return paged(statuses.filter { $0.sha == sha }.reversed().map(statusJSON), call)
    }

    /// POST /repos/{owner}/{repo}/statuses/{sha}
    func createStatus(_ call: Call) -> LoopbackHTTPResponse {
        guard let object = call.object else { return FakeGitHubReplies.problemsParsingJSON() }
        guard let state = object["state"] as? String else { return FakeGitHubReplies.missingField("state", resource: "Status") }
        guard ["error", "failure", "pending", "success"].contains(state) else {
            return FakeGitHubReplies.validationFailed([["resource": "Status", "code": "custom", "field": "state",
                                                        "message": "state is not included in the list"]])
        }
        let description = object["description"] as? String
        if let description, description.count > 140 {
            return FakeGitHubReplies.validationFailed([["resource": "Status", "code": "custom", "field": "description",
                                                        "message": "description is too long (maximum is 140 characters)"]])
        }
        let status = FakeGitHubCommitStatus(id: nextStatusID, sha: call.parts[2], state: state,
                                            context: object["context"] as? String ?? "default", description: description,
                                            targetURL: object["target_url"] as? String, creator: call.identity.login)
        nextStatusID += 1
        statuses.append(status)
        return .json(201, statusJSON(status))
    }

    // MARK: Actions

    /// GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs
    func listJobs(_ call: Call) -> LoopbackHTTPResponse {
        guard let runID = Int64(call.parts[2]), let jobs = runs[runID] else { return FakeGitHubReplies.notFound() }
        return paged(jobs.map { jobJSON($0, run: runID) }, call) { total, page in ["total_count": total, "jobs": page] }
    }

    /// GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs: 302 to the log storage, as GitHub does.
    func jobLogs(_ call: Call) -> LoopbackHTTPResponse {
        guard let id = Int64(call.parts[2]), runs.values.contains(where: { $0.contains { $0.id == id } }) else {
            return FakeGitHubReplies.notFound()
        }
        let location = "\(logBase)/job-logs/\(id)?se=2030-01-01T00%3A00%3A00Z&sig=\(Self.logSignature(id))"
        return LoopbackHTTPResponse(status: 302, headers: [("Location", location)])
    }

    static func logSignature(_ id: Int64) -> String { "fake-signature-\(id)" }

    /// The log storage: serves a job's log to a request with the right signature, and refuses
    /// (and reports) any request that carries credentials, which must never reach it.
    func serveLog(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        if request.header("Authorization") != nil {
            unexpected.append("\(request.method) \(request.path) (log storage received an Authorization header)")
            return LoopbackHTTPResponse(status: 400, headers: [("Content-Type", "application/xml")], body: Array("""
                <?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidAuthenticationInfo</Code>\
                <Message>Authentication information is not given in the correct format.</Message></Error>
                """.utf8))
        }
        let segments = request.path.split(separator: "/")
        guard segments.count == 2, segments[0] == "job-logs", let id = Int64(segments[1]),
              let job = runs.values.lazy.flatMap({ $0 }).first(where: { $0.id == id })
        else {
            unexpected.append("\(request.method) \(request.path) (no such log)")
            return LoopbackHTTPResponse(status: 404)
        }
        guard request.queryItems["sig"] == Self.logSignature(id) else {
            return LoopbackHTTPResponse(status: 403, headers: [("Content-Type", "application/xml")],
                                        body: Array("<Error><Code>AuthenticationFailed</Code></Error>".utf8))
        }
        return LoopbackHTTPResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: job.log)
    }
}

/// A refusal on the way to an answer.
struct FakeGitHubRefusal: Error {
    var response: LoopbackHTTPResponse
    init(_ response: LoopbackHTTPResponse) { self.response = response }
}
