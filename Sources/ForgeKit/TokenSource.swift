import Foundation

/// Where a forge client gets the credential it sends with each call.
public protocol TokenSource: Sendable {
    /// The header carrying the credential (name and value); nil sends the call without one.
    func authorization() async throws -> (name: String, value: String)?
    /// Called after a 401; true if a fresh credential may cure it (the call is then tried once more).
    func invalidate() async -> Bool
    /// Where the credential comes from, for hints ("GITHUB_TOKEN").
    var origin: String { get }
    /// The token as git's HTTPS password (see `Forge.gitCredential()`), fresh enough for a push;
    /// nil when the source has none to give. For handing to git only: never print it.
    func gitPassword() async throws -> String?
}

extension TokenSource {
    /// No password for git unless the source says otherwise.
    public func gitPassword() async throws -> String? { nil }
}

/// A fixed token from the environment or a flag.
public struct StaticToken: TokenSource, CustomStringConvertible {
    public enum Style: Sendable {
        /// `Authorization: Bearer T` (GitHub, GitLab OAuth tokens).
        case bearer
        /// `Authorization: token T` (Gitea, and GitHub's older form).
        case token
        /// A header of its own: `PRIVATE-TOKEN: T`, `JOB-TOKEN: T` (GitLab).
        case header(String)
    }

    private let token: String
    private let style: Style
    public let origin: String

    public init(_ token: String, style: Style, origin: String) {
        self.token = token
        self.style = style
        self.origin = origin
    }

    public func authorization() async throws -> (name: String, value: String)? {
        switch style {
        case .bearer: ("Authorization", "Bearer \(token)")
        case .token: ("Authorization", "token \(token)")
        case .header(let name): (name, token)
        }
    }

    public func invalidate() async -> Bool { false }

    /// The token itself, whatever header style the API calls use.
    public func gitPassword() async throws -> String? { token }

    /// Never the token itself.
    public var description: String { "token from \(origin)" }
}

/// No credential: public repositories read anonymously.
public struct NoToken: TokenSource {
    public init() {}
    public func authorization() async throws -> (name: String, value: String)? { nil }
    public func invalidate() async -> Bool { false }
    public var origin: String { "no token" }
}
