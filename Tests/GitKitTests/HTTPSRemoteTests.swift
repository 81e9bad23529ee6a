import Foundation
import Testing
import GitKit
import CodexBotTestSupport

// HTTPS end to end: GitKit → libgit2 → Debian's mbedTLS → TLSProxy (OpenSSL) → GitHTTPServer → git http-backend.
//
// The trusted CAs are a process-wide libgit2 setting (GIT_OPT_SET_SSL_CERT_LOCATIONS replaces mbedTLS's CA
// chain for every later connection, and frees the old one), so this suite is serialized and nested in
// NetworkSuite (one test at a time with the other suites that change libgit2's process-wide settings), every
// test puts the system store back when it ends, and no other suite makes HTTPS connections. Keep it that way:
// an HTTPS test elsewhere, running in parallel, would see this suite's CA instead of the system's.
//
// Needs the Debian packages openssl (the CLI makes the certificates), libssl3 (TLSProxy) and git
// (GitHTTPServer runs git http-backend).
extension NetworkSuite {
    @Suite("HTTPS with Debian's mbedTLS libgit2", .serialized, .timeLimit(.minutes(1)))
    struct HTTPSRemoteTests {
        static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"
        static let systemDirectory = "/etc/ssl/certs"

        /// Trusts only the CA certificates in `file` while `body` runs, then the system store again.
        func trusting<T>(_ file: String, _ body: () async throws -> T) async throws -> T {
            try GitRuntime.setCertificateLocations(file: file, directory: nil)
            defer {
                do {
                    try GitRuntime.setCertificateLocations(file: Self.systemBundle, directory: Self.systemDirectory)
                } catch {
                    Issue.record("could not restore the system CA store: \(error)")
                }
            }
            return try await body()
        }

        @Test("clone and push through TLS when the server's CA is trusted",
              arguments: TestCertificateAuthority.KeyAlgorithm.allCases)
        func cloneAndPushWithTheCATrusted(_ algorithm: TestCertificateAuthority.KeyAlgorithm) async throws {
            try await withTemporaryDirectory("https-trusted-\(algorithm)") { dir in
                let files = ["README.md": "hello over TLS\n", "Sources/App/main.swift": "print(\"hi\")\n"]
                let fixture = try HTTPRemoteFixture(dir, files: files)
                let ca = try TestCertificateAuthority(in: dir.appending("ca"), algorithm: algorithm)
                let proxy = try TLSProxy(certificateChainPath: ca.serverCertificatePath, privateKeyPath: ca.serverKeyPath,
                                         backendPort: fixture.server.port)
                defer { proxy.stop() }
                let url = proxy.url(forRepository: "project.git")

                try await trusting(ca.certificatePath) {
                    let path = dir.appending("clone")
                    let repo = try await Repository.clone(from: url, to: path, options: fixture.goodOptions)
                    #expect(try repo.remoteURL("origin") == url)
                    #expect(try repo.headCommit() == fixture.initial)
                    for (file, content) in files {
                        #expect(try String(contentsOfFile: path + "/" + file, encoding: .utf8) == content)
                    }

                    try repo.createBranch("codex-bot/tls", at: try repo.headCommit())
                    try GitCLI.check(["checkout", "-q", "codex-bot/tls"], in: path)
                    try "pushed over TLS\n".write(toFile: path + "/tls.txt", atomically: true, encoding: .utf8)
                    try repo.stageAll()
                    let commit = try repo.commit(message: "over TLS", author: Signature(name: "Bot", email: "bot@example.com"))
                    let result = try await repo.push(branch: "codex-bot/tls", options: fixture.goodOptions)
                    #expect(result.newTarget == commit)
                    #expect(try fixture.serverBranch("codex-bot/tls") == commit.hex, "\(fixture.describeRequests())")
                }

                // It really was TLS, and mbedTLS 2.28 negotiates TLS 1.2 at most (no TLS 1.3 in Debian's build).
                let handshakes = proxy.handshakes
                #expect(!handshakes.isEmpty, "\(proxy.failures)")
                #expect(handshakes.allSatisfy { $0.hasPrefix("TLSv1.2 ") }, "\(handshakes)")
                #expect(proxy.failures.isEmpty, "\(proxy.failures)")
                #expect(fixture.server.requests.contains { $0.method == "POST" && $0.path.hasSuffix("/git-receive-pack") })
            }
        }

