// The fake's answers in GitHub's shapes: field names and types as in GitHub's OpenAPI
// description (components/schemas: simple-user, repository, issue, issue-comment,
// pull-request, check-run, status, job, installation), with the fields clients commonly read.
import Foundation

extension FakeGitHubCore {
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// JSON null for a missing value.
    static func orNull(_ value: Any?) -> Any { value ?? NSNull() }

    /// A stable number for a name, for the `id` fields of users.
    static func stableID(_ text: String) -> Int {
        text.lowercased().utf8.reduce(7) { ($0 &* 31 &+ Int($1)) & 0x7FFF_FFFF }
    }

    func userJSON(_ login: String) -> [String: Any] {
        [
            "login": login, "id": Self.stableID(login), "node_id": "U_\(Self.stableID(login))",
            "type": login.hasSuffix("[bot]") ? "Bot" : "User", "site_admin": false,
            "url": "\(apiBase)/users/\(login)", "html_url": "https://github.test/\(login)",
            "avatar_url": "https://avatars.github.test/u/\(Self.stableID(login))",
        ]
    }

    func repositoryJSON() -> [String: Any] {
        [
            "id": 1_296_269, "node_id": "R_1296269", "name": name, "full_name": fullName, "owner": userJSON(owner),
            "private": false, "visibility": "public", "fork": false, "archived": false, "disabled": false,
            "html_url": webBase, "url": "\(apiBase)/repos/\(fullName)", "clone_url": cloneURL,
            "git_url": "git://github.test/\(fullName).git", "ssh_url": "git@github.test:\(fullName).git",
            "default_branch": defaultBranch, "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:14:43Z",
        ]
    }

    func installationJSON(_ app: AppRecord) -> [String: Any] {
        [
            "id": app.installationID, "app_id": app.id, "app_slug": app.slug, "target_type": "Organization",
            "account": userJSON(owner), "repository_selection": "selected", "permissions": app.permissions,
            "events": [], "access_tokens_url": "\(apiBase)/app/installations/\(app.installationID)/access_tokens",
            "html_url": "https://github.test/organizations/\(owner)/settings/installations/\(app.installationID)",
        ]
    }

    func labelJSON(_ name: String) -> [String: Any] {
        ["id": Self.stableID(name), "node_id": "LA_\(Self.stableID(name))", "name": name, "color": "ededed",
         "default": false, "description": NSNull(), "url": "\(apiBase)/repos/\(fullName)/labels/\(name)"]
    }

