// A git smart-HTTP server on 127.0.0.1 for tests and benchmarks: it fronts the real `git http-backend`,
// as forges do, so clients talk to real git over real HTTP/1.1.
import Foundation
import Glibc

/// Serves every bare repository under a directory at `http://127.0.0.1:PORT/<name>.git`.
///
/// One accept thread plus one thread per connection; each request runs `git http-backend` as a CGI.
/// Behaviours that misbehave on purpose (dying mid-push, never answering) exercise client error paths.
public final class GitHTTPServer: @unchecked Sendable {  // internally synchronized (see ServerCore)
    public enum Behavior: Sendable {
        case normal
        /// Accept a git-receive-pack POST, read `afterBytes` bytes of its body, then close the connection abruptly
        /// (kill the CGI child too), as a server that dies mid-push.
        case dieDuringPush(afterBytes: Int)
        /// Accept connections and read requests but never answer (until stop()).
        case neverAnswer
    }

    public struct Credentials: Sendable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// One request as the server saw it. `status` is the status sent, or 0 if no response was sent
    /// (`.neverAnswer`, `.dieDuringPush`, or a client that left first).
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var status: Int
        public var authorization: String?
    }

    /// The port bound on 127.0.0.1.
    public let port: Int
    private let core: ServerCore

    /// Serves every bare repository under `projectRoot` at http://127.0.0.1:PORT/<name>.git
    /// `credentials == nil` means no auth (pushes allowed as user "anonymous").
    public init(projectRoot: String, credentials: Credentials? = nil, behavior: Behavior = .normal) throws {
        _ = ignoreSIGPIPE
        let inherited = ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home]
        let configuration = ServerCore.Configuration(
            projectRoot: projectRoot,
            credentials: credentials,
            backendPath: try locateHTTPBackend(environment: inherited),
            inheritedEnvironment: inherited)
        let (listener, port) = try Loopback.bind()
        self.port = port
        core = ServerCore(configuration: configuration, listener: listener, behavior: behavior)
        core.start()
    }

    deinit {
        core.stop()
    }

    /// "http://127.0.0.1:PORT/<name>"; `name` includes the `.git` suffix if the repository's directory has one.
    public func url(forRepository name: String) -> String {
        "http://127.0.0.1:\(port)/\(name)"
    }

    /// Every request whose outcome is settled, in that order. A request is recorded just before the client
    /// can see its outcome (the response's last byte, or the dropped connection), so a client that has
    /// finished finds its requests here.
    public var requests: [RecordedRequest] { core.recordedRequests }

    /// Applies to requests that arrive from now on.
    public func setBehavior(_ b: Behavior) { core.behavior = b }

    /// Closes the listener and every connection, kills running backends and waits for all threads. Idempotent.
    public func stop() { core.stop() }
}

/// What failed, in words: no git, no http-backend, no socket, no process.
struct GitHTTPServerError: Error, CustomStringConvertible {
    var description: String
}

/// A peer that hangs up must cost a write error (EPIPE), not the process: ignored once, process-wide.
private let ignoreSIGPIPE: Void = {
    signal(SIGPIPE, SIG_IGN)
}()

/// What the accept thread and the connection threads share. `GitHTTPServer` is only a handle on it:
/// the threads keep the core alive, not the handle, so dropping the handle can stop the server.
final class ServerCore: @unchecked Sendable {  // every `var` is guarded by `state`
    struct Configuration: Sendable {
        let projectRoot: String
        let credentials: GitHTTPServer.Credentials?
        let backendPath: String
        /// PATH and HOME: all the backend inherits, so no token in this process's environment leaks.
        let inheritedEnvironment: [String: String]
    }

    let configuration: Configuration
    private let threads: ConnectionThreads
    private let state = NSLock()
    private var stopping = false
    private var currentBehavior: GitHTTPServer.Behavior
    private var log: [GitHTTPServer.RecordedRequest] = []
    private var children: [pid_t: ChildProcess] = [:]

    init(configuration: Configuration, listener: Int32, behavior: GitHTTPServer.Behavior) {
        self.configuration = configuration
        self.threads = ConnectionThreads(listener: listener, name: "GitHTTPServer")
        self.currentBehavior = behavior
    }

    var behavior: GitHTTPServer.Behavior {
        get { locked { currentBehavior } }
        set { locked { currentBehavior = newValue } }
    }

    var recordedRequests: [GitHTTPServer.RecordedRequest] { locked { log } }

    func record(_ head: RequestHead?, status: Int) {
        let request = GitHTTPServer.RecordedRequest(
            method: head?.method ?? "", path: head?.path ?? "", query: head?.query ?? "",
            status: status, authorization: head?.value("Authorization"))
        locked { log.append(request) }
    }

    func start() {
        threads.start { [self] client in
            GitHTTPConnection(core: self, socket: client).run()
        }
    }

    /// Kills the running backends, then stops the threads (which closes every connection).
    func stop() {
        locked {
            stopping = true
            children.values.forEach { $0.kill() }
        }
        threads.stop()
    }

    /// Registers a running backend so that stop() can kill it; false (and the caller must kill it) once stopped.
    func adopt(_ child: ChildProcess) -> Bool {
        locked {
            if stopping { return false }
            children[child.pid] = child
            return true
        }
    }

    func release(_ child: ChildProcess) {
        locked { _ = children.removeValue(forKey: child.pid) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        state.lock()
        defer { state.unlock() }
        return try body()
    }
}
