import Foundation
import Glibc
import Testing
import CodexBotTestSupport

/// The loopback smart-HTTP server, driven by the real `git` CLI and by raw sockets.
@Suite("GitHTTPServer: real git over loopback HTTP", .timeLimit(.minutes(1)))
struct GitHTTPServerTests {
    @Test func pushThenCloneWithCredentials() throws {
        let sandbox = try Sandbox("pushThenCloneWithCredentials")
        defer { sandbox.remove() }
        let server = try GitHTTPServer(projectRoot: sandbox.repositories,
                                       credentials: .init(username: "alice", password: "s3cret"))
        defer { server.stop() }
        let commit = try sandbox.commitFile("README.md", contents: Array("hello over http\n".utf8))
        let url = withCredentials(server.url(forRepository: "demo.git"), user: "alice", password: "s3cret")

        try sandbox.git("push", url, "HEAD:refs/heads/main", in: sandbox.work).requireSuccess()
        try sandbox.git("clone", "-q", url, sandbox.path("clone")).requireSuccess()

        let cloned = try String(contentsOfFile: sandbox.path("clone/README.md"), encoding: .utf8)
        #expect(cloned == "hello over http\n")
        let clonedHead = try sandbox.git("rev-parse", "HEAD", in: sandbox.path("clone")).requireSuccess()
        #expect(clonedHead == commit)
        let pushes = server.requests.filter { $0.method == "POST" && $0.path == "/demo.git/git-receive-pack" }
        #expect(pushes.contains { $0.status == 200 && $0.authorization?.hasPrefix("Basic ") == true })
    }

    @Test func wrongPasswordIsRefusedWith401() throws {
        let sandbox = try Sandbox("wrongPasswordIsRefusedWith401")
        defer { sandbox.remove() }
        let server = try GitHTTPServer(projectRoot: sandbox.repositories,
                                       credentials: .init(username: "alice", password: "s3cret"))
        defer { server.stop() }
        let url = withCredentials(server.url(forRepository: "demo.git"), user: "alice", password: "wrong")

        let result = try sandbox.git("ls-remote", url, in: sandbox.work)

        #expect(result.status != 0)
        // git first asks without credentials, then with the wrong ones: the second must be refused too.
        #expect(server.requests.contains { $0.status == 401 && $0.authorization != nil })
        #expect(!server.requests.contains { $0.status == 200 })
    }

    @Test func serverDyingMidPushLeavesTheRefAlone() throws {
        let sandbox = try Sandbox("serverDyingMidPushLeavesTheRefAlone")
        defer { sandbox.remove() }
        let server = try GitHTTPServer(projectRoot: sandbox.repositories)
        defer { server.stop() }
        let url = server.url(forRepository: "demo.git")
        let first = try sandbox.commitFile("README.md", contents: Array("first\n".utf8))
        try sandbox.git("push", url, "HEAD:refs/heads/main", in: sandbox.work).requireSuccess()

        server.setBehavior(.dieDuringPush(afterBytes: 1000))
        try sandbox.commitFile("noise.bin", contents: randomBytes(1 << 20))
        let push = try sandbox.git("push", url, "HEAD:refs/heads/main", in: sandbox.work)

        #expect(push.status != 0)
        let ref = try sandbox.git("--git-dir", sandbox.bareRepository, "rev-parse", "refs/heads/main").requireSuccess()
        #expect(ref == first)
        #expect(server.requests.contains { $0.path == "/demo.git/git-receive-pack" && $0.status == 0 })
    }

