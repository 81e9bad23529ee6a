import Foundation
import HTTPKit

/// Merge requests: GitLab's pull requests, numbered by `iid`.
///
/// GitLab has no draft flag to send: a title starting "Draft:" (or "[Draft]", "(Draft)", and the
/// older "WIP:"/"[WIP]") makes a draft, and removing it marks the merge request ready. Drafts are
/// therefore written as "Draft: TITLE", and read back with the prefix taken off the title and
/// `isDraft` set, so a `PullRequest`'s title compares equal to the draft's.
extension GitLabForge {
    /// GET /projects/:id/merge_requests?state=opened&source_branch=B&per_page=100 — the open
    /// merge request from `branch` of this project. Merge requests from forks whose branch has
    /// the same name are skipped; the list is read lazily and stops at the first match.
    public func findOpenPullRequest(head branch: String) async throws -> PullRequest? {
        let url = projectURL("/merge_requests", query: [("state", "opened"), ("source_branch", branch), ("per_page", "100")])
        let list = pages(GitLabWire.MergeRequest.self, url, operation: "find the open merge request of branch \(branch)") { $0 }
        for try await request in list
        where request.sourceBranch == branch && (request.sourceProjectID == nil || request.sourceProjectID == request.targetProjectID) {
            return GitLabForge.pullRequest(request)
        }
        return nil
    }

    /// GET /projects/:id/merge_requests/:merge_request_iid — open, closed or merged; 404 is `.notFound`.
    public func pullRequest(_ number: Int) async throws -> PullRequest {
        let request = try await http.json(GitLabWire.MergeRequest.self, .get, projectURL("/merge_requests/\(number)"),
                                          operation: "read merge request !\(number)")
        return GitLabForge.pullRequest(request)
    }

    /// POST /projects/:id/merge_requests {source_branch, target_branch, title, description, labels,
    /// assignee_ids} — assignees are looked up first (GET /users?username=), so an unknown one
    /// fails before anything is written. A second open merge request for the branch is refused
    /// with 409 "Another open merge request already exists for this source branch: !N", thrown
    /// as `.alreadyExists`.
    public func createPullRequest(_ draft: PullRequestDraft) async throws -> PullRequest {
        let operation = "open a merge request from \(draft.head) into \(draft.base)"
        let labels = GitLabForge.labelList(draft.labels)
        let body = GitLabWire.MergeRequestBody(
            sourceBranch: draft.head, targetBranch: draft.base, title: GitLabForge.title(of: draft), description: draft.body,
            labels: labels, addLabels: nil, assigneeIDs: try await assigneeIDs(draft.assignees, operation: operation))
        let created = try await http.json(GitLabWire.MergeRequest.self, .post, projectURL("/merge_requests"), body: body,
                                          operation: operation)
        return GitLabForge.pullRequest(created)
    }

    /// PUT /projects/:id/merge_requests/:merge_request_iid {target_branch, title, description,
    /// add_labels, assignee_ids} — the draft's labels are added, so labels people put on the
    /// merge request stay; assignees are replaced only when the draft names some.
    public func updatePullRequest(_ number: Int, to draft: PullRequestDraft) async throws -> PullRequest {
        let operation = "update merge request !\(number)"
        let body = GitLabWire.MergeRequestBody(
            sourceBranch: nil, targetBranch: draft.base, title: GitLabForge.title(of: draft), description: draft.body,
            labels: nil, addLabels: GitLabForge.labelList(draft.labels),
            assigneeIDs: try await assigneeIDs(draft.assignees, operation: operation))
        let updated = try await http.json(GitLabWire.MergeRequest.self, .put, projectURL("/merge_requests/\(number)"), body: body,
                                          operation: operation)
        return GitLabForge.pullRequest(updated)
    }

    /// The users' IDs (GET /users?username= for each); nil for none, so the field is left out.
    private func assigneeIDs(_ usernames: [String], operation: String) async throws -> [Int64]? {
        var ids: [Int64] = []
        for name in usernames {
            let username = name.hasPrefix("@") ? String(name.dropFirst()) : name
            guard let id = try await userID(username, operation: operation) else {
                throw ForgeError(.rejected, forge: kind, operation: operation,
                                 message: "GitLab knows no user \"\(username)\" to assign",
                                 hint: "Write assignees as GitLab usernames (without @), or leave them out")
            }
            ids.append(id)
        }
        return ids.isEmpty ? nil : ids
    }

    /// "a,b" for GitLab's comma-separated label field; nil when there are none.
    static func labelList(_ labels: [String]) -> String? {
        let names = labels.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : names.joined(separator: ",")
    }

    static func pullRequest(_ request: GitLabWire.MergeRequest) -> PullRequest {
        let (title, prefixed) = strippingDraftPrefix(request.title)
        let state = request.state == "merged" ? "merged" : openOrClosed(request.state)
        return PullRequest(number: request.iid, title: title, body: request.description ?? "", head: request.sourceBranch,
                           base: request.targetBranch, isDraft: request.draft ?? request.workInProgress ?? prefixed,
                           state: state, webURL: request.webURL, isFromFork: isFromFork(request))
    }

    /// Whether the source branch lives in another project than the one it merges into (a fork).
    /// GitLab sends both IDs; an answer without them is read as not from a fork.
    static func isFromFork(_ request: GitLabWire.MergeRequest) -> Bool {
        guard let source = request.sourceProjectID, let target = request.targetProjectID else { return false }
        return source != target
    }

    /// The title to send: "Draft: TITLE" for a draft, and never a draft prefix otherwise (one
    /// in the draft's own title would make GitLab mark it a draft).
    static func title(of draft: PullRequestDraft) -> String {
        let bare = strippingDraftPrefix(draft.title).title
        return draft.isDraft ? "Draft: " + bare : bare
    }

    /// The prefixes GitLab reads as "draft", compared without case.
    static let draftPrefixes = ["draft:", "[draft]", "(draft)", "wip:", "[wip]"]

    static func strippingDraftPrefix(_ title: String) -> (title: String, hadPrefix: Bool) {
        var rest = Substring(title)
        var found = false
        while let prefix = draftPrefixes.first(where: { rest.lowercased().hasPrefix($0) }) {
            rest = rest.dropFirst(prefix.count).drop { $0 == " " }
            found = true
        }
        return (String(rest), found)
    }
}
