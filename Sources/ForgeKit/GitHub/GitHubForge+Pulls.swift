import Foundation
import HTTPKit

extension GitHubForge {
    /// GET /repos/{owner}/{repo}/pulls?state=open&head={owner}:{branch}
    ///
    /// GitHub filters by head itself; the answer is checked again here, so a server that ignores
    /// the filter (or a fork's branch of the same name) cannot hand us someone else's pull request.
    public func findOpenPullRequest(head branch: String) async throws -> PullRequest? {
        let url = repoURL("/pulls", query: [("state", "open"), ("head", "\(repositoryPath.owner):\(branch)"), ("per_page", "100")])
        let answers = try await http.json([GitHubWire.PullRequest].self, .get, url,
                                          operation: "find the open pull request for \(branch)")
        let ours = answers.first { answer in
            guard answer.head.ref == branch, answer.state == "open" else { return false }
            if let full = answer.head.repo?.fullName { return full.caseInsensitiveCompare(repositoryPath.description) == .orderedSame }
            return answer.head.label?.caseInsensitiveCompare("\(repositoryPath.owner):\(branch)") == .orderedSame
        }
        return ours.map(Self.pullRequest)
    }

    /// GET /repos/{owner}/{repo}/pulls/{pull_number} — open, closed or merged; 404 is `.notFound`.
    public func pullRequest(_ number: Int) async throws -> PullRequest {
        let answer = try await http.json(GitHubWire.PullRequest.self, .get, repoURL("/pulls/\(number)"),
                                         operation: "read pull request #\(number)")
        return Self.pullRequest(answer)
    }

    /// POST /repos/{owner}/{repo}/pulls, then POST /repos/{owner}/{repo}/issues/{number}/labels
    /// and POST /repos/{owner}/{repo}/issues/{number}/assignees when the draft has any.
    ///
    /// GitHub answers 422 "A pull request already exists for owner:branch." when one is open for
    /// the head; that is `ForgeError.alreadyExists`. The POST is never sent twice by the client
    /// (a retry after a lost answer could open a second pull request).
    public func createPullRequest(_ draft: PullRequestDraft) async throws -> PullRequest {
        let body = GitHubWire.NewPullRequest(title: draft.title, body: draft.body, head: draft.head, base: draft.base,
                                             draft: draft.isDraft)
        let answer = try await http.json(GitHubWire.PullRequest.self, .post, repoURL("/pulls"), body: body,
                                         operation: "open a pull request for \(draft.head)")
        try await addLabels(draft.labels, missingFrom: [], to: answer.number)
        try await addAssignees(draft.assignees, missingFrom: [], to: answer.number)
        return Self.pullRequest(answer)
    }

    /// GET /repos/{owner}/{repo}/pulls/{pull_number}, then PATCH /repos/{owner}/{repo}/pulls/{pull_number}
    /// with {title, body, base} when any differs, then the labels and assignees it lacks (POST
    /// …/issues/{number}/labels and …/assignees).
    ///
    /// Labels and assignees are only added: ones people put on the pull request stay. Draft state
    /// is left alone (the REST API cannot change it). Nothing is written when nothing differs,
    /// so running the same task twice leaves no "edited" noise on the pull request.
    public func updatePullRequest(_ number: Int, to draft: PullRequestDraft) async throws -> PullRequest {
        var current = try await http.json(GitHubWire.PullRequest.self, .get, repoURL("/pulls/\(number)"),
                                          operation: "read pull request #\(number)")
        if current.title != draft.title || (current.body ?? "") != draft.body || current.base.ref != draft.base {
            let body = GitHubWire.PullRequestChanges(title: draft.title, body: draft.body, base: draft.base)
            current = try await http.json(GitHubWire.PullRequest.self, .patch, repoURL("/pulls/\(number)"), body: body,
                                          operation: "update pull request #\(number)", retryable: true)
        }
        try await addLabels(draft.labels, missingFrom: (current.labels ?? []).map(\.name), to: number)
        try await addAssignees(draft.assignees, missingFrom: (current.assignees ?? []).map(\.login), to: number)
        return Self.pullRequest(current)
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/labels, with the labels not there yet.
    private func addLabels(_ wanted: [String], missingFrom present: [String], to number: Int) async throws {
        let missing = Self.missing(wanted, from: present)
        guard !missing.isEmpty else { return }
        // Adding a label twice leaves one label, so the call may be retried.
        _ = try await http.call(.post, repoURL("/issues/\(number)/labels"),
                                body: try ForgeHTTP.encode(GitHubWire.LabelsBody(labels: missing)),
                                operation: "label pull request #\(number)", retryable: true)
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/assignees, with the people not assigned yet.
    private func addAssignees(_ wanted: [String], missingFrom present: [String], to number: Int) async throws {
        let missing = Self.missing(wanted, from: present)
        guard !missing.isEmpty else { return }
        _ = try await http.call(.post, repoURL("/issues/\(number)/assignees"),
                                body: try ForgeHTTP.encode(GitHubWire.AssigneesBody(assignees: missing)),
                                operation: "assign pull request #\(number)", retryable: true)
    }

    /// `wanted` without the names in `present` (GitHub compares labels and logins case-insensitively) or repeated.
    static func missing(_ wanted: [String], from present: [String]) -> [String] {
        var seen = Set(present.map { $0.lowercased() })
        return wanted.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    static func pullRequest(_ wire: GitHubWire.PullRequest) -> PullRequest {
        let state = wire.state == "closed" && wire.mergedAt != nil ? "merged" : wire.state
        return PullRequest(number: wire.number, title: wire.title, body: wire.body ?? "", head: wire.head.ref,
                           base: wire.base.ref, isDraft: wire.draft ?? false, state: state, webURL: wire.htmlURL,
                           isFromFork: isFromFork(wire))
    }

    /// Whether the head repository differs from the base repository. A null head repository
    /// (the fork was deleted) counts as a fork: its branch is nobody's to push to here.
    static func isFromFork(_ wire: GitHubWire.PullRequest) -> Bool {
        guard let head = wire.head.repo?.fullName else { return true }
        // GitHub always sends the base repository; a trimmed answer without it cannot say more.
        guard let base = wire.base.repo?.fullName else { return false }
        return head.caseInsensitiveCompare(base) != .orderedSame
    }
}
