import Foundation
import HTTPKit

/// GitLab.com and self-managed GitLab (REST v4, under `settings.apiURL`: CI_API_V4_URL).
///
/// The project is addressed by its URL-encoded path (`/projects/group%2Fsub%2Fproject`), so no
/// call is spent looking up its numeric ID. Merge requests are GitLab's pull requests and
/// their `iid` is the pull request number; notes are issue comments.
///
/// The operations live one API area per file: this one (project, user), `+Issues` (issues,
/// notes, member roles), `+MergeRequests` and `+Pipelines` (commit statuses, jobs, logs). Every
/// method's doc comment names the endpoint it calls.
public struct GitLabForge: Forge {
    public var kind: ForgeKind { .gitlab }
    public let repositoryPath: RepositoryPath

    /// Calls, credentials and error mapping, shared with the other forges.
    let http: ForgeHTTP
    /// The web root ("https://gitlab.com"), for the links the API leaves out (a note's page).
    let serverURL: URL

    /// - Parameters:
    ///   - settings: base URLs, project path and token (see `ForgeSettings.resolve`).
    ///   - client: the HTTP client.
    ///   - tokens: where credentials come from; nil takes `settings.token` (GITLAB_TOKEN as
    ///     `PRIVATE-TOKEN`, or CI_JOB_TOKEN as `JOB-TOKEN`), else none (public projects only).
    public init(settings: ForgeSettings, client: HTTPClient, tokens: (any TokenSource)? = nil) {
        let source: any TokenSource = tokens ?? settings.token ?? NoToken()
        repositoryPath = settings.repository
        serverURL = settings.serverURL
        var http = ForgeHTTP(kind: .gitlab, baseURL: settings.apiURL, client: client, tokens: source)
        // GitLab's words for a second open merge request of one branch (409):
        // "Another open merge request already exists for this source branch: !12".
        http.isDuplicate = { message in message.lowercased().contains("already exists") }
        self.http = http
    }

    /// "/projects/group%2Fsub%2Fproject" followed by `rest`: the whole path is one escaped segment.
    func projectPath(_ rest: String = "") -> String {
        "/projects/\(ForgeHTTP.segment(repositoryPath.description))" + rest
    }

    func projectURL(_ rest: String = "", query: [(String, String)] = []) -> URL {
        http.url(projectPath(rest), query: query)
    }

    // MARK: Project and user

    /// GET /projects/:id — default branch, HTTPS clone URL, page, and whether the credentials'
    /// role (project or inherited group access) is Developer (30) or higher, which may push branches.
    public func repository() async throws -> RepositoryFacts {
        let operation = "read project \(repositoryPath)"
        let project = try await http.json(GitLabWire.Project.self, .get, projectURL(), operation: operation)
        guard let defaultBranch = project.defaultBranch, !defaultBranch.isEmpty else {
            throw ForgeError(.notFound, forge: kind, operation: operation, request: "GET \(RedactedURL.string(projectURL()))",
                             message: "the project has no default branch: it has no commits yet",
                             hint: "Push a first commit to \(repositoryPath), then run again")
        }
        let levels = [project.permissions?.projectAccess?.accessLevel, project.permissions?.groupAccess?.accessLevel]
        let access = levels.compactMap { $0 }.max() ?? 0
        return RepositoryFacts(path: repositoryPath, defaultBranch: defaultBranch, cloneURL: project.httpURLToRepo,
                               webURL: project.webURL, canPush: access >= GitLabForge.developerAccess)
    }

    /// GET /user — the username the token acts as. Nil without asking for a CI job token
    /// (`JOB-TOKEN` cannot read /user) or without a token, and nil when the token lacks the
    /// scope to read it (403): the bot then cannot tell its own comments apart.
    public func viewerLogin() async throws -> String? {
        guard let (header, _) = try await http.tokens.authorization(),
              header.caseInsensitiveCompare("JOB-TOKEN") != .orderedSame
        else { return nil }
        do {
            return try await http.json(GitLabWire.User.self, .get, http.url("/user"), operation: "read the signed-in user").username
        } catch let error as ForgeError where error.code == .forbidden {
            return nil
        }
    }

    /// The token as the password, under the username GitLab wants for its kind: `gitlab-ci-token`
    /// for CI_JOB_TOKEN (the only name GitLab accepts with a job token), `oauth2` for GITLAB_TOKEN
    /// (GitLab takes any non-empty name with a personal, project or group access token, and
    /// requires `oauth2` with an OAuth token). A job token pushes only where the project allows
    /// it (GitLab 17.2+, "Allow Git push requests to the repository"). Nil without a token.
    public func gitCredential() async throws -> GitCredential? {
        guard let password = try await http.tokens.gitPassword() else { return nil }
        let header = try await http.tokens.authorization()?.name
        let isJobToken = header?.caseInsensitiveCompare("JOB-TOKEN") == .orderedSame
        return GitCredential(username: isJobToken ? "gitlab-ci-token" : "oauth2", password: password)
    }

    /// GET /users?username=NAME — a user's numeric ID, which member and assignee calls need;
    /// nil when GitLab knows no such user. GitLab compares usernames without case.
    func userID(_ username: String, operation: String) async throws -> Int64? {
        let users = try await http.json([GitLabWire.User].self, .get, http.url("/users", query: [("username", username)]),
                                        operation: operation)
        let exact = users.first { $0.username.caseInsensitiveCompare(username) == .orderedSame }
        return exact?.id
    }

    /// Developer: the lowest role that may push branches and open merge requests.
    static let developerAccess = 30

    // MARK: Lists

    /// The pages of a list call, each turned into elements by `transform` (which may drop some).
    /// The next page is `Link: rel="next"`, or, when a proxy dropped that header, `X-Next-Page`.
    func pages<Raw: Decodable & Sendable, Element: Sendable>(
        _ raw: Raw.Type, _ url: URL, operation: String,
        transform: @escaping @Sendable ([Raw]) -> [Element]
    ) -> Pages<Element> {
        http.mappedPages(raw, url, operation: operation, nextPage: GitLabForge.nextPage(of:), transform: transform)
    }

    /// The next page's URL from `Link`, else from `X-Next-Page` (empty on the last page).
    static func nextPage(of response: HTTPResponse) -> URL? {
        if let link = response.nextPageURL { return link }
        guard let text = response.headers["X-Next-Page"]?.trimmingCharacters(in: .whitespaces),
              let number = Int(text), number > 0,
              var parts = URLComponents(url: response.url, resolvingAgainstBaseURL: true)
        else { return nil }
        var items = (parts.percentEncodedQueryItems ?? []).filter { $0.name != "page" }
        items.append(URLQueryItem(name: "page", value: String(number)))
        parts.percentEncodedQueryItems = items
        return parts.url
    }
}
