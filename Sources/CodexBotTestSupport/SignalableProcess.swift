// A program run the way CI runs a step: in the background, its output in files, stoppable with a signal.
import Foundation
import Glibc

/// A program started with posix_spawn in its own process group, with no signal blocked and
/// SIGTERM/SIGINT/SIGPIPE/SIGHUP at their defaults (see `spawnInOwnProcessGroup`: Foundation's
/// `Process` would pass on the SIGTERM that Swift Testing's threads block, and the program
/// would never see the signal a CI runner sends on cancel). Its stdout and stderr go to files
/// in `outputDirectory`, readable while it runs; stdin is /dev/null.
public final class SignalableProcess: @unchecked Sendable {  // `lock` guards `status`
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String

    private let lock = NSLock()
    private var status: Int32?

    private init(pid: pid_t, stdoutPath: String, stderrPath: String) {
        self.pid = pid
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Starts `executable` with `arguments` in `directory`, with exactly `environment`.
    public static func start(_ executable: String, _ arguments: [String], in directory: String,
                             environment: [String: String], outputDirectory: String) throws -> SignalableProcess {
        let name = URL(fileURLWithPath: executable).lastPathComponent + "-" + UUID().uuidString.prefix(8)
        let stdoutPath = URL(fileURLWithPath: outputDirectory).appendingPathComponent("\(name).stdout").path
        let stderrPath = URL(fileURLWithPath: outputDirectory).appendingPathComponent("\(name).stderr").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // posix_spawn has no portable chdir: a shell changes directory and then becomes the program (same pid).
        let spawned = spawnInOwnProcessGroup("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments,
                                             environment: environment, actions: &actions)
        switch spawned {
        case .success(let pid): return SignalableProcess(pid: pid, stdoutPath: stdoutPath, stderrPath: stderrPath)
        case .failure(let error): throw error
        }
    }

    /// What the program has written to stdout so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// What the program has written to stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` to the program alone (not its group), as a CI runner's cancel does.
    public func send(_ signal: Int32) {
        lock.withLock {
            if status == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// The exit code (128 + signal when killed) once the program has ended, without waiting.
    public func exitStatus() -> Int32? {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            guard reaped == pid else { return nil }
            let signal = raw & 0x7F
            status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
            return status
        }
    }

    /// Waits up to `timeout` for the program to end; nil when it is still running.
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return exitStatus()
    }

    /// Kills the program's whole process group and reaps it, unless it has ended already.
    public func kill() {
        guard exitStatus() == nil else { return }
        lock.withLock { _ = Glibc.kill(-pid, SIGKILL) }
        while true {
            if exitStatus() != nil { return }
            usleep(10_000)
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func waitUntil(timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
