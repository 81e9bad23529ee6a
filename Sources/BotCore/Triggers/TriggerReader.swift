import AgentKit
import Foundation

/// Reads what started codex-bot from the CI environment: GitHub Actions, Gitea and Forgejo
/// Actions (`GITHUB_EVENT_NAME` + the JSON at `GITHUB_EVENT_PATH`; Gitea's payloads follow
/// GitHub's shapes) and GitLab CI (`CI_*` variables).
///
/// GitLab CI has no issue or comment events: a pipeline runs on pushes, merge requests,
/// schedules, the web form, the API and triggers, so from GitLab CI the bot can only fix failing
/// tests. Issue and mention triggers on GitLab need `codex-bot serve` with a webhook.
public enum TriggerReader {
    public static func fromEnvironment(_ env: [String: String], readFile: (String) throws -> Data) throws -> TriggerEvent {
        if let name = nonEmpty(env["GITHUB_EVENT_NAME"]) {
            let source: TriggerEvent.Source = env["FORGEJO_ACTIONS"] == "true" ? .forgejoActions
                : env["GITEA_ACTIONS"] == "true" ? .giteaActions : .githubActions
            guard let path = nonEmpty(env["GITHUB_EVENT_PATH"]) else {
                throw TriggerError(.missingVariable, event: name, field: "GITHUB_EVENT_PATH",
                                   message: "GITHUB_EVENT_NAME is set but GITHUB_EVENT_PATH is not",
                                   hint: "\(source) sets both; outside CI, set GITHUB_EVENT_PATH to the event's JSON payload")
            }
            let data: Data
            do {
                data = try readFile(path)
            } catch {
                throw TriggerError(.unreadablePayload, file: path, event: name,
                                   message: "the event payload could not be read: \(error)",
                                   hint: "Check that GITHUB_EVENT_PATH names a readable file")
            }
            let payload = try EventPayload(data: data, file: path, event: name)
            return try event(named: name, payload: payload, source: source)
        }
        if let pipelineSource = nonEmpty(env["CI_PIPELINE_SOURCE"]) {
            return try gitlabEvent(source: pipelineSource, env: env)
        }
        throw TriggerError(.unknownEnvironment, field: "GITHUB_EVENT_NAME",
                           message: "no CI event found: neither GITHUB_EVENT_NAME (GitHub, Gitea, Forgejo Actions) nor CI_PIPELINE_SOURCE (GitLab CI) is set",
                           hint: "Run `codex-bot run` as a CI job step, or use `codex-bot issue N` / `codex-bot fix-tests` by hand")
    }

    /// The event from a payload already read: also what `codex-bot serve` uses for webhook bodies.
    public static func fromPayload(_ data: Data, eventName: String, source: TriggerEvent.Source = .githubActions,
                                   file: String = "webhook body") throws -> TriggerEvent {
        try event(named: eventName, payload: EventPayload(data: data, file: file, event: eventName), source: source)
    }

    static func event(named name: String, payload p: EventPayload, source: TriggerEvent.Source) throws -> TriggerEvent {
        let action = p.optionalString("action")
        let sender = actor(p, "sender")
        let repository = p.optionalString("repository.full_name")
        func make(_ kind: TriggerEvent.Kind, at date: Date? = nil) -> TriggerEvent {
            TriggerEvent(source: source, name: name, action: action, sender: sender, occurredAt: date, repository: repository, kind: kind)
        }
        switch name {
        case "issues":
            let issue = try issueFacts(p)
            return make(.issue(issue, label: p.optionalString("label.name"), assignee: p.optionalString("assignee.login")),
                        at: p.optionalDate("issue.updated_at"))
        case "issue_comment":
            let issue = try issueFacts(p)
            let comment = TriggerEvent.CommentFacts(id: try p.int64("comment.id"), body: p.optionalString("comment.body") ?? "",
                                                    author: try p.string("comment.user.login"))
            // An edit's time is when the text the bot reads was written.
            let date = action == "edited" ? p.optionalDate("comment.updated_at") : p.optionalDate("comment.created_at")
            return make(.issueComment(issue, comment: comment), at: date ?? p.optionalDate("comment.updated_at"))
        case "pull_request_review_comment":
            let review = TriggerEvent.ReviewCommentFacts(
                pullRequest: try p.int("pull_request.number"), branch: try p.string("pull_request.head.ref"),
                // A deleted fork leaves `head.repo` null: it is not this repository either way.
                isFromFork: p.optionalString("pull_request.head.repo.full_name") != repository || repository == nil,
                commentID: try p.int64("comment.id"), path: try p.string("comment.path"),
                line: p.optionalInt("comment.line"), body: p.optionalString("comment.body") ?? "")
            return make(.reviewComment(review), at: p.optionalDate("comment.created_at"))
        case "workflow_run":
            let name = p.optionalString("workflow_run.name").flatMap(nonEmpty) ?? p.optionalString("workflow.name") ?? ""
            let run = TriggerEvent.WorkflowRunFacts(
                runID: try p.int64("workflow_run.id"), headSHA: try p.string("workflow_run.head_sha"),
                headBranch: try p.string("workflow_run.head_branch"), workflowName: name,
                status: p.optionalString("workflow_run.status"), conclusion: p.optionalString("workflow_run.conclusion"),
                // Unknown origin counts as a fork: the bot must not run a stranger's code with its token.
                isFromFork: p.optionalString("workflow_run.head_repository.full_name") != repository || repository == nil)
            return make(.workflowRun(run), at: p.optionalDate("workflow_run.updated_at"))
        case "workflow_dispatch":
            var inputs: [String: String] = [:]
            for (key, value) in p.value("inputs")?.objectValue ?? [:] {
                inputs[key] = inputText(value)
            }
            return make(.workflowDispatch(ref: p.optionalString("ref"), inputs: inputs), at: nil)
        default:
            return make(.other)
        }
    }

