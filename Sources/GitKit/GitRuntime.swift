import Foundation
internal import CGit2
internal import CGit2Shims

/// libgit2's process-wide set-up, done once: `git_libgit2_init`, CA
/// certificate locations for Debian's mbedTLS build, and network time limits.
public enum GitRuntime {
    /// Time limits for every connection libgit2 makes (HTTP, HTTPS, SSH).
    public struct NetworkTimeouts: Sendable, Equatable {
        public var connectMilliseconds: Int32
        /// How long a read or write may make no progress before the operation fails.
        public var ioMilliseconds: Int32
        public init(connectMilliseconds: Int32, ioMilliseconds: Int32) {
            self.connectMilliseconds = connectMilliseconds
            self.ioMilliseconds = ioMilliseconds
        }
        public static let standard = NetworkTimeouts(connectMilliseconds: 30_000, ioMilliseconds: 120_000)
    }

    /// What libgit2 was built with, for `codex-bot doctor`.
    public struct Info: Sendable {
        public var version: String
        public var https: Bool
        public var ssh: Bool
        public var threads: Bool
        /// The CA bundle and directory handed to libgit2's TLS layer, if any was found.
        public var certificateFile: String?
        public var certificateDirectory: String?
    }

    private static let setUp: Info = {
        git_libgit2_init()
        _ = cgit2_set_user_agent("codex-bot")
        // libgit2 re-hashes every object it reads; git does not (it checks on fetch and fsck).
        // Skipping it saves about a tenth of a 15,000-file checkout.
        _ = cgit2_enable_strict_hash_verification(0)
        let (file, directory) = certificateLocations()
        if file != nil || directory != nil {
            _ = cgit2_set_ssl_cert_locations(file, directory)
        }
        let t = NetworkTimeouts.standard
        _ = cgit2_register_timeout_stream(t.connectMilliseconds, t.ioMilliseconds)

        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        let features = git_libgit2_features()
        return Info(version: "\(major).\(minor).\(patch)",
                    https: features & Int32(GIT_FEATURE_HTTPS.rawValue) != 0,
                    ssh: features & Int32(GIT_FEATURE_SSH.rawValue) != 0,
                    threads: features & Int32(GIT_FEATURE_THREADS.rawValue) != 0,
                    certificateFile: file, certificateDirectory: directory)
    }()

    /// Initializes libgit2 on first use; cheap afterwards. Every GitKit entry point calls it.
    @discardableResult
    public static func ensureInitialized() -> Info { setUp }

    /// Replaces the network time limits for all later connections.
    public static func setNetworkTimeouts(_ timeouts: NetworkTimeouts) {
        ensureInitialized()
        _ = cgit2_register_timeout_stream(timeouts.connectMilliseconds, timeouts.ioMilliseconds)
    }

    /// Debian's libgit2 uses mbedTLS, which knows no default CA store: point it at
    /// the system bundle, honouring the usual `SSL_CERT_FILE` / `SSL_CERT_DIR` overrides.
    static func certificateLocations() -> (file: String?, directory: String?) {
        let env = ProcessInfo.processInfo.environment
        let fm = FileManager.default
        let fileCandidates = [env["SSL_CERT_FILE"], env["GIT_SSL_CAINFO"], "/etc/ssl/certs/ca-certificates.crt",
                              "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"].compactMap { $0 }
        let dirCandidates = [env["SSL_CERT_DIR"], env["GIT_SSL_CAPATH"], "/etc/ssl/certs"].compactMap { $0 }
        let file = fileCandidates.first { fm.fileExists(atPath: $0) }
        var isDirectory: ObjCBool = false
        let directory = dirCandidates.first { fm.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
        return (file, directory)
    }
}
