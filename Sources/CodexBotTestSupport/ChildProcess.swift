// Child processes for GitHTTPServer: `git http-backend` per request, and `git --exec-path` to find it.
import Foundation
import Glibc

/// A child started with posix_spawn. Its stdin and stdout are pipes, its stderr is /dev/null, and it
/// leads its own process group, so `kill()` also ends the helpers it started (`git http-backend`
/// runs `git receive-pack`, which runs `git index-pack`).
///
/// Foundation's `Process` is not used because it offers neither the process group nor a kill that
/// is safe against pid reuse from another thread (see `spawnInOwnProcessGroup`).
final class ChildProcess: @unchecked Sendable {  // `reaped` is guarded by `lock`; the fds belong to their callers
    let pid: pid_t
    /// Write end of the child's stdin. The caller closes it: EOF tells the child its input is complete.
    let stdin: Int32
    /// Read end of the child's stdout. The caller closes it.
    let stdout: Int32

    private let lock = NSLock()
    private var reaped = false
    private var exitStatus: Int32 = 0

    private init(pid: pid_t, stdin: Int32, stdout: Int32) {
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
    }

    /// Starts `executable` (looked up in PATH when `searchPath`) with exactly `environment`.
    static func spawn(_ executable: String, arguments: [String], environment: [String: String],
                      searchPath: Bool = false) throws -> ChildProcess {
        // O_CLOEXEC: concurrent spawns must not inherit each other's pipes, or a child never sees EOF.
        guard let input = GNU.pipeCloseOnExec() else { throw GitHTTPServerError(description: "pipe2: errno \(errno)") }
        guard let output = GNU.pipeCloseOnExec() else {
            input.forEach { close($0) }
            throw GitHTTPServerError(description: "pipe2: errno \(errno)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let spawned = spawnInOwnProcessGroup(executable, arguments, environment: environment, actions: &actions,
                                             searchPath: searchPath)
        close(input[0])
        close(output[1])
        let pid: pid_t
        switch spawned {
        case .success(let started):
            pid = started
        case .failure(let error):
            close(input[1])
            close(output[0])
            throw GitHTTPServerError(description: error.description)
        }
        return ChildProcess(pid: pid, stdin: input[1], stdout: output[0])
    }

    /// Kills the child's whole process group; does nothing once the child has been reaped.
    func kill() {
        lock.lock()
        defer { lock.unlock() }
        if !reaped {
            Glibc.kill(-pid, SIGKILL)
        }
    }

    /// Waits for the child to exit and returns its exit code (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        // Wait without reaping first: until it is reaped the pid cannot be reused, so a concurrent
        // kill() cannot hit an unrelated process.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        lock.lock()
        defer { lock.unlock() }
        if !reaped {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7F
            exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            reaped = true
        }
        return exitStatus
    }
}

/// The path of `git-http-backend`, from `git --exec-path`.
func locateHTTPBackend(environment: [String: String]) throws -> String {
    let git = try ChildProcess.spawn("git", arguments: ["--exec-path"], environment: environment, searchPath: true)
    close(git.stdin)
    let reader = FDReader(fd: git.stdout)
    let line = try? reader.readLine(maxLength: 4096)
    close(git.stdout)
    let status = git.wait()
    guard status == 0, let line, let directory = String(bytes: line, encoding: .utf8), !directory.isEmpty else {
        throw GitHTTPServerError(description: "`git --exec-path` failed (exit \(status))")
    }
    let backend = directory + "/git-http-backend"
    guard access(backend, X_OK) == 0 else {
        throw GitHTTPServerError(description: "\(backend) is not executable")
    }
    return backend
}
