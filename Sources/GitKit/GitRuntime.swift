import Foundation
import Synchronization
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

    /// The CA locations in force, for `Info`; changed by `setCertificateLocations`.
    private static let certificates = Mutex<(file: String?, directory: String?)>((nil, nil))

    private static let setUp: Info = {
        git_libgit2_init()
        _ = cgit2_set_user_agent("codex-bot")
        // libgit2 re-hashes every object it reads; git does not (it checks on fetch and fsck).
        // Skipping it saves about a tenth of a 15,000-file checkout.
        _ = cgit2_enable_strict_hash_verification(0)
        // One bundle file is enough and loads in ~5 ms; adding the directory would read
        // every certificate a second time (~20 ms more), so it is used only without a file.
        let found = certificateLocations()
        let (file, directory) = (found.file, found.file == nil ? found.directory : nil)
        if file != nil || directory != nil, cgit2_set_ssl_cert_locations(file, directory) == 0 {
            certificates.withLock { $0 = (file, directory) }
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
                    certificateFile: nil, certificateDirectory: nil)
    }()

    /// Initializes libgit2 on first use; cheap afterwards. Every GitKit entry point calls it.
    @discardableResult
    public static func ensureInitialized() -> Info {
        var info = setUp
        (info.certificateFile, info.certificateDirectory) = certificates.withLock { $0 }
        return info
    }

    /// Replaces the network time limits for all later connections.
    public static func setNetworkTimeouts(_ timeouts: NetworkTimeouts) {
        ensureInitialized()
        _ = cgit2_register_timeout_stream(timeouts.connectMilliseconds, timeouts.ioMilliseconds)
    }

    /// Points libgit2's TLS layer at a CA bundle file and/or a directory of PEM certificates
    /// for all later HTTPS connections (a private CA, or a test's own). When libgit2 refuses
    /// them it throws, and the previous certificates stay in force.
    ///
    /// Change it only while no HTTPS transfer runs: libgit2 frees the old list.
    public static func setCertificateLocations(file: String?, directory: String?) throws {
        ensureInitialized()
        guard file != nil || directory != nil else {
            throw GitError(.configureTLS, .invalidArgument, "no CA certificate file or directory given",
                           hint: "Pass a PEM bundle, a directory of PEM certificates, or both")
        }
        let rc = cgit2_set_ssl_cert_locations(file, directory)
        if rc < 0 {
            throw GitError.fromLibgit2(.configureTLS, rc, code: .certificate,
                                       context: "CA certificates \([file, directory].compactMap { $0 }.joined(separator: " and "))",
                                       hint: "Give a readable PEM bundle (SSL_CERT_FILE) or a directory of PEM certificates (SSL_CERT_DIR)")
        }
        certificates.withLock { $0 = (file, directory) }
    }

    /// The user's global attributes file when `core.attributesFile` is unset
    /// (`$XDG_CONFIG_HOME/git/attributes`, else `~/.config/git/attributes`), as git finds it.
    /// Read once: the environment is process-wide and reading it races with setenv.
    static let userAttributesFile: String = {
        let env = ProcessInfo.processInfo.environment
        let configHome = env["XDG_CONFIG_HOME"] ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.config")
        return configHome + "/git/attributes"
    }()

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
