import Glibc

/// Finds the program of a command before it is started, the way a shell does, so that a missing
/// program becomes a plain "command not found" result rather than a spawn error or bwrap's own
/// message. The search uses the command's PATH, not the bot's: posix_spawnp would use the bot's.
enum ProgramLookup {
    enum Found: Equatable {
        case executable(String)
        /// Nothing by that name (exit 127 in a shell).
        case notFound
        /// There is a file, but it cannot be run: not executable, or a folder (exit 126 in a shell).
        case notExecutable(String)
    }

    /// `name` with a slash is a path (relative ones from `workingDirectory`); without one, it is
    /// looked up in `path`, where an empty entry means the working directory.
    static func find(_ name: String, path: String, workingDirectory: String) -> Found {
        if name.contains("/") {
            let candidate = name.hasPrefix("/") ? name : workingDirectory + "/" + name
            switch check(candidate) {
            case .executable: return .executable(candidate)
            case .missing: return .notFound
            case .notExecutable: return .notExecutable(candidate)
            }
        }
        var firstUnrunnable: String?
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let folder = directory.isEmpty ? workingDirectory
                : directory.hasPrefix("/") ? String(directory) : workingDirectory + "/" + directory
            let candidate = folder + "/" + name
            switch check(candidate) {
            case .executable: return .executable(candidate)
            case .notExecutable: firstUnrunnable = firstUnrunnable ?? candidate
            case .missing: continue
            }
        }
        return firstUnrunnable.map { .notExecutable($0) } ?? .notFound
    }

    private enum Check { case executable, missing, notExecutable }

    private static func check(_ candidate: String) -> Check {
        var info = stat()
        guard stat(candidate, &info) == 0 else { return .missing }
        guard info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 else { return .notExecutable }
        return .executable
    }
}
