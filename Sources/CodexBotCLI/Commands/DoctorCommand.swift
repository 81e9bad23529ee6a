import ArgumentParser
import BotCore
import ForgeKit
import Foundation

/// `codex-bot doctor`: say exactly what is missing.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check libgit2, libcurl, OpenSSL, the git identity, the repository, credentials, the sandbox, the forge and the model.",
        discussion: """
        Exits 0 when codex-bot can run here, 2 with a list of what to fix otherwise. Reads only: \
        the network calls ask the forge for the repository named by --repo or the CI \
        environment, and the model server for its model list (both skipped with --offline).
        """)

    @Option(name: .customLong("directory"), help: "Check this directory instead of the current one.")
    var directory: String?

    @Option(help: "The forge to check: github, gitlab, gitea or local (default: from the CI environment).")
    var forge: String?

    @Option(help: "The repository on the forge, OWNER/NAME (default: from the CI environment).")
    var repo: String?

    @Option(help: "The model API to check: openai, openai-chat or anthropic (default: from the environment).")
    var provider: String?

    @Option(help: "The model name to check (default: CODEX_BOT_MODEL).")
    var model: String?

    @Flag(help: "Skip the forge and model calls.") var offline = false

    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        if let forge, ForgeKind(rawValue: forge) == nil {
            throw ValidationError("--forge must be github, gitlab, gitea or local, not '\(forge)'")
        }
    }

    func run() async throws {
        let place = directory ?? FileManager.default.currentDirectoryPath
        let environment = ProcessInfo.processInfo.environment
        var report = Doctor.run(in: place, environment: environment)
        report.checks.append(Doctor.sandboxCheck())
        if !offline {
            report.checks.append(await Doctor.forgeCheck(forge: forge.flatMap(ForgeKind.init(rawValue:)), repository: repo,
                                                         environment: environment, directory: place))
            report.checks.append(await Doctor.modelCheck(provider: provider, model: model, environment: environment))
        }
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
