// A real OpenSSH server on 127.0.0.1 for tests: Debian's /usr/sbin/sshd with its own host key, client
// key and config in a temporary directory, so clients talk to real `git-upload-pack` / `git-receive-pack`
// over real SSH. Also an ssh-agent on a socket of its own.
import Foundation
import Glibc
import GitKit

/// What failed, in words: a missing program (and the Debian package that has it), a key that could
/// not be made, an sshd that did not come up (with what it printed).
public struct SSHGitServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The key types `ssh-keygen` makes for these tests.
public enum SSHKeyType: String, Sendable {
    /// The default. Debian 12's libssh2 1.10 is built with OpenSSL 3, which gives it ed25519 both for
    /// host keys and for user keys, including passphrase-protected keys in OpenSSH's own format.
    case ed25519
    case ecdsa
    case rsa

    var keygenArguments: [String] {
        switch self {
        case .ed25519: ["-t", "ed25519"]
        case .ecdsa: ["-t", "ecdsa", "-b", "256"]
        case .rsa: ["-t", "rsa", "-b", "3072"]
        }
    }
}

/// Serves the repositories of this machine over SSH at `ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH`,
/// with `/usr/sbin/sshd -D -e` as a child process.
///
/// Everything it needs lives in `directory`: the host key, one client key pair (authorized),
/// `authorized_keys`, `sshd_config`, the pid file and `sshd.log` (sshd's stderr, VERBOSE). It logs in
/// as the current user (root in CI), so the repositories need no special ownership.
///
/// Host keys: GitKit sets no `certificate_check` callback, so GitKit itself does not verify SSH host
/// keys. Debian's libgit2 1.5.1 (the CVE-2023-22742 fix) then falls back to `$HOME/.ssh/known_hosts`
/// and refuses a host it does not find there ("invalid or unknown remote ssh hostkey"). Clients of
/// this server must therefore find `knownHostsLine` in the known_hosts of the `HOME` they run with
/// (see `SSHKnownHostsHome`).
///
/// Needs Debian's `openssh-server` (sshd) and `openssh-client` (ssh-keygen, ssh-agent, ssh-add);
/// without them `init` throws an error that names the package rather than skipping.
public final class SSHGitServer: @unchecked Sendable {  // `process` is guarded by `lock`
    public static let sshdPath = "/usr/sbin/sshd"

    /// The directory holding the keys, the config and the log. The caller owns (and removes) it.
    public let directory: String
    /// The port sshd listens on, on 127.0.0.1 only.
    public let port: Int
    /// The user the clients log in as: the current user.
    public let username: String
    /// A client key pair without a passphrase, listed in `authorized_keys`.
    public let clientPrivateKeyPath: String
    public let clientPublicKeyPath: String
    public let hostPrivateKeyPath: String
    public let hostPublicKeyPath: String
    public let authorizedKeysPath: String
    public let configPath: String
    /// sshd's stderr (`-e`, LogLevel VERBOSE): which key was accepted or refused, and why.
    public let logPath: String

    private let lock = NSLock()
    private var process: SpawnedDaemon?

