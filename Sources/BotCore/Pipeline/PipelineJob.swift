import Foundation
import ForgeKit
import TestReports

/// One piece of work for the pipeline, however it was asked for: `codex-bot issue N`,
/// `codex-bot fix-tests`, or a CI event that `TriggerPolicy` let through.
public struct PipelineJob: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Turn issue N into a pull request that says `Fixes #N`.
        case issue(Int)
        /// Make the failing tests pass; the failures come from `reports`, `logs`, or a test run.
        case fixTests
        /// A request on pull request N (a mention, a review comment): more commits on its branch,
        /// which must be one of the bot's own.
        case pullRequest(Int)
    }

    /// A CI job's log, downloaded from the forge: read like a report file.
    public struct Log: Sendable, Equatable {
        public var name: String
        public var text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    public var kind: Kind
    /// What the person asked, after the mention (untrusted text: it reaches the model fenced).
    public var instruction: String?
    /// Who asked, for the progress comment and the PR.
    public var requestedBy: String?
    /// When the request was made: comments written or edited after it are not shown to the model.
    public var triggeredAt: Date?
    /// For a review comment: the file and line it is on.
    public var reviewPath: String?
    public var reviewLine: Int?
    /// Test report files to read the failures from (fix-tests).
    public var reports: [String] = []
    /// CI logs to read the failures from (fix-tests after a failed workflow run).
    public var logs: [Log] = []
    /// The commit to start from; nil: the base branch's head (issues) or the checkout's HEAD (fix-tests).
    public var startCommit: String?
    /// The branch the pull request targets; nil: `--base`, else the default or current branch.
    public var baseBranch: String?
    /// The issue or pull request that gets the progress comment; nil: none.
    public var progressIssue: Int?
    /// A link to the CI run, for the commit trailers, the PR body and the comment.
    public var runURL: String?

    public init(kind: Kind) {
        self.kind = kind
        if case .issue(let number) = kind { progressIssue = number }
        if case .pullRequest(let number) = kind { progressIssue = number }
    }

    /// The task kind the publish guards know: the test rules apply to fix-tests work.
    var guardKind: GuardInput.TaskKind {
        if case .fixTests = kind { return .fixTests }
        return .issue
    }

    /// The trailer that says what the commit was for.
    var taskTrailer: String {
        switch kind {
        case .issue(let number): "issue #\(number)"
        case .fixTests: "fix failing tests"
        case .pullRequest(let number): "pull request #\(number)"
        }
    }
}
