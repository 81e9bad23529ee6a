import AgentKit
import ForgeKit
import Foundation
import GitKit
import HTTPKit
import Sandbox
import TestReports

/// What a pipeline run needs from its caller: the settings from flags and `.codex-bot.yml`,
/// the forge, the model, and the environment the process started with.
public struct PipelineSettings: Sendable {
    public var config: BotConfig
    public var forge: any Forge
    public var client: HTTPClient
    /// Resolved only when the agent is about to start, so a run with nothing to do needs no key.
    public var model: @Sendable () throws -> ModelChoice
    /// The process's environment, read once: the source of secrets to hide and of what commands may see.
    public var environment: [String: String]
    /// A directory inside the user's checkout (never modified: the work happens in a worktree).
    public var directory: String
    /// `--base`: the branch pull requests target.
    public var base: String?
    /// `--dry-run`: no push and no forge writes; the result carries the diff.
    public var dryRun = false
    /// The git remote to fetch from and push to; a forge's clone URL when the checkout has none.
    public var remote = "origin"
    /// Logins the bot acts as (its own comments are not shown to the model).
    public var botLogins: [String] = []
    /// Progress lines for people (stderr in the CLI).
    public var log: @Sendable (String) -> Void = { _ in }
    /// Isolation for commands; nil: probe this machine (`Sandbox.isolation()`).
    public var isolation: IsolationStatus?
    /// The longest one project command (setup, build, a test run) may take.
    public var commandTimeout: Duration = .seconds(30 * 60)
    /// Why the run is being cancelled ("SIGTERM"), asked when a cancellation arrives.
    public var cancellationReason: @Sendable () -> String? = { nil }

    public init(config: BotConfig, forge: any Forge, client: HTTPClient,
                model: @escaping @Sendable () throws -> ModelChoice,
                environment: [String: String], directory: String) {
        self.config = config
        self.forge = forge
        self.client = client
        self.model = model
        self.environment = environment
        self.directory = directory
    }
}

/// The model the agent talks to.
public struct ModelChoice: Sendable {
    public var provider: any ModelProvider
    public var model: String

    public init(provider: any ModelProvider, model: String) {
        self.provider = provider
        self.model = model
    }

    /// The provider `settings` describe, over `client`.
    public init(settings: ModelSettings, client: HTTPClient) {
        self.init(provider: settings.makeProvider(client: client), model: settings.model)
    }
}

/// The pipeline of DESIGN.md §2, from a job to a pushed branch and a pull request:
/// workspace → baseline → fix loop → guards → publish → report. Every path out, errors and
/// cancellation included, removes the worktree and edits the progress comment to the result.
public struct Pipeline: Sendable {
    public let settings: PipelineSettings

    public init(settings: PipelineSettings) {
        self.settings = settings
    }

    /// Runs `job` and says how it ended; never throws (an error is a result with its exit code).
    public func run(_ job: PipelineJob) async -> RunResult {
        let started = ContinuousClock.now
        let record = RunRecord(runID: Self.makeRunID(), redactor: SecretRedactor(environment: settings.environment))
        let progress = progressComment(for: job, record: record)
        if let progress {
            do {
                try await progress.working(requestedBy: job.requestedBy)
            } catch {
                settings.log("codex-bot: could not write the progress comment on #\(progress.issue): \(error)")
            }
        }
        var result: RunResult
        do {
            result = try await work(job, record: record, started: started)
        } catch {
            let failure = Task.isCancelled ? PipelineFailure.cancelled(settings.cancellationReason()) : PipelineFailure.classify(error)
            result = RunResult(status: failure.status, exitCode: failure.exitCode, message: failure.message)
            record.fill(&result)
        }
        result.message = record.redactor.redact(result.message)
        result.timings.total = started.duration(to: .now).milliseconds
        if let progress {
            // A task of its own: a cancelled run still gets its comment edited.
            let finished = result
            let edit = Task.detached { try await progress.finished(finished) }
            do {
                try await edit.value
            } catch {
                settings.log("codex-bot: could not edit the progress comment on #\(progress.issue): \(error)")
            }
        }
        return result
    }

