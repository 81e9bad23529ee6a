import Foundation
import Testing
@testable import TestReports
import CodexBotTestSupport

@Suite("Format detection looks at the content, never the name")
struct DetectionTests {
    static let samples: [(name: String, content: String, format: ReportFormat)] = [
        ("results.txt", "<?xml version=\"1.0\"?>\n<!-- made by a tool -->\n<testsuites><testsuite name=\"s\"><testcase name=\"a\"/></testsuite></testsuites>", .junit),
        ("junit.xml", "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?><TestRun xmlns=\"http://microsoft.com/schemas/VisualStudio/TeamTest/2010\"><Results/></TestRun>", .trx),
        ("report.trx", "<?xml version=\"1.0\"?><test-run id=\"2\" testcasecount=\"0\"></test-run>", .nunit),
        ("out.log", "<assemblies><assembly name=\"a.dll\"></assembly></assemblies>", .xunit),
        ("tests.xml", "TAP version 13\n1..2\nok 1 - first\nnot ok 2 - second\n", .tap),
        ("test.json", "ok 1 - no version line\nok 2\n1..2\n", .tap),
        ("report.xml", "{\"Time\":\"2026-01-02T03:04:05Z\",\"Action\":\"run\",\"Package\":\"example.com/m\",\"Test\":\"TestA\"}\n", .goJSON),
        ("report.xml", "2026-11-21T10:00:00.1234567Z ##[group]Run swift test\n2026-11-21T10:00:01.0000000Z Test Suite 'All tests' started\n", .log),
        ("junit.xml", "============================= test session starts ==============================\ncollected 2 items\n", .log),
    ]

    @Test(arguments: 0..<samples.count)
    func detectsTheFormatFromTheContent(index: Int) async throws {
        let sample = Self.samples[index]
        try await withTemporaryDirectory("detect") { dir in
            let path = dir.appending(sample.name)
            try Data(sample.content.utf8).write(to: URL(fileURLWithPath: path))
            #expect(try Reports.detectFormat(of: path) == sample.format, "\(sample.name): \(sample.content.prefix(40))")
        }
    }

    @Test func emptyAndBinaryFilesAreErrorsThatSaySo() async throws {
        try await withTemporaryDirectory("detect-bad") { dir in
            let empty = dir.appending("junit.xml")
            try Data().write(to: URL(fileURLWithPath: empty))
            #expect(try #require(throws: ReportError.self) { try Reports.read(empty) }.problem.contains("empty"))
            let binary = dir.appending("report.log")
            try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 64))
                .write(to: URL(fileURLWithPath: binary))
            #expect(try #require(throws: ReportError.self) { try Reports.read(binary) }.problem.contains("binary"))
        }
    }

    @Test func aWrongExplicitFormatIsAClearError() async throws {
        try await withTemporaryDirectory("detect-wrong") { dir in
            let tap = dir.appending("results.tap")
            try "TAP version 13\n1..1\nnot ok 1 - broken\n".write(toFile: tap, atomically: true, encoding: .utf8)
            let error = try #require(throws: ReportError.self) { try Reports.read(tap, format: .junit) }
            #expect(error.path == tap)
            #expect(error.problem.contains("not XML"))
            // Auto-detection reads it.
            #expect(try Reports.read(tap).totals.failed == 1)
        }
    }
}
