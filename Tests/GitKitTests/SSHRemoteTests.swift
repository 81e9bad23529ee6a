import Foundation
import Testing
import GitKit
import CodexBotTestSupport

/// A bare repository served by a real sshd on 127.0.0.1, and a `HOME` whose known_hosts trusts it.
///
/// GitKit sets no certificate_check callback, so Debian's libgit2 1.5.1 checks the server's host key
/// against `$HOME/.ssh/known_hosts` and refuses an unknown one. Every GitKit call that connects must
/// therefore run inside `home.withHome { … }`, which swaps the process-wide `HOME` (see SSHKnownHostsHome).
struct SSHRemoteFixture {
    let dir: TemporaryDirectory
    let server: SSHGitServer
    let home: SSHKnownHostsHome
    let barePath: String
    let url: String
    let initial: ObjectID

    init(_ dir: TemporaryDirectory) throws {
        self.dir = dir
        let seed = dir.appending("seed")
        initial = ObjectID(hex: try GitCLI.makeRepository(at: seed))!
        barePath = dir.appending("project.git")
        try GitCLI.check(["clone", "-q", "--bare", seed, barePath], in: dir.path)
        let sshd = dir.appending("sshd")
        try FileManager.default.createDirectory(atPath: sshd, withIntermediateDirectories: true)
        server = try SSHGitServer(directory: sshd)
        url = server.url(forRepository: barePath)
        home = try SSHKnownHostsHome(directory: dir.appending("home"), trusting: [server])
    }

    /// The server's own (authorized, passphrase-less) client key.
    var keyOptions: RemoteOptions {
        keyOptions(server.clientPrivateKeyPath, publicKey: server.clientPublicKeyPath)
    }

    /// `.sshKey` for the server's user.
    func keyOptions(_ privateKey: String, publicKey: String?, passphrase: String? = nil) -> RemoteOptions {
        RemoteOptions(credentials: .sshKey(username: server.username, privateKeyPath: privateKey,
                                           publicKeyPath: publicKey, passphrase: passphrase))
    }

    /// A new key pair under `dir/keys`, not yet authorized.
    func makeKey(_ name: String, passphrase: String = "") throws -> (privateKey: String, publicKey: String) {
        let keys = dir.appending("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let path = keys + "/" + name
        try SSHTools.generateKey(at: path, passphrase: passphrase, comment: name)
        return (path, path + ".pub")
    }

    /// The commit a branch points at on the server, nil when it does not exist.
    func serverBranch(_ name: String) throws -> String? {
        let output = try GitCLI.run(["rev-parse", "--verify", "-q", "refs/heads/\(name)"], in: barePath)
        return output.status == 0 ? output.stdout.trimmingCharacters(in: .newlines) : nil
    }

    /// Clones with `options` (inside the trusting HOME) into `dir/name`.
    func clone(_ name: String, options: RemoteOptions) async throws -> Repository {
        try await home.withHome {
            try await Repository.clone(from: url, to: dir.appending(name), options: options)
        }
    }

    /// The clone directory `name` is absent or empty: a failed clone left nothing half-made.
    func nothingLeft(_ name: String) -> Bool {
        (try? FileManager.default.contentsOfDirectory(atPath: dir.appending(name)))?.isEmpty ?? true
    }
}

/// Runs `body` with the process environment variable `name` set to `value`, then restores it.
///
/// libssh2's agent support reads `SSH_AUTH_SOCK` from the process environment (there is no way to
/// hand it a socket through libgit2 1.5), so the test has to change the environment of the whole test
/// process. The suite is serialized, so no other SSH test sees the change; a test of another suite
/// running in parallel that reads the same variable would, and setenv racing a getenv on another
/// thread is not safe in glibc. Keep the window short.
private func withEnvironment<T>(_ name: String, _ value: String, _ body: () async throws -> T) async rethrows -> T {
    let previous = getenv(name).map { String(cString: $0) }
    setenv(name, value, 1)
    defer {
        if let previous { setenv(name, previous, 1) } else { unsetenv(name) }
    }
    return try await body()
}

// Nested in NetworkSuite (serialized): these tests change the process-wide HOME and SSH_AUTH_SOCK,
// which no other network test may see, and must not see another test's network time limits.
extension NetworkSuite {
    @Suite("Clone and push over SSH", .serialized, .timeLimit(.minutes(1)))
    struct SSHRemoteTests {
        @Test func cloneCommitAndPushWithAKeyFile() async throws {
            try await withTemporaryDirectory("ssh-roundtrip") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                let repo = try await fixture.clone("clone", options: fixture.keyOptions)
                #expect(try repo.headCommit() == fixture.initial)
                #expect(try repo.remoteURL("origin") == fixture.url)

                try repo.createBranch("codex-bot/issue-7", at: try repo.headCommit())
                try GitCLI.check(["checkout", "-q", "codex-bot/issue-7"], in: dir.appending("clone"))
                try "over ssh\n".write(toFile: dir.appending("clone") + "/ssh.txt", atomically: true, encoding: .utf8)
                try repo.stageAll()
                let commit = try repo.commit(message: "pushed over ssh", author: Signature(name: "Bot", email: "bot@example.com"))

                let result = try await fixture.home.withHome {
                    try await repo.push(branch: "codex-bot/issue-7", options: fixture.keyOptions)
                }
                #expect(result.remoteReference == "refs/heads/codex-bot/issue-7")
                #expect(result.previousTarget == nil)
                #expect(result.newTarget == commit)
                // git itself, reading the bare repository on disk, is the witness.
                #expect(try fixture.serverBranch("codex-bot/issue-7") == commit.hex, "\(fixture.server.log)")
                let subject = try GitCLI.check(["log", "-1", "--format=%s", "codex-bot/issue-7"], in: fixture.barePath)
                #expect(subject == "pushed over ssh")
                // It really went through sshd, with the key (clone and push: two logins).
                let accepted = "Accepted publickey for \(fixture.server.username)"
                let logins = fixture.server.log.components(separatedBy: accepted).count - 1
                #expect(logins == 2, "\(fixture.server.log)")
            }
        }

