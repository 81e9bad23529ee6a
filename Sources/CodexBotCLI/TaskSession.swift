import AgentKit
import ArgumentParser
import BotCore
import Dispatch
import ForgeKit
import Foundation
import GitKit
import HTTPKit

#if canImport(Glibc)
import Glibc
#endif

/// What `run`, `issue` and `fix-tests` share: flags and `.codex-bot.yml` into settings, the forge
/// and the model, the pipeline under SIGINT/SIGTERM handling, and the result written where
/// DESIGN.md §1 says (stdout, `--json`, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
struct TaskSession {
    let common: CommonOptions
    let environment: [String: String]
    let directory: String
    let config: BotConfig
    let client: HTTPClient

    /// Reads the config (its errors exit 2, naming file, line and key).
    init(common: CommonOptions, environment: [String: String] = ProcessInfo.processInfo.environment,
         directory: String = FileManager.default.currentDirectoryPath) throws {
        self.common = common
        self.environment = environment
        self.directory = directory
        let root = (try? Repository.discover(from: directory))?.workingDirectory ?? directory
        let loaded: ConfigLoader.Loaded
        do {
            loaded = try ConfigLoader.load(repositoryRoot: URL(fileURLWithPath: root), configFile: common.config)
        } catch {
            printError("codex-bot: \(error)")
            throw ExitCode(BotExitCode.usage)
        }
        for warning in loaded.warnings { printError("codex-bot: \(warning)") }
        config = loaded.config.applying(common.overrides)
        client = HTTPClient()
    }

    /// The forge named by `--forge`/`--repo` or the CI environment.
    func openForge() throws -> any Forge {
        do {
            let settings = try ForgeSettings.resolve(forge: common.forge.flatMap(ForgeKind.init(rawValue:)), repository: common.repo,
                                                     environment: environment)
            return try ForgeConnection.open(settings, client: client, repository: try? Repository.discover(from: directory))
        } catch {
            printError("codex-bot: \(error)")
            throw ExitCode(BotExitCode.usage)
        }
    }

    /// The logins the bot acts as: its own events and comments are never answered or quoted.
    func botLogins(_ forge: any Forge) async -> [String] {
        var logins = ["github-actions[bot]", "gitea-actions", "forgejo-actions"]
        if let me = try? await forge.viewerLogin() { logins.append(me) }
        return logins
    }

    func pipelineSettings(forge: any Forge, botLogins: [String], signals: SignalTrap) -> PipelineSettings {
        let environment = environment
        let config = config
        let client = client
        let common = common
        var settings = PipelineSettings(config: config, forge: forge, client: client, model: {
            let resolved = try ModelSettings.resolve(provider: common.provider ?? config.provider?.rawValue,
                                                     model: common.model ?? config.model, environment: environment)
            return ModelChoice(settings: resolved, client: client)
        }, environment: environment, directory: directory)
        settings.base = common.base
        settings.dryRun = common.dryRun
        settings.botLogins = botLogins
        settings.log = { printError($0) }
        settings.cancellationReason = { signals.received }
        return settings
    }

    /// Runs `job` with SIGINT/SIGTERM cancelling it (the progress comment still gets the result).
    func run(_ job: PipelineJob, forge: any Forge, botLogins: [String]) async -> RunResult {
        let signals = SignalTrap()
        let pipeline = Pipeline(settings: pipelineSettings(forge: forge, botLogins: botLogins, signals: signals))
        let work = Task { await pipeline.run(job) }
        signals.start { work.cancel() }
        let result = await work.value
        signals.stop()
        return result
    }

    /// Prints the result and exits with its code.
    func finish(_ result: RunResult) throws -> Never {
        Self.report(result, json: common.json, environment: environment)
        if result.exitCode == 0 { throw ExitCode.success }
        throw ExitCode(result.exitCode)
    }

    static func report(_ result: RunResult, json: Bool, environment: [String: String]) {
        printError("codex-bot: \(result.status.rawValue): \(result.message)")
        if let pr = result.pullRequest { printError("codex-bot: pull request #\(pr.number): \(pr.url)") }
        if let transcript = result.transcriptPath { printError("codex-bot: transcript: \(transcript)") }
        if let diff = result.diff { print(diff, terminator: diff.hasSuffix("\n") ? "" : "\n") }
        if json { print(result.jsonLine) }
        appendFile(environment["GITHUB_OUTPUT"], result.githubOutput)
        appendFile(environment["GITHUB_STEP_SUMMARY"], result.stepSummary)
    }

    /// Appends to a file GitHub Actions gave us; a failure is said, not fatal.
    private static func appendFile(_ path: String?, _ text: String) {
        guard let path, !path.isEmpty else { return }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            printError("codex-bot: could not append to \(path): \(error.localizedDescription)")
        }
    }
}

extension CommonOptions {
    var overrides: ConfigOverrides {
        ConfigOverrides(model: model, provider: provider.flatMap(ModelProviderKind.init(rawValue:)), testCommand: testCommand,
                        buildCommand: buildCommand, maxIterations: maxIterations, maxMinutes: maxMinutes, maxTokens: maxTokens,
                        branchPrefix: branchPrefix, draft: draft ? true : nil)
    }
}

/// SIGINT and SIGTERM cancel the run instead of killing the process, so the worktree is removed
/// and the progress comment says "cancelled". A second signal exits at once.
final class SignalTrap: @unchecked Sendable {  // `lock` guards `name`; sources live on `queue`
    private let lock = NSLock()
    private var name: String?
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "codex-bot.signals")

    var received: String? { lock.withLock { name } }

    func start(_ cancel: @escaping @Sendable () -> Void) {
        for (number, label) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let first = self.lock.withLock { () -> Bool in
                    if self.name != nil { return false }
                    self.name = label
                    return true
                }
                if first {
                    printError("codex-bot: \(label) received; stopping (again to quit at once)")
                    cancel()
                } else {
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
