import AgentKit
@testable import BotCore
import CodexBotTestSupport
import ForgeKit
import Foundation
import GitKit
import HTTPKit

/// Everything a pipeline run meets in CI, on loopback: a sample project with a bug in a bare
/// repository behind a real git smart-HTTP server (Basic auth with the forge token), a fake
/// GitHub whose clone URL is that server, a checkout of it as actions/checkout would leave it,
/// and canary secrets in the environment that must never appear anywhere.
final class PipelineRig: @unchecked Sendable {  // set up once, then only read
    let forge: SampleForge
    let logs = LogLines()

    static let token = "ghp_CanaryToken0123456789abcdefghijklmnopq"
    static let modelKey = "sk-canary-model-key-0123456789abcdefgh"
    /// A secret under a name nobody listed: the allow-list keeps it out all the same.
    static let canary = "canary-password-7f3a9c1e5b"

    init(_ sample: SampleProject = .python(), name: String, gitUser: String = "x-access-token",
         gitPassword: String = PipelineRig.token) throws {
        forge = try SampleForge(sample, name: name, token: Self.token, gitUser: gitUser, gitPassword: gitPassword)
    }

    /// The rig, set up on a thread of its own: making it spawns git a dozen times, which would
    /// hold a cooperative thread meanwhile.
    static func start(_ sample: SampleProject = .python(), name: String, gitUser: String = "x-access-token",
                      gitPassword: String = PipelineRig.token) async throws -> PipelineRig {
        try await offPool { try PipelineRig(sample, name: name, gitUser: gitUser, gitPassword: gitPassword) }
    }

    var directory: TemporaryDirectory { forge.directory }
    var sample: SampleProject { forge.sample }
    var bare: String { forge.bare }
    var git: GitHTTPServer { forge.git }
    var github: FakeGitHubServer { forge.github }
    var checkout: String { forge.checkout }
    var pushes: Int { forge.pushes }

    func stop() { forge.stop() }

    func environment(model: ScriptedModelServer) -> [String: String] {
        let anthropic = model.format == .anthropic
        return ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home,
                "GITHUB_TOKEN": Self.token, "GITHUB_API_URL": github.apiURL.absoluteString, "GITHUB_REPOSITORY": github.repository,
                anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY": Self.modelKey,
                anthropic ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL": model.baseURL,
                "MY_SERVICE_PASSWORD": Self.canary]
    }

    /// Settings as `codex-bot fix-tests`/`issue` make them, with the config read from the checkout.
    func settings(model: ScriptedModelServer, edit: (inout BotConfig) -> Void = { _ in }) throws -> PipelineSettings {
        let environment = environment(model: model)
        let (client, _) = RecordedSleeps.client()
        let forgeSettings = try ForgeSettings.resolve(forge: .github, repository: nil, environment: environment)
        var config = try ConfigLoader.load(repositoryRoot: URL(fileURLWithPath: checkout)).config
        edit(&config)
        let provider = model.format == .responses ? "openai" : model.format == .chat ? "openai-chat" : "anthropic"
        var settings = PipelineSettings(config: config, forge: GitHubForge(settings: forgeSettings, client: client), client: client,
                                        model: {
                                            ModelChoice(settings: try ModelSettings.resolve(provider: provider, model: "test-model",
                                                                                            environment: environment), client: client)
                                        }, environment: environment, directory: checkout)
        settings.botLogins = ["codex-bot-user"]
        let logs = logs
        settings.log = { logs.append($0) }
        return settings
    }

    func cloneBranch(_ branch: String, as name: String = "review") throws -> String {
        try forge.cloneBranch(branch, as: name)
    }

    /// Every text the run sent or wrote that a person or the model could read.
    func everythingSaid(model: ScriptedModelServer, result: RunResult) -> String {
        var texts = model.requests.map(\.bodyText)
        texts += github.requests.map(\.bodyText)
        texts += github.pullRequests.map(\.body)
        texts += [result.jsonLine, result.message, result.diff ?? ""]
        texts += logs.lines
        if let transcript = result.transcriptPath { texts.append((try? String(contentsOfFile: transcript, encoding: .utf8)) ?? "") }
        return texts.joined(separator: "\n")
    }

    static func patchCall(_ patch: String) -> ScriptedToolCall {
        ScriptedToolCall(name: "apply_patch", arguments: JSONValue.object(["input": .string(patch)]).jsonText)
    }
}

/// Log lines from any task.
final class LogLines: @unchecked Sendable {  // `lock` guards `stored`
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