    static func issueFacts(_ p: EventPayload) throws -> TriggerEvent.IssueFacts {
        let labels = (p.value("issue.labels")?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        // GitHub omits `pull_request` on issues; Gitea sends it as null.
        return TriggerEvent.IssueFacts(number: try p.int("issue.number"), title: p.optionalString("issue.title") ?? "",
                                       body: p.optionalString("issue.body") ?? "", labels: labels,
                                       isPullRequest: p.has("issue.pull_request"))
    }

    static func actor(_ p: EventPayload, _ path: String) -> TriggerEvent.Actor? {
        // Gitea's users carry `login` and `username`; GitHub's carry `login` and `type`.
        guard let login = p.optionalString("\(path).login").flatMap(nonEmpty) ?? p.optionalString("\(path).username").flatMap(nonEmpty)
        else { return nil }
        return TriggerEvent.Actor(login: login, isBot: p.optionalString("\(path).type") == "Bot")
    }

    /// Workflow inputs are strings on the form, but booleans and numbers in the payload.
    static func inputText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .null: return ""
        default: return value.description
        }
    }

    static func gitlabEvent(source: String, env: [String: String]) throws -> TriggerEvent {
        func required(_ name: String) throws -> String {
            guard let value = nonEmpty(env[name]) else {
                throw TriggerError(.missingVariable, event: source, field: name,
                                   message: "GitLab CI variable \(name) is not set",
                                   hint: "GitLab sets it in every pipeline job; outside GitLab CI, set it or use `codex-bot fix-tests`")
            }
            return value
        }
        let sender = nonEmpty(env["GITLAB_USER_LOGIN"]).map { TriggerEvent.Actor(login: $0) }
        let known: Set = ["merge_request_event", "push", "web", "schedule", "trigger", "api"]
        guard known.contains(source) else {
            return TriggerEvent(source: .gitlabCI, name: source, sender: sender, kind: .other)
        }
        let mergeRequest: Int?
        if source == "merge_request_event" {
            let iid = try required("CI_MERGE_REQUEST_IID")
            guard let number = Int(iid) else {
                throw TriggerError(.missingField, event: source, field: "CI_MERGE_REQUEST_IID",
                                   message: "CI_MERGE_REQUEST_IID is \"\(iid)\", not a number")
            }
            mergeRequest = number
        } else {
            mergeRequest = nil
        }
        // Merge request pipelines run on the source branch; CI_COMMIT_REF_NAME says the same there.
        let ref = try nonEmpty(env["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"]) ?? required("CI_COMMIT_REF_NAME")
        let facts = TriggerEvent.PipelineFacts(source: source, pipelineID: env["CI_PIPELINE_ID"].flatMap { Int64($0) },
                                               sha: try required("CI_COMMIT_SHA"), ref: ref, mergeRequest: mergeRequest,
                                               isFromFork: isFromFork(env))
        return TriggerEvent(source: .gitlabCI, name: source, sender: sender, repository: nonEmpty(env["CI_PROJECT_PATH"]),
                            kind: .pipeline(facts))
    }

    static func isFromFork(_ env: [String: String]) -> Bool {
        guard let sourceProject = nonEmpty(env["CI_MERGE_REQUEST_SOURCE_PROJECT_PATH"]) else { return false }
        return sourceProject != env["CI_PROJECT_PATH"]
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
