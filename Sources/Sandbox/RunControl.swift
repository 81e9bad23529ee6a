import Glibc
import Synchronization

/// How the async caller and the child's waiter thread reach the thread that watches one command:
/// each sets its flag and writes a byte to a wake-up pipe that the watcher polls together with
/// the command's output, so it reacts at once without waking up on a timer.
final class RunControl: Sendable {
    private struct State {
        var wakeWrite: Int32
        var cancelled = false
        var exited = false
    }

    /// The watcher's end; non-blocking, so draining it never stalls.
    let wakeRead: Int32
    private let state: Mutex<State>

    init() throws(SandboxError) {
        guard let wake = GNU.pipe(flags: O_NONBLOCK) else {
            throw SandboxError(.spawnFailed, "cannot create a pipe: \(String(cString: strerror(errno)))",
                               hint: "the bot is out of file descriptors; raise `ulimit -n`")
        }
        wakeRead = wake.read
        state = Mutex(State(wakeWrite: wake.write))
    }

    /// Task cancellation: the watcher kills the process group.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            Self.wake(state.wakeWrite)
        }
    }

    /// The child exited (not reaped yet).
    func markExited() {
        state.withLock { state in
            state.exited = true
            Self.wake(state.wakeWrite)
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
    var hasExited: Bool { state.withLock { $0.exited } }

    /// Empties the wake-up pipe.
    func drainWakeUps() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &bytes, bytes.count) > 0 {}
    }

    /// Closes both ends. Under the lock, so that a late `cancel()` (the task is cancelled after the
    /// command ended) cannot write into a descriptor number that something else has reused.
    func close() {
        state.withLock { state in
            if state.wakeWrite >= 0 {
                Glibc.close(state.wakeWrite)
                Glibc.close(wakeRead)
                state.wakeWrite = -1
            }
        }
    }

    private static func wake(_ fd: Int32) {
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        // Non-blocking: a full pipe already holds a pending wake-up.
        _ = write(fd, &byte, 1)
    }
}