    private func progressComment(for job: PipelineJob, record: RunRecord) -> ProgressComment? {
        guard !settings.dryRun, let issue = job.progressIssue else { return nil }
        // GitLab numbers merge requests apart from issues: a comment "on #N" would land on an issue.
        if settings.forge.kind == .gitlab, job.kind != .issue(issue) { return nil }
        let marker: String
        switch job.kind {
        case .issue(let number): marker = "issue-\(number)"
        case .pullRequest(let number): marker = "pr-\(number)"
        case .fixTests: marker = "fix-tests-\(issue)"
        }
        return ProgressComment(forge: settings.forge, issue: issue, marker: marker, redactor: record.redactor, runURL: job.runURL)
    }

    // MARK: The run

    private func work(_ job: PipelineJob, record: RunRecord, started: ContinuousClock.Instant) async throws -> RunResult {
        let config = settings.config
        let phase = ContinuousClock.now

        // 1. Workspace: the repository, where the branch starts, a worktree on a branch of our own.
        let repository = try Repository.discover(from: settings.directory)
        let removed = ((try? repository.pruneAbandonedWorktrees()) ?? []) + removeAbandonedWorkBranches(repository)
        if !removed.isEmpty { settings.log("codex-bot: removed the worktrees and work branches of runs that were killed: \(removed.joined(separator: ", "))") }
        let remote = try await RemoteAccess.open(repository: repository, settings: settings)
        if let secret = remote?.secret { record.redactor = record.redactor.adding([secret]) }
        var target = try await resolveTarget(job, repository: repository, remote: remote)
        settings.log("codex-bot: working from \(target.start.short) (\(target.startDescription)); pull requests go to \(target.baseBranch)")

        let workBranch = "\(config.branchPrefix)run-\(record.runID)"
        try repository.createBranch(workBranch, at: target.start)
        let place = URL(fileURLWithPath: repository.commonDirectory).appendingPathComponent("codex-bot/worktrees/\(record.runID)")
        let worktree: Worktree
        do {
            worktree = try repository.addWorktree(branch: workBranch, at: place.path)
        } catch {
            try? repository.deleteBranch(workBranch)
            throw error
        }
        record.timings.workspace = phase.duration(to: .now).milliseconds
        do {
            let result = try await inWorktree(job, worktree: worktree, workBranch: workBranch, target: &target,
                                              repository: repository, remote: remote, record: record, started: started)
            cleanUp(repository, worktree: worktree, branch: workBranch)
            return result
        } catch {
            cleanUp(repository, worktree: worktree, branch: workBranch)
            throw error
        }
    }

    /// The work branches (`<prefix>run-<date>-<time>-<pid>-<hex>`) of runs whose process is gone
    /// and that no worktree holds: a killed run's, whose worktree was just pruned.
    private func removeAbandonedWorkBranches(_ repository: Repository) -> [String] {
        let prefix = settings.config.branchPrefix + "run-"
        guard let branches = try? repository.localBranches() else { return [] }
        return branches.filter { branch in
            guard branch.hasPrefix(prefix) else { return false }
            let parts = branch.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 4, let pid = Int32(parts[2]), pid > 0, kill(pid, 0) != 0, errno == ESRCH,
                  (try? repository.worktreeHoldingBranch(branch)) == nil else { return false }
            return (try? repository.deleteBranch(branch)) != nil
        }
    }

    private func cleanUp(_ repository: Repository, worktree: Worktree, branch: String) {
        do {
            try repository.removeWorktree(named: worktree.name)
            try repository.deleteBranch(branch)
        } catch {
            settings.log("codex-bot: could not remove the worktree \(worktree.path): \(error); the next run removes it")
        }
    }

