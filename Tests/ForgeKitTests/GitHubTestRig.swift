import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing
@testable import ForgeKit

/// A clock tests move by hand; shared by the fake GitHub and the App's token source.
final class GitHubTestClock: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date = Date()) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// A fake GitHub on loopback, a `GitHubForge` pointed at it through GITHUB_API_URL, and the
/// HTTP client's recorded waits. Made and stopped by `withGitHub`.
struct GitHubRig {
    /// Looks like a real personal token, so a leak would be easy to spot in any text.
    static let userToken = "ghp_TESTuserTOKEN0123456789abcdefSECRET"
    static let actionsToken = "ghs_TESTactionsTOKEN0123456789SECRET"
    static let login = "mona"

    enum Credentials {
        /// A personal access token of `login`.
        case user(canPush: Bool = true)
        /// The Actions GITHUB_TOKEN (an installation token of "github-actions").
        case actions
    }

    let server: FakeGitHubServer
    let forge: GitHubForge
    let sleeps: RecordedSleeps
    let client: HTTPClient
    let token: String

    var repository: RepositoryPath { forge.repositoryPath }
    /// "/repos/octo-org/widgets" followed by `rest`.
    func repoPath(_ rest: String = "") -> String { "/repos/\(server.repository)\(rest)" }

    init(_ credentials: Credentials = .user(), pathPrefix: String = "") throws {
        server = try FakeGitHubServer(pathPrefix: pathPrefix)
        switch credentials {
        case .user(let canPush):
            token = Self.userToken
            server.addUserToken(token, login: Self.login, canPush: canPush)
        case .actions:
            token = Self.actionsToken
            server.addActionsToken(token)
        }
        (client, sleeps) = Self.client()
        let settings = try ForgeSettings.resolve(forge: .github, repository: server.repository, environment: [
            "GITHUB_API_URL": server.apiURL.absoluteString, "GITHUB_SERVER_URL": "https://github.test", "GITHUB_TOKEN": token,
        ])
        forge = GitHubForge(settings: settings, client: client)
    }

    /// An HTTP client that records waits instead of sleeping, without proxies.
    static func client() -> (HTTPClient, RecordedSleeps) { RecordedSleeps.client() }
}

/// Runs `body` with a fresh rig and stops its servers on every path. Afterwards no request may
/// have gone where the fake has no route, nor a credential to the log storage.
func withGitHub(_ credentials: GitHubRig.Credentials = .user(), pathPrefix: String = "",
                _ body: (GitHubRig) async throws -> Void) async throws {
    let rig = try GitHubRig(credentials, pathPrefix: pathPrefix)
    defer { rig.server.stop() }
    try await body(rig)
    #expect(rig.server.unexpectedRequests == [])
}

/// Runs `body`, which must throw a `ForgeError`, and returns it; records an issue otherwise.
func forgeError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> ForgeError? {
    do {
        try await body()
        Testing.Issue.record("expected a ForgeError, but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as ForgeError {
        return error
    } catch {
        Testing.Issue.record("expected a ForgeError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The checks every forge error must pass: it names the call and never shows a secret.
func expectClear(_ error: ForgeError?, operation: String, secrets: [String],
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(error.operation == operation, sourceLocation: sourceLocation)
    let text = error.description
    #expect(text.contains(operation), "\(text)", sourceLocation: sourceLocation)
    for secret in secrets where !secret.isEmpty {
        #expect(!text.contains(secret), "the error shows a secret: \(text)", sourceLocation: sourceLocation)
        #expect(!"\(error)".contains(secret), sourceLocation: sourceLocation)
        #expect(!String(reflecting: error).contains(secret), sourceLocation: sourceLocation)
    }
}

/// A git credential's password must not show in any text made of it: description,
/// reflection, interpolation or `dump`.
func expectHidden(_ credential: GitCredential, secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
    var dumped = ""
    dump(credential, to: &dumped)
    for text in [String(describing: credential), String(reflecting: credential), "\(credential)", dumped] {
        #expect(!text.contains(secret), "the credential shows its password: \(text)", sourceLocation: sourceLocation)
        #expect(text.contains(credential.username), "\(text)", sourceLocation: sourceLocation)
    }
}