    /// Makes the keys and config in `directory` (which must exist) and starts sshd; returns once the
    /// port accepts connections, or throws with sshd's own words if it does not within `startTimeout`.
    public init(directory: String, keyType: SSHKeyType = .ed25519, startTimeout: TimeInterval = 5) throws {
        try SSHTools.require(Self.sshdPath, package: "openssh-server")
        try SSHTools.require(SSHTools.keygen, package: "openssh-client")
        self.directory = directory
        username = SSHTools.currentUser()
        hostPrivateKeyPath = directory + "/ssh_host_key"
        hostPublicKeyPath = hostPrivateKeyPath + ".pub"
        clientPrivateKeyPath = directory + "/client_key"
        clientPublicKeyPath = clientPrivateKeyPath + ".pub"
        authorizedKeysPath = directory + "/authorized_keys"
        configPath = directory + "/sshd_config"
        logPath = directory + "/sshd.log"

        try SSHTools.generateKey(at: hostPrivateKeyPath, type: keyType, comment: "codex-bot test host")
        try SSHTools.generateKey(at: clientPrivateKeyPath, type: keyType, comment: "codex-bot test client")
        try Data().write(to: URL(fileURLWithPath: authorizedKeysPath))
        try SSHGitServer.append(contentsOf: clientPublicKeyPath, to: authorizedKeysPath)
        try Self.ensurePrivilegeSeparationDirectory()

        // The port is found by binding port 0 and closing it again, so another process may take it
        // before sshd binds it: then sshd says "Address already in use" and we try another port.
        var lastError: SSHGitServerError?
        for _ in 0..<3 {
            let candidate = try Loopback.unusedPort()
            try Self.config(port: candidate, directory: directory, hostKey: hostPrivateKeyPath,
                            authorizedKeys: authorizedKeysPath)
                .write(toFile: configPath, atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: logPath)
            let daemon = try SpawnedDaemon.spawn(Self.sshdPath, ["-D", "-e", "-f", configPath], logPath: logPath,
                                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
            switch SSHTools.waitUntilListening(port: candidate, daemon: daemon, timeout: startTimeout) {
            case .listening:
                port = candidate
                process = daemon
                return
            case .exited(let status):
                let log = SSHTools.read(logPath)
                lastError = SSHGitServerError("sshd exited with status \(status) before listening on 127.0.0.1:\(candidate). "
                                              + "Its stderr (\(logPath)):\n\(log)")
                if !log.contains("Address already in use") { throw lastError! }
            case .timedOut:
                daemon.stop()
                throw SSHGitServerError("sshd did not listen on 127.0.0.1:\(candidate) within \(startTimeout) s. "
                                        + "Its stderr (\(logPath)):\n\(SSHTools.read(logPath))")
            }
        }
        throw lastError!
    }

    deinit {
        stop()
    }

    /// `ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH`; a relative `path` is taken relative to `directory`.
    public func url(forRepository path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : directory + "/" + path
        return "ssh://\(username)@127.0.0.1:\(port)\(absolute)"
    }

    /// The server's host key as a known_hosts line: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`.
    public var knownHostsLine: String {
        get throws {
            let fields = try String(contentsOfFile: hostPublicKeyPath, encoding: .utf8).split(separator: " ")
            guard fields.count >= 2 else { throw SSHGitServerError("\(hostPublicKeyPath) is not a public key") }
            return "[127.0.0.1]:\(port) \(fields[0]) \(fields[1])"
        }
    }

    /// Adds a public key to `authorized_keys` (sshd reads the file on each login).
    public func authorize(publicKeyAt path: String) throws {
        try Self.append(contentsOf: path, to: authorizedKeysPath)
    }

    /// What sshd has logged so far, for failure messages.
    public var log: String { SSHTools.read(logPath) }

    /// Stops sshd (SIGTERM, then SIGKILL after 2 s) and reaps it. Idempotent; also run by deinit.
    ///
    /// sshd serves each connection in a child that starts a session of its own, so killing the
    /// process group does not reach it. A client that has just hung up leaves that child a few
    /// milliseconds of work: waiting (up to 1 s) for sshd to have no children lets sshd reap them.
    /// (After a connection that failed before authenticating, sshd's per-connection process may exit
    /// before its own privilege-separated child; that child is init's to reap, whatever we do here.)
    public func stop() {
        lock.lock()
        let daemon = process
        process = nil
        lock.unlock()
        guard let daemon else { return }
        let deadline = Date().addingTimeInterval(1)
        while SSHTools.hasChildren(daemon.pid) && daemon.exitStatusIfExited() == nil && Date() < deadline {
            usleep(10_000)
        }
        daemon.stop()
    }

    // MARK: Set-up

    static func config(port: Int, directory: String, hostKey: String, authorizedKeys: String) -> String {
        """
        # Written by SSHGitServer for one test; see sshd_config(5).
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(hostKey)
        PidFile \(directory)/sshd.pid
        AuthorizedKeysFile \(authorizedKeys)
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        HostbasedAuthentication no
        PermitRootLogin prohibit-password
        PermitEmptyPasswords no
        StrictModes no
        UsePAM no
        UseDNS no
        PermitUserRC no
        PermitUserEnvironment no
        PrintMotd no
        PrintLastLog no
        AllowAgentForwarding no
        AllowTcpForwarding no
        X11Forwarding no
        PermitTTY no
        MaxAuthTries 6
        MaxStartups 50
        LoginGraceTime 20
        LogLevel VERBOSE

        """
    }

    /// Debian's sshd refuses to start without its privilege separation directory, which the package
    /// creates only at boot (systemd's RuntimeDirectory) and which containers do not have.
    static func ensurePrivilegeSeparationDirectory() throws {
        let path = "/run/sshd"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SSHGitServerError("cannot create \(path), which Debian's sshd needs: \(String(cString: strerror(errno)))")
        }
    }

    static func append(contentsOf source: String, to destination: String) throws {
        var line = try String(contentsOfFile: source, encoding: .utf8)
        if !line.hasSuffix("\n") { line += "\n" }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: destination))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }
}

