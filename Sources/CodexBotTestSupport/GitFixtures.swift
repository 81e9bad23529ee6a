import Foundation

/// A directory under the system temp dir, named after the test that made it, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(named name: String) throws {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(60))
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("codex-bot-\(safe)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        // Resolve symlinks (/tmp may be one) so paths compare equal to what libgit2 reports.
        path = base.resolvingSymlinksInPath().path
    }

    public func appending(_ component: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(component).path
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Lends a fresh temporary directory to `body` and removes it afterwards, on every path.
public func withTemporaryDirectory<T>(_ name: String, _ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory(named: name)
    defer { directory.remove() }
    return try await body(directory)
}

/// The environment this process started with, read once: the SSH tests swap `HOME` and
/// `SSH_AUTH_SOCK` with setenv (libgit2 and libssh2 read them from the process), and
/// reading the environment on another thread meanwhile is a data race in libc.
public enum StartEnvironment {
    public static let values: [String: String] = ProcessInfo.processInfo.environment
    public static var path: String { values["PATH"] ?? "/usr/bin:/bin" }
    public static var home: String { values["HOME"] ?? "/" }
}

/// The `git` command-line tool, run with a clean, fixed identity: the independent
/// witness the tests check GitKit against, and the baseline the benchmark races.
public enum GitCLI {
    public typealias Output = ProcessRunner.Output

    public struct Failure: Error, CustomStringConvertible {
        public var arguments: [String]
        public var output: Output
        public var description: String {
            "git \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)"
        }
    }

    /// The environment every run gets: no user or system config, a fixed identity, no prompts.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "PATH": StartEnvironment.path,
            "HOME": NSTemporaryDirectory(),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Committer", "GIT_COMMITTER_EMAIL": "committer@example.com",
            "LC_ALL": "C",
        ]
        env.merge(extra) { $1 }
        return env
    }

    /// Runs git and returns its output whatever the exit status.
    @discardableResult
    public static func run(_ arguments: [String], in directory: String, environment extra: [String: String] = [:],
                           stdin: Data? = nil) throws -> Output {
        try ProcessRunner.run("/usr/bin/env", ["git"] + arguments, in: directory,
                              environment: environment(extra), stdin: stdin)
    }

    /// Runs git and throws unless it exits 0; returns stdout without the trailing newline.
    @discardableResult
    public static func check(_ arguments: [String], in directory: String,
                             environment extra: [String: String] = [:]) throws -> String {
        let output = try run(arguments, in: directory, environment: extra)
        guard output.status == 0 else { throw Failure(arguments: arguments, output: output) }
        return output.stdout.trimmingCharacters(in: .newlines)
    }

    /// A new repository at `path` on branch `main` with one commit holding `files`.
    @discardableResult
    public static func makeRepository(at path: String, files: [String: String] = ["README.md": "hello\n"],
                                      message: String = "initial") throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try check(["init", "-q", "-b", "main"], in: path)
        try commitFiles(files, in: path, message: message)
        return try check(["rev-parse", "HEAD"], in: path)
    }

    /// Writes `files` (relative path → content), stages everything and commits; returns the commit id.
    @discardableResult
    public static func commitFiles(_ files: [String: String], in path: String, message: String) throws -> String {
        for (relative, content) in files {
            let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        try check(["add", "-A"], in: path)
        try check(["commit", "-q", "-m", message], in: path)
        return try check(["rev-parse", "HEAD"], in: path)
    }
}

/// Runs a program to completion and collects what it printed.
public enum ProcessRunner {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable` with exactly `environment` (nothing inherited) and returns its output,
    /// whatever its exit status.
    public static func run(_ executable: String, _ arguments: [String], in directory: String,
                           environment: [String: String], stdin: Data? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot fill one and block.
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        let errReader = errPipe.fileHandleForReading
        Thread.detachNewThread {
            errBox.data = errReader.readDataToEndOfFile()
            done.signal()
        }
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }
}

/// Hands bytes from a reader thread to the waiting one; the semaphore orders the accesses.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// SplitMix64: small, fast and seeded, so tests and the benchmark make the same bytes every
/// run (50 MB of incompressible data in well under a second).
public struct SeededRandomNumberGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
