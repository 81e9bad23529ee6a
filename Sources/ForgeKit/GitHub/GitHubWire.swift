import Foundation

/// The parts of GitHub's JSON answers codex-bot reads, with GitHub's field names.
///
/// A field GitHub documents as always present is required, so an answer without it is a clear
/// "the field X is missing" error rather than a wrong value; fields that are nullable or absent
/// for some credentials (a deleted user, `permissions` for installation tokens) are optional.
/// Everything else in the answers is ignored, so new fields never break decoding.
enum GitHubWire {
    struct User: Decodable, Sendable {
        var login: String
    }

    /// Labels come as objects in answers; the issue schema also allows bare names, so both decode.
    struct Label: Decodable, Sendable {
        var name: String

        init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
        }

        private enum CodingKeys: String, CodingKey { case name }
    }

    /// GET /repos/{owner}/{repo}
    struct Repository: Decodable, Sendable {
        var defaultBranch: String
        var cloneURL: String
        var htmlURL: String
        /// Present when a user's token asks; absent for installation tokens (Apps, Actions).
        var permissions: Permissions?

        struct Permissions: Decodable, Sendable {
            var admin: Bool?
            var maintain: Bool?
            var push: Bool?
        }

        private enum CodingKeys: String, CodingKey {
            case defaultBranch = "default_branch", cloneURL = "clone_url", htmlURL = "html_url", permissions
        }
    }

    /// GET /repos/{owner}/{repo}/issues/{issue_number}
    struct Issue: Decodable, Sendable {
        var number: Int
        var title: String
        var body: String?
        /// Null for some deleted accounts.
        var user: User?
        var labels: [Label]?
        var state: String
        var htmlURL: String
        /// Present (an object) exactly when the issue is a pull request.
        var pullRequest: Marker?

        /// Any object: only its presence matters.
        struct Marker: Decodable, Sendable {}

        private enum CodingKeys: String, CodingKey {
            case number, title, body, user, labels, state, htmlURL = "html_url", pullRequest = "pull_request"
        }
    }

    /// GET /repos/{owner}/{repo}/issues/{issue_number}/comments (a list of these)
    struct Comment: Decodable, Sendable {
        var id: Int64
        var body: String?
        var user: User?
        var htmlURL: String?
        var createdAt: String?
        var updatedAt: String?

        private enum CodingKeys: String, CodingKey {
            case id, body, user, htmlURL = "html_url", createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    /// GET /repos/{owner}/{repo}/collaborators/{username}/permission
    struct CollaboratorPermission: Decodable, Sendable {
        /// The legacy word: admin, write, read or none.
        var permission: String
        /// The role: admin, maintain, write, triage, read, or a custom role's name.
        var roleName: String?

        private enum CodingKeys: String, CodingKey { case permission, roleName = "role_name" }
    }

    /// GET /repos/{owner}/{repo}/pulls/{pull_number}
    struct PullRequest: Decodable, Sendable {
        var number: Int
        var title: String
        var body: String?
        var state: String
        var draft: Bool?
        var mergedAt: String?
        var htmlURL: String
        var head: Ref
        var base: Ref
        var labels: [Label]?
        var assignees: [User]?

        struct Ref: Decodable, Sendable {
            var ref: String
            /// "owner:branch".
            var label: String?
            /// Null when the fork it came from was deleted.
            var repo: RefRepository?
        }

        struct RefRepository: Decodable, Sendable {
            var fullName: String
            private enum CodingKeys: String, CodingKey { case fullName = "full_name" }
        }

        private enum CodingKeys: String, CodingKey {
            case number, title, body, state, draft, mergedAt = "merged_at", htmlURL = "html_url", head, base, labels, assignees
        }
    }

    /// GET /repos/{owner}/{repo}/commits/{ref}/check-runs
    struct CheckRunList: Decodable, Sendable {
        var checkRuns: [CheckRun]
        private enum CodingKeys: String, CodingKey { case checkRuns = "check_runs" }
    }

    struct CheckRun: Decodable, Sendable {
        var id: Int64
        var name: String
        var status: String
        var conclusion: String?
        var detailsURL: String?
        var output: Output?

        struct Output: Decodable, Sendable {
            var title: String?
            var summary: String?
        }

        private enum CodingKeys: String, CodingKey { case id, name, status, conclusion, detailsURL = "details_url", output }
    }

    /// GET /repos/{owner}/{repo}/commits/{ref}/statuses (a list, newest first) and POST …/statuses/{sha}
    struct Status: Decodable, Sendable {
        var id: Int64
        var state: String
        var context: String
        var description: String?
        var targetURL: String?

        private enum CodingKeys: String, CodingKey { case id, state, context, description, targetURL = "target_url" }
    }

    /// GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs
    struct JobList: Decodable, Sendable {
        var jobs: [Job]
    }

    struct Job: Decodable, Sendable {
        var id: Int64
        var name: String
        var status: String
        /// Null while the job runs.
        var conclusion: String?
        var htmlURL: String?

        private enum CodingKeys: String, CodingKey { case id, name, status, conclusion, htmlURL = "html_url" }
    }

    /// GET /app (authenticated as the App)
    struct App: Decodable, Sendable {
        var slug: String
    }

    /// GET /repos/{owner}/{repo}/installation (authenticated as the App)
    struct Installation: Decodable, Sendable {
        var id: Int64
    }

    /// POST /app/installations/{installation_id}/access_tokens
    struct AccessToken: Decodable, Sendable {
        var token: String
        /// "2016-07-11T22:14:10Z".
        var expiresAt: String
        /// What the installation may do ("contents": "write", …).
        var permissions: [String: String]?

        private enum CodingKeys: String, CodingKey { case token, expiresAt = "expires_at", permissions }
    }
}

// MARK: - Request bodies

extension GitHubWire {
    /// POST /repos/{owner}/{repo}/issues/{issue_number}/comments and PATCH …/issues/comments/{comment_id}
    struct CommentBody: Encodable {
        var body: String
    }

    /// POST /repos/{owner}/{repo}/pulls
    struct NewPullRequest: Encodable {
        var title: String
        var body: String
        var head: String
        var base: String
        var draft: Bool
    }

    /// PATCH /repos/{owner}/{repo}/pulls/{pull_number}
    struct PullRequestChanges: Encodable {
        var title: String
        var body: String
        var base: String
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/labels
    struct LabelsBody: Encodable {
        var labels: [String]
    }

    /// POST /repos/{owner}/{repo}/issues/{issue_number}/assignees
    struct AssigneesBody: Encodable {
        var assignees: [String]
    }
}
