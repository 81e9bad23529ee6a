import Foundation

/// The username and password git sends (HTTP basic auth) to fetch and push over HTTPS with a
/// forge's credentials: what `Forge.gitCredential()` hands to git's credential callback.
///
/// The password is the forge's token. It shows in no description, reflection or dump, and the
/// type is deliberately not `Codable`, so it is not written anywhere by accident.
public struct GitCredential: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// The name each forge expects beside a token ("x-access-token", "oauth2", "gitlab-ci-token").
    public var username: String
    /// The token itself: for git, never for people.
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// "username x-access-token, password hidden": never the password.
    public var description: String { "username \(username), password hidden" }

    /// `dump()` and debuggers see the username only.
    public var customMirror: Mirror {
        Mirror(self, children: ["username": username, "password": "(hidden)"], displayStyle: .struct)
    }
}
