import AgentKit
import CodexBotTestSupport
import Foundation
import Sandbox
import Testing
import TestReports

/// A worktree-like temporary directory with resolved symlinks.
func makeWorktree(_ name: String) throws -> TemporaryDirectory {
    try TemporaryDirectory(named: name)
}

func testSandbox(network: SandboxPolicy.Network = .off) -> Sandbox {
    Sandbox(policy: SandboxPolicy(network: network),
            environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home, "CODEX_BOT_CANARY_TOKEN": "canary-0123456789"])
}

@Suite("shell tool")
struct ShellToolTests {
    @Test("runs in the worktree and answers in Codex's shape; a failing command is an error result")
    func shapes() async throws {
        let directory = try makeWorktree("shell-tool")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.appending("sub"), withIntermediateDirectories: true)
        let context = ToolContext(worktree: URL(fileURLWithPath: directory.path))
        let tool = ShellTool(sandbox: testSandbox())
        let ok = await tool.run(arguments: ["command": ["bash", "-c", "pwd; echo $CODEX_BOT_CANARY_TOKEN"], "workdir": "sub"], context: context)
        let payload = try #require(JSONValue(parsing: ok.text))
        #expect(!ok.isError && payload["metadata"]?["exit_code"]?.numberValue == 0)
        #expect(payload["output"]?.stringValue == directory.appending("sub") + "\n\n")  // the canary is not in its environment

        let failing = await tool.run(arguments: ["command": "echo oops >&2; exit 3"], context: context)
        #expect(failing.isError && JSONValue(parsing: failing.text)?["metadata"]?["exit_code"]?.numberValue == 3)
        // A one-string command runs in a login shell, whose profile may print notes of its own.
        #expect(JSONValue(parsing: failing.text)?["output"]?.stringValue?.hasSuffix("oops\n") == true)

        let slow = await tool.run(arguments: ["command": ["sleep", "30"], "timeout_ms": 300], context: context)
        #expect(slow.isError && slow.text.contains("timed out"))

        // 100 MB of output: the model gets the head and the tail, and memory stays small.
        let flood = await tool.run(arguments: ["command": ["bash", "-c", "head -c 100000000 /dev/zero | tr '\\0' x; echo; echo the end"]],
                                   context: context)
        let floodOutput = JSONValue(parsing: flood.text)?["output"]?.stringValue ?? ""
        #expect(floodOutput.utf8.count < 70_000 && floodOutput.hasSuffix("the end\n") && floodOutput.contains("omitted"))

        let outside = await tool.run(arguments: ["command": ["ls"], "workdir": "/etc"], context: context)
        #expect(outside.isError)
        let malformed = await tool.run(arguments: ["command": 5], context: context)
        #expect(malformed.isError && malformed.text.contains("non-empty array of strings"))
    }
}

@Suite("test runner and run_tests")
struct TestRunnerTests {
    @Test("the framework is read from the command line")
    func frameworks() {
        #expect(TestCommand.detectFramework("swift test --parallel") == .swiftTest)
        #expect(TestCommand.detectFramework("python3 -m pytest -q") == .pytest)
        #expect(TestCommand.detectFramework("go test ./...") == .goTest)
        #expect(TestCommand.detectFramework("cargo test --workspace") == .cargo)
        #expect(TestCommand.detectFramework("npx jest --ci") == .jest)
        #expect(TestCommand.detectFramework("./gradlew test") == .gradle)
        #expect(TestCommand.detectFramework("make check") == nil)
    }

    @Test("only the given tests run, through the runner's own filter, quoted for the shell")
    func commandLines() {
        let pytest = TestCommand("python3 -m pytest -q")
        let lines = TestRunner.commandLines(pytest, tests: [FailingTest(suite: "tests/test_a.py", name: "test_it's")])
        #expect(lines.count == 1 && lines[0].hasPrefix("python3 -m pytest -q ") && lines[0].contains("'\\''"))
        #expect(TestRunner.commandLines(pytest, tests: []) == ["python3 -m pytest -q"])
        #expect(TestRunner.commandLines(TestCommand("make check"), tests: [FailingTest(suite: "a", name: "b")]) == ["make check"])
        let go = TestRunner.commandLines(TestCommand("go test ./..."), tests: [FailingTest(suite: "example.com/m/pkg", name: "TestA")])
        #expect(go.count == 1 && go[0].hasPrefix("go test example.com/m/pkg -run"))
    }

    @Test("run_tests runs real pytest and returns the parsed failures, then only the named one",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pytest() async throws {
        let directory = try makeWorktree("run-tests")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.appending("tests"), withIntermediateDirectories: true)
        try """
        def add(a, b):
            return a - b

        def test_passes():
            assert 1 + 1 == 2

        def test_add():
            assert add(2, 2) == 4
        """.write(toFile: directory.appending("tests/test_math.py"), atomically: true, encoding: .utf8)
        let worktree = URL(fileURLWithPath: directory.path)
        let runner = TestRunner(sandbox: testSandbox(), worktree: worktree, command: TestCommand("python3 -m pytest -q -p no:cacheprovider"))
        let tool = RunTestsTool(runner: runner)
        let all = await tool.run(arguments: [:], context: ToolContext(worktree: worktree))
        #expect(all.isError)
        #expect(all.text.contains("2 tests, 1 passed, 1 failed"), "\(all.text)")
        #expect(all.text.contains("tests/test_math.py::test_add"))
        #expect(all.text.contains("return a - b") || all.text.contains("assert add(2, 2) == 4"))

        let one = await tool.run(arguments: ["tests": ["tests/test_math.py::test_add"]], context: ToolContext(worktree: worktree))
        #expect(one.text.contains("1 tests, 0 passed, 1 failed"), "\(one.text)")
        #expect(one.text.contains("test_add"))

        try "def add(a, b):\n    return a + b\n\ndef test_add():\n    assert add(2, 2) == 4\n"
            .write(toFile: directory.appending("tests/test_math.py"), atomically: true, encoding: .utf8)
        let fixed = await tool.run(arguments: ["tests": ["tests/test_math.py::test_add"]], context: ToolContext(worktree: worktree))
        #expect(!fixed.isError && fixed.text.contains("All tests passed."), "\(fixed.text)")

        let bad = await tool.run(arguments: ["tests": "test_add"], context: ToolContext(worktree: worktree))
        #expect(bad.isError && bad.text.contains("array of test id strings"))
    }
}
