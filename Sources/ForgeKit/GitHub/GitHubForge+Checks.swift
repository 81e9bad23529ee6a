import Foundation
import HTTPKit

extension GitHubForge {
    /// Shows progress on a commit as a check run named `status.name`, or, when the credentials
    /// may not create check runs (only GitHub Apps and the Actions token may; a personal token
    /// gets 403), as a commit status with that context.
    ///
    /// Check runs: GET /repos/{owner}/{repo}/commits/{ref}/check-runs?check_name={name}, then
    /// PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} or POST /repos/{owner}/{repo}/check-runs.
    /// Commit statuses: GET /repos/{owner}/{repo}/commits/{ref}/statuses, then
    /// POST /repos/{owner}/{repo}/statuses/{sha}.
    ///
    /// Either way nothing is written when the commit already shows this state and summary.
    /// `pending` is a queued check, `running` in progress; `error` (the bot itself failed) is a
    /// check concluded as failure, since check runs have no "error", and a status `error`.
    public func setStatus(_ status: CommitStatus) async throws {
        if memo.canUseCheckRuns {
            do {
                try await setCheckRun(status)
                return
            } catch let error as ForgeError where error.code == .forbidden {
                memo.canUseCheckRuns = false
            }
        }
        try await setCommitStatus(status)
    }

    private func setCheckRun(_ status: CommitStatus) async throws {
        let operation = "set the check \(status.name) on \(status.sha.prefix(12))"
        let (state, conclusion): (String, String?) = switch status.state {
        case .pending: ("queued", nil)
        case .running: ("in_progress", nil)
        case .success: ("completed", "success")
        case .failure, .error: ("completed", "failure")
        }
        // GitHub wants both a title and a summary; an empty summary shows the check's name.
        let title = Self.oneLine(status.summary, limit: 140)
        let output = GitHubWire.CheckRunOutput(title: title.isEmpty ? status.name : title,
                                               summary: status.summary.isEmpty ? status.name : status.summary)

        let listURL = repoURL("/commits/\(ForgeHTTP.segment(status.sha))/check-runs",
                              query: [("check_name", status.name), ("filter", "latest"), ("per_page", "100")])
        let list = try await http.json(GitHubWire.CheckRunList.self, .get, listURL, operation: operation)
        let existing = list.checkRuns.first { $0.name == status.name }

        if let existing, existing.status == state, existing.conclusion == conclusion,
           existing.output?.title == output.title, existing.output?.summary == output.summary,
           status.targetURL == nil || existing.detailsURL == status.targetURL {
            return
        }
        // A finished check is not reopened: a new round of work gets a new check run, which
        // GitHub shows in place of the old one.
        if let existing, existing.status != "completed" || state == "completed" {
            let body = GitHubWire.CheckRunChanges(status: state, conclusion: conclusion, detailsURL: status.targetURL, output: output)
            // Setting the same fields twice has the effect of once, so the call may be retried.
            _ = try await http.call(.patch, repoURL("/check-runs/\(existing.id)"), body: try ForgeHTTP.encode(body),
                                    operation: operation, retryable: true)
        } else {
            let body = GitHubWire.NewCheckRun(name: status.name, headSHA: status.sha, status: state, conclusion: conclusion,
                                              detailsURL: status.targetURL, output: output)
            _ = try await http.call(.post, repoURL("/check-runs"), body: try ForgeHTTP.encode(body), operation: operation)
        }
    }

    private func setCommitStatus(_ status: CommitStatus) async throws {
        let operation = "set the commit status \(status.name) on \(status.sha.prefix(12))"
        let state = switch status.state {
        case .pending, .running: "pending"
        case .success: "success"
        case .failure: "failure"
        case .error: "error"
        }
        let description = Self.oneLine(status.summary, limit: 140)

        // Newest first: the first entry of a context is what GitHub shows for it.
        let listURL = repoURL("/commits/\(ForgeHTTP.segment(status.sha))/statuses", query: [("per_page", "100")])
        let list = try await http.json([GitHubWire.Status].self, .get, listURL, operation: operation)
        if let latest = list.first(where: { $0.context == status.name }), latest.state == state,
           (latest.description ?? "") == description, status.targetURL == nil || latest.targetURL == status.targetURL {
            return
        }
        let body = GitHubWire.NewStatus(state: state, context: status.name, description: description, targetURL: status.targetURL)
        _ = try await http.json(GitHubWire.Status.self, .post, repoURL("/statuses/\(ForgeHTTP.segment(status.sha))"),
                                body: body, operation: operation)
    }

    /// The first line of `text`, cut to `limit` characters with an ellipsis (GitHub refuses
    /// status descriptions over 140 characters).
    static func oneLine(_ text: String, limit: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard line.count > limit else { return line }
        return String(line.prefix(limit - 1)) + "…"
    }
}

// MARK: - Request bodies

extension GitHubWire {
    /// The `output` of a check run: GitHub requires both fields when creating one.
    struct CheckRunOutput: Encodable, Equatable {
        var title: String
        var summary: String
    }

    /// POST /repos/{owner}/{repo}/check-runs
    struct NewCheckRun: Encodable {
        var name: String
        var headSHA: String
        var status: String
        var conclusion: String?
        var detailsURL: String?
        var output: CheckRunOutput

        private enum CodingKeys: String, CodingKey {
            case name, headSHA = "head_sha", status, conclusion, detailsURL = "details_url", output
        }
    }

    /// PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}
    struct CheckRunChanges: Encodable {
        var status: String
        var conclusion: String?
        var detailsURL: String?
        var output: CheckRunOutput

        private enum CodingKeys: String, CodingKey { case status, conclusion, detailsURL = "details_url", output }
    }

    /// POST /repos/{owner}/{repo}/statuses/{sha}
    struct NewStatus: Encodable {
        var state: String
        var context: String
        var description: String
        var targetURL: String?

        private enum CodingKeys: String, CodingKey { case state, context, description, targetURL = "target_url" }
    }
}
