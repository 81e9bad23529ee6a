import ForgeKit
import Foundation

/// `codex-bot run`: from the CI environment to a pipeline job, or to a result without work
/// (an event to ignore, exit 0; a trigger refused by policy, exit 3 — before any model call).
public enum CIJobs {
    public enum Decision: Sendable {
        case run(PipelineJob)
        case done(RunResult)
    }

    /// The most of one failed job's log that is read (its end, where the failures are).
    public static let logBytes = 4 << 20

    /// Decides what `event` asks for under `config`, checking the person behind it against the
    /// forge, and gathers what the job needs (a failed workflow run's logs).
    public static func decide(_ event: TriggerEvent, config: BotConfig, forge: any Forge, botLogins: [String],
                              environment: [String: String]) async throws -> Decision {
        let rules = TriggerRules(label: config.trigger.label, mention: config.trigger.mention,
                                 minPermission: config.trigger.minPermission, allowedBots: config.trigger.allowedBots,
                                 botLogins: botLogins, branchPrefix: config.branchPrefix)
        let decision = await TriggerPolicy.decide(event, rules: rules, forge: forge)
        let task: BotTask
        switch decision {
        case .ignore(let reason):
            return .done(RunResult(status: .noop, exitCode: 0, message: "Ignored: \(reason)."))
        case .refuse(let reason):
            return .done(RunResult(status: .refused, exitCode: 3, message: "Refused: \(reason)."))
        case .run(let chosen):
            task = chosen
        }
        let runURL = runURL(environment)
        var job: PipelineJob
        switch task {
        case let .issue(number, _, requestedBy, instruction):
            job = PipelineJob(kind: .issue(number))
            job.requestedBy = requestedBy
            job.instruction = instruction
        case let .pullRequestComment(number, _, _, requestedBy, instruction):
            job = PipelineJob(kind: .pullRequest(number))
            job.requestedBy = requestedBy
            job.instruction = instruction
        case let .reviewComment(pr, _, path, line, body, _, requestedBy):
            job = PipelineJob(kind: .pullRequest(pr))
            job.requestedBy = requestedBy
            job.instruction = MentionParser.instruction(in: body, mention: config.trigger.mention) ?? body
            job.reviewPath = path
            job.reviewLine = line
        case let .failedWorkflowRun(runID, headSHA, headBranch, workflowName):
            let failed = try await forge.failedJobs(inRun: runID)
            guard !failed.isEmpty else {
                return .done(RunResult(status: .noop, exitCode: 0,
                                       message: "Workflow run \(runID) (\(workflowName)) has no failed job to read; nothing to fix."))
            }
            job = PipelineJob(kind: .fixTests)
            for failedJob in failed {
                let text = try await forge.jobLog(failedJob, maxBytes: logBytes)
                job.logs.append(PipelineJob.Log(name: "job \(failedJob.name) (\(failedJob.id))", text: text))
            }
            job.startCommit = headSHA
            job.baseBranch = headBranch
        case let .failingTests(ref, sha, _, mergeRequest, inputs, requestedBy):
            job = PipelineJob(kind: .fixTests)
            job.requestedBy = requestedBy
            job.baseBranch = ref.map { $0.hasPrefix("refs/heads/") ? String($0.dropFirst("refs/heads/".count)) : $0 }
            job.startCommit = sha
            job.progressIssue = mergeRequest
            if let report = inputs["report"], !report.isEmpty { job.reports = [report] }
        case .none(let reason):
            return .done(RunResult(status: .noop, exitCode: 0, message: "Nothing to do: \(reason)."))
        }
        job.triggeredAt = event.occurredAt ?? Date()
        job.runURL = runURL
        return .run(job)
    }

    /// The CI run's page: GitHub/Gitea Actions (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`/actions/runs/`GITHUB_RUN_ID`)
    /// or GitLab (`CI_PIPELINE_URL`).
    public static func runURL(_ environment: [String: String]) -> String? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let server = value("GITHUB_SERVER_URL"), let repository = value("GITHUB_REPOSITORY"), let run = value("GITHUB_RUN_ID") {
            return "\(server)/\(repository)/actions/runs/\(run)"
        }
        return value("CI_PIPELINE_URL") ?? value("CI_JOB_URL")
    }
}
