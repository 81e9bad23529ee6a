// Tests for the socket stream with time limits (Sources/CGit2Shims/timeout_stream.c),
// driven through libgit2's own C API so they exercise exactly what libgit2 does.
//
// The registration is process-global, so the suite runs serialized and every test
// registers the same limits itself: no test depends on another having run first.

import CGit2
import CGit2Shims
import CodexBotTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let connectLimitMs: Int32 = 2000
private let ioLimitMs: Int32 = 800

extension NetworkSuite {
    @Suite("libgit2 socket stream with time limits")
    struct TimeoutStreamTests {

        // MARK: - A server that accepts and never answers

        @Test(arguments: ["http", "git"])
        func silentServerTimesOutWithClearMessage(scheme: String) throws {
            try withLibgit2 {
                let server = try SilentServer()
                defer { server.stop() }
                let dir = try TemporaryDirectory(named: "timeout-stream")
                defer { dir.remove() }

                let result = clone("\(scheme)://127.0.0.1:\(server.port)/x.git", into: dir.appending("clone"))
                server.stop()

                #expect(result.code < 0)
                #expect(result.elapsed < .seconds(5), "took \(result.elapsed)")
                // Ended by our I/O limit, not by something faster failing first.
                #expect(result.elapsed >= .milliseconds(Int(ioLimitMs) - 100), "took \(result.elapsed)")
                #expect(result.message.contains("network timeout"), "message: \(result.message)")
                #expect(result.message.contains("127.0.0.1:\(server.port)"), "message: \(result.message)")
                #expect(result.message.contains("\(ioLimitMs) ms"), "message: \(result.message)")
                // The request did go out through our write path.
                let expected = scheme == "http" ? "GET /x.git/info/refs" : "git-upload-pack /x.git"
                #expect(server.firstRequest.contains(expected), "server saw: \(server.firstRequest.debugDescription)")
                #expect(!FileManager.default.fileExists(atPath: dir.appending("clone/.git/HEAD")))
            }
        }

        /// Under libgit2's mbedTLS stream the limit still ends the handshake, but
        /// mbedTLS reports its own "SSL error" text instead of ours (see report).
        @Test func silentServerUnderTLSIsStillBounded() throws {
            try withLibgit2 {
                let server = try SilentServer()
                defer { server.stop() }
                let dir = try TemporaryDirectory(named: "timeout-stream")
                defer { dir.remove() }

                let result = clone("https://127.0.0.1:\(server.port)/x.git", into: dir.appending("clone"))
                server.stop()

                #expect(result.code < 0)
                #expect(result.elapsed < .seconds(5), "took \(result.elapsed)")
                #expect(result.elapsed >= .milliseconds(Int(ioLimitMs) - 100), "took \(result.elapsed)")
                // The TLS ClientHello went out through our stream (record type 0x16 = handshake).
                #expect(server.firstRequest.utf8.first == 0x16, "server saw: \(server.firstRequest.debugDescription)")
            }
        }

        // MARK: - Nothing listening

        /// Every transport opens its socket through the registered stream: the
        /// "host:port" wording is ours (libgit2's own says only the host).
        @Test(arguments: ["http", "https", "git", "ssh"])
        func refusedConnectionNamesHostAndPort(scheme: String) throws {
            try withLibgit2 {
                // Bound but not listening: the kernel refuses connections, and
                // keeping it bound means no one else can take the port meanwhile.
                let placeholder = try LoopbackSocket()
                defer { placeholder.close() }
                let dir = try TemporaryDirectory(named: "timeout-stream")
                defer { dir.remove() }

                let result = clone("\(scheme)://127.0.0.1:\(placeholder.port)/x.git", into: dir.appending("clone"))

                #expect(result.code < 0)
                #expect(result.elapsed < .seconds(5), "took \(result.elapsed)")
                #expect(result.message.contains("127.0.0.1:\(placeholder.port)"), "message: \(result.message)")
                #expect(result.message.lowercased().contains("refused"), "message: \(result.message)")
            }
        }

        // MARK: - Normal traffic

        @Test(.enabled(if: GitDaemon.isAvailable, "git daemon is not installed"))
        func cloneFromGitDaemonSucceedsThroughTheStream() throws {
            try withLibgit2 {
                let dir = try TemporaryDirectory(named: "timeout-stream")
                defer { dir.remove() }
                let head = try makeBareRepository(at: dir.appending("base/repo.git"), scratch: dir.appending("src"))

                let daemon = try GitDaemon.start(basePath: dir.appending("base"), log: dir.appending("daemon.log"))
                defer { daemon.stop() }

                let before = cgit2_timeout_stream_connections()
                let result = clone("git://127.0.0.1:\(daemon.port)/repo.git", into: dir.appending("clone"))
                let after = cgit2_timeout_stream_connections()

                #expect(result.code == 0, "clone failed: \(result.message)\ndaemon log:\n\(daemon.log)")
                #expect(after > before, "no connection went through the timeout stream")
                let cloned = try? GitCLI.check(["rev-parse", "HEAD"], in: dir.appending("clone"))
                #expect(cloned == head)
                #expect(FileManager.default.fileExists(atPath: dir.appending("clone/README")))
            }
        }
    }
}

// MARK: - libgit2 helpers

/// Takes a libgit2 reference (it is counted) and registers the stream with
/// this suite's limits, so each test stands alone.
private func withLibgit2(_ body: () throws -> Void) throws {
    #expect(git_libgit2_init() > 0)
    defer { git_libgit2_shutdown() }
    let rc = cgit2_register_timeout_stream(connectLimitMs, ioLimitMs)
    try #require(rc == 0, "registration failed: \(lastGitError())")
    try body()
}