    private func inWorktree(_ job: PipelineJob, worktree: Worktree, workBranch: String, target: inout Target,
                            repository: Repository, remote: RemoteAccess?, record: RunRecord,
                            started: ContinuousClock.Instant) async throws -> RunResult {
        let config = settings.config
        let root = URL(fileURLWithPath: worktree.path).resolvingSymlinksInPath()
        let isolation: IsolationStatus
        if let given = settings.isolation { isolation = given } else { isolation = await Sandbox.isolationProbed() }
        let sandbox = Sandbox(policy: SandboxPolicy(network: config.sandbox.network == .off ? .off : .on,
                                                    passEnvironment: config.sandbox.passEnv),
                              environment: settings.environment, isolation: isolation)
        var testCommand: String?
        if config.test.isEmpty, let guess = TestCommandGuess.guess(in: root) {
            testCommand = guess
            settings.log("codex-bot: no test command configured; guessed `\(guess)` from the project's files (set `test` in .codex-bot.yml)")
        }
        let commands = ProjectCommands(sandbox: sandbox, worktree: root, config: config, testCommand: testCommand,
                                       clock: record.commandClock, timeout: settings.commandTimeout)

        // 2. Baseline: what fails before any edit.
        var phase = ContinuousClock.now
        try await commands.runSetup()
        let baseline = try await Baseline.run(job, commands: commands, record: record, log: settings.log)
        record.timings.baseline = phase.duration(to: .now).milliseconds
        if let noop = baseline.nothingToDo {
            var result = RunResult(status: .noop, exitCode: 0, message: noop)
            record.fill(&result)
            return result
        }
        if case .fixTests = job.kind {
            target.finalBranch = BranchNames.failingTests(baseline.targets, base: target.baseBranch, prefix: config.branchPrefix)
        }
        guard let finalBranch = target.finalBranch else { throw PipelineFailure.input("no branch name for this task") }
        try Self.checkBranch(finalBranch, target: target, prefix: config.branchPrefix)

        // 3. The fix loop.
        let prompt = try await TaskText.prompt(for: job, baseline: baseline, commands: commands, forge: settings.forge,
                                               pullRequest: target.pullRequest, botLogins: settings.botLogins)
        let transcriptPath = URL(fileURLWithPath: repository.commonDirectory)
            .appendingPathComponent("codex-bot/runs/\(record.runID)/transcript.jsonl").path
        let outcome = try await FixLoop(settings: settings, commands: commands, record: record, root: root, transcriptPath: transcriptPath)
            .run(job: job, prompt: prompt.text, baseline: baseline, started: started)
        guard outcome.status == .green else {
            let why: String
            switch outcome.status {
            case .green: why = ""
            case .budgetExhausted(let budget): why = "the budget of \(budget) ran out"
            case .repeating(let repeating): why = "it stopped early: \(repeating)"
            }
            var result = RunResult(status: .notGreen, exitCode: 1,
                                   message: "The tests are not green after \(outcome.iterations) iteration\(outcome.iterations == 1 ? "" : "s"): \(why). Nothing was pushed.")
            record.fill(&result)
            return result
        }

        // 4. Guards.
        phase = ContinuousClock.now
        let worktreeRepository = try Repository.open(at: root.path)
        let input = try GuardInput.from(repository: worktreeRepository, base: target.start, protectedPaths: config.protectedPaths,
                                        allowTestEdits: config.allowTestEdits, taskKind: job.guardKind,
                                        testsBefore: baseline.run, testsAfter: record.testsAfter,
                                        maxDiffLines: config.maxDiffLines, secrets: record.redactor.secretValues)
        if input.changes.isEmpty {
            var result = RunResult(status: .noop, exitCode: 0, message: "The tests pass and the agent changed nothing, so there is nothing to publish.")
            record.fill(&result)
            return result
        }
        let violations = PublishGuards.check(input)
        if !violations.isEmpty {
            throw PipelineFailure.refused("The change was not published: " + violations.map(\.description).joined(separator: "; "))
        }
        if settings.dryRun {
            var result = RunResult(status: .green, exitCode: 0,
                                   message: "Dry run: the tests pass with the change below; it would go to \(finalBranch), but nothing was pushed.")
            record.fill(&result)
            result.diff = record.redactor.redact(input.diff)
            record.timings.publish = phase.duration(to: .now).milliseconds
            return result
        }

        // 5. Publish.
        let publisher = Publisher(settings: settings, repository: repository, remote: remote, record: record)
        let text = TaskText.pullRequestText(for: prompt, outcome: outcome, record: record,
                                            duration: started.duration(to: .now), runURL: job.runURL)
        let commit = try publisher.commit(in: worktreeRepository, text: text, job: job)
        try await publisher.publish(commit: commit, workBranch: workBranch, to: finalBranch, target: target)
        record.branch = finalBranch
        if case .pullRequest(let number) = job.kind, let pr = target.pullRequest {
            record.pullRequest = RunResult.PullRequestLink(number: number, url: pr.webURL)
        } else {
            let draft = PullRequestDraft(title: text.title, body: text.body(redactor: record.redactor), head: finalBranch,
                                         base: target.baseBranch, isDraft: config.draft, labels: config.labels)
            let (pr, created) = try await settings.forge.openOrUpdatePullRequest(draft)
            record.pullRequest = RunResult.PullRequestLink(number: pr.number, url: pr.webURL)
            settings.log("codex-bot: \(created ? "opened" : "updated") pull request #\(pr.number): \(pr.webURL)")
        }
        record.timings.publish = phase.duration(to: .now).milliseconds
        // An issue's check lets tests that failed before the change fail still: say so, not "the tests pass".
        let stillFailing = record.testsAfter.map { $0.totals.failed + $0.totals.errored } ?? 0
        let verdict = stillFailing == 0 ? "The tests pass"
            : "No test that passed before fails now (\(stillFailing) that failed before the change still fail)"
        var result = RunResult(status: .green, exitCode: 0,
                               message: "\(verdict); the change is on \(finalBranch)"
                                   + (record.pullRequest.map { " in pull request #\($0.number)" } ?? "") + ".")
        record.fill(&result)
        return result
    }

