/// How to authenticate to a remote. Printing one never shows a secret.
public enum Credentials: Sendable, CustomStringConvertible {
    /// Anonymous access (or credentials written in the URL).
    case none
    /// HTTPS Basic: a user name and a password or token.
    case userPassword(username: String, password: String)
    /// SSH with a key pair on disk; the public key path may be nil (libssh2 derives it).
    case sshKey(username: String, privateKeyPath: String, publicKeyPath: String?, passphrase: String?)
    /// SSH through the running ssh-agent (`SSH_AUTH_SOCK`).
    case sshAgent(username: String)

    /// A forge token over HTTPS. GitHub accepts any user name with a token;
    /// `x-access-token` is what GitHub App installation tokens use.
    public static func token(_ token: String, username: String = "x-access-token") -> Credentials {
        .userPassword(username: username, password: token)
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .userPassword(let user, _): "user '\(user)' with a password (redacted)"
        case .sshKey(let user, let key, _, _): "SSH key '\(key)' for user '\(user)'"
        case .sshAgent(let user): "ssh-agent for user '\(user)'"
        }
    }
}

/// Options shared by clone, fetch and push.
public struct RemoteOptions: Sendable {
    public var credentials: Credentials
    /// How many times libgit2 may ask for credentials before the operation fails. libgit2
    /// asks again after each rejection, so this bounds the loop against a server that
    /// keeps answering 401.
    public var maxCredentialRequests: Int
    /// Cancels the operation at its next progress callback.
    public var cancellation: CancellationFlag?

    public init(credentials: Credentials = .none, maxCredentialRequests: Int = 3,
                cancellation: CancellationFlag? = nil) {
        self.credentials = credentials
        self.maxCredentialRequests = maxCredentialRequests
        self.cancellation = cancellation
    }
}