/// An `ssh-agent` on a socket in a directory of its own, holding the keys given to `add`.
///
/// It does not touch this process's `SSH_AUTH_SOCK`: `ssh-add` gets the socket in its own environment.
/// Code that reads `SSH_AUTH_SOCK` from the process environment (libssh2's agent support does) has
/// to be pointed at `socketPath` by the caller.
public final class SSHAgent: @unchecked Sendable {  // `process` is guarded by `lock`
    public let socketPath: String
    public let logPath: String
    private let lock = NSLock()
    private var process: SpawnedDaemon?

    /// Starts `ssh-agent -D -a DIRECTORY/agent.sock` and waits (bounded) for its socket.
    public init(directory: String, startTimeout: TimeInterval = 5) throws {
        try SSHTools.require(SSHTools.agent, package: "openssh-client")
        try SSHTools.require(SSHTools.add, package: "openssh-client")
        // sun_path holds 108 bytes; temp directories named after tests can be long.
        socketPath = directory + "/agent.sock"
        guard socketPath.utf8.count < 100 else {
            throw SSHGitServerError("agent socket path is too long for a Unix socket: \(socketPath)")
        }
        logPath = directory + "/ssh-agent.log"
        let daemon = try SpawnedDaemon.spawn(SSHTools.agent, ["-D", "-a", socketPath], logPath: logPath,
                                             environment: ["PATH": "/usr/bin:/bin"])
        let deadline = Date().addingTimeInterval(startTimeout)
        while !FileManager.default.fileExists(atPath: socketPath) {
            if let status = daemon.exitStatusIfExited() {
                throw SSHGitServerError("ssh-agent exited with status \(status): \(SSHTools.read(logPath))")
            }
            if Date() > deadline {
                daemon.stop()
                throw SSHGitServerError("ssh-agent made no socket at \(socketPath) within \(startTimeout) s: "
                                        + SSHTools.read(logPath))
            }
            usleep(20_000)
        }
        process = daemon
    }

    deinit {
        stop()
    }

    /// `ssh-add KEY` against this agent only. The key must have no passphrase (ssh-add cannot be
    /// answered here).
    public func add(privateKeyAt path: String) throws {
        let output = try ProcessRunner.run(SSHTools.add, [path], in: "/",
                                           environment: ["SSH_AUTH_SOCK": socketPath, "PATH": "/usr/bin:/bin",
                                                         "SSH_ASKPASS_REQUIRE": "never", "DISPLAY": ""])
        guard output.status == 0 else {
            throw SSHGitServerError("ssh-add \(path) exited \(output.status): \(output.stderr)")
        }
    }

    /// The fingerprints of the keys the agent holds (`ssh-add -l`), for failure messages.
    public func listedKeys() throws -> String {
        let output = try ProcessRunner.run(SSHTools.add, ["-l"], in: "/",
                                           environment: ["SSH_AUTH_SOCK": socketPath, "PATH": "/usr/bin:/bin"])
        return output.stdout + output.stderr
    }

    /// Stops the agent and reaps it. Idempotent; also run by deinit.
    public func stop() {
        lock.lock()
        let daemon = process
        process = nil
        lock.unlock()
        daemon?.stop()
        try? FileManager.default.removeItem(atPath: socketPath)
    }
}

/// A temporary `HOME` whose `.ssh/known_hosts` trusts given servers, for the libssh2 host key check
/// that Debian's libgit2 1.5.1 does when no `certificate_check` callback is set (GitKit sets none).
///
/// libgit2 reads `HOME` from the process environment when it opens each SSH connection, so
/// `withHome` swaps the process-wide `HOME` for the duration of `body`: any other code in this
/// process that reads `HOME` at that moment sees the temporary one. Use it only in serialized suites,
/// and keep `body` short.
public struct SSHKnownHostsHome: Sendable {
    public let path: String

    /// Makes `directory/.ssh/known_hosts` with one line per server.
    public init(directory: String, trusting servers: [SSHGitServer]) throws {
        try self.init(directory: directory, knownHostsLines: servers.map { try $0.knownHostsLine })
    }

    /// Makes `directory/.ssh/known_hosts` holding exactly `knownHostsLines` (`[HOST]:PORT TYPE BASE64`).
    public init(directory: String, knownHostsLines: [String]) throws {
        path = directory
        let sshDirectory = directory + "/.ssh"
        try FileManager.default.createDirectory(atPath: sshDirectory, withIntermediateDirectories: true)
        let text = knownHostsLines.map { $0 + "\n" }.joined()
        try text.write(toFile: sshDirectory + "/known_hosts", atomically: true, encoding: .utf8)
    }

