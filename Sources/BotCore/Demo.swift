import AgentKit
import ForgeKit
import Foundation
import GitKit
import HTTPKit

/// `codex-bot demo`: the whole pipeline, offline and without keys. It makes a small repository
/// whose test fails, and runs fix-tests on it with the local forge: worktree, baseline, agent,
/// the bot's own verification, guards, a commit on a branch and a pull request record. The
/// model's answers are a recorded session replayed turn by turn (no model is called, so the
/// token counts are zero), and the demo says so.
public enum Demo {
    /// The sample project: a shell library whose `add` subtracts, and a test script that writes
    /// TAP. Only `sh` is needed, so the demo runs on any machine codex-bot runs on.
    public static let files: [String: String] = [
        "calc.sh": """
        # Small arithmetic helpers, sourced by the scripts that need them.
        add() { echo $(( $1 - $2 )); }
        mul() { echo $(( $1 * $2 )); }

        """,
        "test.sh": """
        #!/bin/sh
        # Runs the tests and writes their results as TAP to test-results.tap.
        . ./calc.sh
        out=test-results.tap
        n=0
        failed=0
        : > "$out"
        check() {
            n=$((n + 1))
            if [ "$2" = "$3" ]; then
                echo "ok $n - $1" >> "$out"
            else
                printf 'not ok %s - %s\\n  ---\\n  message: "expected %s, got %s"\\n  ...\\n' "$n" "$1" "$3" "$2" >> "$out"
                failed=1
            fi
        }
        check "add 2 2" "$(add 2 2)" 4
        check "add 5 -1" "$(add 5 -1)" 4
        check "mul 3 4" "$(mul 3 4)" 12
        echo "1..$n" >> "$out"
        cat "$out"
        exit $failed

        """,
        ".codex-bot.yml": """
        test: sh test.sh
        test_reports:
          - test-results.tap
        max_iterations: 3

        """,
        ".gitignore": "test-results.tap\n",
        "AGENTS.md": """
        # Notes for coding agents
        Shell helpers live in calc.sh; `sh test.sh` runs the tests. Keep the functions POSIX sh.

        """,
    ]

    /// The recorded session: run the tests, patch `add`, say what changed.
    public static let recordedTurns: [ModelResponse] = [
        ModelResponse(items: [.assistant("I'll run the tests to see what fails."),
                              .toolCall(ToolCall(id: "call_1", name: "run_tests", arguments: "{}"))],
                      usage: Usage(), stopReason: .toolCalls),
        ModelResponse(items: [.toolCall(ToolCall(id: "call_2", name: "apply_patch", arguments: JSONValue.object(["input": .string("""
        *** Begin Patch
        *** Update File: calc.sh
        @@
        -add() { echo $(( $1 - $2 )); }
        +add() { echo $(( $1 + $2 )); }
        *** End Patch
        """)]).jsonText))],
                      usage: Usage(), stopReason: .toolCalls),
        ModelResponse(items: [.assistant("`add` in calc.sh subtracted its second argument instead of adding it. It adds now, which is what both `add` tests expect.")],
                      usage: Usage(), stopReason: .endTurn),
    ]

    /// Replays `turns`: the answer to a request is the turn after as many tool calls as the
    /// conversation already holds, so a verification round-trip replays the last turn again.
    public struct ReplayProvider: ModelProvider {
        public let turns: [ModelResponse]
        public var name: String { "recorded" }

        public init(turns: [ModelResponse] = Demo.recordedTurns) {
            self.turns = turns
        }

        public func respond(to request: ModelRequest) async throws -> ModelResponse {
            let calls = request.items.reduce(0) { count, item in
                if case .toolCall = item { return count + 1 }
                return count
            }
            var index = 0
            var seen = 0
            while index < turns.count - 1 && seen + turns[index].toolCalls.count <= calls && !turns[index].toolCalls.isEmpty {
                seen += turns[index].toolCalls.count
                index += 1
            }
            return turns[index]
        }
    }

    /// Writes the sample project into `directory` (which must be new or empty) as a git
    /// repository with one commit on `main`, and returns the repository.
    @discardableResult
    public static func makeRepository(at directory: String) throws -> Repository {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory), !entries.isEmpty {
            throw PipelineFailure.input("\(directory) already exists and is not empty; give the demo a new directory")
        }
        let repository = try Repository.create(at: directory)
        for (path, text) in files {
            try text.write(toFile: URL(fileURLWithPath: directory).appendingPathComponent(path).path, atomically: true, encoding: .utf8)
        }
        try repository.setConfigString("user.name", "Demo User")
        try repository.setConfigString("user.email", "demo@example.com")
        try repository.stageAll()
        try repository.commit(message: "Add calc.sh and its tests", author: Signature(name: "Demo User", email: "demo@example.com"))
        return repository
    }

    /// Runs fix-tests on the sample repository at `directory` with the local forge and the
    /// recorded session.
    public static func run(directory: String, environment: [String: String],
                           log: @escaping @Sendable (String) -> Void) async throws -> RunResult {
        let repository = try Repository.open(at: directory)
        let loaded = try ConfigLoader.load(repositoryRoot: URL(fileURLWithPath: directory))
        let forge = ForgeConnection.localForge(for: repository, user: "demo")
        var settings = PipelineSettings(config: loaded.config, forge: forge, client: HTTPClient(),
                                        model: { ModelChoice(provider: ReplayProvider(), model: "recorded-session") },
                                        environment: environment, directory: directory)
        settings.log = log
        return await Pipeline(settings: settings).run(PipelineJob(kind: .fixTests))
    }
}