        @Test("a certificate from a CA that is not trusted fails the clone and sends nothing")
        func anUntrustedCAFailsTheCloneClearly() async throws {
            try await withTemporaryDirectory("https-untrusted") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let serverCA = try TestCertificateAuthority(in: dir.appending("server-ca"))
                let otherCA = try TestCertificateAuthority(in: dir.appending("other-ca"), name: "unrelated test CA")
                let proxy = try TLSProxy(certificateChainPath: serverCA.serverCertificatePath,
                                         privateKeyPath: serverCA.serverKeyPath, backendPort: fixture.server.port)
                defer { proxy.stop() }
                let path = dir.appending("clone")

                let error = try await trusting(otherCA.certificatePath) {
                    try #require(throws: GitError.self) {
                        try Repository.clone(from: proxy.url(forRepository: "project.git"), to: path,
                                             options: fixture.goodOptions)
                    }
                }
                // libgit2's mbedTLS stream: GIT_ECERTIFICATE (-17), class ssl (16).
                #expect(error.code == .certificate, "\(error)")
                #expect(error.hint?.contains("SSL_CERT_FILE") == true, "\(error)")
                #expect(error.operation == .clone)
                #expect(error.libgit2Code == -17, "\(error)")
                #expect(error.libgit2Class == 16, "\(error)")
                #expect(error.message.contains("certificate"), "\(error)")
                #expect(error.message.contains("not correctly signed by the trusted CA"), "\(error)")
                // Nothing cloned, and no request (so no credentials) reached the server behind the untrusted certificate.
                #expect((try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty ?? true)
                #expect(fixture.server.requests.isEmpty, "\(fixture.describeRequests())")
            }
        }

        @Test("CA certificates that cannot be loaded are an error, and the ones in force stay")
        func unloadableCertificatesKeepThePreviousOnes() async throws {
            try await withTemporaryDirectory("https-bad-ca") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let ca = try TestCertificateAuthority(in: dir.appending("ca"))
                let proxy = try TLSProxy(certificateChainPath: ca.serverCertificatePath, privateKeyPath: ca.serverKeyPath,
                                         backendPort: fixture.server.port)
                defer { proxy.stop() }
                let garbage = dir.appending("garbage.pem")
                try "not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
                try await trusting(ca.certificatePath) {
                    for bad in [dir.appending("missing.pem"), garbage] {
                        let error = try #require(throws: GitError.self) {
                            try GitRuntime.setCertificateLocations(file: bad, directory: nil)
                        }
                        #expect(error.operation == .configureTLS)
                        #expect(error.code == .certificate)
                        #expect(error.message.contains(bad))
                    }
                    let none = try #require(throws: GitError.self) {
                        try GitRuntime.setCertificateLocations(file: nil, directory: nil)
                    }
                    #expect(none.code == .invalidArgument)
                    #expect(GitRuntime.ensureInitialized().certificateFile == ca.certificatePath)
                    // The test CA is still trusted.
                    _ = try await Repository.clone(from: proxy.url(forRepository: "project.git"), to: dir.appending("clone"),
                                                   options: fixture.goodOptions)
                }
                #expect(GitRuntime.ensureInitialized().certificateFile == Self.systemBundle)
            }
        }

        @Test("an https://127.0.0.1 URL fails even with an IP:127.0.0.1 entry: mbedTLS 2.28 matches DNS names only")
        func anIPAddressURLDoesNotMatchTheCertificate() async throws {
            try await withTemporaryDirectory("https-ip") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let ca = try TestCertificateAuthority(in: dir.appending("ca"), serverNames: ["DNS:localhost", "IP:127.0.0.1"])
                let proxy = try TLSProxy(certificateChainPath: ca.serverCertificatePath, privateKeyPath: ca.serverKeyPath,
                                         backendPort: fixture.server.port)
                defer { proxy.stop() }

                let error = try await trusting(ca.certificatePath) {
                    try #require(throws: GitError.self) {
                        try Repository.clone(from: "https://127.0.0.1:\(proxy.port)/project.git", to: dir.appending("clone"),
                                             options: fixture.goodOptions)
                    }
                }
                #expect(error.code == .certificate, "\(error)")
                #expect(error.libgit2Code == -17, "\(error)")
                #expect(error.message.contains("Common Name (CN) does not match"), "\(error)")
                #expect(fixture.server.requests.isEmpty, "\(fixture.describeRequests())")
                // The same certificate is fine by name.
                try await trusting(ca.certificatePath) {
                    _ = try await Repository.clone(from: proxy.url(forRepository: "project.git"), to: dir.appending("by-name"),
                                                   options: fixture.goodOptions)
                }
            }
        }

        @Test("TLSProxy.stop() returns promptly with a client that never says hello, and twice")
        func theProxyStopsWithAnIdleClient() async throws {
            try await withTemporaryDirectory("https-proxy-stop") { dir in
                let ca = try TestCertificateAuthority(in: dir.appending("ca"))
                let proxy = try TLSProxy(certificateChainPath: ca.serverCertificatePath, privateKeyPath: ca.serverKeyPath,
                                         backendPort: try Loopback.unusedPort())
                let fd = try #require(Loopback.connect(port: proxy.port))
                defer { close(fd) }
                usleep(100_000)  // let the proxy's connection thread block in the handshake
                let started = ContinuousClock.now
                proxy.stop()
                proxy.stop()
                #expect(ContinuousClock.now - started < .seconds(2))
                var byte: UInt8 = 0
                #expect(recv(fd, &byte, 1, 0) <= 0, "the proxy closed the idle connection")
            }
        }
    }
}
