import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing
@testable import ForgeKit

/// A GitHub App's flow end to end against the fake: JWT → installation → installation token →
/// API calls, the token cached and refreshed by the clock, one refresh after a 401, and clear
/// configuration errors when the App is set up wrong. No token or key ever shows in an error.
@Suite("GitHub App: installation tokens from the App's JWT")
struct GitHubAppTests {
    static let appID: Int64 = 424_242
    static let installationID: Int64 = 8_675_309

    /// An App key made once for the suite (RSA 2048 with openssl, as GitHub would hand out).
    static let key: Result<String, any Error> = Result {
        let directory = try TemporaryDirectory(named: "github-app-key")
        defer { directory.remove() }
        return try OpenSSLCLI.generateKey(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                                          name: "app.pem", in: directory)
    }

    /// The fake with the App installed, a token source on a hand-moved clock, and a forge using it.
    struct AppRig {
        let server: FakeGitHubServer
        let clock: GitHubTestClock
        let tokens: GitHubAppTokenSource
        let forge: GitHubForge
        let pem: String

        init(appID: Int64 = GitHubAppTests.appID, installationID: String? = nil, installed: Bool = true,
             permissions: [String: String]? = nil, clockOffset: TimeInterval = 0) throws {
            let clock = GitHubTestClock()
            self.clock = clock
            server = try FakeGitHubServer(now: { clock.now })
            if let permissions {
                server.installApp(id: GitHubAppTests.appID, slug: "codex-fixer", installationID: GitHubAppTests.installationID,
                                  installed: installed, permissions: permissions)
            } else {
                server.installApp(id: GitHubAppTests.appID, slug: "codex-fixer", installationID: GitHubAppTests.installationID,
                                  installed: installed)
            }
            pem = try GitHubAppTests.key.get()
            var environment = ["GITHUB_API_URL": server.apiURL.absoluteString, "CODEX_BOT_APP_ID": "\(appID)",
                               "CODEX_BOT_APP_PRIVATE_KEY": pem]
            if let installationID { environment["CODEX_BOT_APP_INSTALLATION_ID"] = installationID }
            let settings = try ForgeSettings.resolve(forge: .github, repository: server.repository, environment: environment)
            let credentials = try #require(settings.app)
            let (client, _) = GitHubRig.client()
            tokens = GitHubAppTokenSource(credentials: credentials, apiURL: settings.apiURL, repository: settings.repository,
                                          client: client, now: { clock.now.addingTimeInterval(clockOffset) })
            forge = GitHubForge(settings: settings, client: client, tokens: tokens)
        }

        /// Everything an error must not show.
        var secrets: [String] {
            server.issuedInstallationTokens + [pem, String(pem.split(separator: "\n").dropFirst().first ?? "")]
        }

        /// The installation tokens the API calls (not the App's own calls) carried, in order.
        var tokensUsed: [String] {
            server.requests.filter { !$0.path.hasPrefix("/app") && !$0.path.hasSuffix("/installation") }
                .compactMap { $0.header("Authorization").map { String($0.dropFirst("Bearer ".count)) } }
        }
    }

    static func withApp(_ rig: AppRig, _ body: (AppRig) async throws -> Void) async throws {
        defer { rig.server.stop() }
        try await body(rig)
        #expect(rig.server.unexpectedRequests == [])
    }

    @Test("the installation is looked up, a token fetched once and reused, and refreshed when 5 minutes are left")
    func endToEnd() async throws {
        try await Self.withApp(try AppRig()) { rig throws in
            let facts = try await rig.forge.repository()
            #expect(facts.canPush)  // the installation's grant: contents write
            _ = try await rig.forge.issue(rig.server.addIssue(title: "t"))
            #expect(rig.server.issuedInstallationTokens.count == 1)
            let flow = rig.server.requests.prefix(3).map { "\($0.method) \($0.path)" }
            #expect(flow == ["GET /repos/octo-org/widgets/installation",
                             "POST /app/installations/\(Self.installationID)/access_tokens", "GET /repos/octo-org/widgets"])
            // The App's calls carry a JWT: three parts, issued by the App.
            let jwt = try #require(rig.server.requests[0].header("Authorization")).dropFirst("Bearer ".count)
            #expect(jwt.split(separator: ".").count == 3 && jwt.hasPrefix("eyJ"))
            // The token is asked for this repository only.
            #expect(rig.server.requests[1].jsonObject?["repositories"] as? [String] == ["widgets"])