        @Test func aKeyWithAPassphraseWorksWithTheRightPassphrase() async throws {
            try await withTemporaryDirectory("ssh-passphrase") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                // OpenSSH's own key format (ssh-keygen's default, bcrypt KDF); no `-m PEM` needed.
                let key = try fixture.makeKey("locked", passphrase: "correct horse battery")
                try fixture.server.authorize(publicKeyAt: key.publicKey)
                let pem = try String(contentsOfFile: key.privateKey, encoding: .utf8)
                #expect(pem.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----"))

                let good = fixture.keyOptions(key.privateKey, publicKey: key.publicKey, passphrase: "correct horse battery")
                let repo = try await fixture.clone("clone", options: good)
                #expect(try repo.headCommit() == fixture.initial)

                // Without the public key file, libssh2 derives the public key from the locked private key.
                let derived = fixture.keyOptions(key.privateKey, publicKey: nil, passphrase: "correct horse battery")
                let again = try await fixture.clone("derived", options: derived)
                #expect(try again.headCommit() == fixture.initial)

                // The wrong passphrase fails, quickly, leaving nothing behind; the secret is not printed.
                let wrong = fixture.keyOptions(key.privateKey, publicKey: key.publicKey, passphrase: "wrong horse")
                let started = ContinuousClock.now
                let error = try await #require(throws: GitError.self) {
                    _ = try await fixture.clone("wrong", options: wrong)
                }
                #expect(ContinuousClock.now - started < .seconds(10))
                // The server refused the key libssh2 could not sign with: the message names both causes.
                #expect(error.code == .authenticationFailed, "\(error)")
                #expect(error.message.contains("wrong passphrase"), "\(error)")
                #expect(!error.description.contains("wrong horse"))
                #expect(fixture.nothingLeft("wrong"))

