import Foundation
import HTTPKit

extension GiteaForge {
    /// GET /repos/{owner}/{repo}/issues/{index} — pull requests are issues too; `pull_request`
    /// is an object exactly for those.
    public func issue(_ number: Int) async throws -> Issue {
        let issue = try await http.json(GiteaWire.Issue.self, .get, repoURL("/issues/\(number)"),
                                        operation: "read issue #\(number)")
        return Issue(number: issue.number, title: issue.title, body: issue.body ?? "", author: issue.user?.login ?? "ghost",
                     labels: (issue.labels ?? []).map(\.name), state: issue.state,
                     webURL: issue.htmlURL ?? "\(webRoot)/issues/\(issue.number)", isPullRequest: issue.pullRequest != nil)
    }

    /// GET /repos/{owner}/{repo}/issues/{index}/comments — oldest first. Gitea (1.27 included)
    /// answers with every comment at once: the endpoint takes no `page`/`limit`, so none are
    /// sent; a `Link: rel="next"`, should a server send one, is followed all the same.
    public func comments(onIssue number: Int) -> Pages<IssueComment> {
        let webRoot = self.webRoot
        return http.mappedPages(GiteaWire.Comment.self, repoURL("/issues/\(number)/comments"),
                                operation: "list comments on issue #\(number)") { comments in
            comments.map { GiteaForge.comment($0, issuePage: "\(webRoot)/issues/\(number)") }
        }
    }

    /// POST /repos/{owner}/{repo}/issues/{index}/comments {body}
    public func createComment(onIssue number: Int, body: String) async throws -> IssueComment {
        let comment = try await http.json(GiteaWire.Comment.self, .post, repoURL("/issues/\(number)/comments"),
                                          body: GiteaWire.CommentBody(body: body), operation: "comment on issue #\(number)")
        return GiteaForge.comment(comment, issuePage: "\(webRoot)/issues/\(number)")
    }

    /// PATCH /repos/{owner}/{repo}/issues/comments/{id} {body} — comments are addressed by ID
    /// alone; the issue number only makes the link. The PATCH replaces the whole body, so
    /// sending it twice has the effect of sending it once, and a failed attempt may be retried.
    public func editComment(_ id: Int64, onIssue number: Int, body: String) async throws -> IssueComment {
        let comment = try await http.json(GiteaWire.Comment.self, .patch, repoURL("/issues/comments/\(id)"),
                                          body: GiteaWire.CommentBody(body: body),
                                          operation: "edit comment \(id) on issue #\(number)", retryable: true)
        return GiteaForge.comment(comment, issuePage: "\(webRoot)/issues/\(number)")
    }

    /// GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission — read, write, and admin
    /// or owner (both `.admin`); "none" and 404 (no such user) are `.none`. Gitea answers only
    /// site admins, repository admins and the user themselves (403 to anyone else), so the
    /// bot's token needs admin rights on the repository to check who triggered it.
    public func permission(of user: String) async throws -> Permission {
        let operation = "read the permission of \(user) on \(repositoryPath)"
        do {
            let answer = try await http.json(GiteaWire.CollaboratorPermission.self, .get,
                                             repoURL("/collaborators/\(ForgeHTTP.segment(user))/permission"), operation: operation)
            return GiteaForge.permission(answer.permission)
        } catch var error as ForgeError {
            switch error.code {
            case .notFound:
                return .none
            case .forbidden:
                error.hint = "Gitea shows a user's permission only to repository admins and to the user; "
                    + "give the bot's token (\(http.tokens.origin)) admin rights on \(repositoryPath)"
                throw error
            default:
                throw error
            }
        }
    }

    static func permission(_ name: String) -> Permission {
        switch name.lowercased() {
        case "owner", "admin": .admin
        case "write": .write
        case "read": .read
        default: .none
        }
    }

    static func comment(_ comment: GiteaWire.Comment, issuePage: String) -> IssueComment {
        IssueComment(id: comment.id, body: comment.body, author: comment.user?.login ?? "ghost",
                     webURL: comment.htmlURL ?? "\(issuePage)#issuecomment-\(comment.id)",
                     createdAt: ForgeDates.parse(comment.createdAt), updatedAt: ForgeDates.parse(comment.updatedAt))
    }
}
