// An HTTPS front for the loopback test servers: OpenSSL terminates TLS and the plain bytes go to a TCP
// backend on 127.0.0.1, so GitKit's HTTPS path (libgit2 + Debian's mbedTLS) can be tested end to end.
// Also the certificates it needs, made with the `openssl` command-line tool (Debian package `openssl`).
import Foundation
import Glibc
internal import COpenSSL

/// Listens on 127.0.0.1 (only: not on ::1, so a client that tries ::1 first is refused at once and moves
/// on to 127.0.0.1), terminates TLS with a PEM certificate chain and key, and relays the decrypted bytes
/// both ways to `127.0.0.1:backendPort`.
///
/// One accept thread plus one thread per connection. Each connection thread polls both sockets and relays
/// whichever is readable, so one thread does every call on its `SSL` object (OpenSSL does not allow
/// concurrent SSL_read and SSL_write on one object). An end-of-stream in either direction is passed on as a
/// half-close (TLS close_notify towards the client, `shutdown(SHUT_WR)` towards the backend); the connection
/// ends when both directions have ended or either side fails.
public final class TLSProxy: @unchecked Sendable {  // internally synchronized (see ProxyCore)
    /// The port bound on 127.0.0.1.
    public let port: Int
    private let core: ProxyCore

    /// - Parameters:
    ///   - certificateChainPath: PEM, the server certificate first, then any intermediates.
    ///   - privateKeyPath: PEM, the server certificate's key.
    public init(certificateChainPath: String, privateKeyPath: String, backendPort: Int) throws {
        _ = ignoreSIGPIPE
        let context = try TLSServerContext(certificateChainPath: certificateChainPath, privateKeyPath: privateKeyPath)
        let (listener, port) = try Loopback.bind()
        self.port = port
        core = ProxyCore(context: context, listener: listener, backendPort: backendPort)
        core.start()
    }

    deinit { core.stop() }

    /// "https://localhost:PORT/<path>". A host name, not 127.0.0.1: mbedTLS 2.28 matches only DNS names.
    public func url(forRepository name: String) -> String { "https://localhost:\(port)/\(name)" }

    /// Connections whose TLS handshake completed, e.g. ["TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384"].
    public var handshakes: [String] { core.locked { core.handshakeLog } }

    /// What went wrong on connections (failed handshakes, backend refused), in order.
    public var failures: [String] { core.locked { core.failureLog } }

    /// Closes the listener and every connection and waits for all threads. Idempotent; never blocks on a peer.
    public func stop() { core.stop() }
}

/// A peer that hangs up must cost a write error (EPIPE), not the process: OpenSSL's socket writes use
/// plain send() without MSG_NOSIGNAL. Ignored once, process-wide (GitHTTPServer does the same).
private let ignoreSIGPIPE: Void = {
    signal(SIGPIPE, SIG_IGN)
}()

struct TLSProxyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Shared state

/// What the connection threads share: the TLS context, the backend and the logs.
/// The threads keep the core alive, not the `TLSProxy` handle, so dropping the handle stops the proxy.
final class ProxyCore: @unchecked Sendable {  // the logs are guarded by `state`
    let context: TLSServerContext
    let backendPort: Int
    let threads: ConnectionThreads
    private let state = NSLock()
    var handshakeLog: [String] = []
    var failureLog: [String] = []

    init(context: TLSServerContext, listener: Int32, backendPort: Int) {
        self.context = context
        self.backendPort = backendPort
        self.threads = ConnectionThreads(listener: listener, name: "TLSProxy")
    }

    func start() {
        threads.start { [self] client in
            ProxiedConnection(core: self, client: client).run()
        }
    }

    func stop() { threads.stop() }

    func noteFailure(_ text: String) { locked { failureLog.append(text) } }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        state.lock()
        defer { state.unlock() }
        return try body()
    }
}

// MARK: - One connection

/// Relays one client connection: handshake, then both directions from a single thread.
private final class ProxiedConnection {
    let core: ProxyCore
    let client: Int32
    let ssl = OpenSSL.shared

    init(core: ProxyCore, client: Int32) {
        self.core = core
        self.client = client
    }

