import ArgumentParser
import BotCore
import Foundation

/// `codex-bot doctor`: say exactly what is missing.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check libgit2, libcurl, OpenSSL, the git identity, the repository and credentials.",
        discussion: "Exits 0 when codex-bot can run here, 2 with a list of what to fix otherwise. Reads only.")

    @Option(name: .customLong("directory"), help: "Check this directory instead of the current one.")
    var directory: String?

    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report = Doctor.run(in: directory ?? FileManager.default.currentDirectoryPath,
                                environment: ProcessInfo.processInfo.environment)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(DoctorJSON(report)), as: UTF8.self))
        } else {
            print(Self.render(report))
        }
        if !report.isUsable { throw ExitCode(BotExitCode.usage) }
    }

    static func render(_ report: DoctorReport) -> String {
        var lines: [String] = []
        for check in report.checks {
            let mark = switch check.status { case .ok: "ok  "; case .warning: "warn"; case .failure: "FAIL" }
            lines.append("\(mark)  \(check.name): \(check.detail)")
            if check.status != .ok, let fix = check.fix { lines.append("      fix: \(fix)") }
        }
        let failures = report.checks.filter { $0.status == .failure }.count
        lines.append(failures == 0 ? "codex-bot can run here."
                                   : "\(failures) problem(s) to fix before codex-bot can run here.")
        return lines.joined(separator: "\n")
    }

    private struct DoctorJSON: Encodable {
        var usable: Bool
        var checks: [DoctorCheck]
        init(_ report: DoctorReport) { usable = report.isUsable; checks = report.checks }
    }
}
