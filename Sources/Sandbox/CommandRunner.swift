import Foundation
import Glibc

/// What to start: an executable already found, with the environment already filtered.
struct LaunchPlan: Sendable {
    /// Absolute path of what is exec'd: the program itself, or bwrap.
    var executable: String
    /// The argument vector, argv[0] included.
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String
    var timeout: Duration
    var outputLimit: Int
    /// The direct child is bwrap. bwrap does not pass a SIGTERM on: it dies of it at once and the
    /// sandbox goes with it, so the grace period would be lost. A timeout's SIGTERM therefore goes to
    /// the other members of the process group, the command and what it started.
    var isolated: Bool
}

/// How a started command ended.
struct LaunchOutcome: Sendable {
    var exitCode: Int32?
    var signal: Int32?
    var timedOut: Bool
    var cancelled: Bool
    var output: String
    var omittedBytes: Int
    var duration: Duration
}

/// Starts a command with posix_spawn and watches it on the calling thread until it and its process
/// group are gone: output, timeout, cancellation. Blocking: `Sandbox.run` calls it on a thread of
/// its own, never on Swift's cooperative pool.
enum CommandRunner {
    enum Ending: Sendable {
        case finished(LaunchOutcome)
        /// posix_spawn failed with this error number; nothing runs.
        case failedToStart(Int32)
    }

    /// Between the SIGTERM of a timeout and the SIGKILL.
    static let gracePeriod = Duration.seconds(2)
    /// After the command exits, how long output may still trickle in from what it left behind
    /// before reading stops (a process that left the process group can hold the pipe forever).
    static let drainQuietPeriod = Duration.milliseconds(250)
    static let drainLimit = Duration.seconds(2)
    static let readChunk = 64 * 1024

    /// Runs `plan` to the end. The thread that calls this must live until it returns: bwrap's
    /// `--die-with-parent` is tied to the thread that started it.
    static func run(_ plan: LaunchPlan, control: RunControl) throws(SandboxError) -> Ending {
        defer { control.close() }
        guard let output = GNU.pipe() else {
            throw SandboxError(.spawnFailed, "cannot create a pipe: \(String(cString: strerror(errno)))",
                               hint: "the bot is out of file descriptors; raise `ulimit -n`")
        }
        // Only our end is non-blocking; the child's stdout stays blocking, as programs expect.
        _ = fcntl(output.read, F_SETFL, fcntl(output.read, F_GETFL) | O_NONBLOCK)
        let clock = ContinuousClock()
        let start = clock.now
        let spawned = spawn(plan, output: output.write)
        close(output.write)
        let pid: pid_t
        switch spawned {
        case .started(let child):
            pid = child
        case .failed(let code):
            close(output.read)
            return .failedToStart(code)
        }
        defer { close(output.read) }

        // The waiter reports the exit without reaping (WNOWAIT): until this thread reaps the child,
        // its pid, and so its process group id, cannot be reused, and `kill(-pid, …)` stays safe.
        let waiter = Thread {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            control.markExited()
        }
        waiter.name = "codex-bot.sandbox.wait"
        waiter.stackSize = 64 << 10
        waiter.start()

        var collector = OutputCollector(limit: plan.outputLimit)
        var buffer = [UInt8](repeating: 0, count: readChunk)
        var outputOpen = true
        var timedOut = false
        var terminatedAt: ContinuousClock.Instant?
        var killed = false
        let deadline = start + min(plan.timeout, .seconds(366 * 86_400))  // no overflow on absurd timeouts

        while !control.hasExited {
            if control.isCancelled && !killed {
                kill(-pid, SIGKILL)
                killed = true
            }
            let now = clock.now
            if !timedOut && now >= deadline {
                timedOut = true
                terminatedAt = now
                terminate(group: pid, isolated: plan.isolated)
            }
            if let terminatedAt, !killed, now >= terminatedAt + gracePeriod {
                kill(-pid, SIGKILL)
                killed = true
            }
            let nextCheck = killed ? nil : timedOut ? terminatedAt.map { $0 + gracePeriod } : deadline
            let ready = poll(output: outputOpen ? output.read : -1, wake: control.wakeRead,
                             timeout: nextCheck.map { milliseconds(from: now, to: $0) } ?? -1)
            if ready.wake { control.drainWakeUps() }
            if ready.output { outputOpen = readAvailable(output.read, into: &collector, buffer: &buffer) }
        }

        // The child has exited: end what it left behind in its group (a background job must not
        // outlive the command), then read what is still in the pipe.
        kill(-pid, SIGKILL)
        let exitedAt = clock.now
        var lastOutput = exitedAt
        while outputOpen {
            let now = clock.now
            let stopAt = min(lastOutput + drainQuietPeriod, exitedAt + drainLimit)
            guard now < stopAt else { break }
            let ready = poll(output: output.read, wake: -1, timeout: milliseconds(from: now, to: stopAt))
            if ready.output {
                outputOpen = readAvailable(output.read, into: &collector, buffer: &buffer)
                lastOutput = clock.now
            }
        }
        var (text, omitted) = collector.finish()
        if outputOpen {
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            text += "[… stopped reading: a process that left the command's process group still holds its output open …]\n"
        }

        var status: Int32 = 0
        var reaped = waitpid(pid, &status, 0)
        while reaped < 0 && errno == EINTR { reaped = waitpid(pid, &status, 0) }
        // Not reaped here only if something else in the bot reaped it (waitpid(-1)): status unknown.
        let signal = reaped == pid ? status & 0x7F : 0
        return .finished(LaunchOutcome(exitCode: reaped != pid ? nil : signal == 0 ? (status >> 8) & 0xFF : nil,
                                       signal: signal == 0 ? nil : signal,
                                       timedOut: timedOut, cancelled: control.isCancelled,
                                       output: text, omittedBytes: omitted, duration: start.duration(to: clock.now)))
    }