    func issueJSON(_ issue: IssueRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": 100_000 + issue.number, "node_id": "I_\(issue.number)", "number": issue.number,
            "title": issue.title, "body": issue.body.isEmpty ? NSNull() : issue.body as Any, "state": issue.state,
            "user": userJSON(issue.author), "labels": issue.labels.map(labelJSON),
            "assignees": issue.assignees.map(userJSON), "assignee": Self.orNull(issue.assignees.first.map(userJSON)),
            "comments": comments.filter { $0.issue == issue.number }.count, "locked": false,
            "html_url": "\(webBase)/\(issue.pull == nil ? "issues" : "pull")/\(issue.number)",
            "url": "\(apiBase)/repos/\(fullName)/issues/\(issue.number)",
            "created_at": Self.timestamp(issue.createdAt), "updated_at": Self.timestamp(issue.createdAt),
            "author_association": "MEMBER",
        ]
        if issue.pull != nil {
            object["pull_request"] = [
                "url": "\(apiBase)/repos/\(fullName)/pulls/\(issue.number)", "html_url": "\(webBase)/pull/\(issue.number)",
                "diff_url": "\(webBase)/pull/\(issue.number).diff", "patch_url": "\(webBase)/pull/\(issue.number).patch",
            ]
        }
        return object
    }

    func commentJSON(_ comment: FakeGitHubComment) -> [String: Any] {
        [
            "id": comment.id, "node_id": "IC_\(comment.id)", "body": comment.body, "user": userJSON(comment.author),
            "html_url": "\(webBase)/issues/\(comment.issue)#issuecomment-\(comment.id)",
            "url": "\(apiBase)/repos/\(fullName)/issues/comments/\(comment.id)",
            "issue_url": "\(apiBase)/repos/\(fullName)/issues/\(comment.issue)",
            "created_at": Self.timestamp(comment.createdAt), "updated_at": Self.timestamp(comment.updatedAt),
            "author_association": "MEMBER",
        ]
    }

    func pullJSON(_ issue: IssueRecord) -> [String: Any] {
        let pull = issue.pull ?? PullRecord(head: "", headOwner: owner, base: defaultBranch, draft: false)
        func ref(_ branch: String, owner refOwner: String, deleted: Bool = false) -> [String: Any] {
            let sameRepository = refOwner.caseInsensitiveCompare(owner) == .orderedSame
            let repository: Any = deleted ? NSNull()
                : sameRepository ? repositoryJSON()
                : ["full_name": "\(refOwner)/\(name)", "name": name, "owner": userJSON(refOwner)] as [String: Any]
            return ["label": "\(refOwner):\(branch)", "ref": branch, "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
                    "user": userJSON(refOwner), "repo": repository]
        }
        return [
            "id": 200_000 + issue.number, "node_id": "PR_\(issue.number)", "number": issue.number,
            "title": issue.title, "body": issue.body.isEmpty ? NSNull() : issue.body as Any, "state": issue.state,
            "draft": pull.draft, "locked": false, "merged": pull.mergedAt != nil,
            "merged_at": Self.orNull(pull.mergedAt.map(Self.timestamp)),
            "user": userJSON(issue.author), "labels": issue.labels.map(labelJSON), "assignees": issue.assignees.map(userJSON),
            "head": ref(pull.head, owner: pull.headOwner, deleted: pull.headRepositoryDeleted), "base": ref(pull.base, owner: owner),
            "html_url": "\(webBase)/pull/\(issue.number)", "url": "\(apiBase)/repos/\(fullName)/pulls/\(issue.number)",
            "diff_url": "\(webBase)/pull/\(issue.number).diff",
            "issue_url": "\(apiBase)/repos/\(fullName)/issues/\(issue.number)",
            "created_at": Self.timestamp(issue.createdAt), "updated_at": Self.timestamp(issue.createdAt),
            "author_association": "MEMBER",
        ]
    }

    func checkRunJSON(_ run: FakeGitHubCheckRun) -> [String: Any] {
        [
            "id": run.id, "node_id": "CR_\(run.id)", "name": run.name, "head_sha": run.headSHA, "status": run.status,
            "conclusion": Self.orNull(run.conclusion), "details_url": Self.orNull(run.detailsURL), "external_id": "",
            "url": "\(apiBase)/repos/\(fullName)/check-runs/\(run.id)", "html_url": "\(webBase)/runs/\(run.id)",
            "started_at": "2018-05-04T01:14:52Z", "completed_at": run.status == "completed" ? "2018-05-04T01:14:52Z" : NSNull() as Any,
            "output": ["title": Self.orNull(run.title), "summary": Self.orNull(run.summary), "text": NSNull(),
                       "annotations_count": 0, "annotations_url": "\(apiBase)/repos/\(fullName)/check-runs/\(run.id)/annotations"],
            "check_suite": ["id": 5], "app": Self.orNull(app.map { ["id": $0.id, "slug": $0.slug, "name": $0.slug] as [String: Any] }),
            "pull_requests": [],
        ]
    }

    func statusJSON(_ status: FakeGitHubCommitStatus) -> [String: Any] {
        [
            "id": status.id, "node_id": "SC_\(status.id)", "state": status.state, "context": status.context,
            "description": Self.orNull(status.description), "target_url": Self.orNull(status.targetURL),
            "url": "\(apiBase)/repos/\(fullName)/statuses/\(status.sha)", "creator": userJSON(status.creator),
            "avatar_url": "https://avatars.github.test/u/1",
            "created_at": "2012-07-20T01:19:13Z", "updated_at": "2012-07-20T01:19:13Z",
        ]
    }

    func jobJSON(_ job: FakeGitHubJob, run: Int64) -> [String: Any] {
        [
            "id": job.id, "run_id": run, "node_id": "J_\(job.id)", "name": job.name, "status": job.status,
            "conclusion": Self.orNull(job.conclusion), "head_sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            "url": "\(apiBase)/repos/\(fullName)/actions/jobs/\(job.id)",
            "html_url": "\(webBase)/actions/runs/\(run)/job/\(job.id)",
            "run_url": "\(apiBase)/repos/\(fullName)/actions/runs/\(run)",
            "check_run_url": "\(apiBase)/repos/\(fullName)/check-runs/\(job.id)",
            "started_at": "2020-01-20T17:42:40Z",
            "completed_at": job.status == "completed" ? "2020-01-20T17:44:39Z" : NSNull() as Any, "steps": [],
        ]
    }
}
