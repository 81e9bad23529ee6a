import Foundation
import HTTPKit

/// Credentials of a GitHub App installation: the App signs a JWT with its private key,
/// exchanges it for an installation token (valid one hour), and every API call carries that
/// token. The token is cached and replaced when less than `refreshMargin` of its life is left,
/// or after GitHub refused it with 401 (once per call: see `invalidate`).
///
/// Calls: GET /repos/{owner}/{repo}/installation (when no installation ID is configured),
/// POST /app/installations/{installation_id}/access_tokens, and GET /app for the bot's name;
/// all three with `Authorization: Bearer <JWT>`.
///
/// The token and the key never appear in an error or a description.
public actor GitHubAppTokenSource: TokenSource, CustomStringConvertible {
    /// Replace the token when less than this is left of its life: a call that starts with the
    /// token must not see it expire halfway (a push or a long log download).
    public static let refreshMargin: TimeInterval = 5 * 60

    public nonisolated let origin: String

    /// Names the App, never its key or tokens.
    public nonisolated var description: String { "installation tokens of \(origin)" }

    private let appID: String
    private let repository: RepositoryPath
    /// Calls made as the App itself, with a fresh JWT each.
    private let appHTTP: ForgeHTTP
    private let now: @Sendable () -> Date

    private var installationID: String?
    private var current: InstallationToken?
    private var refreshing: Task<InstallationToken, any Error>?
    /// Set when GitHub refused the cached token: the next token is the one retry.
    private var rejected = false
    private var slug: String?
    private var permissions: [String: String]?

    private struct InstallationToken: Sendable {
        var value: String
        var expiresAt: Date
        /// Fetched because the one before it was refused, and not handed out since; if GitHub
        /// refuses it, no new token is fetched for that call.
        var afterRejection: Bool
    }

    /// - Parameters:
    ///   - credentials: the App ID, its private key, and optionally the installation to act as.
    ///   - apiURL: the API root (GITHUB_API_URL).
    ///   - repository: the repository the token is for; it also finds the installation.
    ///   - now: the clock for the JWT's times and the token's expiry (tests move it).
    public init(credentials: GitHubAppCredentials, apiURL: URL, repository: RepositoryPath, client: HTTPClient,
                now: @escaping @Sendable () -> Date = { Date() }) {
        appID = credentials.appID
        installationID = credentials.installationID
        self.repository = repository
        self.now = now
        origin = "the GitHub App \(credentials.appID) (CODEX_BOT_APP_ID, CODEX_BOT_APP_PRIVATE_KEY)"
        appHTTP = ForgeHTTP(kind: .github, baseURL: apiURL, client: client,
                            tokens: GitHubAppJWTSource(credentials: credentials, now: now),
                            defaultHeaders: GitHubForge.defaultHeaders)
    }

    public func authorization() async throws -> (name: String, value: String)? {
        ("Authorization", "Bearer \(try await installationToken())")
    }

    /// The installation token API calls carry now: the cached one, or a new one when less than
    /// `refreshMargin` of its life is left (or GitHub refused it). For git, which pushes with it
    /// as the password of `x-access-token`; never print it.
    public func installationToken() async throws -> String {
        try await token().value
    }

    public func gitPassword() async throws -> String? {
        try await installationToken()
    }

    /// Drops a token GitHub refused and says whether a new one is worth a try: yes, unless the
    /// refused token was itself fetched to replace a refused one and not used since. So a 401
    /// leads to one new token, and if GitHub refuses that too, the call fails with 401 instead
    /// of fetching tokens in a loop; the next call starts afresh.
    public func invalidate() async -> Bool {
        guard let token = current else { return false }
        current = nil
        rejected = !token.afterRejection
        return !token.afterRejection
    }

    /// What the installation may do ("contents": "write", "issues": "write", …), as granted with
    /// the last token; nil before the first one.
    public func grantedPermissions() -> [String: String]? { permissions }

    /// "<app-slug>[bot]", the login GitHub shows for the App's comments and commits (GET /app).
    public func botLogin() async throws -> String {
        if let slug { return "\(slug)[bot]" }
        let operation = "read the GitHub App \(appID)"
        do {
            let app = try await appHTTP.json(GitHubWire.App.self, .get, appHTTP.url("/app"), operation: operation)
            slug = app.slug
            return "\(app.slug)[bot]"
        } catch let error as ForgeError where error.code == .unauthorized {
            throw jwtRefused(error)
        }
    }

    // MARK: Getting tokens

    private func token() async throws -> InstallationToken {
        if var cached = current, cached.expiresAt.timeIntervalSince(now()) > Self.refreshMargin {
            // Handed out again, so the request that got it last was not refused: it has proved
            // itself, and a later 401 to it deserves its own refresh.
            cached.afterRejection = false
            current = cached
            return cached
        }
        // Calls that arrive while a token is on its way share it instead of fetching their own.
        if let refreshing { return try await refreshing.value }
        let afterRejection = rejected
        let task = Task { try await self.fetchToken(afterRejection: afterRejection) }
        refreshing = task
        defer { refreshing = nil }
        let token = try await task.value
        current = token
        rejected = false
        return token
    }

    private func fetchToken(afterRejection: Bool) async throws -> InstallationToken {
        let installation = try await findInstallation()
        let operation = "get an installation token of the GitHub App \(appID) for \(repository)"
        let url = appHTTP.url("/app/installations/\(ForgeHTTP.segment(installation))/access_tokens")
        // Asking for this repository only: the token cannot touch the installation's other repositories.
        let body = GitHubWire.AccessTokenRequest(repositories: [repository.name])
        let answer: GitHubWire.AccessToken
        do {
            answer = try await appHTTP.json(GitHubWire.AccessToken.self, .post, url, body: body, operation: operation)
        } catch let error as ForgeError {
            switch error.code {
            case .unauthorized: throw jwtRefused(error)
            case .notFound:
                throw ForgeError(.configuration, forge: .github, operation: operation, request: error.request, status: error.status,
                                 message: "installation \(installation) of the GitHub App \(appID) does not exist",
                                 hint: "Check CODEX_BOT_APP_INSTALLATION_ID, or leave it unset to look the installation "
                                     + "up from \(repository)")
            case .rejected where error.status == 422:
                throw ForgeError(.configuration, forge: .github, operation: operation, request: error.request, status: error.status,
                                 message: "the GitHub App \(appID) may not act on \(repository): \(error.message)",
                                 hint: "Give the App's installation access to \(repository) "
                                     + "(the App's installation settings → Repository access)")
            default: throw error
            }
        }
        guard let expiry = Self.date(answer.expiresAt) else {
            throw ForgeError(.badResponse, forge: .github, operation: operation, request: "POST \(RedactedURL.string(url))",
                             message: "expires_at \"\(answer.expiresAt.prefix(40))\" is not an ISO 8601 date")
        }
        permissions = answer.permissions
        return InstallationToken(value: answer.token, expiresAt: expiry, afterRejection: afterRejection)
    }

    /// The configured installation, or the one GitHub reports for the repository.
    private func findInstallation() async throws -> String {
        if let installationID { return installationID }
        let operation = "find the installation of the GitHub App \(appID) on \(repository)"
        let path = "/repos/\(ForgeHTTP.segment(repository.owner))/\(ForgeHTTP.segment(repository.name))/installation"
        do {
            let answer = try await appHTTP.json(GitHubWire.Installation.self, .get, appHTTP.url(path), operation: operation)
            installationID = String(answer.id)
            return String(answer.id)
        } catch let error as ForgeError {
            switch error.code {
            case .unauthorized: throw jwtRefused(error)
            case .notFound:
                throw ForgeError(.configuration, forge: .github, operation: operation, request: error.request, status: error.status,
                                 message: "the app is not installed on \(repository)",
                                 hint: "Install the GitHub App \(appID) on \(repository) (the App's page → Install App), "
                                     + "or check GITHUB_REPOSITORY and CODEX_BOT_APP_ID")
            default: throw error
            }
        }
    }

    /// A 401 to the App's own JWT: the ID and key do not belong together, or the clock is off.
    private func jwtRefused(_ error: ForgeError) -> ForgeError {
        ForgeError(.configuration, forge: .github, operation: error.operation, request: error.request, status: error.status,
                   message: "GitHub refused the App's JWT: \(error.message)",
                   hint: "Check that CODEX_BOT_APP_ID is the App ID of the app whose private key is in "
                       + "CODEX_BOT_APP_PRIVATE_KEY (a key of another app, or a deleted key, is refused), and that this "
                       + "machine's clock is right (the JWT is valid from 30 s ago for the next 9.5 minutes)")
    }

    /// "2016-07-11T22:14:10Z", with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// The App's own credential: a JWT signed with its private key, made fresh for every call so
/// it never expires in the middle of a sequence of calls.
struct GitHubAppJWTSource: TokenSource {
    let credentials: GitHubAppCredentials
    let now: @Sendable () -> Date

    var origin: String { "the GitHub App \(credentials.appID)'s JWT (CODEX_BOT_APP_ID, CODEX_BOT_APP_PRIVATE_KEY)" }

    func authorization() async throws -> (name: String, value: String)? {
        do {
            // iat 30 s back for clock drift, exp 9.5 minutes ahead: exp - iat stays within the 10
            // minutes GitHub allows, however the two are compared.
            let jwt = try GitHubAppJWT.make(appID: credentials.appID, privateKeyPEM: credentials.privateKeyPEM, now: now(),
                                            issuedAtSkew: 30, lifetime: GitHubAppJWT.maximumLifetime - 30)
            return ("Authorization", "Bearer \(jwt)")
        } catch {
            throw ForgeError(.configuration, forge: .github, operation: "sign the GitHub App JWT", message: error.description)
        }
    }

    func invalidate() async -> Bool { false }
}

extension GitHubWire {
    /// POST /app/installations/{installation_id}/access_tokens
    struct AccessTokenRequest: Encodable {
        var repositories: [String]
    }
}
