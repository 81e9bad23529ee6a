// The thread life of a loopback server, shared by GitHTTPServer and TLSProxy.
import Foundation
import Glibc

/// One thread accepting on a listening socket and one thread per connection, with a `stop()`
/// that never hangs: it shuts down (rather than closes) every socket, which wakes the threads
/// blocked on them (accept, poll, read, send), and waits until all threads have ended. Each
/// socket is closed by its owner once nothing can be using it, so a reused descriptor is
/// never shut down by mistake.
///
/// The threads keep this object alive, not the server's public handle, so dropping the
/// handle (whose deinit calls `stop()`) ends everything.
final class ConnectionThreads: @unchecked Sendable {  // every `var` is guarded by `state`
    private let listener: Int32
    private let name: String
    private let state = NSCondition()
    private var stopped = false
    private var sockets: Set<Int32> = []  // connections' client (and backend) sockets
    private var liveThreads = 0

    init(listener: Int32, name: String) {
        self.listener = listener
        self.name = name
    }

    /// Starts accepting; `handle` runs on a thread of its own for each connection, after
    /// which the client socket is closed.
    func start(_ handle: @escaping @Sendable (Int32) -> Void) {
        locked { liveThreads += 1 }
        startThread(name: "\(name).accept") { [self] in
            while let client = nextClient() {
                startThread(name: "\(name).connection") { [self] in
                    handle(client)
                    release(client)
                    threadEnded()
                }
            }
            close(listener)
            threadEnded()
        }
    }

    /// Stops accepting, wakes every connection thread and waits for all of them. Idempotent.
    func stop() {
        state.lock()
        defer { state.unlock() }
        if !stopped {
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            sockets.forEach { shutdown($0, Int32(SHUT_RDWR)) }
        }
        while liveThreads > 0 { state.wait() }
    }

    var isStopped: Bool { locked { stopped } }

    /// Registers another socket (a backend connection) so stop() can wake its user;
    /// false, and the caller closes it, once stopped.
    func adopt(_ fd: Int32) -> Bool {
        locked {
            guard !stopped else { return false }
            sockets.insert(fd)
            return true
        }
    }

    /// Unregisters and closes a socket, under the lock so stop() never shuts down a reused descriptor.
    func release(_ fd: Int32) {
        locked {
            sockets.remove(fd)
            close(fd)
        }
    }

    /// The next connection, registered and counted as a live thread; nil once stopped.
    private func nextClient() -> Int32? {
        while true {
            let client = GNU.acceptCloseOnExec(listener)
            let error = errno
            if client >= 0 {
                var noDelay: Int32 = 1  // responses go out as several small writes; Nagle would stall them
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                let admitted: Bool = locked {
                    guard !stopped else { return false }
                    sockets.insert(client)
                    liveThreads += 1
                    return true
                }
                if admitted { return client }
                close(client)
                return nil
            }
            if locked({ stopped }) { return nil }
            if error != EINTR && error != ECONNABORTED { usleep(10_000) }  // e.g. out of fds: back off
        }
    }

    private func threadEnded() {
        locked {
            liveThreads -= 1
            state.broadcast()
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        state.lock()
        defer { state.unlock() }
        return try body()
    }
}

/// Runs `body` on a new thread.
func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = name
    thread.start()
}