private struct CloneResult {
    var code: Int32
    var message: String
    var elapsed: Duration
}

private func clone(_ url: String, into path: String) -> CloneResult {
    var repo: OpaquePointer?
    var code: Int32 = 0
    let elapsed = ContinuousClock().measure {
        code = git_clone(&repo, url, path, nil)
    }
    let message = code == 0 ? "" : lastGitError()
    git_repository_free(repo)
    return CloneResult(code: code, message: message, elapsed: elapsed)
}

private func lastGitError() -> String {
    guard let error = git_error_last(), let message = error.pointee.message else { return "(no libgit2 error)" }
    return String(cString: message)
}

// MARK: - Sockets

private struct SocketError: Error, CustomStringConvertible {
    var description: String
    init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picked.
private final class LoopbackSocket: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private var closed = false

    init() throws {
        let (fd, port) = try Loopback.bind(listening: false)
        self.fd = fd
        self.port = UInt16(port)
    }

    func close() {
        if !closed { Glibc.close(fd); closed = true }
    }

    deinit { close() }
}

/// Accepts connections on 127.0.0.1, reads what the client sends and never
/// answers. A safety valve drops connections after 10 s, so a stream without
/// limits makes the test fail instead of hanging the run.
private final class SilentServer: @unchecked Sendable {
    private let listener: LoopbackSocket
    private let lock = NSLock()
    private var stopping = false
    private var stopped = false
    private var clients: [(fd: Int32, since: ContinuousClock.Instant)] = []
    private var received = ""
    private let finished = DispatchSemaphore(value: 0)

    var port: UInt16 { listener.port }
    var firstRequest: String { lock.withLock { received } }

    init() throws {
        listener = try LoopbackSocket()
        guard listen(listener.fd, 8) == 0 else { throw SocketError("listen") }
        Thread.detachNewThread { [self] in run() }
    }

    /// Idempotent; returns once the accept thread has finished.
    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopping = true }
            return !stopping
        }
        if first { finished.wait() }
        lock.withLock {
            if !stopped {
                for client in clients { Glibc.close(client.fd) }
                clients.removeAll()
                listener.close()
                stopped = true
            }
        }
    }

    private var shouldStop: Bool { lock.withLock { stopping } }

    private func run() {
        defer { finished.signal() }
        while !shouldStop {
            dropStaleClients()
            guard wait(for: listener.fd, ms: 50) else { continue }
            let client = accept(listener.fd, nil, nil)
            guard client >= 0 else { continue }
            lock.withLock { clients.append((client, .now)) }
            readRequest(from: client)
        }
    }

    private func readRequest(from fd: Int32) {
        guard wait(for: fd, ms: 3000) else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        lock.withLock { if received.isEmpty { received = text } }
    }

    private func dropStaleClients() {
        lock.withLock {
            clients.removeAll { client in
                guard ContinuousClock.now - client.since > .seconds(10) else { return false }
                Glibc.close(client.fd)
                return true
            }
        }
    }

    private func wait(for fd: Int32, ms: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, ms) > 0
    }
}

// MARK: - Files and the git CLI

private struct CommandError: Error, CustomStringConvertible {
    var description: String
}

/// Makes a bare repository with one commit (a README) and returns that commit's id.
private func makeBareRepository(at bare: String, scratch: String) throws -> String {
    let head = try GitCLI.makeRepository(at: scratch, files: ["README": "hello\n"], message: "first")
    try GitCLI.check(["clone", "-q", "--bare", scratch, bare], in: scratch)
    return head
}

/// `git daemon` serving a directory on 127.0.0.1, in the foreground.
///
/// It runs the `git-daemon` program directly rather than through the `git`
/// wrapper, and is stopped with SIGKILL: Foundation's Process on Linux hands
/// the spawning thread's signal mask to the child, and Swift Testing's worker
/// threads block SIGTERM, so `terminate()` is never delivered (the wrapper and
/// the daemon would both outlive the test).
private final class GitDaemon {
    let process: Process
    let port: UInt16
    private let logPath: String

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The `git-daemon` program that `git daemon` would run, if installed.
    static var program: String? {
        guard let execPath = try? GitCLI.check(["--exec-path"], in: NSTemporaryDirectory()) else { return nil }
        let path = execPath + "/git-daemon"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static var isAvailable: Bool { program != nil }

    private init(process: Process, port: UInt16, logPath: String) {
        self.process = process
        self.port = port
        self.logPath = logPath
    }

    /// Picks a free port and starts the daemon there; another process may grab
    /// the port between our probe and the daemon's bind, so that is retried.
    static func start(basePath: String, log: String) throws -> GitDaemon {
        guard let program else { throw CommandError(description: "git-daemon is not installed") }
        for _ in 0..<3 {
            let port = try LoopbackSocket().port // closed again on return (deinit)
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = ["--export-all", "--base-path=\(basePath)",
                                 "--listen=127.0.0.1", "--port=\(port)", "--reuseaddr",
                                 "--informative-errors", "--verbose"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            let daemon = GitDaemon(process: process, port: port, logPath: log)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning && ContinuousClock.now < deadline {
                if Loopback.isListening(port: Int(port)) { return daemon }
                Thread.sleep(forTimeInterval: 0.05)
            }
            daemon.stop()
        }
        throw CommandError(description: "git daemon did not start; log:\n"
            + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    /// Connections already served have finished; children still serving one
    /// end on their own when the client closes.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
