import Foundation
import Glibc

/// The bubblewrap command line that isolates one command, and the self-test that says whether
/// bubblewrap works on this machine.
///
/// What the command sees:
/// - the whole filesystem read-only (`--ro-bind / /`), the worktree read-write (`--bind`);
/// - a private, empty `/tmp` and `/run` (tmpfs): host files under /tmp are neither readable nor
///   writable, and the Unix sockets under /run (Docker, D-Bus, ssh-agent, databases) cannot be
///   reached: a read-only mount does not stop `connect()` on a socket file, and these are the
///   usual way out of a network namespace;
/// - the bot's credential files under `HOME` (`hiddenCredentialPaths`) replaced by empty ones;
/// - its own network namespace (`--unshare-net`): only a loopback of its own, so the host's
///   127.0.0.1 services are out of reach too;
/// - its own pid namespace (`--unshare-pid`): it cannot see or signal the bot or any other host
///   process, nor read `/proc/<bot>/environ`, where the bot's tokens are (the environment
///   allow-list alone cannot protect those); and when the command ends the kernel kills whatever
///   is left in the namespace, even a process that left the process group with setsid;
/// - no capabilities (`--cap-drop ALL`): bwrap started by root keeps them all otherwise, and
///   `mount -o remount,rw /` would then undo the read-only view (checked in this container);
/// - its own System V IPC namespace (`--unshare-ipc`).
/// `--die-with-parent` ends the sandbox when the thread that started it goes away.
enum Bubblewrap {
    /// Where bwrap is looked for: fixed places, not the PATH, which a repository's tooling may change.
    static let installPaths = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"]

    /// Credential files and folders under `HOME` that an isolated command sees empty. Only the bot's
    /// environment is filtered otherwise, and these files are readable by the same user.
    static let hiddenCredentialPaths = [
        ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".config/gh", ".config/hub", ".config/gcloud",
        ".docker/config.json", ".git-credentials", ".config/git/credentials", ".netrc", ".npmrc",
        ".pypirc", ".cargo/credentials", ".cargo/credentials.toml", ".gem/credentials",
    ]

    /// The arguments that follow `bwrap` to run `command` in `workingDirectory`, with `worktree`
    /// writable (nil for the self-test). Paths are absolute and resolved.
    static func arguments(worktree: String?, workingDirectory: String, home: String?, command: [String]) -> [String] {
        var arguments = ["--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--cap-drop", "ALL",
                         "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        // A mount point must exist: bwrap cannot create one in the read-only root.
        for scratch in ["/tmp", "/run"] where isDirectory(scratch) {
            arguments += ["--tmpfs", scratch]
        }
        if let home, home.hasPrefix("/") {
            for relative in hiddenCredentialPaths {
                guard let path = resolvedPath(home + "/" + relative),
                      worktree.map({ !isInside(path, $0) && !isInside($0, path) }) ?? true else { continue }
                arguments += isDirectory(path) ? ["--tmpfs", path] : ["--ro-bind", "/dev/null", path]
            }
        }
        // Last, so that it shows even under /tmp or a hidden folder.
        if let worktree {
            arguments += ["--bind", worktree, worktree]
        }
        arguments += ["--chdir", workingDirectory, "--"]
        return arguments + command
    }

    /// Finds bwrap and runs `bwrap … true` once, with the same namespaces as a command.
    static func probe(installPaths: [String] = installPaths) -> IsolationStatus {
        guard let bubblewrap = installPaths.first(where: { access($0, X_OK) == 0 }) else {
            return .unavailable("bubblewrap is not installed: apt-get install bubblewrap")
        }
        let plan = LaunchPlan(executable: bubblewrap,
                              arguments: ["bwrap"] + arguments(worktree: nil, workingDirectory: "/", home: nil, command: ["true"]),
                              environment: ["PATH": ChildEnvironment.defaultPath], workingDirectory: "/",
                              timeout: .seconds(10), outputLimit: 4096, isolated: true)
        do {
            let control = try RunControl()
            switch try CommandRunner.run(plan, control: control) {
            case .failedToStart(let code):
                return .unavailable("bwrap (\(bubblewrap)) cannot be started: \(String(cString: strerror(code)))")
            case .finished(let outcome) where outcome.timedOut:
                return .unavailable("bwrap (\(bubblewrap)) did not finish its self-test (`bwrap … true`) within 10 s")
            case .finished(let outcome) where outcome.exitCode == 0:
                return .available(bubblewrap: bubblewrap)
            case .finished(let outcome):
                let said = outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
                let status = outcome.exitCode.map { "exit \($0)" } ?? outcome.signal.map { "signal \($0)" } ?? "failed"
                return .unavailable("bwrap cannot create namespaces here: \(said.isEmpty ? status : said)"
                                    + " (in a container, allow user namespaces or run it privileged)")
            }
        } catch {
            return .unavailable("bwrap's self-test could not run: \(error)")
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// `path` with symlinks resolved, or nil when it does not exist.
    static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` is `directory` or inside it (both absolute and resolved).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }
}
