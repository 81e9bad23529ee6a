import Foundation
import Testing
import GitKit
import CodexBotTestSupport

/// A bare repository served over smart HTTP with Basic auth, and a local clone of it made by git.
struct HTTPRemoteFixture {
    static let credentials = GitHTTPServer.Credentials(username: "bot", password: "s3cret-token")
    let dir: TemporaryDirectory
    let server: GitHTTPServer
    let barePath: String
    let url: String
    let initial: ObjectID

    init(_ dir: TemporaryDirectory, files: [String: String] = ["README.md": "hello\n"],
         behavior: GitHTTPServer.Behavior = .normal) throws {
        self.dir = dir
        let seed = dir.appending("seed")
        initial = ObjectID(hex: try GitCLI.makeRepository(at: seed, files: files))!
        let root = dir.appending("server")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        barePath = root + "/project.git"
        try GitCLI.check(["clone", "-q", "--bare", seed, barePath], in: dir.path)
        server = try GitHTTPServer(projectRoot: root, credentials: Self.credentials, behavior: behavior)
        url = server.url(forRepository: "project.git")
    }

    var goodOptions: RemoteOptions { RemoteOptions(credentials: .userPassword(username: "bot", password: "s3cret-token")) }

    /// The commit a branch points at on the server, nil when it does not exist.
    func serverBranch(_ name: String) throws -> String? {
        let output = try GitCLI.run(["rev-parse", "--verify", "-q", "refs/heads/\(name)"], in: barePath)
        return output.status == 0 ? output.stdout.trimmingCharacters(in: .newlines) : nil
    }

    /// A clone made by GitKit over HTTP, on a new branch with one commit changing `file`.
    func cloneWithCommit(_ name: String, branch: String, file: String = "change.txt") throws -> (Repository, ObjectID) {
        let repo = try Repository.clone(from: url, to: dir.appending(name), options: goodOptions)
        try repo.createBranch(branch, at: try repo.headCommit())
        try GitCLI.check(["checkout", "-q", branch], in: dir.appending(name))
        try "\(name)\n".write(toFile: dir.appending(name) + "/" + file, atomically: true, encoding: .utf8)
        try repo.stageAll()
        let commit = try repo.commit(message: "change from \(name)", author: Signature(name: "Bot", email: "bot@example.com"))
        return (repo, commit)
    }

    func describeRequests() -> String {
        server.requests.map { "\($0.method) \($0.path)?\($0.query) → \($0.status) auth=\($0.authorization != nil)" }
            .joined(separator: "\n")
    }
}

extension NetworkSuite {
    @Suite("Clone, fetch and push over real smart HTTP and file://")
    struct RemoteTests {
        @Test func cloneFetchAndPushWithATokenOverHTTP() async throws {
            try await withTemporaryDirectory("http-roundtrip") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let (repo, commit) = try fixture.cloneWithCommit("clone", branch: "codex-bot/issue-1")
                #expect(try repo.remoteURL("origin") == fixture.url)

                let result = try await repo.push(branch: "codex-bot/issue-1", options: fixture.goodOptions)
                #expect(result.remoteReference == "refs/heads/codex-bot/issue-1")
                #expect(result.previousTarget == nil)
                #expect(result.newTarget == commit)
                #expect(try fixture.serverBranch("codex-bot/issue-1") == commit.hex, "\(fixture.describeRequests())")

                // Someone else pushes to main with git; fetch brings it in.
                let other = dir.appending("other")
                try GitCLI.check(["clone", "-q", fixture.barePath, other], in: dir.path)
                let upstream = try GitCLI.commitFiles(["up.txt": "up\n"], in: other, message: "upstream")
                try GitCLI.check(["push", "-q", "origin", "main"], in: other)
                try await repo.fetch(options: fixture.goodOptions)
                #expect(try repo.referenceTarget("refs/remotes/origin/main")?.hex == upstream)
            }
        }

