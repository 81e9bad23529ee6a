import Foundation
import HTTPKit

/// GitHub.com (REST v3) and GitHub Enterprise Server: the same API under another base URL
/// (`https://HOST/api/v3`), taken from `settings.apiURL` (GITHUB_API_URL), never assumed.
///
/// The operations live one API area per file, like go-github: `GitHubForge+Repositories`
/// (repository, permissions, the viewer), `+Issues` (issues and comments), `+Pulls`,
/// `+Checks` (check runs, with commit statuses as the fallback) and `+Actions` (jobs, logs).
/// Every method's doc comment names the endpoint it calls.
public struct GitHubForge: Forge, CustomStringConvertible {
    public var kind: ForgeKind { .github }
    public let repositoryPath: RepositoryPath

    /// Calls, credentials and error mapping, shared with the other forges.
    let http: ForgeHTTP
    /// The GitHub App behind the credentials, when there is one: it names the bot and says
    /// what the installation token may do.
    let app: GitHubAppTokenSource?
    /// Facts learnt on the way that spare later calls (e.g. "these credentials cannot create check runs").
    let memo = GitHubMemo()

    /// The API version every call asks for; GitHub answers in that version's shapes.
    public static let apiVersion = "2022-11-28"

    /// Sent with every call, the App's own included: GitHub's media type and the API version.
    static let defaultHeaders: HTTPHeaders = ["Accept": "application/vnd.github+json", "X-GitHub-Api-Version": apiVersion]

    /// - Parameters:
    ///   - settings: base URLs, repository and credentials (see `ForgeSettings.resolve`).
    ///   - client: the HTTP client, shared with the GitHub App token source.
    ///   - tokens: where credentials come from; nil takes them from `settings`: the GitHub App
    ///     (`settings.app`) if set, else the token (`settings.token`), else none (public reads only).
    public init(settings: ForgeSettings, client: HTTPClient, tokens: (any TokenSource)? = nil) {
        let source: any TokenSource
        if let tokens {
            source = tokens
        } else if let credentials = settings.app {
            source = GitHubAppTokenSource(credentials: credentials, apiURL: settings.apiURL,
                                          repository: settings.repository, client: client)
        } else if let token = settings.token {
            source = token
        } else {
            source = NoToken()
        }
        repositoryPath = settings.repository
        app = source as? GitHubAppTokenSource
        http = ForgeHTTP(kind: .github, baseURL: settings.apiURL, client: client, tokens: source, defaultHeaders: Self.defaultHeaders)
    }

    /// "GitHub OWNER/NAME at https://api.github.com (credentials from GITHUB_TOKEN)": never the credential itself.
    public var description: String {
        "\(kind) \(repositoryPath) at \(http.baseURL.absoluteString) (credentials from \(http.tokens.origin))"
    }

    /// "/repos/OWNER/NAME" followed by `rest` ("/issues/1"), each part escaped as one segment.
    func repoPath(_ rest: String = "") -> String {
        "/repos/\(ForgeHTTP.segment(repositoryPath.owner))/\(ForgeHTTP.segment(repositoryPath.name))" + rest
    }

    /// The URL of `repoPath(rest)` under the API base.
    func repoURL(_ rest: String = "", query: [(String, String)] = []) -> URL {
        http.url(repoPath(rest), query: query)
    }
}

/// What one `GitHubForge` value learns about its credentials while it works. A class behind a
/// lock, because the forge is a Sendable struct that is copied freely.
final class GitHubMemo: @unchecked Sendable {  // every field is guarded by `lock`
    private let lock = NSLock()
    private var checkRunsRefused = false

    /// Personal access tokens cannot create check runs (only GitHub Apps can); once GitHub has
    /// said so, `setStatus` goes straight to commit statuses.
    var canUseCheckRuns: Bool {
        get { lock.withLock { !checkRunsRefused } }
        set { lock.withLock { checkRunsRefused = !newValue } }
    }
}
