import Foundation

/// What happened, as read from the CI environment: the facts `TriggerPolicy.decide` needs, in
/// one shape for every CI system. Reading it checks nothing; deciding whether to act comes after.
public struct TriggerEvent: Sendable, Equatable {
    /// The CI system that started codex-bot.
    public enum Source: String, Sendable, Equatable, CustomStringConvertible {
        case githubActions = "GitHub Actions"
        case giteaActions = "Gitea Actions"
        case forgejoActions = "Forgejo Actions"
        case gitlabCI = "GitLab CI"
        public var description: String { rawValue }
    }

    /// Who caused the event. `isBot` is the forge's own word (`sender.type == "Bot"`) or a
    /// `[bot]` login, so app accounts are recognised even when their login is not configured.
    public struct Actor: Sendable, Equatable {
        public var login: String
        public var isBot: Bool

        public init(login: String, isBot: Bool = false) {
            self.login = login
            self.isBot = isBot || login.lowercased().hasSuffix("[bot]")
        }
    }

    public enum Kind: Sendable, Equatable {
        /// `issues`: `action` is opened, labeled, assigned, …; `label` is the label just added,
        /// `assignee` the user just assigned.
        case issue(IssueFacts, label: String?, assignee: String?)
        /// `issue_comment` on an issue or (when `isPullRequest`) on a pull request.
        case issueComment(IssueFacts, comment: CommentFacts)
        /// `pull_request_review_comment`: a comment on a line of a pull request's diff.
        case reviewComment(ReviewCommentFacts)
        /// `workflow_run`: a workflow ended (or was requested).
        case workflowRun(WorkflowRunFacts)
        /// `workflow_dispatch`: started by hand, with the form's inputs as text.
        case workflowDispatch(ref: String?, inputs: [String: String])
        /// A GitLab CI pipeline (`CI_PIPELINE_SOURCE` merge_request_event, push, web, schedule, trigger, api).
        case pipeline(PipelineFacts)
        /// Any other event: nothing for the bot to do.
        case other
    }

    public struct IssueFacts: Sendable, Equatable {
        public var number: Int
        public var title: String
        public var body: String
        public var labels: [String]
        /// GitHub and Gitea send comments on pull requests as issue comments, marked by `issue.pull_request`.
        public var isPullRequest: Bool

        public init(number: Int, title: String, body: String, labels: [String], isPullRequest: Bool) {
            self.number = number
            self.title = title
            self.body = body
            self.labels = labels
            self.isPullRequest = isPullRequest
        }
    }

    public struct CommentFacts: Sendable, Equatable {
        public var id: Int64
        public var body: String
        public var author: String

        public init(id: Int64, body: String, author: String) {
            self.id = id
            self.body = body
            self.author = author
        }
    }

    public struct ReviewCommentFacts: Sendable, Equatable {
        public var pullRequest: Int
        /// The pull request's head branch: where a fix goes.
        public var branch: String
        /// Whether the head branch lives in another repository (a fork): the bot cannot push there.
        public var isFromFork: Bool
        public var commentID: Int64
        public var path: String
        /// The line in the file (new side); nil for a comment on an outdated diff or on the file.
        public var line: Int?
        public var body: String

        public init(pullRequest: Int, branch: String, isFromFork: Bool, commentID: Int64, path: String, line: Int?, body: String) {
            self.pullRequest = pullRequest
            self.branch = branch
            self.isFromFork = isFromFork
            self.commentID = commentID
            self.path = path
            self.line = line
            self.body = body
        }
    }

    public struct WorkflowRunFacts: Sendable, Equatable {
        public var runID: Int64
        public var headSHA: String
        public var headBranch: String
        public var workflowName: String
        /// "requested", "in_progress", "completed".
        public var status: String?
        /// "success", "failure", "cancelled", …; nil until the run completes.
        public var conclusion: String?
        /// The run tested code from another repository (a fork's pull request).
        public var isFromFork: Bool

        public init(runID: Int64, headSHA: String, headBranch: String, workflowName: String, status: String?,
                    conclusion: String?, isFromFork: Bool) {
            self.runID = runID
            self.headSHA = headSHA
            self.headBranch = headBranch
            self.workflowName = workflowName
            self.status = status
            self.conclusion = conclusion
            self.isFromFork = isFromFork
        }
    }

    public struct PipelineFacts: Sendable, Equatable {
        /// `CI_PIPELINE_SOURCE`.
        public var source: String
        public var pipelineID: Int64?
        public var sha: String
        /// The branch the pipeline ran on; for merge request pipelines the source branch.
        public var ref: String
        public var mergeRequest: Int?
        /// A merge request from another project (a fork): the bot cannot push there.
        public var isFromFork: Bool

        public init(source: String, pipelineID: Int64?, sha: String, ref: String, mergeRequest: Int?, isFromFork: Bool = false) {
            self.isFromFork = isFromFork
            self.source = source
            self.pipelineID = pipelineID
            self.sha = sha
            self.ref = ref
            self.mergeRequest = mergeRequest
        }
    }

    public var source: Source
    /// The event's own name: `issues`, `issue_comment`, …, or GitLab's `CI_PIPELINE_SOURCE`.
    public var name: String
    /// The payload's `action` (opened, created, labeled, completed, …); nil where there is none.
    public var action: String?
    public var sender: Actor?
    /// When the trigger happened (the comment's creation, the issue's last update): comments
    /// written after it are not the requester's and are kept from the model.
    public var occurredAt: Date?
    /// "owner/name" of the repository the event is about, when the payload says.
    public var repository: String?
    public var kind: Kind

    public init(source: Source, name: String, action: String? = nil, sender: Actor? = nil, occurredAt: Date? = nil,
                repository: String? = nil, kind: Kind) {
        self.source = source
        self.name = name
        self.action = action
        self.sender = sender
        self.occurredAt = occurredAt
        self.repository = repository
        self.kind = kind
    }
}
