import Foundation

/// The work a trigger asks for, once `TriggerPolicy.decide` has let it through.
public enum BotTask: Sendable, Equatable {
    /// Turn issue `number` into a pull request. `commentID` is the comment that asked, if one did;
    /// `instruction` is the text after the mention.
    case issue(number: Int, commentID: Int64?, requestedBy: String, instruction: String?)
    /// A mention on a pull request: work on the pull request's branch. The issue-comment payload
    /// does not carry the branch, so `branch` is nil then and the runner looks it up.
    case pullRequestComment(number: Int, branch: String?, commentID: Int64, requestedBy: String, instruction: String)
    /// A mention on a line of a pull request's diff.
    case reviewComment(pr: Int, branch: String, path: String, line: Int?, body: String, commentID: Int64, requestedBy: String)
    /// A workflow run that failed: read its failed jobs' logs and fix the tests on its branch.
    case failedWorkflowRun(runID: Int64, headSHA: String, headBranch: String, workflowName: String)
    /// Fix the failing tests on `ref` (`workflow_dispatch`, a GitLab pipeline): the runner runs the
    /// tests (or reads `inputs["report"]`) to find them.
    case failingTests(ref: String?, sha: String?, pipelineID: Int64?, mergeRequest: Int?, inputs: [String: String], requestedBy: String?)
    /// Nothing to do (exit 0, status "noop").
    case none(reason: String)
}

/// What to do with a trigger: run, quietly ignore (exit 0), or refuse by policy (exit 3).
public enum TriggerDecision: Sendable, Equatable {
    case run(BotTask)
    case ignore(reason: String)
    case refuse(reason: String)

    /// The exit code DESIGN.md §1 gives this decision before any work is done.
    public var exitCode: Int32 {
        switch self {
        case .run, .ignore: 0
        case .refuse: 3
        }
    }
}
