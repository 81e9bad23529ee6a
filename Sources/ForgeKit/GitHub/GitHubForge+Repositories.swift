import Foundation
import HTTPKit

extension GitHubForge {
    /// GET /repos/{owner}/{repo}
    ///
    /// `canPush` comes from the answer's `permissions.push`, which GitHub includes only for a
    /// user's token. For installation tokens (a GitHub App, or the Actions `GITHUB_TOKEN`) the
    /// object is absent; then:
    /// - with the App configured here, the token's own grant decides (`contents: write`);
    /// - with any other token, we answer true: the Actions token's rights depend on the
    ///   workflow's `permissions:`, which the API does not show, and refusing a job that can
    ///   push would be worse than a push that fails with its own clear error;
    /// - with no token at all, false.
    public func repository() async throws -> RepositoryFacts {
        let answer = try await http.json(GitHubWire.Repository.self, .get, repoURL(), operation: "read the repository")
        let canPush: Bool
        if let permissions = answer.permissions {
            canPush = permissions.push == true || permissions.maintain == true || permissions.admin == true
        } else if let app {
            canPush = await app.grantedPermissions()?["contents"].map { $0 == "write" } ?? true
        } else {
            canPush = !(http.tokens is NoToken)
        }
        return RepositoryFacts(path: repositoryPath, defaultBranch: answer.defaultBranch, cloneURL: answer.cloneURL,
                               webURL: answer.htmlURL, canPush: canPush)
    }

    /// GET /user, and GET /app when that is refused to an App's installation token.
    ///
    /// Installation tokens may not read `/user` (403 "Resource not accessible by integration").
    /// They act as a bot account: "<app-slug>[bot]" for the App configured here (its slug read
    /// with the App's JWT), otherwise "github-actions[bot]", the account of the Actions
    /// `GITHUB_TOKEN`. An App's installation token passed in as a plain token is taken for the
    /// Actions token; configure the App itself (CODEX_BOT_APP_ID) to be named rightly.
    public func viewerLogin() async throws -> String? {
        let operation = "read the signed-in user"
        do {
            return try await http.json(GitHubWire.User.self, .get, http.url("/user"), operation: operation).login
        } catch let error as ForgeError where error.code == .forbidden
            && error.message.localizedCaseInsensitiveContains("not accessible by integration") {
            if let app { return try await app.botLogin() }
            return "github-actions[bot]"
        }
    }

    /// GET /repos/{owner}/{repo}/collaborators/{username}/permission
    ///
    /// Reads `role_name` (admin, maintain, write, triage, read), which tells maintain and triage
    /// apart; a custom role's name falls back to the legacy `permission` (admin, write, read,
    /// none). A 404 (no such user) is `.none`.
    public func permission(of user: String) async throws -> Permission {
        let url = repoURL("/collaborators/\(ForgeHTTP.segment(user))/permission")
        let answer: GitHubWire.CollaboratorPermission
        do {
            answer = try await http.json(GitHubWire.CollaboratorPermission.self, .get, url,
                                         operation: "read the permission of \(user)")
        } catch let error as ForgeError where error.code == .notFound {
            return .none
        }
        if let role = answer.roleName, let known = Permission(name: role) { return known }
        return Permission(name: answer.permission) ?? .none
    }

    // MARK: Git

    /// `x-access-token` and the token: the form GitHub documents for an App installation token
    /// over HTTPS, which actions/checkout also uses for GITHUB_TOKEN and GitHub accepts with a
    /// personal token. An App's installation token is the current one, renewed when little of
    /// its hour is left, as for API calls. Nil without a token.
    public func gitCredential() async throws -> GitCredential? {
        guard let password = try await http.tokens.gitPassword() else { return nil }
        return GitCredential(username: "x-access-token", password: password)
    }
}
