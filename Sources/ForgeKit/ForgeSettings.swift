import Foundation

/// Which forge to talk to, where its API is, which repository, and with what credentials:
/// from flags first, then the variables each CI system sets (DESIGN.md §1 "Environment").
/// Base URLs always come from the environment when set, so GitHub Enterprise, self-hosted
/// GitLab/Gitea/Forgejo and loopback test servers work unchanged.
public struct ForgeSettings: Sendable, CustomStringConvertible {
    public var kind: ForgeKind
    /// The API root (no trailing slash). Unused by the local forge.
    public var apiURL: URL
    /// The web root ("https://github.com"), for links.
    public var serverURL: URL
    public var repository: RepositoryPath
    /// A token and how it is sent; nil when none is set (or a GitHub App is used).
    public var token: StaticToken?
    /// GitHub App credentials, when `CODEX_BOT_APP_ID` and `CODEX_BOT_APP_PRIVATE_KEY` are set.
    public var app: GitHubAppCredentials?

    public var description: String {
        let auth = app != nil ? "GitHub App \(app!.appID)" : token.map { "token from \($0.origin)" } ?? "no token"
        return "\(kind) \(repository) at \(apiURL.absoluteString) (\(auth))"
    }

    /// Resolves the settings. `forge` and `repository` come from flags (nil when not given);
    /// `environment` is the process's environment as read once at start.
    public static func resolve(forge: ForgeKind?, repository: String?, environment: [String: String]) throws -> ForgeSettings {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        let kind = forge ?? detectKind(value)
        let repositoryText = repository ?? (kind == .gitlab ? value("CI_PROJECT_PATH") : value("GITHUB_REPOSITORY"))
        let operation = "read the settings"
        let path: RepositoryPath
        if kind == .local && repositoryText == nil {
            path = RepositoryPath(owner: "local", name: "repository")
        } else {
            guard let text = repositoryText else {
                let variable = kind == .gitlab ? "CI_PROJECT_PATH" : "GITHUB_REPOSITORY"
                throw ForgeError(.configuration, forge: kind, operation: operation,
                                 message: "no repository given", hint: "Pass --repo OWNER/NAME or set \(variable)")
            }
            guard let parsed = RepositoryPath(text), kind == .gitlab || !parsed.owner.contains("/") else {
                throw ForgeError(.configuration, forge: kind, operation: operation,
                                 message: "\"\(text)\" is not a repository path",
                                 hint: kind == .gitlab ? "Write it as GROUP/PROJECT (subgroups allowed)" : "Write it as OWNER/NAME")
            }
            path = parsed
        }

        var settings: ForgeSettings
        switch kind {
        case .github:
            let api = try url(value("GITHUB_API_URL") ?? "https://api.github.com", variable: "GITHUB_API_URL", kind: kind)
            let server = try url(value("GITHUB_SERVER_URL") ?? "https://github.com", variable: "GITHUB_SERVER_URL", kind: kind)
            let token = firstToken(value, ["GITHUB_TOKEN", "GH_TOKEN"], style: .bearer)
            settings = ForgeSettings(kind: kind, apiURL: api, serverURL: server, repository: path, token: token)
            if let appID = value("CODEX_BOT_APP_ID"), let key = value("CODEX_BOT_APP_PRIVATE_KEY") {
                settings.app = try GitHubAppCredentials(appID: appID, privateKey: key,
                                                        installationID: value("CODEX_BOT_APP_INSTALLATION_ID"))
            }
        case .gitlab:
            let server = try url(value("CI_SERVER_URL") ?? "https://gitlab.com", variable: "CI_SERVER_URL", kind: kind)
            let api = try url(value("CI_API_V4_URL") ?? server.absoluteString + "/api/v4", variable: "CI_API_V4_URL", kind: kind)
            let token = firstToken(value, ["GITLAB_TOKEN"], style: .header("PRIVATE-TOKEN"))
                ?? firstToken(value, ["CI_JOB_TOKEN"], style: .header("JOB-TOKEN"))
            settings = ForgeSettings(kind: kind, apiURL: api, serverURL: server, repository: path, token: token)
        case .gitea:
            // Gitea and Forgejo Actions set the GITHUB_* names, with GITHUB_API_URL ending in /api/v1.
            let server = try url(value("GITHUB_SERVER_URL") ?? value("GITEA_SERVER_URL") ?? "http://localhost:3000",
                                 variable: "GITHUB_SERVER_URL", kind: kind)
            let api = try url(value("GITHUB_API_URL") ?? server.absoluteString + "/api/v1", variable: "GITHUB_API_URL", kind: kind)
            let token = firstToken(value, ["GITEA_TOKEN", "GITHUB_TOKEN"], style: .token)
            settings = ForgeSettings(kind: kind, apiURL: api, serverURL: server, repository: path, token: token)
        case .local:
            let here = URL(string: "file:///")!
            settings = ForgeSettings(kind: kind, apiURL: here, serverURL: here, repository: path, token: nil)
        }
        if kind != .local && (settings.token != nil || settings.app != nil) {
            try refusePlainHTTP(settings.apiURL, kind: kind)
        }
        return settings
    }

