import Foundation
import TestReports

/// `run_tests`: `{"tests": ["…"]?}`. Runs the configured test command (all tests, or the given
/// ones through the runner's filter) and returns the parsed failures, not the raw log.
public struct RunTestsTool: AgentTool {
    public var runner: TestRunner
    /// Failures known from the last runs, so ids the model repeats map back to their suites.
    private let known: KnownFailures

    public init(runner: TestRunner, knownFailures: [FailingTest] = []) {
        self.runner = runner
        known = KnownFailures(knownFailures)
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "run_tests",
            description: "Runs the project's tests (all of them, or only the named ones) and returns the failing tests with their messages.",
            parameters: [
                "type": "object",
                "properties": [
                    "tests": ["type": "array", "items": ["type": "string"],
                              "description": "Test ids to run (as reported, e.g. \"Suite::test_name\"); omit to run all"],
                ],
                "additionalProperties": false,
            ])
    }

    public func run(arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        var selected: [FailingTest] = []
        if let value = arguments["tests"] {
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                return .error("run_tests takes \"tests\": an array of test id strings, or nothing to run all tests")
            }
            selected = items.compactMap(\.stringValue).map(known.test(for:))
        }
        do {
            let outcome = try await runner.run(only: selected)
            known.remember(outcome.run.failures)
            return RunTestsTool.format(outcome, worktree: context.worktree)
        } catch {
            return .error("The tests could not be run: \(error)")
        }
    }

    static func format(_ outcome: TestRunOutcome, worktree: URL) -> ToolOutput {
        let totals = outcome.run.totals
        let exits = outcome.results.map { $0.timedOut ? "timed out" : "exit \($0.exitCode.map(String.init) ?? "signal \($0.signal ?? 0)")" }
        var text = "Ran \(outcome.commands.map { "`\($0)`" }.joined(separator: ", ")) (\(exits.joined(separator: ", "))): "
            + "\(totals.tests) tests, \(totals.passed) passed, \(totals.failed) failed, \(totals.errored) errored, \(totals.skipped) skipped."
        if outcome.passed {
            return ToolOutput(text + "\nAll tests passed.")
        }
        if outcome.run.failures.isEmpty {
            let tail = outcome.results.last.map { TextClip.headAndTail($0.output, limit: 8192) } ?? ""
            text += "\nThe command failed but its output names no failing test"
                + (outcome.parseProblem.map { " (\($0))" } ?? "") + ". Its output:\n" + UntrustedData.fence(tail, source: "test output")
            return ToolOutput(text, isError: true)
        }
        text += "\n\nFailing tests:\n" + FailureContext.describe(outcome.run.failures, worktree: worktree)
        return ToolOutput(text, isError: true)
    }
}

/// Test ids the model names, mapped back to the failures they came from.
private final class KnownFailures: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var byID: [String: FailingTest] = [:]

    init(_ failures: [FailingTest]) { remember(failures) }

    func remember(_ failures: [FailingTest]) {
        lock.withLock { for failure in failures { byID[failure.id] = failure } }
    }

    /// The known failure with this id or name; otherwise "Suite::name" (or "Suite.name") split as best it can be.
    func test(for id: String) -> FailingTest {
        lock.withLock {
            if let known = byID[id] ?? byID.values.first(where: { $0.name == id }) { return known }
            if let range = id.range(of: "::", options: .backwards) {
                return FailingTest(suite: String(id[..<range.lowerBound]), name: String(id[range.upperBound...]))
            }
            if let dot = id.lastIndex(where: { $0 == "." || $0 == "/" }) {
                return FailingTest(suite: String(id[..<dot]), name: String(id[id.index(after: dot)...]))
            }
            return FailingTest(suite: "", name: id)
        }
    }
}
