import ForgeKit
import Foundation

/// Decides whether an event starts the bot. Every trigger from a person is checked against the
/// repository's roles, the bot never answers its own events, and anything unexpected fails
/// closed: a refusal (exit 3), not a run.
public enum TriggerPolicy {
    public static func decide(_ event: TriggerEvent, rules: TriggerRules, forge: any Forge) async -> TriggerDecision {
        switch event.kind {
        case .other:
            return .ignore(reason: "\(event.source) event \(event.name) is not one codex-bot acts on")

        case let .issue(issue, label, assignee):
            if issue.isPullRequest { return .ignore(reason: "#\(issue.number) is a pull request, not an issue") }
            switch event.action {
            case "opened":
                guard issue.labels.contains(where: { sameName($0, rules.label) }) else {
                    return .ignore(reason: "issue #\(issue.number) was opened without the label \"\(rules.label)\"")
                }
            case "labeled":
                guard let label, sameName(label, rules.label) else {
                    return .ignore(reason: "issue #\(issue.number) was labeled \"\(label ?? "?")\", not \"\(rules.label)\"")
                }
            case "assigned":
                guard let assignee, rules.isBotItself(assignee) else {
                    return .ignore(reason: "issue #\(issue.number) was assigned to \(assignee ?? "someone"), not to the bot")
                }
            default:
                return .ignore(reason: "issues event \"\(event.action ?? "?")\" does not start the bot")
            }
            return await checkedPerson(event.sender, event: event, rules: rules, forge: forge) { person in
                .issue(number: issue.number, commentID: nil, requestedBy: person, instruction: nil)
            }

        case let .issueComment(issue, comment):
            // Only new comments: editing an old comment into a mention would replay a request.
            guard event.action == "created" else {
                return .ignore(reason: "issue_comment \"\(event.action ?? "?")\" does not start the bot; only new comments do")
            }
            guard let instruction = MentionParser.instruction(in: comment.body, mention: rules.mention) else {
                return .ignore(reason: "comment \(comment.id) does not mention \(rules.mention)")
            }
            let author = event.sender ?? TriggerEvent.Actor(login: comment.author)
            return await checkedPerson(author, event: event, rules: rules, forge: forge) { person in
                issue.isPullRequest
                    ? .pullRequestComment(number: issue.number, branch: nil, commentID: comment.id, requestedBy: person, instruction: instruction)
                    : .issue(number: issue.number, commentID: comment.id, requestedBy: person, instruction: instruction)
            }

        case let .reviewComment(review):
            guard event.action == "created" else {
                return .ignore(reason: "pull_request_review_comment \"\(event.action ?? "?")\" does not start the bot; only new comments do")
            }
            guard MentionParser.instruction(in: review.body, mention: rules.mention) != nil else {
                return .ignore(reason: "review comment \(review.commentID) does not mention \(rules.mention)")
            }
            if review.isFromFork {
                return .ignore(reason: "pull request #\(review.pullRequest) comes from a fork; the bot cannot push to its branch")
            }
            return await checkedPerson(event.sender, event: event, rules: rules, forge: forge) { person in
                .reviewComment(pr: review.pullRequest, branch: review.branch, path: review.path, line: review.line,
                               body: review.body, commentID: review.commentID, requestedBy: person)
            }

        case let .workflowRun(run):
            guard event.action == "completed" || run.status == "completed" else {
                return .ignore(reason: "workflow run \(run.runID) has not completed (\(event.action ?? run.status ?? "?"))")
            }
            guard run.conclusion == "failure" else {
                return .ignore(reason: "workflow run \(run.runID) ended \(run.conclusion ?? "without a conclusion"), not in failure")
            }
            if run.headBranch.hasPrefix(rules.branchPrefix) {
                return .ignore(reason: "workflow run \(run.runID) failed on \(run.headBranch), a branch of the bot's own; it does not fix its own work in a loop")
            }
            if run.isFromFork {
                return .ignore(reason: "workflow run \(run.runID) tested code from a fork; the bot does not run or push a fork's code with its credentials")
            }
            if let refusal = botRule(event.sender, rules: rules) { return refusal }
            return .run(.failedWorkflowRun(runID: run.runID, headSHA: run.headSHA, headBranch: run.headBranch, workflowName: run.workflowName))

        case let .workflowDispatch(ref, inputs):
            return await checkedPerson(event.sender, event: event, rules: rules, forge: forge) { person in
                .failingTests(ref: ref, sha: nil, pipelineID: nil, mergeRequest: nil, inputs: inputs, requestedBy: person)
            }

        case let .pipeline(pipeline):
            if pipeline.ref.hasPrefix(rules.branchPrefix) {
                return .ignore(reason: "pipeline on \(pipeline.ref), a branch of the bot's own; it does not fix its own work in a loop")
            }
            if pipeline.isFromFork {
                return .ignore(reason: "merge request !\(pipeline.mergeRequest.map(String.init) ?? "?") comes from a fork; the bot cannot push to its branch")
            }
            return await checkedPerson(event.sender, event: event, rules: rules, forge: forge) { person in
                .failingTests(ref: pipeline.ref, sha: pipeline.sha, pipelineID: pipeline.pipelineID, mergeRequest: pipeline.mergeRequest,
                              inputs: [:], requestedBy: person)
            }
        }
    }