    /// The forge the CI environment belongs to; local when nothing says otherwise.
    static func detectKind(_ value: (String) -> String?) -> ForgeKind {
        if value("GITLAB_CI") != nil || value("CI_API_V4_URL") != nil { return .gitlab }
        if value("GITEA_ACTIONS") == "true" || value("FORGEJO_ACTIONS") == "true" || value("FORGEJO_TOKEN") != nil { return .gitea }
        if value("GITHUB_ACTIONS") != nil || value("GITHUB_REPOSITORY") != nil || value("GITHUB_TOKEN") != nil
            || value("GH_TOKEN") != nil { return .github }
        if value("GITEA_TOKEN") != nil { return .gitea }
        if value("GITLAB_TOKEN") != nil { return .gitlab }
        return .local
    }

    private static func firstToken(_ value: (String) -> String?, _ names: [String], style: StaticToken.Style) -> StaticToken? {
        for name in names {
            if let token = value(name) { return StaticToken(token, style: style, origin: name) }
        }
        return nil
    }

    private static func url(_ text: String, variable: String, kind: ForgeKind) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, url.user == nil, url.password == nil, url.query == nil
        else {
            throw ForgeError(.configuration, forge: kind, operation: "read the settings",
                             message: "\(variable) is not an http(s) URL without credentials: \"\(text.prefix(200))\"",
                             hint: "Set it to the server's address, e.g. \(ForgeHTTP.baseHint(kind))")
        }
        return url
    }

    /// Tokens travel over HTTPS, except to this machine (loopback test servers, a local Gitea).
    private static func refusePlainHTTP(_ url: URL, kind: ForgeKind) throws {
        guard url.scheme?.lowercased() == "http" else { return }
        let host = url.host?.lowercased() ?? ""
        guard host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.") else {
            throw ForgeError(.configuration, forge: kind, operation: "read the settings",
                             message: "the API URL \(url.absoluteString) is plain http, and a token would cross the network unencrypted",
                             hint: "Use the https address of the server")
        }
    }
}

/// A GitHub App's identity: the app ID, its private key (PEM text, or a path to a PEM file),
/// and optionally the installation to act as (otherwise looked up from the repository).
public struct GitHubAppCredentials: Sendable, CustomStringConvertible {
    public var appID: String
    public var privateKeyPEM: String
    public var installationID: String?

    public init(appID: String, privateKey: String, installationID: String?) throws {
        let operation = "read the GitHub App settings"
        guard !appID.isEmpty, appID.allSatisfy({ $0.isNumber }) || appID.hasPrefix("Iv") else {
            throw ForgeError(.configuration, forge: .github, operation: operation,
                             message: "CODEX_BOT_APP_ID is not an app ID or client ID", hint: "Copy the App ID from the app's settings page")
        }
        var pem = privateKey
        if !pem.contains("-----BEGIN") {
            guard let contents = FileManager.default.contents(atPath: privateKey) else {
                throw ForgeError(.configuration, forge: .github, operation: operation,
                                 message: "CODEX_BOT_APP_PRIVATE_KEY is neither a PEM key nor a readable file",
                                 hint: "Set it to the key's PEM text or to the path of the .pem file GitHub gave you")
            }
            pem = String(decoding: contents, as: UTF8.self)
        }
        // Multi-line secrets often arrive with literal "\n" (e.g. from a one-line variable).
        if !pem.contains("\n") { pem = pem.replacingOccurrences(of: "\\n", with: "\n") }
        do {
            try GitHubAppJWT.validate(privateKeyPEM: pem)
        } catch {
            throw ForgeError(.configuration, forge: .github, operation: operation, message: "CODEX_BOT_APP_PRIVATE_KEY: \(error)")
        }
        if let installationID, !installationID.allSatisfy({ $0.isNumber }) {
            throw ForgeError(.configuration, forge: .github, operation: operation,
                             message: "CODEX_BOT_APP_INSTALLATION_ID is not a number")
        }
        self.appID = appID
        self.privateKeyPEM = pem
        self.installationID = installationID
    }

    /// Never the key.
    public var description: String { "GitHub App \(appID)" }
}
