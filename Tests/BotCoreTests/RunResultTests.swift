import AgentKit
@testable import BotCore
import Foundation
import Testing

@Suite("Run result: the JSON line, GitHub outputs and the progress comment")
struct RunResultTests {
    static func sample() -> RunResult {
        var result = RunResult(status: .green, exitCode: 0, message: "The tests pass.")
        result.branch = "codex-bot/issue-7"
        result.pullRequest = RunResult.PullRequestLink(number: 12, url: "https://example.test/o/r/pull/12")
        result.iterations = 2
        result.testsBefore = RunResult.TestCounts(failed: 1, passed: 5)
        result.testsAfter = RunResult.TestCounts(failed: 0, passed: 6)
        result.usage = Usage(inputTokens: 1200, outputTokens: 80)
        result.timings.total = 2500.4
        result.timings.model = 1000
        result.commandMilliseconds = 1200
        return result
    }

    @Test("the JSON line has every field of the contract, in one line")
    func jsonLine() throws {
        let line = Self.sample().jsonLine
        #expect(!line.contains("\n"))
        let object = try #require(JSONValue(parsing: line)?.objectValue)
        #expect(Set(object.keys) == ["status", "branch", "pr", "iterations", "tests", "usage", "timings_ms", "error"])
        #expect(object["status"] == .string("green") && object["error"] == .null)
        #expect(object["pr"] == ["number": 12, "url": "https://example.test/o/r/pull/12"])
        #expect(object["tests"] == ["before": ["failed": 1, "passed": 5], "after": ["failed": 0, "passed": 6]])
        #expect(object["usage"] == ["input_tokens": 1200, "output_tokens": 80])
        let timings = try #require(object["timings_ms"]?.objectValue)
        #expect(Set(timings.keys) == ["workspace", "baseline", "model", "tools", "verify", "publish", "total", "bot"])
        #expect(timings["total"] == 2500 && timings["bot"] == 300)
    }

    @Test("a failed run carries its message as the error, and null where nothing is known")
    func failedRun() throws {
        let result = RunResult(status: .refused, exitCode: 3, message: "protected path .github/workflows/ci.yml")
        let object = try #require(JSONValue(parsing: result.jsonLine)?.objectValue)
        #expect(object["status"] == .string("refused") && object["error"] == .string("protected path .github/workflows/ci.yml"))
        #expect(object["pr"] == .null && object["branch"] == .null)
        #expect(object["tests"] == ["before": .null, "after": .null])
    }

    @Test("GITHUB_OUTPUT lines cannot be forged by a newline in a value")
    func githubOutput() {
        var result = Self.sample()
        result.branch = "codex-bot/x\nstatus=green"
        let lines = result.githubOutput.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.contains("pr-number=12") && lines.contains("pr-url=https://example.test/o/r/pull/12"))
        #expect(lines.filter { $0.hasPrefix("status=") }.count == 1)
    }

    @Test("the step summary and the progress comment show the PR and the test table")
    func summaries() {
        let result = Self.sample()
        #expect(result.stepSummary.contains("[#12](https://example.test/o/r/pull/12)") && result.stepSummary.contains("| before | 5 | 1 |"))
        let comment = ProgressComment.text(for: result, runURL: "https://ci.test/run/1")
        #expect(comment.contains("#12") && comment.contains("| after | 6 | 0 |") && comment.contains("[run](https://ci.test/run/1)"))
        var partly = result
        partly.testsAfter = RunResult.TestCounts(failed: 2, passed: 4)
        let partlyText = ProgressComment.text(for: partly, runURL: nil)
        #expect(!partlyText.contains("made the tests pass") && partlyText.contains("2 test(s) that failed before it still fail"))
        let failed = ProgressComment.text(for: RunResult(status: .notGreen, exitCode: 1, message: "budget ran out."), runURL: nil)
        #expect(failed.contains("could not make the tests pass") && failed.contains("Nothing was pushed"))
    }

    @Test("errors fall into the exit classes of the contract")
    func classification() {
        #expect(PipelineFailure.classify(ConfigError(.unknownKey, file: ".codex-bot.yml", message: "x")).exitCode == 2)
        #expect(PipelineFailure.classify(PipelineFailure.refused("no")).exitCode == 3)
        #expect(PipelineFailure.classify(CancellationError()).exitCode == 1)
        #expect(PipelineFailure.classify(URLError(.timedOut)).exitCode == 4)
    }

    @Test("the test command is guessed from the project's files", arguments: [
        ("Package.swift", "swift test"), ("Cargo.toml", "cargo test"), ("go.mod", "go test ./..."),
        ("pytest.ini", "python3 -m pytest -q -p no:cacheprovider"),
    ])
    func guess(_ file: String, _ command: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(TestCommandGuess.guess(in: directory) == nil)
        try Data().write(to: directory.appendingPathComponent(file))
        #expect(TestCommandGuess.guess(in: directory) == command)
    }
}
