import Foundation
import HTTPKit

/// Pull requests.
///
/// Drafts: Gitea has no draft flag to send; a title starting with one of the server's
/// `WORK_IN_PROGRESS_PREFIXES` (by default "WIP:" and "[WIP]", compared without case) makes a
/// draft. Drafts are written as "WIP: TITLE" and read back with the prefix taken off the title
/// and `isDraft` set, so a `PullRequest`'s title compares equal to the draft's.
///
/// Labels: the API takes label IDs, not names, so names are looked up first (the repository's
/// labels, then its organization's). A name that matches no label fails the call before
/// anything is written: a pull request silently missing a label is worse than a clear error.
extension GiteaForge {
    /// GET /repos/{owner}/{repo}/pulls?state=open&limit=50 — read page by page, stopping at the
    /// first pull request whose head is `branch` of this repository (a fork's branch of the same
    /// name does not count). The by-branch endpoint GET /repos/{owner}/{repo}/pulls/{base}/{head}
    /// is not used: it needs the base branch, which the caller does not give.
    public func findOpenPullRequest(head branch: String) async throws -> PullRequest? {
        let url = repoURL("/pulls", query: [("state", "open"), ("limit", String(GiteaForge.pageSize))])
        let pulls = http.mappedPages(GiteaWire.PullRequest.self, url, operation: "find the open pull request of branch \(branch)") { $0 }
        for try await pull in pulls where pull.head.ref == branch && isFromThisRepository(pull) {
            return GiteaForge.pullRequest(pull)
        }
        return nil
    }

    /// GET /repos/{owner}/{repo}/pulls/{index} — open, closed or merged; 404 is `.notFound`.
    public func pullRequest(_ number: Int) async throws -> PullRequest {
        let pull = try await http.json(GiteaWire.PullRequest.self, .get, repoURL("/pulls/\(number)"),
                                       operation: "read pull request #\(number)")
        return GiteaForge.pullRequest(pull)
    }

    /// POST /repos/{owner}/{repo}/pulls {head, base, title, body, labels (IDs), assignees}.
    /// A second open pull request for the same head and base is refused (409, older servers 422:
    /// "pull request already exists for these targets"), thrown as `.alreadyExists`.
    public func createPullRequest(_ draft: PullRequestDraft) async throws -> PullRequest {
        let operation = "open a pull request from \(draft.head) into \(draft.base)"
        let labels = try await labelIDs(draft.labels, operation: operation)
        let body = GiteaWire.CreatePullBody(head: draft.head, base: draft.base, title: GiteaForge.title(of: draft), body: draft.body,
                                            labels: labels.isEmpty ? nil : labels,
                                            assignees: draft.assignees.isEmpty ? nil : draft.assignees)
        let pull = try await http.json(GiteaWire.PullRequest.self, .post, repoURL("/pulls"), body: body, operation: operation)
        return GiteaForge.pullRequest(pull)
    }

    /// PATCH /repos/{owner}/{repo}/pulls/{index} {title, body, base, assignees}, then, when the
    /// draft has labels, POST /repos/{owner}/{repo}/issues/{index}/labels {labels (IDs)}: the
    /// draft's labels are added, so labels people put on the pull request stay. Assignees are
    /// replaced only when the draft names some. The PATCH sets fields to values, so it may be
    /// retried after a failed attempt, like a PUT.
    public func updatePullRequest(_ number: Int, to draft: PullRequestDraft) async throws -> PullRequest {
        let operation = "update pull request #\(number)"
        let labels = try await labelIDs(draft.labels, operation: operation)
        let body = GiteaWire.EditPullBody(title: GiteaForge.title(of: draft), body: draft.body, base: draft.base,
                                          assignees: draft.assignees.isEmpty ? nil : draft.assignees)
        let pull = try await http.json(GiteaWire.PullRequest.self, .patch, repoURL("/pulls/\(number)"), body: body,
                                       operation: operation, retryable: true)
        if !labels.isEmpty {
            // Adding labels that are there already changes nothing, so a retry is harmless.
            _ = try await http.call(.post, repoURL("/issues/\(number)/labels"),
                                    body: try ForgeHTTP.encode(GiteaWire.LabelsBody(labels: labels)),
                                    operation: "label pull request #\(number)", retryable: true)
        }
        return GiteaForge.pullRequest(pull)
    }

