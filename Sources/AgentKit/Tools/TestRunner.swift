import Foundation
import Sandbox
import TestReports

/// The project's test command and how to read its results.
public struct TestCommand: Sendable, Equatable {
    /// A shell command line ("swift test", "pytest -q", "go test ./...").
    public var shell: String
    /// The runner, for filtering to given tests; detected from the command when nil.
    public var framework: Framework?
    /// Report files the command writes (relative to the worktree), read instead of its console
    /// output when given.
    public var reports: [String]

    public init(_ shell: String, framework: Framework? = nil, reports: [String] = []) {
        self.shell = shell
        self.framework = framework ?? TestCommand.detectFramework(shell)
        self.reports = reports
    }

    /// The framework a command line runs, from its words ("npx jest" → jest); nil when unknown.
    public static func detectFramework(_ shell: String) -> Framework? {
        let words = shell.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        func has(_ word: String) -> Bool { words.contains { $0 == word || $0.hasSuffix("/" + word) } }
        func pair(_ a: String, _ b: String) -> Bool { zip(words, words.dropFirst()).contains { ($0.0 == a || $0.0.hasSuffix("/" + a)) && $0.1 == b } }
        if pair("swift", "test") { return .swiftTest }
        if has("pytest") || pair("-m", "pytest") { return .pytest }
        if pair("go", "test") { return .goTest }
        if pair("cargo", "test") || pair("cargo", "nextest") { return .cargo }
        if has("jest") { return .jest }
        if has("vitest") { return .vitest }
        if has("mvn") || has("./mvnw") { return .maven }
        if has("gradle") || has("./gradlew") { return .gradle }
        if pair("dotnet", "test") { return .dotnet }
        if has("phpunit") { return .phpunit }
        if has("mocha") { return .mocha }
        if has("ctest") { return .ctest }
        return nil
    }
}

/// One run of the test command: the parsed results and how the command ended.
public struct TestRunOutcome: Sendable {
    public var run: TestRun
    /// The command lines that ran.
    public var commands: [String]
    public var results: [CommandResult]
    /// Why the output could not be read as test results, when it could not.
    public var parseProblem: String?

    /// Passed: every command exited 0 and no test failed or errored.
    public var passed: Bool {
        results.allSatisfy(\.succeeded) && run.totals.failed == 0 && run.totals.errored == 0
    }

    /// The failing ids, sorted: the same set twice means nothing changed.
    public var signature: String {
        run.failures.map(\.id).sorted().joined(separator: "\n")
    }
}

/// Runs the test command (all tests, or only given ones through the runner's own filter) in
/// the Sandbox and reads the results with TestReports.
public struct TestRunner: Sendable {
    public var sandbox: Sandbox
    public var worktree: URL
    public var command: TestCommand
    public var timeout: Duration
    /// Enough console output to find every failure in; the Sandbox keeps head and tail beyond it.
    public var outputLimit: Int

    public init(sandbox: Sandbox, worktree: URL, command: TestCommand, timeout: Duration = .seconds(30 * 60),
                outputLimit: Int = 16 << 20) {
        self.sandbox = sandbox
        self.worktree = worktree
        self.command = command
        self.timeout = timeout
        self.outputLimit = outputLimit
    }

    public func run(only tests: [FailingTest] = []) async throws -> TestRunOutcome {
        let lines = TestRunner.commandLines(command, tests: tests)
        var results: [CommandResult] = []
        var runs: [TestRun] = []
        var problems: [String] = []
        for line in lines {
            for report in command.reports {
                try? FileManager.default.removeItem(at: worktree.appendingPathComponent(report))  // no stale results
            }
            let result = try await sandbox.run(CommandRequest(arguments: ["bash", "-c", line], workingDirectory: worktree,
                                                              worktree: worktree, timeout: timeout, outputLimit: outputLimit))
            results.append(result)
            do {
                runs.append(try read(result))
            } catch {
                problems.append("\(error)")
            }
        }
        var merged = TestRun()
        for run in runs { merged.merge(run) }
        return TestRunOutcome(run: merged, commands: lines, results: results,
                              parseProblem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// The report files when configured, else the console output (format detected).
    private func read(_ result: CommandResult) throws -> TestRun {
        if !command.reports.isEmpty {
            let paths = command.reports.map { worktree.appendingPathComponent($0).path }.filter { FileManager.default.fileExists(atPath: $0) }
            if !paths.isEmpty { return try Reports.read(paths) }
        }
        return try Reports.read(text: result.output, name: "the test command's output", format: .log)
    }

    /// The shell command lines that run `tests` (all tests when empty, or when the framework is
    /// unknown and so cannot filter).
    public static func commandLines(_ command: TestCommand, tests: [FailingTest]) -> [String] {
        guard !tests.isEmpty, let framework = command.framework else { return [command.shell] }
        let reruns = Rerun.commands(for: tests, framework: framework)
        guard !reruns.isEmpty else { return [command.shell] }
        return reruns.map { rerun in
            var base = command.shell
            if let package = rerun.package {
                // `go test ./...` becomes `go test PACKAGE`; a command without ./... gets the package added.
                base = base.contains("./...") ? base.replacingOccurrences(of: "./...", with: shellQuote(package)) : base + " " + shellQuote(package)
            }
            return base + " " + rerun.arguments.map(shellQuote).joined(separator: " ")
        }
    }
}

/// `text` as one word for a POSIX shell.
func shellQuote(_ text: String) -> String {
    if !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
