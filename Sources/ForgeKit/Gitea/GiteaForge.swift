import Foundation
import HTTPKit

/// Gitea and Forgejo (REST v1, under `settings.apiURL`: "https://HOST/api/v1"), which share the
/// API codex-bot uses. Credentials go as `Authorization: token T`.
///
/// The operations live one API area per file: this one (repository, user, server version),
/// `+Issues` (issues, comments, permissions), `+Pulls` and `+Actions` (commit statuses, Actions
/// jobs and logs). Every method's doc comment names the endpoint it calls. Where an older
/// server lacks an endpoint, the error says which version brought it (see `requireVersion`).
public struct GiteaForge: Forge {
    public var kind: ForgeKind { .gitea }
    public let repositoryPath: RepositoryPath

    /// Calls, credentials and error mapping, shared with the other forges.
    let http: ForgeHTTP
    /// The web root, for the pages old servers leave out of their answers.
    let serverURL: URL

    /// - Parameters:
    ///   - settings: base URLs, repository and token (see `ForgeSettings.resolve`).
    ///   - client: the HTTP client.
    ///   - tokens: where credentials come from; nil takes `settings.token` (GITEA_TOKEN, or the
    ///     GITHUB_TOKEN Gitea and Forgejo Actions set), else none (public repositories only).
    public init(settings: ForgeSettings, client: HTTPClient, tokens: (any TokenSource)? = nil) {
        let source: any TokenSource = tokens ?? settings.token ?? NoToken()
        repositoryPath = settings.repository
        serverURL = settings.serverURL
        var http = ForgeHTTP(kind: .gitea, baseURL: settings.apiURL, client: client, tokens: source,
                             defaultHeaders: ["Accept": "application/json"])
        // "pull request already exists for these targets": 409, from older servers 422.
        http.isDuplicate = { message in message.lowercased().contains("already exist") }
        self.http = http
    }

    /// "/repos/OWNER/NAME" followed by `rest`, each part escaped as one segment.
    func repoPath(_ rest: String = "") -> String {
        "/repos/\(ForgeHTTP.segment(repositoryPath.owner))/\(ForgeHTTP.segment(repositoryPath.name))" + rest
    }

    func repoURL(_ rest: String = "", query: [(String, String)] = []) -> URL {
        http.url(repoPath(rest), query: query)
    }

    /// The repository's web page, for links old servers leave out.
    var webRoot: String {
        var root = serverURL.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/\(repositoryPath)"
    }

    /// The largest page Gitea serves by default (`[api] MAX_RESPONSE_ITEMS`); larger asks are cut to it.
    static let pageSize = 50

    // MARK: Repository and user

    /// GET /repos/{owner}/{repo} — default branch, HTTPS clone URL, page, and `permissions.push`.
    public func repository() async throws -> RepositoryFacts {
        let repository = try await http.json(GiteaWire.Repository.self, .get, repoURL(),
                                             operation: "read repository \(repositoryPath)")
        return RepositoryFacts(path: repositoryPath, defaultBranch: repository.defaultBranch, cloneURL: repository.cloneURL,
                               webURL: repository.htmlURL, canPush: repository.permissions?.push ?? false)
    }

    /// GET /user — the login the token acts as. Nil without a token, and nil when a scoped token
    /// lacks `read:user` (403): the bot then cannot tell its own comments apart.
    public func viewerLogin() async throws -> String? {
        guard try await http.tokens.authorization() != nil else { return nil }
        do {
            return try await http.json(GiteaWire.User.self, .get, http.url("/user"), operation: "read the signed-in user").login
        } catch let error as ForgeError where error.code == .forbidden {
            return nil
        }
    }

    /// `x-access-token` and the token as the password. From Gitea's basic auth
    /// (services/auth/basic.go in go-gitea/gitea, which also guards the git smart-HTTP paths): a
    /// non-empty password other than "x-oauth-basic" is looked up as an OAuth2 token, a personal
    /// access token and an Actions task token before it is tried as the user's password, and a
    /// token that matches signs in as its owner whatever the username. So any username works;
    /// `x-access-token` is the one actions/checkout sends on Gitea and Forgejo Actions. (With an
    /// empty password Gitea would read the username as the token, putting the secret where
    /// tools print it.) Nil without a token.
    public func gitCredential() async throws -> GitCredential? {
        guard let password = try await http.tokens.gitPassword() else { return nil }
        return GitCredential(username: "x-access-token", password: password)
    }

    // MARK: Old servers

    /// Turns a 404 from an endpoint that `minimum` brought into a clear "upgrade" error when
    /// GET /version shows an older server. Gitea answers 404 both for a missing object and for
    /// an unknown route, so only the version can tell them apart; when the version is new
    /// enough (or unknown) the 404 stays a 404, with the version named in its hint.
    func requireVersion(_ minimum: (major: Int, minor: Int), for feature: String, after error: ForgeError) async -> ForgeError {
        let needed = "Gitea \(minimum.major).\(minimum.minor)"
        let version = try? await http.json(GiteaWire.Version.self, .get, http.url("/version"), operation: "read the server version")
        if let version, let (major, minor, name) = GiteaForge.apiVersion(version.version),
           (major, minor) < (minimum.major, minimum.minor) {
            return ForgeError(.unsupported, forge: kind, operation: error.operation, request: error.request, status: error.status,
                              message: "this server runs \(name), which has no API for \(feature)",
                              hint: "\(needed) or later has it; upgrade the server, or run codex-bot with a failing-test report (--report) instead")
        }
        var result = error
        result.hint = "Check the number; also, servers older than \(needed) (and Forgejo versions without it) have no API for \(feature)"
            + (version.map { " (this one runs \($0.version))" } ?? "")
        return result
    }

    /// (major, minor, name) of the Gitea API a version string speaks: "1.23.1" is Gitea 1.23;
    /// Forgejo's "11.0.1+gitea-1.22.0" speaks Gitea 1.22's API.
    static func apiVersion(_ text: String) -> (Int, Int, String)? {
        let compatible: Substring
        let name: String
        if let range = text.range(of: "+gitea-") {
            compatible = text[range.upperBound...]
            name = "Forgejo \(text[..<range.lowerBound]) (Gitea \(compatible) API)"
        } else {
            compatible = Substring(text)
            name = "Gitea \(text)"
        }
        let numbers = compatible.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return nil }
        return (numbers[0], numbers[1], name)
    }
}