            rig.clock.advance(by: 54 * 60)  // 6 minutes left: still good
            _ = try await rig.forge.repository()
            #expect(rig.server.issuedInstallationTokens.count == 1)
            rig.clock.advance(by: 2 * 60)  // 4 minutes left: replaced before it can expire mid-task
            _ = try await rig.forge.repository()
            let issued = rig.server.issuedInstallationTokens
            #expect(issued.count == 2)
            #expect(rig.tokensUsed == [issued[0], issued[0], issued[0], issued[1]])
            // The installation was looked up once.
            #expect(rig.server.count("GET", "/repos/octo-org/widgets/installation") == 1)
            for text in [String(describing: rig.tokens), String(reflecting: rig.tokens), String(describing: rig.forge)] {
                #expect(text.contains("\(Self.appID)"))
                for secret in rig.secrets { #expect(!text.contains(secret)) }
            }
        }
    }

    @Test("gitCredential(): the installation token the API calls use, as x-access-token's password, renewed by the same clock")
    func gitCredential() async throws {
        try await Self.withApp(try AppRig()) { rig throws in
            let first = try #require(try await rig.forge.gitCredential())
            #expect(first.username == "x-access-token")
            #expect(rig.server.issuedInstallationTokens == [first.password])
            _ = try await rig.forge.repository()
            #expect(rig.tokensUsed == [first.password])  // one token for git and the API
            #expect(try await rig.tokens.installationToken() == first.password)

            rig.clock.advance(by: 56 * 60)  // 4 minutes left: too little for a push to start with
            let second = try #require(try await rig.forge.gitCredential())
            #expect(second.password != first.password)
            #expect(rig.server.issuedInstallationTokens == [first.password, second.password])
            for secret in rig.secrets { expectHidden(second, secret: secret) }
        }
    }

    @Test("the default token source: ForgeSettings with an App makes GitHubForge use installation tokens")
    func fromSettings() async throws {
        let server = try FakeGitHubServer()
        defer { server.stop() }
        server.installApp(id: Self.appID, slug: "codex-fixer", installationID: Self.installationID)
        let settings = try ForgeSettings.resolve(forge: .github, repository: server.repository, environment: [
            "GITHUB_API_URL": server.apiURL.absoluteString, "CODEX_BOT_APP_ID": "\(Self.appID)",
            "CODEX_BOT_APP_PRIVATE_KEY": try Self.key.get(), "CODEX_BOT_APP_INSTALLATION_ID": "\(Self.installationID)",
            "GITHUB_TOKEN": "ghp_ignoredWhenAnAppIsSet",
        ])
        let forge = GitHubForge(settings: settings, client: GitHubRig.client().0)
        #expect(try await forge.viewerLogin() == "codex-fixer[bot]")
        // The configured installation ID spares the lookup.
        #expect(server.requests.map { "\($0.method) \($0.path)" } == [
            "POST /app/installations/\(Self.installationID)/access_tokens", "GET /user", "GET /app",
        ])
        #expect(server.unexpectedRequests == [])
    }

    @Test("a 401 to the installation token leads to exactly one new token, not a loop")
    func oneRefreshOn401() async throws {
        try await Self.withApp(try AppRig()) { rig throws in
            _ = try await rig.forge.repository()
            let first = try #require(rig.server.issuedInstallationTokens.first)
            rig.server.revoke(first)  // revoked early: GitHub answers 401
            _ = try await rig.forge.repository()
            #expect(rig.server.issuedInstallationTokens.count == 2)

            // Refused again later: one new token; when GitHub refuses that one too, the 401 is the answer.
            rig.server.failNext(5, "GET", "/repos/octo-org/widgets", with: FakeGitHubReplies.badCredentials())
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .unauthorized)
            #expect(error?.hint?.contains("CODEX_BOT_APP_ID") == true)
            #expect(rig.server.issuedInstallationTokens.count == 3)
            #expect(rig.server.pendingFaults == 3)
            expectClear(error, operation: "read the repository", secrets: rig.secrets)
        }
    }

    @Test("the bot's name is <slug>[bot]; canPush follows the installation's contents permission")
    func botAndPermissions() async throws {
        try await Self.withApp(try AppRig(permissions: ["contents": "read", "issues": "write", "metadata": "read"])) { rig throws in
            #expect(try await rig.forge.viewerLogin() == "codex-fixer[bot]")
            #expect(try await rig.forge.repository().canPush == false)
            let number = rig.server.addIssue(title: "t")
            let comment = try await rig.forge.upsertComment(onIssue: number, marker: "m", body: "hi")
            #expect(comment.author == "codex-fixer[bot]")
            _ = try await rig.forge.upsertComment(onIssue: number, marker: "m", body: "again")
            #expect(rig.server.comments(onIssue: number).count == 1)
        }
    }

    @Test("an App installed elsewhere: a configuration error saying so")
    func notInstalled() async throws {
        try await Self.withApp(try AppRig(installed: false)) { rig throws in
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .configuration)
            #expect(error?.message == "the app is not installed on octo-org/widgets")
            expectClear(error, operation: "find the installation of the GitHub App \(Self.appID) on octo-org/widgets", secrets: rig.secrets)
            #expect(rig.server.issuedInstallationTokens.isEmpty)
        }
    }

    @Test("a wrong App ID or a clock far off: GitHub refuses the JWT, the error names the settings and the clock")
    func jwtRefused() async throws {
        try await Self.withApp(try AppRig(appID: 99)) { rig throws in
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .configuration && error?.status == 401)
            #expect(error?.hint?.contains("CODEX_BOT_APP_ID") == true && error?.hint?.contains("clock") == true)
            expectClear(error, operation: "find the installation of the GitHub App 99 on octo-org/widgets", secrets: rig.secrets)
        }
        // Our clock 20 minutes ahead of GitHub's: the JWT seems to live too long.
        try await Self.withApp(try AppRig(installationID: "\(Self.installationID)", clockOffset: 20 * 60)) { rig throws in
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .configuration)
            #expect(error?.message.contains("exp") == true)
            expectClear(error, operation: "get an installation token of the GitHub App \(Self.appID) for octo-org/widgets",
                        secrets: rig.secrets)
        }
    }

    @Test("an installation ID that does not exist: a configuration error naming the variable")
    func unknownInstallation() async throws {
        try await Self.withApp(try AppRig(installationID: "12345")) { rig throws in
            let error = await forgeError { _ = try await rig.forge.repository() }
            #expect(error?.code == .configuration)
            #expect(error?.hint?.contains("CODEX_BOT_APP_INSTALLATION_ID") == true)
        }
    }

    @Test("concurrent calls share one token fetch")
    func concurrentCallsShareAFetch() async throws {
        try await Self.withApp(try AppRig()) { rig throws in
            let forge = rig.forge
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 { group.addTask { _ = try await forge.repository() } }
                try await group.waitForAll()
            }
            #expect(rig.server.issuedInstallationTokens.count == 1)
        }
    }
}
