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
    let directory: TemporaryDirectory
    let sample: SampleProject
    let bare: String
    let git: GitHTTPServer
    let github: FakeGitHubServer
    let checkout: String
    let logs = LogLines()

    static let token = "ghp_CanaryToken0123456789abcdefghijklmnopq"
    static let modelKey = "sk-canary-model-key-0123456789abcdefgh"
    /// A secret under a name nobody listed: the allow-list keeps it out all the same.
    static let canary = "canary-password-7f3a9c1e5b"

    init(_ sample: SampleProject = .python(), name: String, gitUser: String = "x-access-token",
         gitPassword: String = PipelineRig.token) throws {
        directory = try TemporaryDirectory(named: name)
        self.sample = sample
        let seed = directory.appending("seed")
        try sample.makeRepository(at: seed, configFile: true)
        try FileManager.default.createDirectory(atPath: directory.appending("server"), withIntermediateDirectories: true)
        bare = directory.appending("server/widgets.git")
        try GitCLI.check(["clone", "-q", "--bare", seed, bare], in: directory.path)
        git = try GitHTTPServer(projectRoot: directory.appending("server"),
                                credentials: .init(username: gitUser, password: gitPassword))
        github = try FakeGitHubServer()
        github.addUserToken(Self.token, login: "codex-bot-user")
        github.setCloneURL(git.url(forRepository: "widgets.git"))
        checkout = directory.appending("checkout")
        try GitCLI.check(["clone", "-q", bare, checkout], in: directory.path)
        try GitCLI.check(["remote", "set-url", "origin", git.url(forRepository: "widgets.git")], in: checkout)
    }

    func stop() {
        git.stop()
        github.stop()
        directory.remove()
    }

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

    /// A fresh clone of `branch` from the server's repository, made with the git CLI.
    func cloneBranch(_ branch: String, as name: String = "review") throws -> String {
        let path = directory.appending(name)
        try GitCLI.check(["clone", "-q", "--branch", branch, bare, path], in: directory.path)
        return path
    }

    /// Pushes that reached the git server.
    var pushes: Int { git.requests.filter { $0.method == "POST" && $0.path.hasSuffix("git-receive-pack") }.count }

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