    /// Comments the model may read: those written, and not edited, by the trigger time. Text added
    /// later is not what the requester saw and may be someone else's attempt to steer the bot. A
    /// comment whose dates the forge did not give is left out, for the same reason. Comments by
    /// `excludingAuthors` (the bot's own progress comments) are left out too.
    public static func commentsForModel(_ comments: [IssueComment], triggeredAt: Date,
                                        excludingAuthors: [String] = []) -> [IssueComment] {
        comments.filter { comment in
            guard let created = comment.createdAt, created <= triggeredAt else { return false }
            if let updated = comment.updatedAt, updated > triggeredAt { return false }
            return !excludingAuthors.contains { sameName($0, comment.author) }
        }
    }

    /// The bot's own events and other bots' (unless allowed) are ignored: no loops between bots.
    static func botRule(_ sender: TriggerEvent.Actor?, rules: TriggerRules) -> TriggerDecision? {
        guard let sender else { return nil }
        if rules.isBotItself(sender.login) {
            return .ignore(reason: "the event was sent by the bot itself (\(sender.login)); it does not answer itself")
        }
        if sender.isBot && !rules.isAllowedBot(sender.login) {
            return .ignore(reason: "the event was sent by the bot account \(sender.login), which is not in allowed_bots")
        }
        return nil
    }

    /// Runs `task` for a person with at least `minPermission`; a person the forge cannot vouch
    /// for, or a failed check, is refused.
    static func checkedPerson(_ sender: TriggerEvent.Actor?, event: TriggerEvent, rules: TriggerRules, forge: any Forge,
                              task: (String) -> BotTask) async -> TriggerDecision {
        if let ignored = botRule(sender, rules: rules) { return ignored }
        guard let sender else {
            return .refuse(reason: "the \(event.name) event does not say who sent it, so their permission cannot be checked")
        }
        let permission: Permission
        do {
            permission = try await forge.permission(of: sender.login)
        } catch {
            return .refuse(reason: "could not check \(sender.login)'s permission on the repository, so the trigger is refused: \(error)")
        }
        guard permission >= rules.minPermission else {
            return .refuse(reason: "\(sender.login) has \(permission) permission on the repository; starting codex-bot needs \(rules.minPermission) (min_permission)")
        }
        return .run(task(sender.login))
    }

    static func sameName(_ a: String, _ b: String) -> Bool {
        a.caseInsensitiveCompare(b) == .orderedSame
    }
}
