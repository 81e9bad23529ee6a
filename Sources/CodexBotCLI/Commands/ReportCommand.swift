import ArgumentParser
import Foundation
import TestReports

/// `codex-bot report FILE…`: parse test reports and CI logs, no network, no model.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse test reports or CI logs and print the normalized failures (no network, no model).",
        discussion: """
        Reads JUnit XML (Surefire, Gradle, pytest, jest, go-junit-report, gotestsum, PHPUnit, swift test, \
        ctest, nextest, Bazel, mocha, Playwright), NUnit 2/3, xUnit.net, TRX, TAP, go test -json, and \
        console logs of swift test, pytest, go test -v, cargo test, jest and vitest (GitHub Actions logs \
        included). Several files merge into one run. Exit 0 when every file was read (failing tests \
        included), 2 when a file could not be read: the others are still printed.
        """)

    @Argument(help: "Report files or logs.") var files: [String]

    @Option(help: "auto (from the content), junit, nunit, xunit, trx, tap, go-json or log.")
    var format: String = "auto"

    @Flag(help: "Print the normalized run as JSON instead of a table.") var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one report file") }
        if format != "auto" && ReportFormat(rawValue: format) == nil {
            throw ValidationError("--format must be auto, \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")), not '\(format)'")
        }
    }

    func run() async throws {
        let chosen = ReportFormat(rawValue: format)
        var run = TestRun()
        var errors: [ReportError] = []
        for file in files {
            do {
                run.merge(try Reports.read(file, format: chosen))
            } catch let error as ReportError {
                errors.append(error)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(run), as: UTF8.self))
        } else if !run.sources.isEmpty {
            print(Self.render(run))
        }
        for warning in run.warnings { printError("warning: \(warning)") }
        for error in errors { printError("codex-bot report: \(error)") }
        if !errors.isEmpty { throw ExitCode(BotExitCode.usage) }
    }

    /// The human-readable table: a summary line, then each failure with where and why.
    static func render(_ run: TestRun) -> String {
        let t = run.totals
        let formats = Set(run.sources.map(\.format.rawValue)).sorted().joined(separator: ", ")
        var lines = ["\(run.sources.count) file(s) (\(formats)): \(t.tests) tests, \(t.passed) passed, "
                     + "\(t.failed) failed, \(t.errored) errored, \(t.skipped) skipped"]
        for failure in run.failures {
            let label = failure.outcome == .errored ? "ERROR " : "FAILED"
            var location = ""
            if let file = failure.file { location = "  (\(file)\(failure.line.map { ":\($0)" } ?? ""))" }
            lines.append("\(label)  \(failure.id)\(location)")
            if !failure.message.isEmpty {
                let message = failure.message.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
                lines.append("        \(message.prefix(300))")
            }
        }
        if run.unlistedFailures > 0 {
            lines.append("… and \(run.unlistedFailures) more failing tests, counted but not listed")
        }
        return lines.joined(separator: "\n")
    }
}
