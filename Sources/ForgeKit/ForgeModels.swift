import Foundation

/// The forges codex-bot speaks to. `local` needs no server (see LocalForge).
public enum ForgeKind: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case github, gitlab, gitea, local

    /// "GitHub", "GitLab", "Gitea", "local forge": the name errors start with.
    public var description: String {
        switch self {
        case .github: "GitHub"
        case .gitlab: "GitLab"
        case .gitea: "Gitea"
        case .local: "local forge"
        }
    }
}

/// "owner/name" on GitHub and Gitea; "group/subgroup/project" on GitLab.
public struct RepositoryPath: Sendable, Hashable, CustomStringConvertible, Codable {
    /// Everything before the last "/": the owner, or GitLab's namespace.
    public var owner: String
    public var name: String

    public init(owner: String, name: String) {
        self.owner = owner
        self.name = name
    }

    /// Parses "owner/name" (more segments allowed for GitLab namespaces); nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2,
              segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" || $0 == "%" }) })
        else { return nil }
        owner = segments.dropLast().joined(separator: "/")
        name = String(segments.last!)
    }

    public var description: String { "\(owner)/\(name)" }
}

/// What the bot needs to know of a repository before it works on it.
public struct RepositoryFacts: Sendable, Equatable, Codable {
    public var path: RepositoryPath
    public var defaultBranch: String
    /// The HTTPS clone URL (no credentials in it).
    public var cloneURL: String
    /// The repository's page.
    public var webURL: String
    /// Whether the credentials in use may push branches.
    public var canPush: Bool

    public init(path: RepositoryPath, defaultBranch: String, cloneURL: String, webURL: String, canPush: Bool) {
        self.path = path
        self.defaultBranch = defaultBranch
        self.cloneURL = cloneURL
        self.webURL = webURL
        self.canPush = canPush
    }
}

/// An issue: its text is data for the agent, never instructions to the bot.
public struct Issue: Sendable, Equatable, Codable {
    public var number: Int
    public var title: String
    public var body: String
    public var author: String
    public var labels: [String]
    /// "open" or "closed".
    public var state: String
    public var webURL: String
    /// GitHub lists pull requests as issues too; the bot refuses to treat one as an issue.
    public var isPullRequest: Bool

    public init(number: Int, title: String, body: String, author: String, labels: [String], state: String,
                webURL: String, isPullRequest: Bool = false) {
        self.number = number
        self.title = title
        self.body = body
        self.author = author
        self.labels = labels
        self.state = state
        self.webURL = webURL
        self.isPullRequest = isPullRequest
    }
}

/// A comment on an issue (a GitLab "note").
public struct IssueComment: Sendable, Equatable, Codable {
    public var id: Int64
    public var body: String
    public var author: String
    public var webURL: String?
    /// When the comment was written and last edited; nil when the forge client did not say.
    /// The bot keeps comments newer than its trigger from the model (TriggerPolicy.commentsForModel).
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(id: Int64, body: String, author: String, webURL: String? = nil, createdAt: Date? = nil, updatedAt: Date? = nil) {
        self.id = id
        self.body = body
        self.author = author
        self.webURL = webURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A user's role on a repository, in increasing order of power. Forges with fewer roles map
/// onto these: GitLab guest/reporter/developer/maintainer/owner are read/triage/write/maintain/admin;
/// Gitea's read/write/admin/owner are read/write/admin/admin.
public enum Permission: Int, Sendable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    case none, read, triage, write, maintain, admin

    public static func < (a: Permission, b: Permission) -> Bool { a.rawValue < b.rawValue }

    // Spelled out: `String(describing: self)` would call this property again, forever.
    public var description: String {
        switch self {
        case .none: "none"
        case .read: "read"
        case .triage: "triage"
        case .write: "write"
        case .maintain: "maintain"
        case .admin: "admin"
        }
    }

    /// "read", "write", … as written in `.codex-bot.yml`'s `min_permission`; nil for other words.
    public init?(name: String) {
        guard let match = Permission.allCases.first(where: { "\($0)" == name.lowercased() }) else { return nil }
        self = match
    }
}

/// An open (or closed) pull request, GitLab merge request or Gitea pull.
public struct PullRequest: Sendable, Equatable, Codable {
    public var number: Int
    public var title: String
    public var body: String
    /// The branch with the changes, and the branch they go into.
    public var head: String
    public var base: String
    public var isDraft: Bool
    /// "open", "closed" or "merged".
    public var state: String
    public var webURL: String
    /// Whether `head` is a branch of another repository (a fork), or of one that was deleted:
    /// such a branch is not this repository's, and pushing to `head` here would not update it.
    public var isFromFork: Bool

    public init(number: Int, title: String, body: String, head: String, base: String, isDraft: Bool, state: String, webURL: String,
                isFromFork: Bool = false) {
        self.number = number
        self.title = title
        self.body = body
        self.head = head
        self.base = base
        self.isDraft = isDraft
        self.state = state
        self.webURL = webURL
        self.isFromFork = isFromFork
    }

    private enum CodingKeys: String, CodingKey {
        case number, title, body, head, base, isDraft, state, webURL, isFromFork
    }

    /// Reads pull requests written before `isFromFork` existed as not from a fork.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(number: try values.decode(Int.self, forKey: .number), title: try values.decode(String.self, forKey: .title),
                  body: try values.decode(String.self, forKey: .body), head: try values.decode(String.self, forKey: .head),
                  base: try values.decode(String.self, forKey: .base), isDraft: try values.decode(Bool.self, forKey: .isDraft),
                  state: try values.decode(String.self, forKey: .state), webURL: try values.decode(String.self, forKey: .webURL),
                  isFromFork: try values.decodeIfPresent(Bool.self, forKey: .isFromFork) ?? false)
    }
}

/// What the bot wants a pull request to be: used to open one, or to bring the existing one up to date.
public struct PullRequestDraft: Sendable, Equatable, Codable {
    public var title: String
    public var body: String
    public var head: String
    public var base: String
    public var isDraft: Bool
    public var labels: [String]
    public var assignees: [String]

    public init(title: String, body: String, head: String, base: String, isDraft: Bool = false,
                labels: [String] = [], assignees: [String] = []) {
        self.title = title
        self.body = body
        self.head = head
        self.base = base
        self.isDraft = isDraft
        self.labels = labels
        self.assignees = assignees
    }
}

/// The progress the bot shows on a commit: a check run on GitHub, a commit status elsewhere.
public struct CommitStatus: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, running, success, failure, error
    }

    public var sha: String
    public var state: State
    /// The check's name ("codex-bot"); one status per name and commit, updated in place.
    public var name: String
    /// One line for people (forges cut it at 140 characters).
    public var summary: String
    public var targetURL: String?

    public init(sha: String, state: State, name: String = "codex-bot", summary: String, targetURL: String? = nil) {
        self.sha = sha
        self.state = state
        self.name = name
        self.summary = summary
        self.targetURL = targetURL
    }
}

/// A job of a CI run (GitHub Actions job, GitLab pipeline job, Gitea Actions job).
public struct CIJob: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    /// The forge's own word for how it ended ("failure", "failed", …).
    public var conclusion: String
    public var webURL: String?

    public init(id: Int64, name: String, conclusion: String, webURL: String? = nil) {
        self.id = id
        self.name = name
        self.conclusion = conclusion
        self.webURL = webURL
    }
}