    private enum Spawned {
        case started(pid_t)
        /// The error number posix_spawn returned.
        case failed(Int32)
    }

    /// Starts the child as the leader of a new session, and so of a new process group whose id is
    /// its pid: `kill(-pid, …)` reaches everything it starts. A session rather than only a group
    /// (POSIX_SPAWN_SETPGROUP) also leaves the bot's terminal behind: a program that opens
    /// /dev/tty to ask for a password fails at once instead of stopping on SIGTTIN until the
    /// timeout, and none can push keystrokes into the user's shell with TIOCSTI.
    ///
    /// The signal mask is emptied and every signal gets its default action: Swift Testing's threads
    /// block SIGTERM and the bot ignores SIGPIPE, and a child would inherit both. stdin is
    /// /dev/null, stdout and stderr are the one pipe, everything else is closed.
    private static func spawn(_ plan: LaunchPlan, output: Int32) -> Spawned {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | GNU.spawnSetSession))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        GNU.addCloseFrom(&actions, 3)
        switch GNU.addChdir(&actions, plan.workingDirectory) {
        case 0: break
        case let code?: return .failed(code)
        case nil: return .failed(ENOSYS)  // glibc older than 2.29
        }

        let argv = plan.arguments.map { strdup($0) } + [nil]
        let envp = plan.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        var result = posix_spawn(&pid, plan.executable, &actions, &attributes, argv, envp)
        // ETXTBSY: a script written a moment ago (by the agent's apply_patch, say) is still open for
        // writing in a child that another thread is spawning at the same time, between its fork and
        // its exec. The window is short; wait it out a few times rather than fail the command.
        var pause: useconds_t = 5_000
        while result == ETXTBSY && pause <= 160_000 {
            usleep(pause)
            pause *= 2
            result = posix_spawn(&pid, plan.executable, &actions, &attributes, argv, envp)
        }
        return result == 0 ? .started(pid) : .failed(result)
    }

    /// A timeout's SIGTERM: to the whole group, or under bubblewrap to every member but bwrap itself.
    private static func terminate(group: pid_t, isolated: Bool) {
        guard isolated else {
            kill(-group, SIGTERM)
            return
        }
        let members = processes(inGroup: group).filter { $0 != group }
        if members.isEmpty {
            kill(-group, SIGTERM)  // /proc unreadable: bwrap goes too, and the sandbox with it
        }
        // A member can exit between the scan and the signal; its pid is only reused after the
        // kernel went round all pids, so the window is far shorter than that cycle.
        for member in members { kill(member, SIGTERM) }
    }

    /// The pids whose process group is `group`, from /proc (field 5 of /proc/PID/stat).
    static func processes(inGroup group: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let stat = readSmallFile("/proc/\(entry)/stat"),
                  let commandEnd = stat.lastIndex(of: ")") else { return nil }
            // After "pid (comm)": state, ppid, pgrp. comm may hold spaces and parentheses, hence the last ")".
            let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
            return fields.count > 2 && pid_t(fields[2]) == group ? pid : nil
        }
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1024)
        let count = read(fd, &bytes, bytes.count)
        return count > 0 ? String(decoding: bytes[..<count], as: UTF8.self) : nil
    }

    /// Reads what the pipe holds now, at most 16 chunks so that a command that prints without end
    /// cannot keep the watcher from its clock; false once the pipe reached end of file.
    private static func readAvailable(_ fd: Int32, into collector: inout OutputCollector, buffer: inout [UInt8]) -> Bool {
        for _ in 0..<16 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.withUnsafeBufferPointer { collector.append(UnsafeBufferPointer(rebasing: $0[..<count])) }
                if count < buffer.count { return true }  // drained for now; poll again
            } else if count == 0 {
                return false
            } else if errno == EAGAIN || errno == EINTR {
                return true
            } else {
                return false  // EIO and the like: nothing more will come
            }
        }
        return true
    }

    /// Waits until the output or the wake-up pipe is readable, or `timeout` ms (-1: no limit) pass.
    /// A negative descriptor is left out, as poll(2) does.
    private static func poll(output: Int32, wake: Int32, timeout: Int32) -> (output: Bool, wake: Bool) {
        var fds = [pollfd(fd: output, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        let count = Glibc.poll(&fds, nfds_t(fds.count), timeout)
        guard count > 0 else { return (false, false) }
        let readable = Int16(POLLIN | POLLHUP | POLLERR)
        return (fds[0].revents & readable != 0, fds[1].revents & readable != 0)
    }

    /// Milliseconds from `now` to `instant`, rounded up (so a wake-up is never early), at least 0.
    static func milliseconds(from now: ContinuousClock.Instant, to instant: ContinuousClock.Instant) -> Int32 {
        let remaining = now.duration(to: instant)
        guard remaining > .zero else { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}