                // Without the public key file the same mistake fails earlier, in libssh2, whose words come
                // through ("Unable to extract public key from private key file: Wrong passphrase or
                // invalid/unrecognized private key file format").
                let wrongDerived = fixture.keyOptions(key.privateKey, publicKey: nil, passphrase: "wrong horse")
                let early = try await #require(throws: GitError.self) {
                    _ = try await fixture.clone("wrong-derived", options: wrongDerived)
                }
                #expect(early.message.contains("Wrong passphrase"), "\(early)")
                #expect(!early.description.contains("wrong horse"))
                #expect(early.code == .authenticationFailed, "\(early)")
                #expect(early.hint?.contains("passphrase") == true, "\(early)")
            }
        }

        @Test func aKeyTheServerDoesNotKnowIsAnAuthenticationFailure() async throws {
            try await withTemporaryDirectory("ssh-unauthorized") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                let stranger = try fixture.makeKey("stranger")
                let options = fixture.keyOptions(stranger.privateKey, publicKey: stranger.publicKey)
                let started = ContinuousClock.now
                let error = try await #require(throws: GitError.self) {
                    _ = try await fixture.clone("clone", options: options)
                }
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(error.code == .authenticationFailed, "\(error)")
                #expect(error.operation == .clone)
                #expect(error.message.contains("rejected the SSH key for user '\(fixture.server.username)'"), "\(error)")
                #expect(fixture.nothingLeft("clone"))
                #expect(!fixture.server.log.contains("Accepted publickey"), "\(fixture.server.log)")
            }
        }

        @Test func aMissingPrivateKeyFileIsNamedInTheError() async throws {
            try await withTemporaryDirectory("ssh-missing-key") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                let missing = dir.appending("keys/does-not-exist")
                let options = fixture.keyOptions(missing, publicKey: nil)
                let error = try await #require(throws: GitError.self) {
                    _ = try await fixture.clone("clone", options: options)
                }
                #expect(error.code == .authenticationFailed, "\(error)")
                #expect(error.message.contains(missing), "\(error)")
                #expect(fixture.nothingLeft("clone"))
            }
        }

        @Test func theSSHAgentAuthenticates() async throws {
            try await withTemporaryDirectory("ssh-agent") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                let agentDirectory = dir.appending("agent")
                try FileManager.default.createDirectory(atPath: agentDirectory, withIntermediateDirectories: true)
                let agent = try SSHAgent(directory: agentDirectory)
                defer { agent.stop() }
                let options = RemoteOptions(credentials: .sshAgent(username: fixture.server.username))

                // No agent at the socket: libssh2 says so, and it is an authentication failure.
                let unreachable = try await #require(throws: GitError.self) {
                    try await withEnvironment("SSH_AUTH_SOCK", agentDirectory + "/no-agent.sock") {
                        _ = try await fixture.clone("no-agent", options: options)
                    }
                }
                #expect(unreachable.message.contains("failed connecting with agent"), "\(unreachable)")
                #expect(unreachable.code == .authenticationFailed, "\(unreachable)")
                #expect(unreachable.hint?.contains("SSH_AUTH_SOCK") == true, "\(unreachable)")

                // An agent without keys cannot log in: the agent, not some other key, is what is tested.
                let empty = try await #require(throws: GitError.self) {
                    try await withEnvironment("SSH_AUTH_SOCK", agent.socketPath) {
                        _ = try await fixture.clone("before-add", options: options)
                    }
                }
                #expect(empty.code == .authenticationFailed, "\(empty)")

                try agent.add(privateKeyAt: fixture.server.clientPrivateKeyPath)
                let repo = try await withEnvironment("SSH_AUTH_SOCK", agent.socketPath) {
                    try await fixture.clone("clone", options: options)
                }
                let held = (try? agent.listedKeys()) ?? "?"
                #expect(try repo.headCommit() == fixture.initial, "agent holds: \(held)")
                #expect(fixture.server.log.contains("Accepted publickey for \(fixture.server.username)"))
            }
        }

        @Test func aTokenForAnSSHRemoteSaysTheRemoteWantsAKey() async throws {
            try await withTemporaryDirectory("ssh-token") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                let options = RemoteOptions(credentials: .token("ghp_not-for-ssh"))
                let error = try await #require(throws: GitError.self) {
                    _ = try await fixture.clone("clone", options: options)
                }
                #expect(error.code == .authenticationFailed, "\(error)")
                #expect(error.message.contains("wants an SSH key"), "\(error)")
                #expect(!error.description.contains("ghp_not-for-ssh"))
                #expect(fixture.nothingLeft("clone"))
            }
        }

        @Test func anUnknownOrChangedHostKeyIsRefused() async throws {
            try await withTemporaryDirectory("ssh-host-key") { dir in
                let fixture = try SSHRemoteFixture(dir)
                defer { fixture.server.stop() }
                // No known_hosts at all.
                let bareHome = dir.appending("empty-home")
                try FileManager.default.createDirectory(atPath: bareHome, withIntermediateDirectories: true)
                let unknown = try await #require(throws: GitError.self) {
                    try await SSHKnownHostsHome(directory: bareHome, trusting: []).withHome {
                        _ = try await Repository.clone(from: fixture.url, to: dir.appending("unknown"),
                                                       options: fixture.keyOptions)
                    }
                }
                #expect(unknown.message.contains("invalid or unknown remote ssh hostkey"), "\(unknown)")
                #expect(unknown.libgit2Code == -17, "\(unknown)")  // GIT_ECERTIFICATE
                #expect(fixture.nothingLeft("unknown"))
                // What the user has to fix for SSH is known_hosts, not a CA bundle.
                #expect(unknown.code == .hostKey, "\(unknown)")
                #expect(unknown.hint?.contains("known_hosts") == true, "\(unknown)")

                // known_hosts names another key for this host and port: a man in the middle.
                let otherServerKey = try fixture.makeKey("impostor-host")
                let fields = try String(contentsOfFile: otherServerKey.publicKey, encoding: .utf8).split(separator: " ")
                let impostorLine = "[127.0.0.1]:\(fixture.server.port) \(fields[0]) \(fields[1])"
                let impostorHome = try SSHKnownHostsHome(directory: dir.appending("impostor-home"),
                                                         knownHostsLines: [impostorLine])
                let changed = try await #require(throws: GitError.self) {
                    try await impostorHome.withHome {
                        _ = try await Repository.clone(from: fixture.url, to: dir.appending("changed"),
                                                       options: fixture.keyOptions)
                    }
                }
                #expect(changed.message.contains("invalid or unknown remote ssh hostkey"), "\(changed)")
                #expect(changed.code == .hostKey, "\(changed)")
                #expect(!fixture.server.log.contains("Accepted publickey"), "\(fixture.server.log)")
            }
        }
    }
}
