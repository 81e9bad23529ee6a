import Foundation

/// The parts of Gitea's and Forgejo's JSON answers (REST v1, swagger 1.27) codex-bot reads.
///
/// Fields Gitea always sends are required, so an answer without one is a clear "the field X is
/// missing" error. Fields that older servers (and Gogs-era answers) lack, or that are null for
/// some objects, are optional, with the fallback noted where they are read. Everything else in
/// the answers is ignored, so new fields never break decoding.
enum GiteaWire {
    /// A user: `login` since Gitea 1.0; Gogs-era answers carry only `username`, so either does.
    struct User: Decodable, Sendable {
        var login: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let login = try container.decodeIfPresent(String.self, forKey: .login), !login.isEmpty {
                self.login = login
            } else {
                login = try container.decode(String.self, forKey: .username)
            }
        }

        private enum CodingKeys: String, CodingKey { case login, username }
    }

    struct Label: Decodable, Sendable {
        var id: Int64
        var name: String
    }

    /// A label as issues carry it: only the name is read.
    struct LabelName: Decodable, Sendable {
        var name: String
    }

    /// Any JSON object; an optional `Marker` tells an object from null or absence.
    struct Marker: Decodable, Sendable {
        init(from decoder: any Decoder) throws {}
    }

    /// GET /repos/{owner}/{repo}
    struct Repository: Decodable, Sendable {
        var defaultBranch: String
        var cloneURL: String
        var htmlURL: String
        /// The credentials' rights; absent for anonymous calls.
        var permissions: Permissions?

        struct Permissions: Decodable, Sendable {
            var admin: Bool?
            var push: Bool?
        }

        private enum CodingKeys: String, CodingKey {
            case defaultBranch = "default_branch", cloneURL = "clone_url", htmlURL = "html_url", permissions
        }
    }

    /// GET /repos/{owner}/{repo}/issues/{index}
    struct Issue: Decodable, Sendable {
        var number: Int
        var title: String
        var body: String?
        /// Gitea answers with a "Ghost" user for deleted accounts; null is tolerated all the same.
        var user: User?
        var labels: [LabelName]?
        var state: String
        /// Absent in answers of old servers; the page is then derived from the server URL.
        var htmlURL: String?
        /// An object exactly when the issue is a pull request.
        var pullRequest: Marker?

        private enum CodingKeys: String, CodingKey {
            case number, title, body, user, labels, state, htmlURL = "html_url", pullRequest = "pull_request"
        }
    }

    /// GET /repos/{owner}/{repo}/issues/{index}/comments (one element)
    struct Comment: Decodable, Sendable {
        var id: Int64
        var body: String
        var user: User?
        var htmlURL: String?
        var createdAt: String?
        var updatedAt: String?

        private enum CodingKeys: String, CodingKey {
            case id, body, user, htmlURL = "html_url", createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    /// GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission
    struct CollaboratorPermission: Decodable, Sendable {
        /// "none", "read", "write", "admin" or "owner".
        var permission: String
    }

    /// GET /repos/{owner}/{repo}/pulls/{index}
    struct PullRequest: Decodable, Sendable {
        var number: Int
        var title: String
        var body: String?
        var head: Branch
        var base: Branch
        /// "open" or "closed"; a merged pull request is closed with `merged: true`.
        var state: String
        var merged: Bool?
        /// Set by current servers from the title's WIP prefix; older ones lack it, and the prefix is read instead.
        var draft: Bool?
        var htmlURL: String

        struct Branch: Decodable, Sendable {
            var ref: String
            var repoID: Int64?
            /// Null when the head repository (a fork) was deleted.
            var repo: RepositoryName?

            private enum CodingKeys: String, CodingKey { case ref, repoID = "repo_id", repo }
        }

        struct RepositoryName: Decodable, Sendable {
            var fullName: String?

            private enum CodingKeys: String, CodingKey { case fullName = "full_name" }
        }

        private enum CodingKeys: String, CodingKey {
            case number, title, body, head, base, state, merged, draft, htmlURL = "html_url"
        }
    }

    /// GET /repos/{owner}/{repo}/actions/runs/{run}/jobs
    struct JobList: Decodable, Sendable {
        var jobs: [Job]?
        var totalCount: Int?

        private enum CodingKeys: String, CodingKey { case jobs, totalCount = "total_count" }
    }

    struct Job: Decodable, Sendable {
        var id: Int64
        var name: String
        var status: String?
        var conclusion: String?
        var htmlURL: String?

        private enum CodingKeys: String, CodingKey { case id, name, status, conclusion, htmlURL = "html_url" }
    }

    /// GET /version — "1.23.1", or Forgejo's "11.0.1+gitea-1.22.0".
    struct Version: Decodable, Sendable {
        var version: String
    }

    // MARK: Request bodies (the swagger's *Option definitions)

    /// CreateIssueCommentOption and EditIssueCommentOption.
    struct CommentBody: Encodable, Sendable {
        var body: String
    }

    /// CreatePullRequestOption: labels are label IDs, assignees usernames.
    struct CreatePullBody: Encodable, Sendable {
        var head: String
        var base: String
        var title: String
        var body: String
        var labels: [Int64]?
        var assignees: [String]?
    }

    /// EditPullRequestOption; nil fields are left out and keep their value.
    struct EditPullBody: Encodable, Sendable {
        var title: String
        var body: String
        var base: String
        var assignees: [String]?
    }

    /// IssueLabelsOption: label IDs added to those already on the issue or pull request.
    struct LabelsBody: Encodable, Sendable {
        var labels: [Int64]
    }

    /// CreateStatusOption.
    struct StatusBody: Encodable, Sendable {
        var state: String
        var context: String
        var description: String
        var targetURL: String?

        private enum CodingKeys: String, CodingKey { case state, context, description, targetURL = "target_url" }
    }
}