    /// Never the base branch, and only branches under the bot's prefix.
    static func checkBranch(_ branch: String, target: Target, prefix: String) throws {
        if branch == target.baseBranch || (target.defaultBranch.map { branch == $0 } ?? false) {
            throw PipelineFailure.refused("codex-bot never pushes to the base branch (\(branch)); its work goes to a branch of its own")
        }
        if prefix.isEmpty || !branch.hasPrefix(prefix) {
            throw PipelineFailure.refused("the branch \(branch) does not start with the bot's prefix \"\(prefix)\"; codex-bot only pushes to branches it made")
        }
    }

    // MARK: Where the work starts

    /// Where the branch starts, where it goes, and the pull request it updates.
    struct Target {
        var baseBranch: String
        var defaultBranch: String?
        var start: ObjectID
        var startDescription: String
        var finalBranch: String?
        /// For work on an existing pull request.
        var pullRequest: PullRequest?
    }

    private func resolveTarget(_ job: PipelineJob, repository: Repository, remote: RemoteAccess?) async throws -> Target {
        let config = settings.config
        let environment = settings.environment
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

        switch job.kind {
        case .pullRequest(let number):
            let pr = try await settings.forge.pullRequest(number)
            if pr.isFromFork {
                throw PipelineFailure.refused("pull request #\(number) comes from a fork; codex-bot does not push to other repositories")
            }
            guard !config.branchPrefix.isEmpty, pr.head.hasPrefix(config.branchPrefix) else {
                throw PipelineFailure.refused("pull request #\(number) is on \(pr.head), not a branch of codex-bot's (\(config.branchPrefix)…); the bot only adds commits to its own pull requests")
            }
            guard pr.state.lowercased() == "open" || pr.state.lowercased() == "opened" else {
                throw PipelineFailure.refused("pull request #\(number) is \(pr.state), not open")
            }
            let start = try await branchHead(pr.head, repository: repository, remote: remote)
            return Target(baseBranch: pr.base, defaultBranch: nil, start: start, startDescription: "the head of \(pr.head)",
                          finalBranch: pr.head, pullRequest: pr)

        case .issue(let number):
            let defaultBranch = remote == nil ? nil : try await settings.forge.repository().defaultBranch
            let base = job.baseBranch ?? settings.base ?? defaultBranch ?? repository.currentBranch ?? "main"
            let start = try await branchHead(base, repository: repository, remote: remote)
            return Target(baseBranch: base, defaultBranch: defaultBranch, start: start, startDescription: "the head of \(base)",
                          finalBranch: BranchNames.issue(number, prefix: config.branchPrefix))

        case .fixTests:
            // The tests failed on what this job checked out (or on the run's head commit).
            let base = job.baseBranch ?? settings.base ?? repository.currentBranch ?? nonEmpty("GITHUB_HEAD_REF")
                ?? nonEmpty("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") ?? nonEmpty("GITHUB_REF_NAME") ?? nonEmpty("CI_COMMIT_REF_NAME")
            guard let base else {
                throw PipelineFailure.input("cannot tell which branch the fix is for: HEAD is detached and no CI variable names the branch; pass --base BRANCH")
            }
            if let sha = job.startCommit {
                if let found = try? repository.resolveCommit(sha) {
                    return Target(baseBranch: base, defaultBranch: nil, start: found, startDescription: "commit \(sha.prefix(12))")
                }
                if remote != nil { _ = try await branchHead(base, repository: repository, remote: remote) }
                guard let found = try? repository.resolveCommit(sha) else {
                    throw PipelineFailure.input("commit \(sha) is not in the repository, nor on \(base) on the remote; fetch it first")
                }
                return Target(baseBranch: base, defaultBranch: nil, start: found, startDescription: "commit \(sha.prefix(12))")
            }
            return Target(baseBranch: base, defaultBranch: nil, start: try repository.headCommit(), startDescription: "the checkout's HEAD")
        }
    }