    @Test func neverAnswerSendsNothingAndStopsPromptly() throws {
        let sandbox = try Sandbox("neverAnswerSendsNothingAndStopsPromptly")
        defer { sandbox.remove() }
        let server = try GitHTTPServer(projectRoot: sandbox.repositories, behavior: .neverAnswer)
        let socket = try RawClient(port: server.port)
        defer { socket.close() }

        try socket.send("GET /demo.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(!socket.waitForData(milliseconds: 300))

        let clock = ContinuousClock()
        let started = clock.now
        server.stop()
        #expect(clock.now - started < .seconds(2))
        // Stopping closed the connection: the client now reads end-of-stream, still with no response.
        #expect(socket.waitForData(milliseconds: 1000))
        #expect(socket.receiveAll().isEmpty)
    }

    @Test func garbageIsAnsweredWith400() throws {
        let sandbox = try Sandbox("garbageIsAnsweredWith400")
        defer { sandbox.remove() }
        let server = try GitHTTPServer(projectRoot: sandbox.repositories)
        defer { server.stop() }
        let socket = try RawClient(port: server.port)
        defer { socket.close() }

        try socket.send("\u{01}\u{02} not http at all\r\n\r\n")

        let response = String(decoding: socket.receiveAll(), as: UTF8.self)
        #expect(response.hasPrefix("HTTP/1.1 400 "))
        #expect(server.requests.map(\.status) == [400])
    }
}

// MARK: - Helpers

/// Temp directories named after the test: a project root holding the bare `demo.git`, a work tree
/// with an identity, and a HOME without any git config.
private struct Sandbox {
    let root: String

    init(_ testName: String) throws {
        root = NSTemporaryDirectory() + "GitHTTPServerTests-\(testName)-\(UUID().uuidString.prefix(8))"
        for directory in [repositories, work, home] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try git("init", "-q", "--bare", "-b", "main", bareRepository).requireSuccess()
        try git("init", "-q", "-b", "main", work).requireSuccess()
    }

    var repositories: String { path("repos") }
    var bareRepository: String { path("repos/demo.git") }
    var work: String { path("work") }
    var home: String { path("home") }

    func path(_ relative: String) -> String { root + "/" + relative }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Commits `contents` as `name` in the work tree; returns the commit id.
    @discardableResult
    func commitFile(_ name: String, contents: [UInt8]) throws -> String {
        try Data(contents).write(to: URL(fileURLWithPath: work + "/" + name))
        try git("add", name, in: work).requireSuccess()
        try git("commit", "-q", "-m", "add \(name)", in: work).requireSuccess()
        return try git("rev-parse", "HEAD", in: work).requireSuccess()
    }

    /// Runs the real git CLI with a private HOME, no prompts, and nothing from this process's environment but PATH.
    func git(_ arguments: String..., in directory: String? = nil) throws -> GitResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory.map { URL(fileURLWithPath: $0) }
        process.environment = [
            "PATH": StartEnvironment.path,
            "HOME": home,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
            "LC_ALL": "C",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return GitResult(arguments: arguments, status: process.terminationStatus, output: text)
    }
}

private struct GitResult {
    var arguments: [String]
    var status: Int32
    var output: String

    /// The output without its trailing newline, or a test failure that shows what git said.
    @discardableResult
    func requireSuccess(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(status == 0, "git \(arguments.joined(separator: " ")) failed: \(output)",
                     sourceLocation: sourceLocation)
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private func withCredentials(_ url: String, user: String, password: String) -> String {
    url.replacingOccurrences(of: "http://", with: "http://\(user):\(password)@")
}

/// Incompressible bytes, so the pack is as large as the file.
private func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
}

/// A bare TCP client for what git would never send.
private struct RawClient {
    let fd: Int32

    init(port: Int) throws {
        fd = try #require(Loopback.connect(port: port), "cannot connect to 127.0.0.1:\(port)")
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        try #require(sent == bytes.count)
    }

    /// Whether the socket becomes readable (data or end-of-stream) within the time.
    func waitForData(milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, milliseconds) == 1
    }

    /// Everything until the server closes the connection (bounded by a 5 s receive timeout).
    func receiveAll() -> [UInt8] {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = recv(fd, &buffer, buffer.count, 0), count > 0 {
            received += buffer[0..<count]
        }
        return received
    }

    func close() { Glibc.close(fd) }
}
