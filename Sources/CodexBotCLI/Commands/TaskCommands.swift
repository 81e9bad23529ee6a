import ArgumentParser
import BotCore
import Foundation

/// `codex-bot run`: the CI entry point.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CI entry point: infer the task from the CI environment and do it.",
        discussion: """
        Reads GitHub Actions and Gitea/Forgejo Actions (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH: \
        issues, issue_comment, pull_request_review_comment, workflow_run, workflow_dispatch) \
        and GitLab CI (CI_* variables).
        """)
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let session = try TaskSession(common: common)
        let event: TriggerEvent
        do {
            event = try TriggerReader.fromEnvironment(session.environment) { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        } catch {
            let failure = PipelineFailure.classify(error)
            try session.finish(RunResult(status: failure.status, exitCode: failure.exitCode, message: failure.message))
        }
        let forge = try session.openForge()
        let logins = await session.botLogins(forge)
        let decision: CIJobs.Decision
        do {
            decision = try await CIJobs.decide(event, config: session.config, forge: forge, botLogins: logins,
                                               environment: session.environment)
        } catch {
            let failure = PipelineFailure.classify(error)
            try session.finish(RunResult(status: failure.status, exitCode: failure.exitCode, message: failure.message))
        }
        switch decision {
        case .done(let result): try session.finish(result)
        case .run(let job): try session.finish(await session.run(job, forge: forge, botLogins: logins))
        }
    }
}

/// `codex-bot issue N`: issue → branch → pull request.
struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Turn issue N into a branch and a pull request that says 'Fixes #N'.")
    @Argument(help: "The issue number.") var number: Int
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if number <= 0 { throw ValidationError("the issue number must be positive, not \(number)") }
    }

    func run() async throws {
        let session = try TaskSession(common: common)
        let forge = try session.openForge()
        var job = PipelineJob(kind: .issue(number))
        job.runURL = CIJobs.runURL(session.environment)
        try session.finish(await session.run(job, forge: forge, botLogins: await session.botLogins(forge)))
    }
}

/// `codex-bot fix-tests`: failing tests → fix → pull request.
struct FixTests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix-tests",
        abstract: "Fix failing tests and open a pull request.",
        discussion: "With no --report, runs the test command to find the failures.")
    @Option(name: .customLong("report"), help: "A test report or CI log (repeatable).") var reports: [String] = []
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let session = try TaskSession(common: common)
        let forge = try session.openForge()
        var job = PipelineJob(kind: .fixTests)
        job.reports = reports.map { URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: session.directory)).standardizedFileURL.path }
        job.runURL = CIJobs.runURL(session.environment)
        try session.finish(await session.run(job, forge: forge, botLogins: await session.botLogins(forge)))
    }
}

/// `codex-bot serve`: the webhook receiver.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive forge webhooks (HMAC-verified, deduplicated, durable queue, bounded concurrency).")
    @Option(help: "Address to listen on.") var listen: String = "127.0.0.1:8080"
    func run() async throws { try notBuiltYet("serve") }
}
