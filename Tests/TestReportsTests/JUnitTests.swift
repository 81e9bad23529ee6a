import Foundation
import Testing
@testable import TestReports
import CodexBotTestSupport

/// Writes `content` (UTF-8, with a byte order mark when `bom`) to a file named `name` in
/// `dir` and returns its path. Shared by the report tests.
func writeReport(_ dir: TemporaryDirectory, _ name: String, _ content: String, bom: Bool = false) throws -> String {
    let path = dir.appending(name)
    try Data((bom ? [0xEF, 0xBB, 0xBF] : []) + Array(content.utf8)).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("JUnit XML dialects")
struct JUnitTests {
    @Test func surefireWithFailureErrorSkipAndFlakyRerun() async throws {
        try await withTemporaryDirectory("junit-surefire") { dir in
            let path = try writeReport(dir, "TEST-com.example.CalcTest.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" name="com.example.CalcTest" time="0.05" tests="5" errors="1" skipped="1" failures="1">
              <properties><property name="java.version" value="17"/></properties>
              <testcase name="adds" classname="com.example.CalcTest" time="0.001"/>
              <testcase name="divides" classname="com.example.CalcTest" time="0.002">
                <failure message="expected: &lt;2&gt; but was: &lt;3&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <2> but was: <3>
                at com.example.CalcTest.divides(CalcTest.java:21)
            ]]></failure>
                <system-out><![CDATA[lots of output]]></system-out>
              </testcase>
              <testcase name="parses" classname="com.example.CalcTest" time="0.001">
                <error message="boom" type="java.lang.NullPointerException">java.lang.NullPointerException: boom
                at com.example.Calc.parse(Calc.java:9)</error>
              </testcase>
              <testcase name="later" classname="com.example.CalcTest"><skipped message="not yet"/></testcase>
              <testcase name="sometimes" classname="com.example.CalcTest">
                <flakyFailure message="timing" type="java.lang.AssertionError"><stackTrace>...</stackTrace></flakyFailure>
              </testcase>
            </testsuite>
            """)
            let run = try Reports.read(path)
            #expect(run.sources == [TestRun.Source(path: path, format: .junit)])
            #expect(run.totals == Totals(tests: 5, passed: 2, failed: 1, errored: 1, skipped: 1))
            #expect(run.failures.map(\.id) == ["com.example.CalcTest::divides", "com.example.CalcTest::parses"])
            let divides = try #require(run.failures.first)
            #expect(divides.message == "expected: <2> but was: <3>")
            #expect(divides.details.contains("at com.example.CalcTest.divides(CalcTest.java:21)"))
            #expect(divides.outcome == .failed)
            #expect(run.failures[1].outcome == .errored)
            #expect(run.failures[1].message == "boom")
            #expect(run.warnings.contains { $0.contains("flaky") })
        }
    }

    @Test func pytestWithFileAndLineAndNestedSuites() async throws {
        try await withTemporaryDirectory("junit-pytest") { dir in
            let path = try writeReport(dir, "results.xml", """
            <?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.03" timestamp="2026-11-21T10:00:00" hostname="ci"><testcase classname="tests.test_math.TestAdd" name="test_two[1-2]" file="tests/test_math.py" line="11" time="0.001"><failure message="assert 3 == 4">self = &lt;tests.test_math.TestAdd object&gt;

                def test_two(self):
            &gt;       assert add(1, 2) == 4
            E       assert 3 == 4

            tests/test_math.py:12: AssertionError</failure></testcase><testcase classname="tests.test_math.TestAdd" name="test_one" file="tests/test_math.py" line="7" time="0.001" /></testsuite></testsuites>
            """)
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 2, passed: 1, failed: 1))
            let failure = try #require(run.failures.first)
            #expect(failure.suite == "tests.test_math.TestAdd")
            #expect(failure.name == "test_two[1-2]")
            #expect(failure.file == "tests/test_math.py")
            #expect(failure.line == 11)
            #expect(failure.framework == .pytest)
            #expect(failure.message == "assert 3 == 4")
            #expect(failure.details.contains(">       assert add(1, 2) == 4"))
        }
    }

    @Test func minimalAttributesAndDeepNesting() async throws {
        try await withTemporaryDirectory("junit-minimal") { dir in
            let path = try writeReport(dir, "r.xml", """
            <testsuites><testsuite name="outer"><testsuite name="inner">
            <testcase name="a"><failure>first line of text
            second line</failure></testcase>
            <testcase><error/></testcase>
            <testcase name="b"><failure message="one"/><failure message="two"/></testcase>
            </testsuite></testsuite></testsuites>
            """)
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 3, passed: 0, failed: 2, errored: 1))
            #expect(run.failures[0].suite == "inner")
            #expect(run.failures[0].message == "first line of text")
            #expect(run.failures[1].name == "(unnamed)")
            #expect(run.failures[2].message == "one")
        }
    }

    @Test func detailsAreBoundedWithHeadAndTailKept() async throws {
        try await withTemporaryDirectory("junit-huge-details") { dir in
            let stack = "TOP OF STACK\n" + String(repeating: "at frame\n", count: 100_000) + "FINAL CAUSE"
            let path = try writeReport(dir, "r.xml", "<testsuite><testcase name=\"t\"><failure message=\"m\">\(stack)</failure></testcase></testsuite>")
            let failure = try #require(try Reports.read(path).failures.first)
            #expect(failure.details.utf8.count < FailingTest.detailsLimit + 200)
            #expect(failure.details.hasPrefix("TOP OF STACK"))
            #expect(failure.details.hasSuffix("FINAL CAUSE"))
            #expect(failure.details.contains("bytes cut"))
        }
    }

    @Test func pastTheListLimitFailuresAreCountedNotListed() async throws {
        try await withTemporaryDirectory("junit-many-failures") { dir in
            let count = TestRun.failureListLimit + 150
            let cases = (0..<count).map { "<testcase classname=\"C\" name=\"t\($0)\"><failure message=\"m\"/></testcase>" }
            let path = try writeReport(dir, "r.xml", "<testsuite>" + cases.joined() + "</testsuite>")
            let run = try Reports.read(path)
            #expect(run.totals.failed == count)
            #expect(run.failures.count == TestRun.failureListLimit)
            #expect(run.unlistedFailures == 150)
            var merged = run
            merged.merge(run)
            #expect(merged.totals.failed == 2 * count)
            #expect(merged.failures.count == TestRun.failureListLimit)
            #expect(merged.unlistedFailures == 2 * count - TestRun.failureListLimit)
        }
    }

    @Test func severalFilesMergeIntoOneRun() async throws {
        try await withTemporaryDirectory("junit-merge") { dir in
            let a = try writeReport(dir, "a.xml", "<testsuite><testcase name=\"x\" classname=\"A\"><failure/></testcase></testsuite>")
            let b = try writeReport(dir, "b.xml", "<testsuite><testcase name=\"y\" classname=\"B\"/><testcase name=\"z\" classname=\"B\"><skipped/></testcase></testsuite>")
            let run = try Reports.read([a, b])
            #expect(run.totals == Totals(tests: 3, passed: 1, failed: 1, skipped: 1))
            #expect(run.sources.map(\.path) == [a, b])
        }
    }
}

@Suite("Hostile and broken XML")
struct XMLSafetyTests {
    @Test func externalEntitiesAreNeverResolved() async throws {
        try await withTemporaryDirectory("xml-xxe") { dir in
            let secret = try writeReport(dir, "secret.txt", "TOP-SECRET-CONTENT")
            let path = try writeReport(dir, "xxe.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE testsuite [
              <!ENTITY xxe SYSTEM "file://\(secret)">
              <!ENTITY remote SYSTEM "http://127.0.0.1:9/evil.dtd">
              <!ENTITY % param SYSTEM "http://127.0.0.1:9/p.dtd"> %param;
            ]>
            <testsuite name="&xxe;"><testcase name="t&xxe;" classname="C"><failure message="&xxe;&remote;">&xxe;</failure></testcase></testsuite>
            """)
            let run = try Reports.read(path)
            let everything = String(describing: run)
            #expect(!everything.contains("TOP-SECRET"))
            #expect(run.failures.first?.message == "&xxe;&remote;")
            #expect(run.warnings.contains { $0.contains("not expanded") })
        }
    }

    @Test func entityExpansionBombsDoNotExpand() async throws {
        try await withTemporaryDirectory("xml-bomb") { dir in
            var entities = "<!ENTITY lol0 \"lollollollollollollollollollol\">\n"
            for level in 1...9 {
                entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n"
            }
            let path = try writeReport(dir, "bomb.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n\(entities)]>\n<testsuite><testcase name=\"&lol9;\"><failure message=\"&lol9;\"/></testcase></testsuite>")
            let run = try Reports.read(path)
            #expect(run.failures.first?.name == "&lol9;")
            #expect(run.totals.failed == 1)
        }
    }

    @Test(arguments: [
        ("empty.xml", "", "empty"),
        ("whitespace.xml", "  \n\n", "empty"),
        ("truncated.xml", "<testsuite><testcase name=\"a\"><failure>boom", "truncated"),
        ("truncated-tag.xml", "<testsuite><testcase name=\"a", "truncated"),
        ("mismatched.xml", "<testsuite><testcase></testsuite>", "closes <testcase>"),
        ("text.xml", "<testsuite>ok</testsuite> trailing words", "after the root element"),
        ("two-roots.xml", "<testsuite/><testsuite/>", "second root"),
    ])
    func brokenXMLIsAOneLineErrorNamingTheFile(name: String, content: String, problem: String) async throws {
        try await withTemporaryDirectory("xml-broken") { dir in
            let path = try writeReport(dir, name, content)
            let error = try #require(throws: ReportError.self) { try Reports.read(path, format: .junit) }
            #expect(error.path == path)
            #expect(error.problem.contains(problem), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func binaryAndInvalidUTF8() async throws {
        try await withTemporaryDirectory("xml-binary") { dir in
            let binary = dir.appending("report.xml")
            try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: binary))
            let error = try #require(throws: ReportError.self) { try Reports.read(binary) }
            #expect(error.problem.contains("binary"))

            let latin1 = dir.appending("latin1.xml")
            var bytes = Array("<testsuite><testcase name=\"caf".utf8)
            bytes += [0xE9]  // é in Latin-1: invalid UTF-8
            bytes += Array("\" classname=\"C\"><failure message=\"x\"/></testcase></testsuite>".utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: latin1))
            let run = try Reports.read(latin1)
            #expect(run.failures.first?.name == "caf\u{FFFD}")
        }
    }

    @Test func aDirectoryOrMissingFileIsNamed() throws {
        let missing = try #require(throws: ReportError.self) { try Reports.read("/nonexistent/report.xml") }
        #expect(missing.problem.contains("No such file"))
        let directory = try #require(throws: ReportError.self) { try Reports.read(NSTemporaryDirectory()) }
        #expect(directory.problem.contains("directory"))
    }

    @Test func textAndTagsSplitAcrossReadChunksParseTheSame() async throws {
        try await withTemporaryDirectory("xml-chunks") { dir in
            // Enough test cases that tags, entities and CDATA straddle the 1 MB read boundaries.
            var xml = "<testsuites><testsuite name=\"s\">"
            for index in 0..<40_000 {
                if index % 97 == 0 {
                    xml += "<testcase classname=\"C&amp;D\" name=\"t\(index)\"><failure message=\"a &lt; b\"><![CDATA[x]]>&amp;y</failure></testcase>"
                } else {
                    xml += "<testcase classname=\"C&amp;D\" name=\"t\(index)\" time=\"0.001\"/>"
                }
            }
            xml += "</testsuite></testsuites>"
            let path = try writeReport(dir, "big.xml", xml)
            let run = try Reports.read(path)
            #expect(run.totals.tests == 40_000)
            #expect(run.totals.failed == (0..<40_000).filter { $0 % 97 == 0 }.count)
            #expect(run.failures.allSatisfy { $0.suite == "C&D" && $0.message == "a < b" && $0.details == "x&y" })
        }
    }
}
