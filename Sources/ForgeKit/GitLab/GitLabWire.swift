import Foundation

/// The parts of GitLab's JSON answers (REST v4) codex-bot reads, with GitLab's field names.
///
/// A field GitLab always sends is required, so an answer without it is a clear "the field X is
/// missing" error rather than a wrong value. Fields that are null in real answers (an issue's
/// `description`, `permissions.project_access`), absent in older versions (`draft`, which older
/// servers spell `work_in_progress`) or absent for some credentials (`permissions` for a CI job token) are optional. Everything
/// else is ignored, so new fields never break decoding.
enum GitLabWire {
    struct User: Decodable, Sendable {
        var id: Int64
        var username: String
    }

    /// Only the author's name is read; notes by deleted users come as "Ghost User", never null.
    struct Author: Decodable, Sendable {
        var username: String
    }

    /// Label names; with `with_labels_details=true` GitLab sends objects instead, so both decode.
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

    /// GET /projects/:id
    struct Project: Decodable, Sendable {
        /// Null while the project has no commits.
        var defaultBranch: String?
        var httpURLToRepo: String
        var webURL: String
        /// Absent for CI job tokens; each level null when the user has no role at that level.
        var permissions: Permissions?

        struct Permissions: Decodable, Sendable {
            var projectAccess: Access?
            var groupAccess: Access?

            private enum CodingKeys: String, CodingKey {
                case projectAccess = "project_access", groupAccess = "group_access"
            }
        }

        struct Access: Decodable, Sendable {
            var accessLevel: Int

            private enum CodingKeys: String, CodingKey { case accessLevel = "access_level" }
        }

        private enum CodingKeys: String, CodingKey {
            case defaultBranch = "default_branch", httpURLToRepo = "http_url_to_repo", webURL = "web_url", permissions
        }
    }

    /// GET /projects/:id/issues/:issue_iid
    struct Issue: Decodable, Sendable {
        var iid: Int
        var title: String
        /// Null when the issue was opened without one.
        var description: String?
        var author: Author
        var labels: [Label]?
        /// "opened" or "closed".
        var state: String
        var webURL: String

        private enum CodingKeys: String, CodingKey {
            case iid, title, description, author, labels, state, webURL = "web_url"
        }
    }

    /// GET /projects/:id/issues/:issue_iid/notes (one element)
    struct Note: Decodable, Sendable {
        var id: Int64
        var body: String
        var author: Author
        /// True for GitLab's own notes ("changed the description", "closed"), which nobody wrote.
        var system: Bool?
        var createdAt: String?
        var updatedAt: String?

        private enum CodingKeys: String, CodingKey {
            case id, body, author, system, createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    /// GET /projects/:id/members/all/:user_id
    struct Member: Decodable, Sendable {
        var accessLevel: Int
        /// "active", or "blocked" for an account an administrator has blocked.
        var state: String?

        private enum CodingKeys: String, CodingKey { case accessLevel = "access_level", state }
    }

    /// GET /projects/:id/merge_requests/:merge_request_iid
    struct MergeRequest: Decodable, Sendable {
        var iid: Int
        var title: String
        /// Null when opened without one.
        var description: String?
        var sourceBranch: String
        var targetBranch: String
        /// "opened", "closed", "merged", or "locked" (for a moment while it merges).
        var state: String
        var webURL: String
        /// Current servers send `draft`; older ones only `work_in_progress` (since deprecated).
        var draft: Bool?
        var workInProgress: Bool?
        /// The project the branch lives in, and the one it merges into: different for a fork's MR.
        var sourceProjectID: Int64?
        var targetProjectID: Int64?

        private enum CodingKeys: String, CodingKey {
            case iid, title, description, state, draft
            case sourceBranch = "source_branch", targetBranch = "target_branch", webURL = "web_url"
            case workInProgress = "work_in_progress", sourceProjectID = "source_project_id", targetProjectID = "target_project_id"
        }
    }

    /// GET /projects/:id/pipelines/:pipeline_id/jobs (one element)
    struct Job: Decodable, Sendable {
        var id: Int64
        var name: String
        var status: String
        /// A job allowed to fail does not fail its pipeline.
        var allowFailure: Bool?
        var webURL: String?
        var stage: String?

        private enum CodingKeys: String, CodingKey {
            case id, name, status, stage, allowFailure = "allow_failure", webURL = "web_url"
        }
    }

    // MARK: Request bodies

    /// POST /projects/:id/issues/:issue_iid/notes and PUT …/notes/:note_id
    struct NoteBody: Encodable, Sendable {
        var body: String
    }

    /// POST /projects/:id/merge_requests and PUT /projects/:id/merge_requests/:merge_request_iid.
    /// Nil fields are left out, and leave the merge request's value as it is.
    struct MergeRequestBody: Encodable, Sendable {
        var sourceBranch: String?
        var targetBranch: String
        var title: String
        var description: String
        /// Comma-separated names that replace the labels; GitLab creates labels it does not know yet.
        var labels: String?
        /// Comma-separated names added to the labels already there (updates only).
        var addLabels: String?
        var assigneeIDs: [Int64]?

        private enum CodingKeys: String, CodingKey {
            case sourceBranch = "source_branch", targetBranch = "target_branch", title, description, labels
            case addLabels = "add_labels", assigneeIDs = "assignee_ids"
        }
    }

    /// POST /projects/:id/statuses/:sha
    struct StatusBody: Encodable, Sendable {
        var state: String
        var name: String
        var description: String
        var targetURL: String?

        private enum CodingKeys: String, CodingKey {
            case state, name, description, targetURL = "target_url"
        }
    }
}