    /// The commit at the tip of `branch`: on the remote (fetched when it is not here yet), or the
    /// local branch when there is no remote (the local forge).
    private func branchHead(_ branch: String, repository: Repository, remote: RemoteAccess?) async throws -> ObjectID {
        guard let remote else {
            guard let id = try repository.referenceTarget("refs/heads/\(branch)") else {
                throw PipelineFailure.input("there is no local branch \(branch); pass --base with an existing branch")
            }
            return id
        }
        guard let id = try await remote.fetchBranch(branch, into: repository) else {
            throw PipelineFailure.input("the branch \(branch) does not exist on \(remote.displayName); pass --base with an existing branch")
        }
        return id
    }

    static func makeRunID() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "\(formatter.string(from: Date()))-\(getpid())-\(String(UInt32.random(in: 0...0xFFFF), radix: 16))"
    }
}

/// What a run has learned so far: kept outside the steps, so a run that stops with an error
/// still reports its iterations, tokens, timings and test counts.
final class RunRecord: @unchecked Sendable {  // used by one run's task; the clock has its own lock
    let runID: String
    var redactor: SecretRedactor
    var branch: String?
    var pullRequest: RunResult.PullRequestLink?
    var iterations = 0
    var usage = Usage()
    var testsBefore: TestRun?
    var testsAfter: TestRun?
    var timings = RunResult.Timings()
    var transcriptPath: String?
    let commandClock = CommandClock()

    init(runID: String, redactor: SecretRedactor) {
        self.runID = runID
        self.redactor = redactor
    }

    /// Puts what is known into `result`.
    func fill(_ result: inout RunResult) {
        result.branch = branch
        result.pullRequest = pullRequest
        result.iterations = iterations
        result.usage = usage
        result.testsBefore = testsBefore.map { RunResult.TestCounts($0.totals) }
        result.testsAfter = testsAfter.map { RunResult.TestCounts($0.totals) }
        result.timings = timings
        result.transcriptPath = transcriptPath
        result.commandMilliseconds = commandClock.milliseconds
    }
}
