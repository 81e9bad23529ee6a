import Foundation
import Testing
@testable import TestReports
import CodexBotTestSupport

/// Reads `content` as a file named `name`, detecting its format like `codex-bot report`.
private func readText(_ name: String, _ content: String) async throws -> TestRun {
    try await withTemporaryDirectory("text-\(name)") { dir in
        try Reports.read(try writeReport(dir, name, content))
    }
}

private func failure(_ run: TestRun, _ id: String) -> FailingTest? {
    run.failures.first { $0.id == id }
}

// MARK: - TAP

@Suite("TAP")
struct TAPTests {
    /// Real `node --test --test-reporter=tap` output (Node 20): TAP 13 with `# Subtest:`
    /// headers, YAML diagnostics, a failing subtest, SKIP and TODO.
    @Test func nodeTestRunner() async throws {
        let run = try await readText("node.tap", TextFixtures.nodeTAP)
        #expect(run.sources.first?.format == .tap)
        // Leaves: adds numbers, reads empty input, rejects # comments, slow path (SKIP),
        // future feature (not ok # TODO → skipped). The parent `parser` is not a test itself.
        #expect(run.totals == Totals(tests: 5, passed: 2, failed: 1, skipped: 2))
        #expect(run.failures.count == 1)
        let test = try #require(run.failures.first)
        #expect(test.name == "parser > rejects # comments")
        #expect(test.suite == "")
        #expect(test.message == "comment lines are rejected")
        #expect(test.file == "/home/runner/work/app/math.test.js")
        #expect(test.line == 12)
        #expect(test.details.contains("operator: 'strictEqual'"))
        #expect(test.framework == nil)
        #expect(run.warnings.isEmpty)
    }