    /// Runs `body` with `HOME` set to `path`, and puts the previous value back afterwards, on every path.
    /// libgit2 is initialized first, so that it does not take the temporary `HOME` for good (it reads
    /// the global config's location once, at initialization).
    public func withHome<T>(_ body: () async throws -> T) async rethrows -> T {
        GitRuntime.ensureInitialized()
        let previous = getenv("HOME").map { String(cString: $0) }
        setenv("HOME", path, 1)
        defer {
            if let previous { setenv("HOME", previous, 1) } else { unsetenv("HOME") }
        }
        return try await body()
    }
}

/// ssh-keygen and friends, and the plumbing the two daemons share.
public enum SSHTools {
    public static let keygen = "/usr/bin/ssh-keygen"
    public static let agent = "/usr/bin/ssh-agent"
    public static let add = "/usr/bin/ssh-add"

    /// Throws, naming the Debian package to install, unless `path` is an executable.
    public static func require(_ path: String, package: String) throws {
        guard access(path, X_OK) == 0 else {
            throw SSHGitServerError("\(path) is missing: install Debian's \(package) "
                                    + "(apt-get update && apt-get install -y \(package))")
        }
    }

    /// `ssh-keygen -t TYPE -N PASSPHRASE -f PATH`: the private key at `path`, the public one at `path.pub`.
    /// `pemFormat` writes the private key in the legacy PEM format instead of OpenSSH's own.
    public static func generateKey(at path: String, type: SSHKeyType = .ed25519, passphrase: String = "",
                                   comment: String = "codex-bot test", pemFormat: Bool = false) throws {
        try require(keygen, package: "openssh-client")
        var arguments = ["-q"] + type.keygenArguments + ["-N", passphrase, "-C", comment, "-f", path]
        if pemFormat { arguments += ["-m", "PEM"] }
        let output = try ProcessRunner.run(keygen, arguments, in: "/", environment: ["PATH": "/usr/bin:/bin"])
        guard output.status == 0 else {
            throw SSHGitServerError("ssh-keygen \(type.rawValue) for \(path) exited \(output.status): \(output.stderr)")
        }
    }

    /// The name of the effective user, which sshd logs in as.
    public static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }


    enum StartOutcome { case listening, exited(Int32), timedOut }

    /// Polls until a TCP connection to 127.0.0.1:`port` succeeds, the daemon exits, or `timeout` passes.
    static func waitUntilListening(port: Int, daemon: SpawnedDaemon, timeout: TimeInterval) -> StartOutcome {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = daemon.exitStatusIfExited() { return .exited(status) }
            if Loopback.isListening(port: port) { return .listening }
            if Date() > deadline { return .timedOut }
            usleep(20_000)
        }
    }

    /// Whether any process has `pid` as its parent (from /proc/*/stat; false where there is no /proc).
    static func hasChildren(_ pid: pid_t) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        for entry in entries where entry.first?.isNumber == true {
            // "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses, so parse after the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == pid { return true }
        }
        return false
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no \(path))"
    }
}

/// A long-running child (sshd, ssh-agent) started with posix_spawn: stdin from /dev/null, stdout and
/// stderr appended to a log file, leading its own process group. Foundation's `Process` is not used
/// because it offers neither the process group nor a non-reaping exit check.
final class SpawnedDaemon: @unchecked Sendable {  // `reaped` and `status` are guarded by `lock`
    let pid: pid_t
    private let lock = NSLock()
    private var reaped = false
    private var status: Int32 = 0

    private init(pid: pid_t) { self.pid = pid }

    static func spawn(_ executable: String, _ arguments: [String], logPath: String,
                      environment: [String: String]) throws -> SpawnedDaemon {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        switch spawnInOwnProcessGroup(executable, arguments, environment: environment, actions: &actions) {
        case .success(let pid): return SpawnedDaemon(pid: pid)
        case .failure(let error): throw SSHGitServerError(error.description)
        }
    }

    /// The exit status (128 + signal when killed) if the child has exited, without blocking; nil while it runs.
    func exitStatusIfExited() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if reaped { return status }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return nil }
        record(raw)
        return status
    }

    /// SIGTERM to the process group, SIGKILL if it is still there after 2 s, then reap. Idempotent.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !reaped else { return }
        // Until the child is reaped its pid cannot be reused, so these signals cannot hit another process.
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        var raw: Int32 = 0
        while true {
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { reaped = true; return }
            if Date() > deadline {
                kill(-pid, SIGKILL)
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(10_000)
        }
        record(raw)
    }

    private func record(_ raw: Int32) {
        let signal = raw & 0x7F
        status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        reaped = true
    }
}
