import Foundation
import HTTPKit

extension GitHubForge {
    /// GET /repos/{owner}/{repo}/issues/{issue_number}
    ///
    /// GitHub serves pull requests here too; those carry a `pull_request` object and come back
    /// with `isPullRequest` set.
    public func issue(_ number: Int) async throws -> Issue {
        let answer = try await http.json(GitHubWire.Issue.self, .get, repoURL("/issues/\(number)"),
                                         operation: "read issue #\(number)")
        return Issue(number: answer.number, title: answer.title, body: answer.body ?? "",
                     author: answer.user?.login ?? Self.ghost, labels: (answer.labels ?? []).map(\.name),
                     state: answer.state, webURL: answer.htmlURL, isPullRequest: answer.pullRequest != nil)
    }

    /// GET /repos/{owner}/{repo}/issues/{issue_number}/comments?per_page=100, following `Link: rel="next"`.
    public func comments(onIssue number: Int) -> Pages<IssueComment> {
        let url = repoURL("/issues/\(number)/comments", query: [("per_page", "100")])
        return http.mappedPages(GitHubWire.Comment.self, url, operation: "list the comments of issue #\(number)") {
            $0.map(Self.comment)
        }
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/comments
    ///
    /// Never retried after a failure that may have reached the server: a second POST would
    /// leave a second comment.
    public func createComment(onIssue number: Int, body: String) async throws -> IssueComment {
        let answer = try await http.json(GitHubWire.Comment.self, .post, repoURL("/issues/\(number)/comments"),
                                         body: GitHubWire.CommentBody(body: body), operation: "comment on issue #\(number)")
        return Self.comment(answer)
    }

    /// PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}
    ///
    /// Setting the same text twice changes nothing, so the call may be retried.
    public func editComment(_ id: Int64, onIssue number: Int, body: String) async throws -> IssueComment {
        let answer = try await http.json(GitHubWire.Comment.self, .patch, repoURL("/issues/comments/\(id)"),
                                         body: GitHubWire.CommentBody(body: body),
                                         operation: "edit comment \(id) on issue #\(number)", retryable: true)
        return Self.comment(answer)
    }

    /// The login GitHub shows for deleted accounts; used when an answer has no user at all.
    static let ghost = "ghost"

    static func comment(_ wire: GitHubWire.Comment) -> IssueComment {
        IssueComment(id: wire.id, body: wire.body ?? "", author: wire.user?.login ?? ghost, webURL: wire.htmlURL,
                     createdAt: ForgeDates.parse(wire.createdAt), updatedAt: ForgeDates.parse(wire.updatedAt))
    }
}