    /// The IDs of the labels called `names`: GET /repos/{owner}/{repo}/labels (all pages), then
    /// GET /orgs/{org}/labels for names still missing (404 when the owner is a user). Exact names
    /// win over names that differ only in case.
    func labelIDs(_ names: [String], operation: String) async throws -> [Int64] {
        var wanted: [String] = []
        for name in names.map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty && !wanted.contains(name) {
            wanted.append(name)
        }
        guard !wanted.isEmpty else { return [] }
        let query = [("limit", String(GiteaForge.pageSize))]
        var known = try await http.mappedPages(GiteaWire.Label.self, repoURL("/labels", query: query),
                                               operation: "\(operation): look up labels") { $0 }.collect()
        if wanted.contains(where: { GiteaForge.match($0, in: known) == nil }) {
            do {
                known += try await http.mappedPages(GiteaWire.Label.self,
                                                    http.url("/orgs/\(ForgeHTTP.segment(repositoryPath.owner))/labels", query: query),
                                                    operation: "\(operation): look up organization labels") { $0 }.collect()
            } catch let error as ForgeError where error.code == .notFound {
                // The owner is a user, who has no organization labels.
            }
        }
        let missing = wanted.filter { GiteaForge.match($0, in: known) == nil }
        guard missing.isEmpty else {
            throw ForgeError(.rejected, forge: kind, operation: operation,
                             message: "\(repositoryPath) has no label named \(missing.map { "\"\($0)\"" }.joined(separator: ", "))",
                             hint: "Create the label in the repository (Issues → Labels) or take it out of `labels` in .codex-bot.yml")
        }
        return wanted.compactMap { GiteaForge.match($0, in: known) }
    }

    private static func match(_ name: String, in labels: [GiteaWire.Label]) -> Int64? {
        labels.first { $0.name == name }?.id
            ?? labels.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.id
    }

    /// Whether the pull request's head branch lives in this repository, not in a fork.
    private func isFromThisRepository(_ pull: GiteaWire.PullRequest) -> Bool {
        if let head = pull.head.repoID, let base = pull.base.repoID { return head == base }
        if let name = pull.head.repo?.fullName { return name.caseInsensitiveCompare(repositoryPath.description) == .orderedSame }
        return true
    }

    static func pullRequest(_ pull: GiteaWire.PullRequest) -> PullRequest {
        let (title, prefixed) = strippingDraftPrefix(pull.title)
        return PullRequest(number: pull.number, title: title, body: pull.body ?? "", head: pull.head.ref, base: pull.base.ref,
                           isDraft: pull.draft ?? prefixed, state: pull.merged == true ? "merged" : pull.state,
                           webURL: pull.htmlURL, isFromFork: isFromFork(pull))
    }

    /// Whether the head repository differs from the base repository: by full name, else by ID.
    /// A null head repository (the fork was deleted; Gitea then sends `repo_id` -1) counts as a fork.
    static func isFromFork(_ pull: GiteaWire.PullRequest) -> Bool {
        guard let head = pull.head.repo else { return true }
        if let headName = head.fullName, let baseName = pull.base.repo?.fullName {
            return headName.caseInsensitiveCompare(baseName) != .orderedSame
        }
        if let headID = pull.head.repoID, let baseID = pull.base.repoID { return headID != baseID }
        return false
    }

    /// The title to send: "WIP: TITLE" for a draft, and never a WIP prefix otherwise.
    static func title(of draft: PullRequestDraft) -> String {
        let bare = strippingDraftPrefix(draft.title).title
        return draft.isDraft ? "WIP: " + bare : bare
    }

    /// Gitea's default `WORK_IN_PROGRESS_PREFIXES`, compared without case.
    static let draftPrefixes = ["wip:", "[wip]"]

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