    @Test func planAtTheEndDirectivesEscapesAndYAML() async throws {
        let run = try await readText("plain.tap", ##"""
        TAP version 13
        ok 1 - parses an empty file
        not ok 2 - rejects a lone \# sign
          ---
          message: 'expected an error'
          severity: fail
          at:
            file: test/parse.js
            line: 41
            column: 7
          ...
        ok 3 - reads the cache # SKIP no cache on CI
        not ok 4 - handles unicode # TODO not implemented
        ok 5 - url#fragment is kept
        not ok 6
        ok 7 - times out # time=12.5ms
        1..7
        """##)
        #expect(run.totals == Totals(tests: 7, passed: 3, failed: 2, skipped: 2))
        #expect(run.failures.map(\.name) == ["rejects a lone # sign", "test 6"])
        let first = try #require(run.failures.first)
        #expect(first.message == "expected an error")
        #expect(first.file == "test/parse.js")
        #expect(first.line == 41)
        #expect(first.details.contains("severity: fail"))
        #expect(run.warnings.isEmpty)
    }

    /// Indented subtests (node-tap), buffered subtests (`{ … }`), and a parent that fails
    /// although all its children passed (its plan was not met).
    @Test func subtestsCountLeavesAndNameFailuresByPath() async throws {
        let run = try await readText("nested.tap", """
        TAP version 13
        # Subtest: math
            # Subtest: add
            ok 1 - small numbers
            not ok 2 - big numbers
              ---
              message: sums overflow
              ...
            1..2
        not ok 1 - math
        ok 2 - strings {
            ok 1 - concat
            1..1
        }
        # Subtest: io
            ok 1 - opens
            1..2
        not ok 3 - io
        1..3
        """)
        #expect(run.totals == Totals(tests: 5, passed: 3, failed: 2))
        #expect(run.failures.map(\.name) == ["math > big numbers", "io"])
        #expect(run.failures.first?.message == "sums overflow")
        #expect(run.warnings.contains { $0.hasSuffix("the plan of subtest \"io\" says 2 test(s) but 1 ran") })
    }

    @Test func bailOutStopsAndWarns() async throws {
        let run = try await readText("bail.tap", """
        TAP version 13
        1..4
        ok 1 - connects
        not ok 2 - migrates
        Bail out! database \\# 2 is gone
        ok 3 - never read
        """)
        #expect(run.totals == Totals(tests: 2, passed: 1, failed: 1))
        #expect(run.warnings.count == 1)
        #expect(run.warnings.first?.hasSuffix("bailed out after 2 of 4 planned tests: database # 2 is gone") == true)
    }

    @Test func missingOrWrongPlanIsAWarning() async throws {
        let noPlan = try await readText("noplan.tap", "TAP version 13\nok 1 - a\nok 2 - b\n")
        #expect(noPlan.totals == Totals(tests: 2, passed: 2))
        #expect(noPlan.warnings.contains { $0.contains("no plan") })
        let short = try await readText("short.tap", "1..3\nok 1 - a\nnot ok 2 - b\n")
        #expect(short.totals == Totals(tests: 2, passed: 1, failed: 1))
        #expect(short.warnings.contains { $0.contains("says 3 test(s) but 2 ran") })
    }

    @Test func detection() {
        #expect(TAPParser.looksLikeTAP("TAP version 14\n1..0\n"))
        #expect(TAPParser.looksLikeTAP("1..2\nok 1\nok 2\n"))
        #expect(TAPParser.looksLikeTAP("# comment first\nok 1 - a\n1..1\n"))
        #expect(TAPParser.looksLikeTAP("junk from the build\n1..1\nok 1\n"))
        #expect(!TAPParser.looksLikeTAP("ok  \texample.com/calc\t0.012s\n"))
        #expect(!TAPParser.looksLikeTAP("=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\nok  \tpkg\t0.1s\n"))
        #expect(!TAPParser.looksLikeTAP("running 2 tests\ntest a ... ok\n"))
    }

    @Test func emptyOrJunkIsAnError() async throws {
        try await withTemporaryDirectory("tap-errors") { dir in
            let empty = try writeReport(dir, "empty.tap", "\n\n")
            #expect(throws: ReportError.self) { try TAPParser.read(empty) }
            let junk = try writeReport(dir, "junk.tap", "hello\nworld\n")
            let error = #expect(throws: ReportError.self) { try TAPParser.read(junk) }
            #expect(error?.problem.contains("no TAP test lines") == true)
        }
    }

    /// Past `TestRun.failureListLimit` failures are counted, not listed; the ones listed
    /// are the first, subtest failures included (named under their parent).
    @Test func failureListLimit() async throws {
        let limit = TestRun.failureListLimit
        var lines = ["TAP version 13", "1..\(limit + 26)"]
        lines += ["# Subtest: group", "    1..2", "    not ok 1 - inner", "    ok 2 - fine", "not ok 1 - group"]
        for number in 2...(limit + 25) { lines.append("not ok \(number) - test \(number)") }
        lines.append("ok \(limit + 26) - last")
        let run = try await readText("many.tap", lines.joined(separator: "\n") + "\n")
        #expect(run.totals.failed == limit + 25)
        #expect(run.totals.tests == limit + 27)
        #expect(run.failures.count == limit)
        #expect(run.unlistedFailures == 25)
        #expect(run.failures.first?.name == "group > inner")
        #expect(run.failures.last?.name == "test \(limit)")
    }
}

// MARK: - go test -json

@Suite("go test -json")
struct GoTestJSONTests {
    /// `go test -json ./...` (Go 1.24): a passing test, a failing parent with a failing and a
    /// passing subtest, a skip, and a package whose test build failed (build-output events).
    @Test func testsSubtestsAndABuildFailure() async throws {
        let run = try await readText("go.json", TextFixtures.goJSON)
        #expect(run.sources.first?.format == .goJSON)
        // TestAdd, TestDivide, TestDivide/by_zero, TestDivide/by_one, TestSlow; + the package.
        #expect(run.totals == Totals(tests: 6, passed: 2, failed: 2, errored: 1, skipped: 1))
        let sub = try #require(failure(run, "example.com/calc::TestDivide/by_zero"))
        #expect(sub.suite == "example.com/calc")
        #expect(sub.framework == .goTest)
        #expect(sub.file == "calc_test.go")
        #expect(sub.line == 21)
        #expect(sub.message == "Divide(1, 0) = 0, want error")
        #expect(sub.details.contains("--- FAIL: TestDivide/by_zero"))
        let parent = try #require(failure(run, "example.com/calc::TestDivide"))
        #expect(parent.message == "1 subtest(s) failed")
        let build = try #require(failure(run, "example.com/calc/parse::(package)"))
        #expect(build.outcome == .errored)
        #expect(build.message == "build failed: parse/parse_test.go:9:2: undefined: Tokenize")
        #expect(build.file == "parse/parse_test.go")
        #expect(build.line == 9)
        #expect(build.details.contains("[build failed]"))
        #expect(run.warnings.isEmpty)
    }

    /// Go before 1.24 printed build errors as plain text into the same stream.
    @Test func plainTextLinesAreKeptAsPackageOutput() async throws {
        let run = try await readText("old.json", #"""
        # example.com/calc/parse [example.com/calc/parse.test]
        parse/parse_test.go:9:2: undefined: Tokenize
        {"Time":"2023-06-01T09:00:00.1Z","Action":"start","Package":"example.com/calc/parse"}
        {"Time":"2023-06-01T09:00:00.2Z","Action":"output","Package":"example.com/calc/parse","Output":"FAIL\texample.com/calc/parse [build failed]\n"}
        {"Time":"2023-06-01T09:00:00.2Z","Action":"fail","Package":"example.com/calc/parse","Elapsed":0}
        """#)
        #expect(run.sources.first?.format == .goJSON)
        #expect(run.totals == Totals(tests: 1, errored: 1))
        #expect(run.failures.first?.message == "build failed: parse/parse_test.go:9:2: undefined: Tokenize")
        #expect(run.warnings.contains { $0.contains("2 line(s) were not go test -json events") })
    }

    /// A timeout panics inside the running test: it never gets a `fail` event. Like
    /// gotestsum, the test fails and so does the package.
    @Test func timeoutPanic() async throws {
        let run = try await readText("timeout.json", #"""
        {"Time":"2024-02-01T10:00:00Z","Action":"start","Package":"example.com/slow"}
        {"Time":"2024-02-01T10:00:00Z","Action":"run","Package":"example.com/slow","Test":"TestSleeps"}
        {"Time":"2024-02-01T10:00:00Z","Action":"output","Package":"example.com/slow","Test":"TestSleeps","Output":"=== RUN   TestSleeps\n"}
        {"Time":"2024-02-01T10:00:02Z","Action":"output","Package":"example.com/slow","Test":"TestSleeps","Output":"panic: test timed out after 2s\n"}
        {"Time":"2024-02-01T10:00:02Z","Action":"output","Package":"example.com/slow","Test":"TestSleeps","Output":"\trunning tests:\n"}
        {"Time":"2024-02-01T10:00:02Z","Action":"output","Package":"example.com/slow","Output":"FAIL\texample.com/slow\t2.005s\n"}
        {"Time":"2024-02-01T10:00:02Z","Action":"fail","Package":"example.com/slow","Elapsed":2.005}
        """#)
        #expect(run.totals == Totals(tests: 2, failed: 1, errored: 1))
        #expect(run.failures.map(\.name) == ["TestSleeps", "(package)"])
        #expect(run.failures.last?.message == "panic: test timed out after 2s")
    }

    @Test func jsonEscapes() throws {
        let event = try #require(GoTestJSONParser.Event(#"{"Action":"output","Test":"T\u00e9st","Output":"caf\u00e9 \ud83d\ude00 \"q\" \\ /\n","Elapsed":1.5,"Extra":{"a":[1,"}"]}}"#))
        #expect(event.test == "Tést")
        #expect(event.output == "café 😀 \"q\" \\ /\n")
        #expect(GoTestJSONParser.Event(#"{"Action":"output","Output":"unterminated}"#) == nil)
        #expect(GoTestJSONParser.Event("not json") == nil)
        #expect(GoTestJSONParser.Event(#"{"Time":"2024"}"#) == nil)
    }

    @Test func assertionLines() {
        let plain = GoTestJSONParser.assertion(in: "calc_test.go:12: got 1, want 2")
        #expect(plain?.file == "calc_test.go" && plain?.line == 12 && plain?.message == "got 1, want 2")
        let named = GoTestJSONParser.assertion(in: "TestA/b: calc_test.go:7: boom")
        #expect(named?.file == "calc_test.go" && named?.message == "boom")
        let compiler = GoTestJSONParser.assertion(in: "./x.go:4:6: undefined: y")
        #expect(compiler?.file == "./x.go" && compiler?.line == 4 && compiler?.message == "undefined: y")
        #expect(GoTestJSONParser.assertion(in: "see the docs at golang.org/pkg/x.go:1 for more") == nil)
    }

    /// Past `TestRun.failureListLimit` failures are counted, not listed; a test that fails
    /// twice (`-count=2`) is listed, or counted as unlisted, once.
    @Test func failureListLimit() async throws {
        let limit = TestRun.failureListLimit
        var lines: [String] = []
        for number in 1...(limit + 25) {
            let test = #""Package":"example.com/many","Test":"Test\#(number)""#
            lines.append(#"{"Action":"run",\#(test)}"#)
            lines.append(#"{"Action":"output",\#(test),"Output":"    many_test.go:9: boom \#(number)\n"}"#)
            lines.append(#"{"Action":"fail",\#(test),"Elapsed":0}"#)
        }
        for number in [1, limit + 1] {  // run again (-count=2): counted, not listed again
            lines.append(#"{"Action":"fail","Package":"example.com/many","Test":"Test\#(number)","Elapsed":0}"#)
        }
        lines.append(#"{"Action":"fail","Package":"example.com/many","Elapsed":1}"#)
        let run = try await readText("many.json", lines.joined(separator: "\n") + "\n")
        #expect(run.sources.first?.format == .goJSON)
        #expect(run.totals.failed == limit + 27)
        #expect(run.totals.errored == 0)
        #expect(run.failures.count == limit)
        #expect(run.unlistedFailures == 25)
        #expect(failure(run, "example.com/many::Test1")?.message == "boom 1")
        #expect(failure(run, "example.com/many::Test\(limit + 1)") == nil)
    }
}

// MARK: - Console logs

@Suite("Console logs")
struct ConsoleLogTests {
    /// Real `python -m pytest -v` output (pytest 9): progress lines, an ERROR at setup, the
    /// FAILURES sections and the short summary; each failing test once.
    @Test func pytestVerbose() async throws {
        let run = try await readText("pytest.log", TextFixtures.pytestVerbose)
        #expect(run.sources.first?.format == .log)
        #expect(run.totals == Totals(tests: 8, passed: 3, failed: 3, errored: 1, skipped: 1))
        #expect(run.failures.map(\.id) == [
            "tests/test_calc.py::test_add_negative", "tests/test_calc.py::TestParser::test_quoted",
            "tests/test_calc.py::test_uses_fixture", "tests/test_calc.py::test_even[1]",
        ])
        let quoted = try #require(failure(run, "tests/test_calc.py::TestParser::test_quoted"))
        #expect(quoted.suite == "tests/test_calc.py::TestParser")
        #expect(quoted.name == "test_quoted")
        #expect(quoted.message == "KeyError: 'b'")
        #expect(quoted.file == "tests/test_calc.py")
        #expect(quoted.line == 18)
        #expect(quoted.framework == .pytest)
        #expect(quoted.details.contains("value = {\"a\": 1}"))
        let fixture = try #require(failure(run, "tests/test_calc.py::test_uses_fixture"))
        #expect(fixture.outcome == .errored)
        #expect(fixture.message == "RuntimeError: fixture exploded")
        #expect(fixture.line == 26)
    }

    /// The same run without `-v`: totals from the closing line, failures from the short
    /// summary and the sections.
    @Test func pytestQuiet() async throws {
        let run = try await readText("pytest-q.log", TextFixtures.pytestQuiet)
        #expect(run.totals == Totals(tests: 8, passed: 3, failed: 3, errored: 1, skipped: 1))
        #expect(run.failures.count == 4)
        #expect(failure(run, "tests/test_calc.py::test_even[1]")?.message == "assert (1 % 2) == 0")
        #expect(failure(run, "tests/test_calc.py::test_add_negative")?.line == 10)
    }

    /// A GitHub Actions log: timestamps, colours, `##[group]` and `##[error]` lines.
    @Test func githubActionsDecorationsAreRemoved() async throws {
        var lines = ["2024-01-02T03:04:05.1234567Z ##[group]Run python -m pytest -v"]
        for (index, line) in TextFixtures.pytestVerbose.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let coloured = line.replacingOccurrences(of: "PASSED", with: "\u{1B}[32mPASSED\u{1B}[0m")
                .replacingOccurrences(of: "FAILED", with: "\u{1B}[31;1mFAILED\u{1B}[0m")
            lines.append("2024-01-02T03:04:\(10 + index % 40).\(1000000 + index)Z \(coloured)")
        }
        lines.append("2024-01-02T03:05:00.0000000Z ##[error]Process completed with exit code 1.")
        let run = try await readText("gha.log", lines.joined(separator: "\n") + "\n")
        #expect(run.totals == Totals(tests: 8, passed: 3, failed: 3, errored: 1, skipped: 1))
        #expect(failure(run, "tests/test_calc.py::TestParser::test_quoted")?.message == "KeyError: 'b'")
        #expect(ConsoleLogParser.LogLine.normalize("2024-01-02T03:04:05.1234567Z \u{1B}[1m\u{1B}]8;;http://x\u{07}bold\u{1B}[0m") == "bold")
        #expect(ConsoleLogParser.LogLine.normalize("##[error]boom") == "boom")
        #expect(ConsoleLogParser.LogLine.normalize("progress 10%\rprogress 100%") == "progress 100%")
    }

    /// Real `cargo test` output (Rust 1.95): the result lines, the `---- stdout ----`
    /// sections with the panic location and message, and `test result:`.
    @Test func cargoTest() async throws {
        let run = try await readText("cargo.log", TextFixtures.cargo)
        #expect(run.totals == Totals(tests: 6, passed: 2, failed: 3, skipped: 1))
        #expect(run.failures.map(\.name) == [
            "parser::tests::panics_on_unwrap", "parser::tests::rejects_words", "tests::it_adds_wrong",
        ])
        let words = try #require(run.failures.dropFirst().first)
        #expect(words.suite == "src/lib.rs")
        #expect(words.framework == .cargo)
        #expect(words.file == "src/lib.rs")
        #expect(words.line == 12)
        #expect(words.message == "assertion `left == right` failed: words are not numbers")
        #expect(words.details.contains("right: Some(40)"))
        #expect(run.failures.last?.details.contains("debug: computing") == true)
    }

    @Test func cargoOldPanicFormat() async throws {
        let run = try await readText("cargo-old.log", """
        running 1 test
        test tests::parses ... FAILED

        failures:

        ---- tests::parses stdout ----
        thread 'tests::parses' panicked at 'called `Result::unwrap()` on an `Err` value: ParseIntError', src/main.rs:30:41
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


        failures:
            tests::parses

        test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
        """)
        #expect(run.totals == Totals(tests: 1, failed: 1))
        #expect(run.failures.first?.message == "called `Result::unwrap()` on an `Err` value: ParseIntError")
        #expect(run.failures.first?.file == "src/main.rs")
        #expect(run.failures.first?.line == 30)
    }

    /// Real `swift test` output on Linux (Swift 6.3): XCTest, then Swift Testing with a
    /// parameterized test, a disabled test and two failures.
    @Test func swiftTest() async throws {
        let run = try await readText("swift.log", TextFixtures.swiftTest)
        // XCTest: 3 tests (1 skipped); Swift Testing: 5 tests (1 skipped), `commutes` once.
        #expect(run.totals == Totals(tests: 8, passed: 3, failed: 3, skipped: 2))
        #expect(run.failures.map(\.id) == ["CalcXCTests::testAddsWrong", "addsBig()", "commutes"])
        let xctest = try #require(run.failures.first)
        #expect(xctest.file == "/home/runner/work/calc/Tests/CalcTests/CalcXCTests.swift")
        #expect(xctest.line == 6)
        #expect(xctest.message == "XCTAssertEqual failed: (\"2\") is not equal to (\"3\") - one plus one")
        #expect(xctest.framework == .swiftTest)
        let big = try #require(failure(run, "addsBig()"))
        #expect(big.file == "CalcSwiftTests.swift")
        #expect(big.line == 6)
        #expect(big.message == "Expectation failed: (add(2, 2) → 4) == 5")
    }

    /// XCTest on macOS names tests `-[Module.Class test]`; Swift Testing's verbose
    /// output gives the function name of a test with a display name.
    @Test func xctestOnMacOSAndSwiftTestingVerbose() async throws {
        let run = try await readText("swift-mac.log", """
        Test Suite 'All tests' started at 2025-03-04 10:00:00.000.
        Test Suite 'CalcPackageTests.xctest' started at 2025-03-04 10:00:00.001.
        Test Suite 'CalcTests' started at 2025-03-04 10:00:00.001.
        Test Case '-[CalcTests.CalcTests testAdds]' started.
        Test Case '-[CalcTests.CalcTests testAdds]' passed (0.001 seconds).
        Test Case '-[CalcTests.CalcTests testDivides]' started.
        /Users/dev/calc/Tests/CalcTests/CalcTests.swift:14: error: -[CalcTests.CalcTests testDivides] : XCTAssertEqual failed: ("1") is not equal to ("2")
        Test Case '-[CalcTests.CalcTests testDivides]' failed (0.002 seconds).
        Test Suite 'CalcTests' failed at 2025-03-04 10:00:00.004.
        \t Executed 2 tests, with 1 failure (0 unexpected) in 0.003 (0.004) seconds
        Test Suite 'All tests' failed at 2025-03-04 10:00:00.004.
        \t Executed 2 tests, with 1 failure (0 unexpected) in 0.003 (0.004) seconds
        ✘ Test "Rounds halves" (aka 'roundsHalves()') recorded an issue at RoundTests.swift:9:5: Expectation failed: round(0.5) == 1.0
        ↳ round(0.5): Swift.Double → 0.0
        ✘ Test "Rounds halves" (aka 'roundsHalves()') failed after 0.001 seconds with 1 issue.
        ✔ Test roundsDown() passed after 0.001 seconds.
        ✘ Test run with 2 tests in 1 suite failed after 0.002 seconds with 1 issue.
        """)
        #expect(run.totals == Totals(tests: 4, passed: 2, failed: 2))
        let divides = try #require(failure(run, "CalcTests.CalcTests::testDivides"))
        #expect(divides.suite == "CalcTests.CalcTests")
        #expect(divides.line == 14)
        let rounds = try #require(failure(run, "roundsHalves()"))
        #expect(rounds.details.contains("↳ round(0.5): Swift.Double → 0.0"))
        #expect(rounds.line == 9)
    }

    /// `go test -v ./...`: two packages, subtests, a log line that names the location, a
    /// package that fails to build and one without test files.
    @Test func goTestVerbose() async throws {
        let run = try await readText("go.log", TextFixtures.goVerbose)
        // calc: TestAdd, TestDivide, TestDivide/by_zero, TestDivide/by_one; parse: (package).
        #expect(run.totals == Totals(tests: 5, passed: 2, failed: 2, errored: 1))
        #expect(run.failures.map(\.id) == [
            "example.com/calc::TestDivide", "example.com/calc::TestDivide/by_zero", "example.com/calc/parse::(package)",
        ])
        let sub = try #require(failure(run, "example.com/calc::TestDivide/by_zero"))
        #expect(sub.file == "calc_test.go")
        #expect(sub.line == 21)
        #expect(sub.message == "Divide(1, 0) = 0, want error")
        #expect(sub.framework == .goTest)
        let build = try #require(run.failures.last)
        #expect(build.outcome == .errored)
        #expect(build.message == "build failed: parse/parse_test.go:9:2: undefined: Tokenize")
    }

    /// `pytest -q` ends with a bare count line (real pytest 9 output, sections cut).
    @Test func pytestQuietFlag() async throws {
        let run = try await readText("pytest-qq.log", """
        ..F.FsEF.                                                                [100%]
        =========================== short test summary info ============================
        FAILED tests/test_calc.py::test_add_negative - AssertionError: negative sums
        FAILED tests/test_calc.py::TestParser::test_quoted - KeyError: 'b'
        FAILED tests/test_calc.py::test_even[1] - assert (1 % 2) == 0
        ERROR tests/test_calc.py::test_uses_fixture - RuntimeError: fixture exploded
        3 failed, 3 passed, 1 skipped, 1 error in 0.29s
        """)
        #expect(run.totals == Totals(tests: 8, passed: 3, failed: 3, errored: 1, skipped: 1))
        #expect(run.failures.map(\.outcome) == [.failed, .failed, .failed, .errored])
        #expect(ConsoleLogParser.Pytest.bareClosingLine("Finished 3 tasks in 2s") == nil)
        #expect(ConsoleLogParser.Pytest.bareClosingLine("2 passed, 1 warning in 0.01s") == Totals(tests: 2, passed: 2))
    }

    /// `go test ./...` without `-v` prints only failing tests, their log after the
    /// `--- FAIL` line.
    @Test func goTestWithoutVerbose() async throws {
        let run = try await readText("go-quiet.log", """
        --- FAIL: TestDivide (0.00s)
            --- FAIL: TestDivide/by_zero (0.00s)
                calc_test.go:21: Divide(1, 0) = 0, want error
        FAIL
        FAIL\texample.com/calc\t0.004s
        ok  \texample.com/calc/format\t0.002s
        FAIL
        """)
        #expect(run.totals == Totals(tests: 2, failed: 2))
        let sub = try #require(failure(run, "example.com/calc::TestDivide/by_zero"))
        #expect(sub.line == 21)
        #expect(sub.message == "Divide(1, 0) = 0, want error")
    }

    /// jest with one file (verbose list) and its failure block; `Tests:` agrees.
    @Test func jestVerbose() async throws {
        let run = try await readText("jest.log", TextFixtures.jest)
        #expect(run.totals == Totals(tests: 5, passed: 3, failed: 1, skipped: 1))
        #expect(run.failures.count == 1)
        let test = try #require(run.failures.first)
        #expect(test.suite == "src/sum.test.js")
        #expect(test.name == "sum > adds negatives")
        #expect(test.framework == .jest)
        #expect(test.message == "expect(received).toBe(expected) // Object.is equality")
        #expect(test.file == "src/sum.test.js")
        #expect(test.line == 10)
        #expect(test.details.contains("Received: -2"))
    }

    /// jest over several files prints no list: the totals come from `Tests:`; a file that
    /// failed to load is an errored failure.
    @Test func jestSummaryOnly() async throws {
        let run = try await readText("jest-ci.log", """
        > app@1.0.0 test
        > jest --ci

        FAIL src/broken.test.js
          ● Test suite failed to run

            Cannot find module './missing' from 'src/broken.test.js'

              at Resolver._throwModNotFoundError (node_modules/jest-resolve/build/resolver.js:427:11)
              at Object.<anonymous> (src/broken.test.js:1:1)

        FAIL src/sum.test.js
          ● sum › adds negatives

            expect(received).toBe(expected) // Object.is equality

            Expected: -3
            Received: -2

              at Object.toBe (src/sum.test.js:10:25)

          ● Console

            console.log
              computing

              at Object.log (src/sum.test.js:4:11)

        PASS src/format.test.js

        Test Suites: 2 failed, 1 passed, 3 total
        Tests:       1 failed, 6 passed, 7 total
        Snapshots:   0 total
        Time:        1.234 s
        Ran all test suites.
        """)
        #expect(run.totals == Totals(tests: 8, passed: 6, failed: 1, errored: 1))
        #expect(run.failures.map(\.id) == ["src/broken.test.js::(test file)", "src/sum.test.js::sum > adds negatives"])
        #expect(run.failures.first?.message == "Cannot find module './missing' from 'src/broken.test.js'")
        #expect(run.failures.first?.line == 1)
        #expect(run.failures.last?.line == 10)
    }

    /// vitest's default reporter: the summary counts (its list covers failing files only).
    @Test func vitest() async throws {
        let run = try await readText("vitest.log", TextFixtures.vitest)
        #expect(run.totals == Totals(tests: 5, passed: 3, failed: 1, skipped: 1))
        #expect(run.failures.count == 1)
        let test = try #require(run.failures.first)
        #expect(test.id == "src/sum.test.ts::sum > adds negatives")
        #expect(test.framework == .vitest)
        #expect(test.message == "AssertionError: expected -2 to be -3 // Object.is equality")
        #expect(test.file == "src/sum.test.ts")
        #expect(test.line == 10)
    }

    /// Tools are recognized per line: a CI log that runs cargo and then pytest.
    @Test func severalToolsInOneLog() async throws {
        let run = try await readText("mixed.log", TextFixtures.cargo + "\n" + TextFixtures.pytestQuiet)
        #expect(run.totals == Totals(tests: 14, passed: 5, failed: 6, errored: 1, skipped: 2))
        #expect(run.failures.filter { $0.framework == .cargo }.count == 3)
        #expect(run.failures.filter { $0.framework == .pytest }.count == 4)
    }

    /// `pytest -v -rA` lists every test twice (progress and short summary): counted once.
    @Test func pytestReportAllCountsOnce() async throws {
        let run = try await readText("pytest-ra.log", """
        ============================= test session starts ==============================
        collecting ... collected 2 items

        tests/test_a.py::test_one PASSED                                         [ 50%]
        tests/test_a.py::test_two FAILED                                         [100%]

        =================================== FAILURES ===================================
        ___________________________________ test_two ___________________________________

            def test_two():
        >       assert 1 == 2
        E       assert 1 == 2

        tests/test_a.py:5: AssertionError
        ==================================== PASSES ====================================
        =========================== short test summary info ============================
        PASSED tests/test_a.py::test_one
        FAILED tests/test_a.py::test_two - assert 1 == 2
        ========================= 1 failed, 1 passed in 0.03s ==========================
        """)
        #expect(run.totals == Totals(tests: 2, passed: 1, failed: 1))
        #expect(run.failures.count == 1)
        #expect(run.failures.first?.line == 5)
    }

    @Test func unrecognizedBinaryEmptyAndInvalidUTF8() async throws {
        try await withTemporaryDirectory("log-errors") { dir in
            let notes = try writeReport(dir, "notes.log", "Building project\nAll done\n")
            let error = #expect(throws: ReportError.self) { try Reports.read(notes) }
            #expect(error?.problem.contains("no test results found in this log") == true)
            #expect(error?.problem.contains("pytest") == true)

            let binary = dir.appending("binary.log")
            try Data("test a ... ok\n\u{0}\u{1}\u{2}".utf8).write(to: URL(fileURLWithPath: binary))
            let binaryError = #expect(throws: ReportError.self) { try ConsoleLogParser.read(binary) }
            #expect(binaryError?.problem.contains("binary") == true)

            let empty = try writeReport(dir, "empty.log", "")
            #expect(throws: ReportError.self) { try ConsoleLogParser.read(empty) }

            let latin1 = dir.appending("latin1.log")
            var bytes = Array("running 1 test\ntest caf".utf8)
            bytes += [0xE9]  // é in Latin-1: not UTF-8
            bytes += Array(" ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n".utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: latin1))
            let run = try ConsoleLogParser.read(latin1)
            #expect(run.totals == Totals(tests: 1, passed: 1))
            #expect(run.warnings.contains { $0.contains("invalid UTF-8") })
        }
    }

    /// A 100,000-test log with one enormous failure section: the failures' details stay
    /// within `FailingTest.detailsLimit` (head and tail kept).
    @Test func largeLog() async throws {
        try await withTemporaryDirectory("log-large") { dir in
            let path = dir.appending("large.log")
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            var chunk = "running 100000 tests\n"
            for index in 0..<100_000 {
                chunk += index % 1000 == 7 ? "test m::t\(index) ... FAILED\n" : "test m::t\(index) ... ok\n"
                if chunk.utf8.count > 1 << 20 { handle.write(Data(chunk.utf8)); chunk = "" }
            }
            chunk += "\nfailures:\n\n---- m::t7 stdout ----\n"
            chunk += "thread 'm::t7' panicked at src/m.rs:7:5:\nthe first line\n"
            chunk += String(repeating: "a very long line of output that repeats\n", count: 20_000)
            chunk += "the last line\n\nfailures:\n    m::t7\n\ntest result: FAILED. 99900 passed; 100 failed; 0 ignored\n"
            handle.write(Data(chunk.utf8))
            try handle.close()
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 100_000, passed: 99_900, failed: 100))
            #expect(run.failures.count == 100)
            #expect(run.failures.allSatisfy { $0.details.utf8.count <= FailingTest.detailsLimit + 100 })
            let big = try #require(run.failures.first)
            #expect(big.message == "the first line")
            #expect(big.line == 7)
            #expect(big.details.contains("bytes cut"))
            #expect(big.details.hasSuffix("the last line"))
        }
    }

    /// A pytest `-v` log with more than `TestRun.failureListLimit` failures: each failure
    /// is met three times (progress line, FAILURES section, short summary) and counted
    /// once; past the limit it is counted, not listed.
    @Test func pytestFailureListLimit() async throws {
        let limit = TestRun.failureListLimit
        let count = limit + 25
        var lines = ["============================= test session starts ==============================",
                     "collected \(count + 1) items", ""]
        for number in 1...count { lines.append("tests/test_many.py::test_\(number) FAILED [ 50%]") }
        lines.append("tests/test_many.py::test_ok PASSED [100%]")
        lines += ["", "=================================== FAILURES ==================================="]
        for number in 1...count {
            lines += ["____________________________________ test_\(number) ____________________________________", "",
                      "    def test_\(number)():", ">       assert \(number) == 0", "E       assert \(number) == 0", "",
                      "tests/test_many.py:\(number): AssertionError"]
        }
        lines.append("=========================== short test summary info ============================")
        for number in 1...count { lines.append("FAILED tests/test_many.py::test_\(number) - assert \(number) == 0") }
        lines.append("========================= \(count) failed, 1 passed in 9.99s =========================")
        let run = try await readText("many.log", lines.joined(separator: "\n") + "\n")
        #expect(run.sources.first?.format == .log)
        #expect(run.totals.failed == limit + 25)
        #expect(run.totals.passed == 1)
        #expect(run.failures.count == limit)
        #expect(run.unlistedFailures == 25)
        let first = try #require(failure(run, "tests/test_many.py::test_1"))
        #expect(first.message == "assert 1 == 0")
        #expect(first.line == 1)
        #expect(first.details.contains("def test_1():"))
        #expect(failure(run, "tests/test_many.py::test_\(limit + 1)") == nil)
    }
}

// MARK: - Fixtures

/// Tool output used by the tests above. The ones marked "real" were produced by the tools
/// on this machine (only paths changed); the others follow the tools' documented formats.
enum TextFixtures {
    /// Real: `node --test --test-reporter=tap math.test.js` (Node 20.20).
    static let nodeTAP = ##"""
    TAP version 13
    # Subtest: adds numbers
    ok 1 - adds numbers
      ---
      duration_ms: 2.524402
      ...
    # Subtest: parser
        # Subtest: reads empty input
        ok 1 - reads empty input
          ---
          duration_ms: 1.19031
          ...
        # Subtest: rejects \# comments
        not ok 2 - rejects \# comments
          ---
          duration_ms: 3.21174
          location: '/home/runner/work/app/math.test.js:12:11'
          failureType: 'testCodeFailure'
          error: |-
            comment lines are rejected
            
            'a' !== 'b'
            
          code: 'ERR_ASSERTION'
          name: 'AssertionError'
          expected: 'b'
          actual: 'a'
          operator: 'strictEqual'
          stack: |-
            TestContext.<anonymous> (/home/runner/work/app/math.test.js:13:12)
            Test.runInAsyncScope (node:async_hooks:206:9)
            Test.run (node:internal/test_runner/test:796:25)
            Test.start (node:internal/test_runner/test:702:17)
            TestContext.test (node:internal/test_runner/test:292:20)
            TestContext.<anonymous> (/home/runner/work/app/math.test.js:12:11)
            async Test.run (node:internal/test_runner/test:797:9)
            async Test.processPendingSubtests (node:internal/test_runner/test:526:7)
          ...
        1..2
    not ok 2 - parser
      ---
      duration_ms: 5.433608
      location: '/home/runner/work/app/math.test.js:8:1'
      failureType: 'subtestsFailed'
      error: '1 subtest failed'
      code: 'ERR_TEST_FAILURE'
      ...
    # Subtest: slow path
    ok 3 - slow path # SKIP needs network
      ---
      duration_ms: 0.237156
      ...
    # Subtest: future feature
    not ok 4 - future feature # TODO
      ---
      duration_ms: 0.219356
      location: '/home/runner/work/app/math.test.js:18:1'
      failureType: 'testCodeFailure'
      error: 'not yet'
      code: 'ERR_TEST_FAILURE'
      stack: |-
        TestContext.<anonymous> (/home/runner/work/app/math.test.js:18:54)
        Test.runInAsyncScope (node:async_hooks:206:9)
        Test.run (node:internal/test_runner/test:796:25)
        Test.processPendingSubtests (node:internal/test_runner/test:526:18)
        Test.postRun (node:internal/test_runner/test:889:19)
        Test.run (node:internal/test_runner/test:835:12)
        async Test.processPendingSubtests (node:internal/test_runner/test:526:7)
      ...
    1..4
    # tests 6
    # suites 0
    # pass 2
    # fail 2
    # cancelled 0
    # skipped 1
    # todo 1
    # duration_ms 288.498994
    """##

    /// Real: `python -m pytest -v tests` (pytest 9.0.3).
    static let pytestVerbose = #"""
    ============================= test session starts ==============================
    platform linux -- Python 3.11.7, pytest-9.0.3, pluggy-1.6.0 -- /root/.pyenv/versions/3.11.7/bin/python3
    cachedir: .pytest_cache
    hypothesis profile 'default'
    benchmark: 5.2.3 (defaults: timer=time.perf_counter disable_gc=False min_rounds=5 min_time=0.000005 max_time=1.0 calibration_precision=10 warmup=False warmup_iterations=100000)
    rootdir: /home/runner/work/calc
    plugins: hypothesis-6.155.2, benchmark-5.2.3
    collecting ... collected 8 items

    tests/test_calc.py::test_add PASSED                                      [ 12%]
    tests/test_calc.py::test_add_negative FAILED                             [ 25%]
    tests/test_calc.py::TestParser::test_empty PASSED                        [ 37%]
    tests/test_calc.py::TestParser::test_quoted FAILED                       [ 50%]
    tests/test_calc.py::TestParser::test_remote SKIPPED (needs network)      [ 62%]
    tests/test_calc.py::test_uses_fixture ERROR                              [ 75%]
    tests/test_calc.py::test_even[1] FAILED                                  [ 87%]
    tests/test_calc.py::test_even[2] PASSED                                  [100%]

    ==================================== ERRORS ====================================
    _____________________ ERROR at setup of test_uses_fixture ______________________

        @pytest.fixture
        def broken():
    >       raise RuntimeError("fixture exploded")
    E       RuntimeError: fixture exploded

    tests/test_calc.py:26: RuntimeError
    =================================== FAILURES ===================================
    ______________________________ test_add_negative _______________________________

        def test_add_negative():
    >       assert add(-1, -1) == -3, "negative sums"
    E       AssertionError: negative sums
    E       assert -2 == -3
    E        +  where -2 = add(-1, -1)

    tests/test_calc.py:10: AssertionError
    ____________________________ TestParser.test_quoted ____________________________

    self = <test_calc.TestParser object at 0x7f068f187490>

        def test_quoted(self):
            value = {"a": 1}
    >       assert value["b"] == 1
                   ^^^^^^^^^^
    E       KeyError: 'b'

    tests/test_calc.py:18: KeyError
    _________________________________ test_even[1] _________________________________

    n = 1

        @pytest.mark.parametrize("n", [1, 2])
        def test_even(n):
    >       assert n % 2 == 0
    E       assert (1 % 2) == 0

    tests/test_calc.py:33: AssertionError
    =========================== short test summary info ============================
    FAILED tests/test_calc.py::test_add_negative - AssertionError: negative sums
    FAILED tests/test_calc.py::TestParser::test_quoted - KeyError: 'b'
    FAILED tests/test_calc.py::test_even[1] - assert (1 % 2) == 0
    ERROR tests/test_calc.py::test_uses_fixture - RuntimeError: fixture exploded
    =============== 3 failed, 3 passed, 1 skipped, 1 error in 1.48s ================
    """#

    /// Real: `python -m pytest tests`, the same tests.
    static let pytestQuiet = #"""
    ============================= test session starts ==============================
    platform linux -- Python 3.11.7, pytest-9.0.3, pluggy-1.6.0
    benchmark: 5.2.3 (defaults: timer=time.perf_counter disable_gc=False min_rounds=5 min_time=0.000005 max_time=1.0 calibration_precision=10 warmup=False warmup_iterations=100000)
    rootdir: /home/runner/work/calc
    plugins: hypothesis-6.155.2, benchmark-5.2.3
    collected 8 items

    tests/test_calc.py .F.FsEF.                                              [100%]

    ==================================== ERRORS ====================================
    _____________________ ERROR at setup of test_uses_fixture ______________________

        @pytest.fixture
        def broken():
    >       raise RuntimeError("fixture exploded")
    E       RuntimeError: fixture exploded

    tests/test_calc.py:26: RuntimeError
    =================================== FAILURES ===================================
    ______________________________ test_add_negative _______________________________

        def test_add_negative():
    >       assert add(-1, -1) == -3, "negative sums"
    E       AssertionError: negative sums
    E       assert -2 == -3
    E        +  where -2 = add(-1, -1)

    tests/test_calc.py:10: AssertionError
    ____________________________ TestParser.test_quoted ____________________________

    self = <test_calc.TestParser object at 0x7f34e65ce810>

        def test_quoted(self):
            value = {"a": 1}
    >       assert value["b"] == 1
                   ^^^^^^^^^^
    E       KeyError: 'b'

    tests/test_calc.py:18: KeyError
    _________________________________ test_even[1] _________________________________

    n = 1

        @pytest.mark.parametrize("n", [1, 2])
        def test_even(n):
    >       assert n % 2 == 0
    E       assert (1 % 2) == 0

    tests/test_calc.py:33: AssertionError
    =========================== short test summary info ============================
    FAILED tests/test_calc.py::test_add_negative - AssertionError: negative sums
    FAILED tests/test_calc.py::TestParser::test_quoted - KeyError: 'b'
    FAILED tests/test_calc.py::test_even[1] - assert (1 % 2) == 0
    ERROR tests/test_calc.py::test_uses_fixture - RuntimeError: fixture exploded
    =============== 3 failed, 3 passed, 1 skipped, 1 error in 1.29s ================
    """#

    /// Real: `cargo test` (cargo 1.95), RUST_BACKTRACE unset.
    static let cargo = #"""
        Finished `test` profile [unoptimized + debuginfo] target(s) in 0.01s
         Running unittests src/lib.rs (target/debug/deps/rs-a35a48c092d3f767)

    running 6 tests
    test parser::tests::panics_on_unwrap ... FAILED
    test parser::tests::parses_number ... ok
    test parser::tests::slow_fuzz ... ignored
    test parser::tests::rejects_words ... FAILED
    test tests::it_adds_wrong ... FAILED
    test tests::it_adds ... ok

    failures:

    ---- parser::tests::panics_on_unwrap stdout ----

    thread 'parser::tests::panics_on_unwrap' (16812) panicked at src/lib.rs:17:62:
    called `Option::unwrap()` on a `None` value
    note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

    ---- parser::tests::rejects_words stdout ----

    thread 'parser::tests::rejects_words' (16814) panicked at src/lib.rs:12:30:
    assertion `left == right` failed: words are not numbers
      left: None
     right: Some(40)

    ---- tests::it_adds_wrong stdout ----
    debug: computing

    thread 'tests::it_adds_wrong' (16816) panicked at src/lib.rs:27:56:
    assertion failed: add(2, 2) == 5


    failures:
        parser::tests::panics_on_unwrap
        parser::tests::rejects_words
        tests::it_adds_wrong

    test result: FAILED. 2 passed; 3 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

    error: test failed, to rerun pass `--lib`
    """#

    /// Real: `swift test` on Linux (Swift 6.3), XCTest and Swift Testing.
    static let swiftTest = #"""
    Building for debugging...
    /home/runner/work/calc/Tests/CalcTests/CalcSwiftTests.swift:11:38: note: '#expect(_:_:)' will always pass here; use 'Bool(true)' to silence this warning (from macro 'expect')
     9 | }
    10 | 
    11 | @Test func topLevelWorks() { #expect(true) }
       |                                      `- note: '#expect(_:_:)' will always pass here; use 'Bool(true)' to silence this warning (from macro 'expect')
    12 | 
    Build complete! (17.74s)
    Test Suite 'All tests' started at 2025-03-04 00:20:40.724
    Test Suite 'debug.xctest' started at 2025-03-04 00:20:40.725
    Test Suite 'CalcXCTests' started at 2025-03-04 00:20:40.725
    Test Case 'CalcXCTests.testAdds' started at 2025-03-04 00:20:40.725
    Test Case 'CalcXCTests.testAdds' passed (0.001 seconds)
    Test Case 'CalcXCTests.testAddsWrong' started at 2025-03-04 00:20:40.726
    /home/runner/work/calc/Tests/CalcTests/CalcXCTests.swift:6: error: CalcXCTests.testAddsWrong : XCTAssertEqual failed: ("2") is not equal to ("3") - one plus one
    Test Case 'CalcXCTests.testAddsWrong' failed (0.0 seconds)
    Test Case 'CalcXCTests.testSkipped' started at 2025-03-04 00:20:40.727
    /home/runner/work/calc/Tests/CalcTests/CalcXCTests.swift:7: CalcXCTests.testSkipped : Test skipped - not on Linux
    Test Case 'CalcXCTests.testSkipped' skipped (0.0 seconds)
    Test Suite 'CalcXCTests' failed at 2025-03-04 00:20:40.727
    	 Executed 3 tests, with 1 test skipped and 1 failure (0 unexpected) in 0.002 (0.002) seconds
    Test Suite 'debug.xctest' failed at 2025-03-04 00:20:40.727
    	 Executed 3 tests, with 1 test skipped and 1 failure (0 unexpected) in 0.002 (0.002) seconds
    Test Suite 'All tests' failed at 2025-03-04 00:20:40.727
    	 Executed 3 tests, with 1 test skipped and 1 failure (0 unexpected) in 0.002 (0.002) seconds
    ◇ Test run started.
    ↳ Testing Library Version: 6.3.1 (937120cbc281cf2)
    ↳ Target Platform: x86_64-unknown-linux-gnu
    ◇ Test topLevelWorks() started.
    ◇ Suite Arithmetic started.
    ◇ Test addsBig() started.
    ◇ Test addsSmall() started.
    ➜ Test disabled() skipped: "flaky"
    ◇ Test "commutes" started.
    ✔ Test topLevelWorks() passed after 0.001 seconds.
    ◇ Test case passing 1 argument n → 1 to "commutes" started.
    ◇ Test case passing 1 argument n → 2 to "commutes" started.
    ✘ Test addsBig() recorded an issue at CalcSwiftTests.swift:6:28: Expectation failed: (add(2, 2) → 4) == 5
    ✘ Test "commutes" recorded an issue with 1 argument n → 2 at CalcSwiftTests.swift:7:69: Expectation failed: (add(n, 1) → 3) == (add(1, n) + (n == 2 ? 1 : 0) → 4)
    ◇ Test case passing 1 argument n → 3 to "commutes" started.
    ✔ Test addsSmall() passed after 0.001 seconds.
    ✘ Test addsBig() failed after 0.001 seconds with 1 issue.
    ✘ Test "commutes" with 3 test cases failed after 0.001 seconds with 1 issue.
    ✘ Suite Arithmetic failed after 0.002 seconds with 2 issues.
    ✘ Test run with 5 tests in 1 suite failed after 0.003 seconds with 2 issues.
    """#

    /// `go test -json ./...` with Go 1.24 (build output as events).
    static let goJSON = #"""
    {"ImportPath":"example.com/calc/parse [example.com/calc/parse.test]","Action":"build-output","Output":"# example.com/calc/parse [example.com/calc/parse.test]\n"}
    {"ImportPath":"example.com/calc/parse [example.com/calc/parse.test]","Action":"build-output","Output":"parse/parse_test.go:9:2: undefined: Tokenize\n"}
    {"ImportPath":"example.com/calc/parse [example.com/calc/parse.test]","Action":"build-fail"}
    {"Time":"2025-03-04T10:00:00.100Z","Action":"start","Package":"example.com/calc"}
    {"Time":"2025-03-04T10:00:00.200Z","Action":"run","Package":"example.com/calc","Test":"TestAdd"}
    {"Time":"2025-03-04T10:00:00.200Z","Action":"output","Package":"example.com/calc","Test":"TestAdd","Output":"=== RUN   TestAdd\n"}
    {"Time":"2025-03-04T10:00:00.200Z","Action":"output","Package":"example.com/calc","Test":"TestAdd","Output":"--- PASS: TestAdd (0.00s)\n"}
    {"Time":"2025-03-04T10:00:00.200Z","Action":"pass","Package":"example.com/calc","Test":"TestAdd","Elapsed":0}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"run","Package":"example.com/calc","Test":"TestDivide"}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"output","Package":"example.com/calc","Test":"TestDivide","Output":"=== RUN   TestDivide\n"}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"run","Package":"example.com/calc","Test":"TestDivide/by_zero"}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"output","Package":"example.com/calc","Test":"TestDivide/by_zero","Output":"=== RUN   TestDivide/by_zero\n"}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"output","Package":"example.com/calc","Test":"TestDivide/by_zero","Output":"    calc_test.go:21: Divide(1, 0) = 0, want error\n"}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"run","Package":"example.com/calc","Test":"TestDivide/by_one"}
    {"Time":"2025-03-04T10:00:00.201Z","Action":"output","Package":"example.com/calc","Test":"TestDivide/by_one","Output":"=== RUN   TestDivide/by_one\n"}
    {"Time":"2025-03-04T10:00:00.202Z","Action":"output","Package":"example.com/calc","Test":"TestDivide","Output":"--- FAIL: TestDivide (0.00s)\n"}
    {"Time":"2025-03-04T10:00:00.202Z","Action":"output","Package":"example.com/calc","Test":"TestDivide/by_zero","Output":"    --- FAIL: TestDivide/by_zero (0.00s)\n"}
    {"Time":"2025-03-04T10:00:00.202Z","Action":"fail","Package":"example.com/calc","Test":"TestDivide/by_zero","Elapsed":0}
    {"Time":"2025-03-04T10:00:00.202Z","Action":"output","Package":"example.com/calc","Test":"TestDivide/by_one","Output":"    --- PASS: TestDivide/by_one (0.00s)\n"}
    {"Time":"2025-03-04T10:00:00.202Z","Action":"pass","Package":"example.com/calc","Test":"TestDivide/by_one","Elapsed":0}
    {"Time":"2025-03-04T10:00:00.202Z","Action":"fail","Package":"example.com/calc","Test":"TestDivide","Elapsed":0}
    {"Time":"2025-03-04T10:00:00.203Z","Action":"run","Package":"example.com/calc","Test":"TestSlow"}
    {"Time":"2025-03-04T10:00:00.203Z","Action":"output","Package":"example.com/calc","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
    {"Time":"2025-03-04T10:00:00.203Z","Action":"output","Package":"example.com/calc","Test":"TestSlow","Output":"    calc_test.go:40: skipping in short mode\n"}
    {"Time":"2025-03-04T10:00:00.203Z","Action":"output","Package":"example.com/calc","Test":"TestSlow","Output":"--- SKIP: TestSlow (0.00s)\n"}
    {"Time":"2025-03-04T10:00:00.203Z","Action":"skip","Package":"example.com/calc","Test":"TestSlow","Elapsed":0}
    {"Time":"2025-03-04T10:00:00.204Z","Action":"output","Package":"example.com/calc","Output":"FAIL\n"}
    {"Time":"2025-03-04T10:00:00.204Z","Action":"output","Package":"example.com/calc","Output":"FAIL\texample.com/calc\t0.004s\n"}
    {"Time":"2025-03-04T10:00:00.204Z","Action":"fail","Package":"example.com/calc","Elapsed":0.004}
    {"Time":"2025-03-04T10:00:00.205Z","Action":"start","Package":"example.com/calc/parse"}
    {"Time":"2025-03-04T10:00:00.205Z","Action":"output","Package":"example.com/calc/parse","Output":"FAIL\texample.com/calc/parse [build failed]\n"}
    {"Time":"2025-03-04T10:00:00.205Z","Action":"fail","Package":"example.com/calc/parse","Elapsed":0,"FailedBuild":"example.com/calc/parse [example.com/calc/parse.test]"}
    """#

    /// `go test -v ./...` (Go 1.22): the same packages as text, plus one without tests.
    static let goVerbose = """
    # example.com/calc/parse [example.com/calc/parse.test]
    parse/parse_test.go:9:2: undefined: Tokenize
    === RUN   TestAdd
    --- PASS: TestAdd (0.00s)
    === RUN   TestDivide
    === RUN   TestDivide/by_zero
        calc_test.go:21: Divide(1, 0) = 0, want error
    === RUN   TestDivide/by_one
    --- FAIL: TestDivide (0.00s)
        --- FAIL: TestDivide/by_zero (0.00s)
        --- PASS: TestDivide/by_one (0.00s)
    FAIL
    FAIL\texample.com/calc\t0.004s
    ?   \texample.com/calc/cmd\t[no test files]
    FAIL\texample.com/calc/parse [build failed]
    FAIL
    """

    /// `npx jest` on one file (jest 29 prints the verbose list then), no colours.
    static let jest = """
    > app@1.0.0 test
    > jest

    FAIL src/sum.test.js
      sum
        ✓ adds 1 + 2 to equal 3 (2 ms)
        ✕ adds negatives (3 ms)
        ○ skipped handles NaN
      format
        ✓ pads numbers (1 ms)
      ✓ exports a default (1 ms)

      ● sum › adds negatives

        expect(received).toBe(expected) // Object.is equality

        Expected: -3
        Received: -2

           8 |
           9 |   test('adds negatives', () => {
        > 10 |     expect(sum(-1, -1)).toBe(-3);
             |                         ^
          11 |   });
          12 |

          at Object.toBe (src/sum.test.js:10:25)

    Test Suites: 1 failed, 1 total
    Tests:       1 failed, 1 skipped, 3 passed, 5 total
    Snapshots:   0 total
    Time:        0.512 s, estimated 1 s
    Ran all test suites.
    """

    /// `npx vitest run` (vitest 1.6), no colours.
    static let vitest = """

     RUN  v1.6.0 /home/runner/work/app

     ❯ src/sum.test.ts (4 tests | 1 failed | 1 skipped) 6ms
       ✓ sum > adds 1 + 2 4ms
       × sum > adds negatives 3ms
         → expected -2 to be -3 // Object.is equality
       ↓ sum > handles NaN [skipped]
       ✓ sum > format > pads numbers 1ms
     ✓ src/format.test.ts (1 test) 2ms

    ⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯

     FAIL  src/sum.test.ts > sum > adds negatives
    AssertionError: expected -2 to be -3 // Object.is equality

    - Expected
    + Received

    - -3
    + -2

     ❯ src/sum.test.ts:10:25
          8|
          9|   it('adds negatives', () => {
         10|     expect(sum(-1, -1)).toBe(-3)
           |                         ^
         11|   })
         12|

    ⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/1]⎯

     Test Files  1 failed | 1 passed (2)
          Tests  1 failed | 3 passed | 1 skipped (5)
       Start at  10:00:00
       Duration  312ms (transform 20ms, setup 0ms, collect 15ms, tests 6ms, environment 0ms, prepare 80ms)
    """
}

