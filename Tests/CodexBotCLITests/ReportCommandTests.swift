import Foundation
import Testing
import CodexBotTestSupport

@Suite("codex-bot report")
struct ReportCommandTests {
    static let junit = """
    <testsuites><testsuite name="pytest"><testcase classname="tests.test_a" name="test_ok"/>\
    <testcase classname="tests.test_a" name="test_bad" file="tests/test_a.py" line="4"><failure message="assert 1 == 2">E assert 1 == 2</failure></testcase>\
    <testcase classname="tests.test_a" name="test_later"><skipped/></testcase></testsuite></testsuites>
    """

    @Test func printsATableOfFailures() async throws {
        try await withTemporaryDirectory("cli-report") { dir in
            let path = dir.appending("junit.xml")
            try Self.junit.write(toFile: path, atomically: true, encoding: .utf8)
            let output = try CodexBotBinary.run(["report", path])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout == """
            1 file(s) (junit): 3 tests, 1 passed, 1 failed, 0 errored, 1 skipped
            FAILED  tests.test_a::test_bad  (tests/test_a.py:4)
                    assert 1 == 2

            """)
        }
    }

    @Test func jsonIsTheNormalizedModel() async throws {
        try await withTemporaryDirectory("cli-report-json") { dir in
            let path = dir.appending("junit.xml")
            try Self.junit.write(toFile: path, atomically: true, encoding: .utf8)
            let output = try CodexBotBinary.run(["report", "--json", path])
            #expect(output.status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            let totals = try #require(object?["totals"] as? [String: Int])
            #expect(totals == ["tests": 3, "passed": 1, "failed": 1, "errored": 0, "skipped": 1])
            let failures = try #require(object?["failures"] as? [[String: Any]])
            #expect(failures.first?["id"] as? String == "tests.test_a::test_bad")
            #expect(failures.first?["line"] as? Int == 4)
            #expect(failures.first?["framework"] as? String == "pytest")
        }
    }

    @Test func aBadFileExits2NamingItAndTheGoodOnesStillPrint() async throws {
        try await withTemporaryDirectory("cli-report-bad") { dir in
            let good = dir.appending("good.xml")
            try Self.junit.write(toFile: good, atomically: true, encoding: .utf8)
            let truncated = dir.appending("truncated.xml")
            try "<testsuite><testcase name=\"x\">".write(toFile: truncated, atomically: true, encoding: .utf8)
            let empty = dir.appending("empty.xml")
            try "".write(toFile: empty, atomically: true, encoding: .utf8)
            let output = try CodexBotBinary.run(["report", good, truncated, empty])
            #expect(output.status == 2)
            #expect(output.stdout.hasPrefix("1 file(s) (junit): 3 tests"))
            let errors = output.stderr.split(separator: "\n")
            #expect(errors.count == 2, "\(output.stderr)")
            #expect(errors.contains { $0.hasPrefix("codex-bot report: \(truncated): ") && $0.contains("truncated") })
            #expect(errors.contains { $0.hasPrefix("codex-bot report: \(empty): ") && $0.contains("empty") })
        }
    }

    @Test func anUnknownFormatIsAUsageError() throws {
        let output = try CodexBotBinary.run(["report", "--format", "yaml", "x.xml"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("--format must be auto"))
    }
}