    func run() {
        guard let session = ssl.SSL_new(core.context.handle) else {
            return core.noteFailure("SSL_new: \(openSSLErrors())")
        }
        defer { ssl.SSL_free(session) }
        _ = ssl.SSL_set_fd(session, client)
        let accepted = ssl.SSL_accept(session)
        guard accepted == 1 else {
            return core.noteFailure("TLS handshake failed: \(describe(session, accepted))")
        }
        let version = ssl.SSL_get_version(session).map { String(cString: $0) } ?? "?"
        let cipher = ssl.SSL_get_current_cipher(session).flatMap { ssl.SSL_CIPHER_get_name($0) }
            .map { String(cString: $0) } ?? "?"
        core.locked { core.handshakeLog.append("\(version) \(cipher)") }

        guard let backend = Loopback.connect(port: core.backendPort) else {
            return core.noteFailure("backend 127.0.0.1:\(core.backendPort): \(String(cString: strerror(errno)))")
        }
        guard core.threads.adopt(backend) else {
            close(backend)
            return
        }
        defer { core.threads.release(backend) }
        relay(session, backend)
    }

    /// Copies bytes both ways until both directions have ended or something fails.
    private func relay(_ session: OpaquePointer, _ backend: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var fromClient = true, fromBackend = true  // directions still open
        while fromClient || fromBackend {
            // Bytes OpenSSL already decrypted do not make the socket readable: drain them first.
            var clientReady = fromClient && ssl.SSL_pending(session) > 0
            var backendReady = false
            if !clientReady {
                var fds = [pollfd(fd: fromClient ? client : -1, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: fromBackend ? backend : -1, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 2, -1) < 0 {
                    if errno == EINTR { continue }
                    return
                }
                clientReady = fds[0].revents != 0
                backendReady = fds[1].revents != 0
            }
            if clientReady {
                let n = buffer.withUnsafeMutableBytes { ssl.SSL_read(session, $0.baseAddress, Int32($0.count)) }
                if n > 0 {
                    guard sendAll(backend, buffer, count: Int(n)) else { return }
                } else if ssl.SSL_get_error(session, n) == SSL_ERROR_ZERO_RETURN {
                    fromClient = false  // close_notify, or a bare EOF (SSL_OP_IGNORE_UNEXPECTED_EOF)
                    shutdown(backend, Int32(SHUT_WR))
                } else {
                    return  // a TLS error, or stop() shut the socket down
                }
            }
            if backendReady {
                let n = buffer.withUnsafeMutableBytes { recv(backend, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    guard sslWriteAll(session, buffer, count: n) else { return }
                } else if n == 0 {
                    fromBackend = false
                    _ = ssl.SSL_shutdown(session)  // close_notify; the client may still send
                    shutdown(client, Int32(SHUT_WR))
                } else if errno != EINTR {
                    return
                }
            }
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8], count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }

    /// SSL_write on a blocking socket writes everything or fails (no SSL_MODE_ENABLE_PARTIAL_WRITE).
    private func sslWriteAll(_ session: OpaquePointer, _ bytes: [UInt8], count: Int) -> Bool {
        bytes.withUnsafeBytes { ssl.SSL_write(session, $0.baseAddress, Int32(count)) } == Int32(count)
    }

    private func describe(_ session: OpaquePointer, _ rc: Int32) -> String {
        let code = ssl.SSL_get_error(session, rc)
        let queue = openSSLErrors()
        return "SSL_get_error \(code)" + (queue.isEmpty ? "" : ": \(queue)")
    }
}

/// OpenSSL's error queue for this thread, emptied, as text.
private func openSSLErrors() -> String {
    var texts: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        texts.append(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
    return texts.joined(separator: "; ")
}

private let SSL_ERROR_ZERO_RETURN: Int32 = 6
private let SSL_FILETYPE_PEM: Int32 = 1  // X509_FILETYPE_PEM
/// Treat a peer that closes TCP without close_notify as end of stream (libgit2 closes that way on errors).
private let SSL_OP_IGNORE_UNEXPECTED_EOF: UInt64 = 1 << 7

// MARK: - OpenSSL

/// An `SSL_CTX` for a server with one certificate chain and key.
final class TLSServerContext: @unchecked Sendable {  // immutable after init; SSL_CTX is thread-safe for SSL_new
    let handle: OpaquePointer

    init(certificateChainPath: String, privateKeyPath: String) throws {
        let ssl = OpenSSL.shared
        guard let method = ssl.TLS_server_method(), let ctx = ssl.SSL_CTX_new(method) else {
            throw TLSProxyError("SSL_CTX_new: \(openSSLErrors())")
        }
        _ = ssl.SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF)
        guard ssl.SSL_CTX_use_certificate_chain_file(ctx, certificateChainPath) == 1,
              ssl.SSL_CTX_use_PrivateKey_file(ctx, privateKeyPath, SSL_FILETYPE_PEM) == 1,
              ssl.SSL_CTX_check_private_key(ctx) == 1 else {
            let reason = openSSLErrors()
            ssl.SSL_CTX_free(ctx)
            throw TLSProxyError("cannot use \(certificateChainPath) / \(privateKeyPath): \(reason)")
        }
        handle = ctx
    }

    deinit { OpenSSL.shared.SSL_CTX_free(handle) }
}

/// libssl's functions, looked up by name: the COpenSSL module map includes no `openssl/ssl.h` (only the
/// libcrypto headers ForgeKit needs), so they are not visible to Swift. The signatures are OpenSSL 3's.
struct OpenSSL: @unchecked Sendable {
    static let shared = OpenSSL()

    let TLS_server_method: @convention(c) () -> OpaquePointer?
    let SSL_CTX_new: @convention(c) (OpaquePointer) -> OpaquePointer?
    let SSL_CTX_free: @convention(c) (OpaquePointer) -> Void
    let SSL_CTX_set_options: @convention(c) (OpaquePointer, UInt64) -> UInt64
    let SSL_CTX_use_certificate_chain_file: @convention(c) (OpaquePointer, UnsafePointer<CChar>) -> Int32
    let SSL_CTX_use_PrivateKey_file: @convention(c) (OpaquePointer, UnsafePointer<CChar>, Int32) -> Int32
    let SSL_CTX_check_private_key: @convention(c) (OpaquePointer) -> Int32
    let SSL_new: @convention(c) (OpaquePointer) -> OpaquePointer?
    let SSL_free: @convention(c) (OpaquePointer) -> Void
    let SSL_set_fd: @convention(c) (OpaquePointer, Int32) -> Int32
    let SSL_accept: @convention(c) (OpaquePointer) -> Int32
    let SSL_read: @convention(c) (OpaquePointer, UnsafeMutableRawPointer?, Int32) -> Int32
    let SSL_write: @convention(c) (OpaquePointer, UnsafeRawPointer?, Int32) -> Int32
    let SSL_pending: @convention(c) (OpaquePointer) -> Int32
    let SSL_get_error: @convention(c) (OpaquePointer, Int32) -> Int32
    let SSL_shutdown: @convention(c) (OpaquePointer) -> Int32
    let SSL_get_version: @convention(c) (OpaquePointer) -> UnsafePointer<CChar>?
    let SSL_get_current_cipher: @convention(c) (OpaquePointer) -> OpaquePointer?
    let SSL_CIPHER_get_name: @convention(c) (OpaquePointer) -> UnsafePointer<CChar>?

    private init() {
        // The module map links libssl, but open it by its soname anyway: nothing else references it
        // at link time, so a linker using --as-needed could have dropped it.
        guard let library = dlopen("libssl.so.3", RTLD_NOW) else {
            fatalError("TLSProxy needs OpenSSL 3's libssl.so.3 (Debian package libssl3): \(String(cString: dlerror()))")
        }
        func load<T>(_ name: String) -> T {
            guard let address = dlsym(library, name) else { fatalError("libssl.so.3 without \(name)") }
            return unsafeBitCast(address, to: T.self)
        }
        TLS_server_method = load("TLS_server_method")
        SSL_CTX_new = load("SSL_CTX_new")
        SSL_CTX_free = load("SSL_CTX_free")
        SSL_CTX_set_options = load("SSL_CTX_set_options")
        SSL_CTX_use_certificate_chain_file = load("SSL_CTX_use_certificate_chain_file")
        SSL_CTX_use_PrivateKey_file = load("SSL_CTX_use_PrivateKey_file")
        SSL_CTX_check_private_key = load("SSL_CTX_check_private_key")
        SSL_new = load("SSL_new")
        SSL_free = load("SSL_free")
        SSL_set_fd = load("SSL_set_fd")
        SSL_accept = load("SSL_accept")
        SSL_read = load("SSL_read")
        SSL_write = load("SSL_write")
        SSL_pending = load("SSL_pending")
        SSL_get_error = load("SSL_get_error")
        SSL_shutdown = load("SSL_shutdown")
        SSL_get_version = load("SSL_get_version")
        SSL_get_current_cipher = load("SSL_get_current_cipher")
        SSL_CIPHER_get_name = load("SSL_CIPHER_get_name")
    }
}

// MARK: - Certificates

/// A throw-away certificate authority and a server certificate it signed for `DNS:localhost`, made with
/// the `openssl` command-line tool in `directory`. Make two for a negative test: each is unrelated to the other.
///
/// mbedTLS 2.28 (Debian's libgit2) matches a server certificate against the URL's host by DNS names only
/// (subjectAltName DNS entries, or the CN); it ignores IP-address entries. So clients must use
/// https://localhost:PORT, which /etc/hosts maps to 127.0.0.1.
public struct TestCertificateAuthority: Sendable {
    public enum KeyAlgorithm: String, Sendable, CaseIterable, CustomStringConvertible {
        case ecdsaP256, rsa2048
        public var description: String { rawValue }
        var genpkeyArguments: [String] {
            switch self {
            case .ecdsaP256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            }
        }
    }

    public let directory: String
    /// The CA's self-signed certificate (PEM): what a client must trust.
    public let certificatePath: String
    public let keyPath: String
    /// The server's certificate (PEM), for `DNS:localhost`, signed by this CA.
    public let serverCertificatePath: String
    public let serverKeyPath: String

    /// Creates `directory` (if needed) and the CA and server keys and certificates in it.
    /// `serverNames` are the server certificate's subjectAltName entries, e.g. "DNS:localhost", "IP:127.0.0.1".
    public init(in directory: String, name: String = "codex-bot test CA", algorithm: KeyAlgorithm = .ecdsaP256,
                serverNames: [String] = ["DNS:localhost"]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        certificatePath = directory + "/ca.crt"
        keyPath = directory + "/ca.key"
        serverCertificatePath = directory + "/server.crt"
        serverKeyPath = directory + "/server.key"
        let extensions = directory + "/server.ext"
        try """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = \(serverNames.joined(separator: ", "))
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid

            """.write(toFile: extensions, atomically: true, encoding: .utf8)

        let openssl = OpenSSLCLI(directory: directory)
        try openssl.run(["genpkey"] + algorithm.genpkeyArguments + ["-out", keyPath])
        try openssl.run(["req", "-new", "-x509", "-key", keyPath, "-out", certificatePath, "-days", "2",
                         "-subj", "/CN=\(name)",
                         "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try openssl.run(["genpkey"] + algorithm.genpkeyArguments + ["-out", serverKeyPath])
        try openssl.run(["req", "-new", "-key", serverKeyPath, "-out", directory + "/server.csr", "-subj", "/CN=localhost"])
        try openssl.run(["x509", "-req", "-in", directory + "/server.csr", "-CA", certificatePath, "-CAkey", keyPath,
                         "-set_serial", "0x" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16),
                         "-days", "2", "-extfile", extensions, "-out", serverCertificatePath])
    }
}

/// `openssl` run with a clean environment, failing loudly.
private struct OpenSSLCLI {
    let directory: String

    func run(_ arguments: [String]) throws {
        let environment = ["PATH": StartEnvironment.path]
        let output: ProcessRunner.Output
        do {
            output = try ProcessRunner.run("/usr/bin/env", ["openssl"] + arguments, in: directory, environment: environment)
        } catch {
            throw TLSProxyError("cannot run openssl (apt-get install openssl): \(error)")
        }
        guard output.status == 0 else {
            throw TLSProxyError("openssl \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
        }
    }
}