        @Test func wrongPasswordFailsAfterBoundedTriesWithAClearError() async throws {
            try await withTemporaryDirectory("http-wrong-password") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let bad = RemoteOptions(credentials: .userPassword(username: "bot", password: "wrong"))
                let error = try #require(throws: GitError.self) {
                    try Repository.clone(from: fixture.url, to: dir.appending("clone"), options: bad)
                }
                #expect(error.code == .authenticationFailed)
                #expect(error.message.contains("rejected the credentials for user 'bot'"))
                #expect(!error.description.contains("wrong"))
                let attempts = fixture.server.requests.filter { $0.authorization != nil }.count
                #expect(attempts >= 1 && attempts <= 3, "\(fixture.describeRequests())")
                // Nothing half-cloned is left behind.
                #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.appending("clone")))?.isEmpty ?? true)
            }
        }

        @Test func credentialRequestsAreBounded() async throws {
            try await withTemporaryDirectory("http-credential-bound") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                var options = fixture.goodOptions
                options.maxCredentialRequests = 0
                let error = try #require(throws: GitError.self) {
                    try Repository.clone(from: fixture.url, to: dir.appending("clone"), options: options)
                }
                #expect(error.code == .authenticationFailed)
                #expect(error.message.contains("asked for credentials more than 0 time(s); giving up"))
                #expect(fixture.server.requests.allSatisfy { $0.authorization == nil })
                // The same server and options with one request allowed work: the bound is what failed.
                options.maxCredentialRequests = 1
                _ = try Repository.clone(from: fixture.url, to: dir.appending("clone-ok"), options: options)
            }
        }

        @Test func missingCredentialsSayWhatToSet() async throws {
            try await withTemporaryDirectory("http-no-credentials") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let error = try #require(throws: GitError.self) {
                    try Repository.clone(from: fixture.url, to: dir.appending("clone"))
                }
                #expect(error.code == .authenticationFailed)
                #expect(error.message.contains("requires authentication and no credentials were given"))
                #expect(error.hint?.contains("GITHUB_TOKEN") == true)
            }
        }

        @Test func nonFastForwardPushIsRejectedAndTheServerKeepsItsBranch() async throws {
            try await withTemporaryDirectory("http-non-ff") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let (first, firstCommit) = try fixture.cloneWithCommit("first", branch: "topic")
                try await first.push(branch: "topic", options: fixture.goodOptions)
                let (second, _) = try fixture.cloneWithCommit("second", branch: "topic", file: "other.txt")
                try await second.fetch(options: fixture.goodOptions)
                let error = try await #require(throws: GitError.self) {
                    try await second.push(branch: "topic", options: fixture.goodOptions)
                }
                #expect(error.code == .pushRejected)
                #expect(error.message.contains("refs/heads/topic"))
                #expect(try fixture.serverBranch("topic") == firstCommit.hex)
            }
        }

        @Test func aDecliningHookIsAnErrorNotASilentSuccess() async throws {
            try await withTemporaryDirectory("http-hook-declined") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let hook = fixture.barePath + "/hooks/pre-receive"
                try "#!/bin/sh\necho 'policy: no pushes today' >&2\nexit 1\n".write(toFile: hook, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
                let (repo, _) = try fixture.cloneWithCommit("clone", branch: "blocked")
                let error = try await #require(throws: GitError.self) {
                    try await repo.push(branch: "blocked", options: fixture.goodOptions)
                }
                #expect(error.code == .pushRejected)
                #expect(error.message.contains("refs/heads/blocked"))
                #expect(error.message.contains("hook declined"))
                #expect(try fixture.serverBranch("blocked") == nil)
            }
        }

        @Test func leasedPushUpdatesOnlyWhenTheRemoteIsWhereWeLeftIt() async throws {
            try await withTemporaryDirectory("http-lease") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let (repo, first) = try fixture.cloneWithCommit("clone", branch: "codex-bot/fix")
                // Creating: the branch must not exist yet.
                try await repo.push(branch: "codex-bot/fix", lease: .absent, options: fixture.goodOptions)
                #expect(try fixture.serverBranch("codex-bot/fix") == first.hex)
                let again = try await #require(throws: GitError.self) {
                    try await repo.push(branch: "codex-bot/fix", lease: .absent, options: fixture.goodOptions)
                }
                #expect(again.code == .leaseMismatch)

                // Rewriting our own commit (amend) with the right lease works.
                let worktree = dir.appending("clone")
                try GitCLI.check(["commit", "-q", "--amend", "-m", "amended"], in: worktree)
                let amended = try repo.headCommit()
                let result = try await repo.push(branch: "codex-bot/fix", lease: .at(first), options: fixture.goodOptions)
                #expect(result.previousTarget == first)
                #expect(try fixture.serverBranch("codex-bot/fix") == amended.hex)

                // Someone else pushed meanwhile: a lease on our old commit must refuse and push nothing.
                let other = dir.appending("other")
                try GitCLI.check(["clone", "-q", "-b", "codex-bot/fix", fixture.barePath, other], in: dir.path)
                let theirs = try GitCLI.commitFiles(["theirs.txt": "x\n"], in: other, message: "theirs")
                try GitCLI.check(["push", "-q", "origin", "codex-bot/fix"], in: other)
                try GitCLI.check(["commit", "-q", "--amend", "-m", "amended twice"], in: worktree)
                let error = try await #require(throws: GitError.self) {
                    try await repo.push(branch: "codex-bot/fix", lease: .at(amended), options: fixture.goodOptions)
                }
                #expect(error.code == .leaseMismatch)
                #expect(error.message.contains("nothing was pushed"))
                #expect(try fixture.serverBranch("codex-bot/fix") == theirs)
            }
        }

        @Test func aServerThatDiesMidPushIsANetworkErrorAndMovesNoRef() async throws {
            try await withTemporaryDirectory("http-dies") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let (repo, _) = try fixture.cloneWithCommit("clone", branch: "big")
                // Enough data that the pack is still being sent when the server hangs up.
                var random = SystemRandomNumberGenerator()
                let noise = Data((0..<2_000_000).map { _ in UInt8.random(in: 0...255, using: &random) })
                try noise.write(to: URL(fileURLWithPath: dir.appending("clone") + "/noise.bin"))
                try repo.stageAll()
                try repo.commit(message: "noise", author: Signature(name: "Bot", email: "bot@example.com"))
                fixture.server.setBehavior(.dieDuringPush(afterBytes: 64 * 1024))
                let error = try await #require(throws: GitError.self) {
                    try await repo.push(branch: "big", options: fixture.goodOptions)
                }
                #expect(error.code == .network || error.code == .libgit2, "\(error)")
                #expect(error.operation == .push)
                #expect(try fixture.serverBranch("big") == nil)
            }
        }

        @Test func aRemoteThatRefusesConnectionsIsANetworkError() async throws {
            try await withTemporaryDirectory("http-refused") { dir in
                try await Loopback.withRefusingPort { port in
                    let started = ContinuousClock.now
                    let error = try #require(throws: GitError.self) {
                        try Repository.clone(from: "http://127.0.0.1:\(port)/x.git", to: dir.appending("clone"))
                    }
                    #expect(error.code == .network)
                    #expect(error.message.contains("127.0.0.1"))
                    #expect(ContinuousClock.now - started < .seconds(5))
                }
            }
        }

        @Test func aRemoteThatNeverAnswersTimesOut() async throws {
            try await withTemporaryDirectory("http-silent") { dir in
                let fixture = try HTTPRemoteFixture(dir, behavior: .neverAnswer)
                GitRuntime.setNetworkTimeouts(.init(connectMilliseconds: 2_000, ioMilliseconds: 1_000))
                defer { GitRuntime.setNetworkTimeouts(.standard) }
                let started = ContinuousClock.now
                let error = try await #require(throws: GitError.self) {
                    _ = try await Repository.clone(from: fixture.url, to: dir.appending("clone"), options: fixture.goodOptions)
                }
                #expect(error.code == .network)
                #expect(error.message.contains("1000 ms"), "\(error)")
                #expect(ContinuousClock.now - started < .seconds(8))
            }
        }

        @Test func cancellingTheTaskStopsATransfer() async throws {
            try await withTemporaryDirectory("http-cancel") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let flag = CancellationFlag()
                flag.cancel()
                var options = fixture.goodOptions
                options.cancellation = flag
                let error = try #require(throws: GitError.self) {
                    try Repository.clone(from: fixture.url, to: dir.appending("clone"), options: options)
                }
                #expect(error.code == .cancelled)
            }
        }

        @Test func aFiftyMegabyteFileGoesThroughPushAndClone() async throws {
            try await withTemporaryDirectory("http-50mb") { dir in
                let fixture = try HTTPRemoteFixture(dir)
                let (repo, _) = try fixture.cloneWithCommit("clone", branch: "large")
                var generator = SeededRandomNumberGenerator(seed: 42)
                var bytes = [UInt8](repeating: 0, count: 50 * 1024 * 1024)
                for index in stride(from: 0, to: bytes.count, by: 8) {
                    withUnsafeBytes(of: generator.next()) { word in
                        for offset in 0..<8 { bytes[index + offset] = word[offset] }
                    }
                }
                let original = Data(bytes)
                try original.write(to: URL(fileURLWithPath: dir.appending("clone") + "/large.bin"))
                try repo.stageAll()
                let commit = try repo.commit(message: "50 MB", author: Signature(name: "Bot", email: "bot@example.com"))
                try await repo.push(branch: "large", options: fixture.goodOptions)
                #expect(try fixture.serverBranch("large") == commit.hex)
                let copy = try await Repository.clone(from: fixture.url, to: dir.appending("copy"), branch: "large",
                                                      options: fixture.goodOptions)
                #expect(try copy.headCommit() == commit)
                let cloned = try Data(contentsOf: URL(fileURLWithPath: dir.appending("copy") + "/large.bin"))
                #expect(cloned == original)
            }
        }

        @Test func fileRemotesCloneAndPushWithoutANetwork() async throws {
            try await withTemporaryDirectory("file-remote") { dir in
                let seed = dir.appending("seed")
                try GitCLI.makeRepository(at: seed)
                let bare = dir.appending("remote.git")
                try GitCLI.check(["clone", "-q", "--bare", seed, bare], in: dir.path)
                let repo = try Repository.clone(from: "file://" + bare, to: dir.appending("clone"))
                try repo.createBranch("feature", at: try repo.headCommit())
                try GitCLI.check(["checkout", "-q", "feature"], in: dir.appending("clone"))
                try GitCLI.commitFiles(["f.txt": "f\n"], in: dir.appending("clone"), message: "feature")
                let pushed = try repo.push(branch: "feature")
                #expect(try GitCLI.check(["rev-parse", "feature"], in: bare) == pushed.newTarget.hex)
                // Rewind the remote past us: a plain push is now a non-fast-forward.
                try GitCLI.check(["update-ref", "refs/heads/feature", "main"], in: bare)
                try GitCLI.commitFiles(["g.txt": "g\n"], in: seed, message: "diverge")
                try GitCLI.check(["push", "-q", bare, "main:feature", "--force"], in: seed)
                try repo.fetch()
                let error = try #require(throws: GitError.self) { try repo.push(branch: "feature") }
                #expect(error.code == .pushRejected)
            }
        }
    }
}
