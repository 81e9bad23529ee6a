import AgentKit
import ForgeKit
import Foundation
import GitKit

/// Commits the change as the bot and puts it on the task's branch: pushed with libgit2 to the
/// remote, or moved in place for the local forge. It never writes the base branch (checked
/// before it is called) and never overwrites a branch whose head commit is someone else's.
struct Publisher {
    let settings: PipelineSettings
    let repository: Repository
    let remote: RemoteAccess?
    let record: RunRecord

    var identity: Signature { Signature(name: settings.config.bot.name, email: settings.config.bot.email) }

    /// Stages everything in the worktree and commits it as the bot, with trailers saying what
    /// the commit was for and which run made it.
    func commit(in worktree: Repository, text: PullRequestText, job: PipelineJob) throws -> ObjectID {
        try worktree.stageAll()
        let trailers = [(key: "Codex-Bot-Task", value: job.taskTrailer),
                        (key: "Codex-Bot-Run", value: job.runURL ?? record.runID)]
        return try worktree.commit(message: text.commitMessage(trailers: [], redactor: record.redactor), trailers: trailers,
                                   author: identity)
    }

    /// Puts `workBranch`'s commit on `branch`. A new branch must still be absent when the push
    /// arrives; an existing one must end in the bot's own commit and still point there (a
    /// lease); work on a pull request's branch goes on top of its head (a fast-forward).
    func publish(commit: ObjectID, workBranch: String, to branch: String, target: Pipeline.Target) async throws {
        let onPullRequest = target.pullRequest != nil
        guard let remote else {
            if !onPullRequest, let head = try repository.referenceTarget("refs/heads/\(branch)") {
                try requireBotCommit(head, branch: branch)
            }
            try repository.createBranch(branch, at: commit, force: true)
            settings.log("codex-bot: the change is on the local branch \(branch)")
            return
        }
        var lease: PushLease?
        if !onPullRequest {
            if let head = try await remote.fetchBranch(branch, into: repository) {
                try requireBotCommit(head, branch: branch)
                lease = .at(head)
            } else {
                lease = .absent
            }
        }
        let pushed = try await repository.push(branch: workBranch, to: remote.remote, as: branch, lease: lease, options: remote.options)
        settings.log("codex-bot: pushed \(pushed.newTarget.short) to \(branch)"
                     + (pushed.previousTarget.map { " (it was at \($0.short))" } ?? ""))
    }

    /// Refuses (exit 3) when the head of `branch` was written or committed by anyone but the bot.
    func requireBotCommit(_ id: ObjectID, branch: String) throws {
        let info = try repository.commitInfo(id)
        let bot = settings.config.bot.email.lowercased()
        guard info.author.email.lowercased() == bot, info.committer.email.lowercased() == bot else {
            throw PipelineFailure.refused("the branch \(branch) ends in commit \(id.short) by \(info.author.name) <\(info.author.email)>, "
                                          + "not by codex-bot (\(settings.config.bot.email)); codex-bot never overwrites someone else's work. "
                                          + "Merge or delete that branch, then run again")
        }
    }
}
