internal import CGit2

/// An error from GitKit: which operation failed, what kind of failure it was,
/// libgit2's own code, class and message, and what the user can do about it.
///
/// `Code` is a struct with static members rather than an enum so that new kinds
/// can be added without breaking callers that switch over them.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently to each.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A libgit2 failure with no more specific kind; see `libgit2Code`.
        public static let libgit2 = Code("libgit2")
        public static let notARepository = Code("notARepository")
        public static let bareRepository = Code("bareRepository")
        public static let unbornBranch = Code("unbornBranch")
        public static let detachedHead = Code("detachedHead")
        public static let pathExists = Code("pathExists")
        public static let invalidName = Code("invalidName")
        public static let alreadyExists = Code("alreadyExists")
        public static let notFound = Code("notFound")
        public static let branchCheckedOut = Code("branchCheckedOut")
        public static let authenticationFailed = Code("authenticationFailed")
        /// The remote refused a ref update (non-fast-forward, hook declined, ...).
        public static let pushRejected = Code("pushRejected")
        /// The remote branch no longer points where the caller expected (force-with-lease).
        public static let leaseMismatch = Code("leaseMismatch")
        /// The remote could not be reached or stopped answering.
        public static let network = Code("network")
        /// The server's TLS certificate is not trusted (or CA certificates could not be loaded).
        public static let certificate = Code("certificate")
        /// The SSH server's host key is not in known_hosts, or differs from the one there.
        public static let hostKey = Code("hostKey")
        public static let cancelled = Code("cancelled")
        public static let invalidArgument = Code("invalidArgument")
        public static let conflict = Code("conflict")
    }

    /// The GitKit operation that failed, e.g. `push` or `worktreeAdd`.
    public struct Operation: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let initialize = Operation("init")
        /// Setting up TLS: loading CA certificates.
        public static let configureTLS = Operation("TLS setup")
        public static let open = Operation("open")
        public static let clone = Operation("clone")
        public static let fetch = Operation("fetch")
        public static let push = Operation("push")
        public static let branch = Operation("branch")
        public static let worktreeAdd = Operation("worktreeAdd")
        public static let worktreeList = Operation("worktreeList")
        public static let worktreePrune = Operation("worktreePrune")
        public static let status = Operation("status")
        public static let diff = Operation("diff")
        public static let stage = Operation("stage")
        public static let commit = Operation("commit")
        public static let lookup = Operation("lookup")
        public static let config = Operation("config")
        public static let remote = Operation("remote")
    }

    public let operation: Operation
    public let code: Code
    /// libgit2's return code (`GIT_ENOTFOUND` = -3, ...), when libgit2 reported the failure.
    public let libgit2Code: Int32?
    /// libgit2's error class (`GIT_ERROR_NET` = 12, ...), when it set one.
    public let libgit2Class: Int32?
    public let message: String
    /// What the user can do about it, in one sentence.
    public let hint: String?

    public init(_ operation: Operation, _ code: Code, _ message: String, hint: String? = nil,
                libgit2Code: Int32? = nil, libgit2Class: Int32? = nil) {
        self.operation = operation
        self.code = code
        self.message = message
        self.hint = hint
        self.libgit2Code = libgit2Code
        self.libgit2Class = libgit2Class
    }

    public var description: String {
        var text = "git \(operation) failed: \(message)"
        if let libgit2Code {
            text += " (libgit2 error \(libgit2Code)"
            if let libgit2Class { text += ", class \(GitError.className(libgit2Class))" }
            text += ")"
        }
        if let hint { text += ". \(hint)" }
        return text
    }

    /// Builds an error from libgit2's thread-local last error. Call it right
    /// after the failing call, on the same thread.
    static func fromLibgit2(_ operation: Operation, _ rc: Int32, code: Code? = nil, context: String? = nil,
                            hint: String? = nil) -> GitError {
        let last = git_error_last()
        let klass = last.map { Int32($0.pointee.klass) }
        var message = last.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "libgit2 returned \(rc)"
        if let context { message = "\(context): \(message)" }
        let kind = code ?? classify(rc, klass: klass, message: message)
        return GitError(operation, kind, message, hint: hint ?? defaultHint(kind),
                        libgit2Code: rc, libgit2Class: klass)
    }

    private static func classify(_ rc: Int32, klass: Int32?, message: String) -> Code {
        let isSSH = klass == Int32(GIT_ERROR_SSH.rawValue)
        if isSSH && rc == GIT_ECERTIFICATE.rawValue { return .hostKey }
        // libssh2's "Failed to authenticate SSH session: … Wrong passphrase …" and
        // "error authenticating: failed connecting with agent" come back as plain -1.
        if isSSH && message.lowercased().contains("authenticat") { return .authenticationFailed }
        switch rc {
        case GIT_ENOTFOUND.rawValue: return .notFound
        case GIT_EEXISTS.rawValue: return .alreadyExists
        case GIT_EINVALIDSPEC.rawValue: return .invalidName
        case GIT_EBAREREPO.rawValue: return .bareRepository
        case GIT_EUNBORNBRANCH.rawValue: return .unbornBranch
        case GIT_EAUTH.rawValue: return .authenticationFailed
        case GIT_ENONFASTFORWARD.rawValue: return .pushRejected
        case GIT_ECONFLICT.rawValue, GIT_EMERGECONFLICT.rawValue: return .conflict
        case GIT_EUSER.rawValue: return .cancelled
        case GIT_ECERTIFICATE.rawValue: return .certificate
        default: break
        }
        if let klass, klass == Int32(GIT_ERROR_NET.rawValue) || klass == Int32(GIT_ERROR_SSL.rawValue)
            || klass == Int32(GIT_ERROR_SSH.rawValue) || klass == Int32(GIT_ERROR_HTTP.rawValue) {
            return .network
        }
        return .libgit2
    }

    private static func defaultHint(_ code: Code) -> String? {
        switch code {
        case .network: "Check that the remote URL is right and the server is up; codex-bot gives up after its network timeout"
        case .certificate: "The server's certificate is not signed by a trusted CA: for a private CA set SSL_CERT_FILE to its PEM bundle"
        case .hostKey: "The SSH host key is unknown or has changed: check it, then add it to ~/.ssh/known_hosts (ssh-keyscan -p PORT HOST)"
        case .authenticationFailed: "Check the token, or the SSH key, its passphrase and the agent (SSH_AUTH_SOCK), and that it may write to this repository"
        case .pushRejected: "Fetch the remote branch and rebuild on top of it, or push with a lease"
        default: nil
        }
    }

    static func className(_ klass: Int32) -> String {
        let names: [Int32: String] = [
            1: "nomemory", 2: "os", 3: "invalid", 4: "reference", 5: "zlib", 6: "repository", 7: "config",
            8: "regex", 9: "odb", 10: "index", 11: "object", 12: "net", 13: "tag", 14: "tree", 15: "indexer",
            16: "ssl", 17: "submodule", 18: "thread", 19: "stash", 20: "checkout", 21: "fetchhead", 22: "merge",
            23: "ssh", 24: "filter", 25: "revert", 26: "callback", 27: "cherrypick", 28: "describe", 29: "rebase",
            30: "filesystem", 31: "patch", 32: "worktree", 33: "sha1", 34: "http", 35: "internal",
        ]
        return names[klass] ?? String(klass)
    }
}

/// Throws a `GitError` built from libgit2's last error when `rc` is negative.
@inline(__always)
func check(_ rc: Int32, _ operation: GitError.Operation, context: String? = nil, hint: String? = nil) throws {
    if rc < 0 { throw GitError.fromLibgit2(operation, rc, context: context, hint: hint) }
}
