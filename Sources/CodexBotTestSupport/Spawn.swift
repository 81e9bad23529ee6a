// posix_spawn for the test servers' children (git http-backend, sshd, ssh-agent).
import Glibc

/// Starts `executable` with exactly `environment` and the given file actions, as the leader of
/// its own process group (so killing the group also ends what it started), with no signal
/// blocked and SIGPIPE, SIGTERM and SIGHUP at their defaults: this process ignores SIGPIPE,
/// and Swift Testing's threads block SIGTERM, which a child would otherwise inherit and then
/// never die of. Returns the pid, or the posix_spawn error number.
///
/// Foundation's `Process` is not used: it offers neither the process group nor the signal reset.
func spawnInOwnProcessGroup(_ executable: String, _ arguments: [String], environment: [String: String],
                            actions: inout posix_spawn_file_actions_t,
                            searchPath: Bool = false) -> Result<pid_t, SpawnError> {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaultSignals = sigset_t()
    sigemptyset(&defaultSignals)
    for signal in [SIGPIPE, SIGTERM, SIGHUP] { sigaddset(&defaultSignals, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    var noBlockedSignals = sigset_t()
    sigemptyset(&noBlockedSignals)
    posix_spawnattr_setsigmask(&attributes, &noBlockedSignals)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid = pid_t()
    let result = searchPath
        ? posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        : posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard result == 0 else { return .failure(SpawnError(executable: executable, code: result)) }
    return .success(pid)
}

struct SpawnError: Error, CustomStringConvertible {
    var executable: String
    var code: Int32
    var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}
