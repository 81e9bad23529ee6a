import Foundation
import HTTPKit

extension GitLabForge {
    /// GET /projects/:id/issues/:issue_iid — the issue's `iid` is its number in the project.
    public func issue(_ number: Int) async throws -> Issue {
        let issue = try await http.json(GitLabWire.Issue.self, .get, projectURL("/issues/\(number)"),
                                        operation: "read issue #\(number)")
        return Issue(number: issue.iid, title: issue.title, body: issue.description ?? "", author: issue.author.username,
                     labels: (issue.labels ?? []).map(\.name), state: GitLabForge.openOrClosed(issue.state),
                     webURL: issue.webURL)
    }

    /// GET /projects/:id/issues/:issue_iid/notes?sort=asc&order_by=created_at&per_page=100 —
    /// oldest first, without system notes ("changed the description"), which nobody wrote.
    public func comments(onIssue number: Int) -> Pages<IssueComment> {
        let url = projectURL("/issues/\(number)/notes",
                             query: [("sort", "asc"), ("order_by", "created_at"), ("per_page", "100")])
        let page = issuePage(number)
        return pages(GitLabWire.Note.self, url, operation: "list comments on issue #\(number)") { notes in
            notes.filter { $0.system != true }.map { GitLabForge.comment($0, issuePage: page) }
        }
    }

    /// POST /projects/:id/issues/:issue_iid/notes {body}
    public func createComment(onIssue number: Int, body: String) async throws -> IssueComment {
        let note = try await http.json(GitLabWire.Note.self, .post, projectURL("/issues/\(number)/notes"),
                                       body: GitLabWire.NoteBody(body: body), operation: "comment on issue #\(number)")
        return GitLabForge.comment(note, issuePage: issuePage(number))
    }

    /// PUT /projects/:id/issues/:issue_iid/notes/:note_id {body}
    public func editComment(_ id: Int64, onIssue number: Int, body: String) async throws -> IssueComment {
        let note = try await http.json(GitLabWire.Note.self, .put, projectURL("/issues/\(number)/notes/\(id)"),
                                       body: GitLabWire.NoteBody(body: body),
                                       operation: "edit comment \(id) on issue #\(number)")
        return GitLabForge.comment(note, issuePage: issuePage(number))
    }

    /// GET /users?username=NAME, then GET /projects/:id/members/all/:user_id — the user's role,
    /// direct or inherited from a group: Guest (10) and Planner (15) → read, Reporter (20) →
    /// triage, Developer (30) → write, Maintainer (40) → maintain, Owner (50) → admin. No such
    /// user, no membership (404), Minimal Access (5) or a blocked account → `.none`.
    public func permission(of user: String) async throws -> Permission {
        let operation = "read the role of \(user) in \(repositoryPath)"
        guard let id = try await userID(user, operation: operation) else { return .none }
        do {
            let member = try await http.json(GitLabWire.Member.self, .get, projectURL("/members/all/\(id)"), operation: operation)
            if member.state == "blocked" { return .none }
            return GitLabForge.permission(accessLevel: member.accessLevel)
        } catch let error as ForgeError where error.code == .notFound {
            return .none
        }
    }

    static func permission(accessLevel: Int) -> Permission {
        switch accessLevel {
        case 50...: .admin
        case 40..<50: .maintain
        case 30..<40: .write
        case 20..<30: .triage
        case 10..<20: .read
        default: .none
        }
    }

    /// GitLab's "opened" is everyone else's "open"; "locked" is an open item mid-merge.
    static func openOrClosed(_ state: String) -> String {
        switch state {
        case "opened", "locked": "open"
        default: state
        }
    }

    /// The issue's web page, for note links: GitLab's notes API gives none.
    func issuePage(_ number: Int) -> String {
        var root = serverURL.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/\(repositoryPath)/-/issues/\(number)"
    }

    static func comment(_ note: GitLabWire.Note, issuePage: String) -> IssueComment {
        IssueComment(id: note.id, body: note.body, author: note.author.username, webURL: "\(issuePage)#note_\(note.id)",
                     createdAt: ForgeDates.parse(note.createdAt), updatedAt: ForgeDates.parse(note.updatedAt))
    }
}
