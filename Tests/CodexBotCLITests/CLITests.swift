import Foundation
import Testing
import CodexBotTestSupport

/// Runs the built `codex-bot` binary, as a user or a CI step would.
enum CodexBotBinary {
    /// `swift test` builds every product into the directory the test bundle runs from.
    static var path: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent(),
                          Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("codex-bot").path
            if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        }
        return bundleDirectory.appendingPathComponent("codex-bot").path
    }

    static func run(_ arguments: [String], in directory: String = NSTemporaryDirectory(),
                    environment extra: [String: String] = [:]) throws -> ProcessRunner.Output {
        var environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LC_ALL": "C",
                           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"]
        environment.merge(extra) { $1 }
        return try ProcessRunner.run(path, arguments, in: directory, environment: environment)
    }
}

@Suite("codex-bot command line")
struct CLITests {
    static let commands = ["run", "issue", "fix-tests", "report", "doctor", "hooks", "serve", "demo"]

    @Test func helpListsEveryCommandOfTheDesign() throws {
        let output = try CodexBotBinary.run(["--help"])
        #expect(output.status == 0)
        for command in Self.commands {
            #expect(output.stdout.contains("\n  \(command) "), "help does not list \(command)")
        }
        #expect(output.stdout.contains("Exit codes: 0 done"))
    }

    @Test(arguments: [["serve"]])
    func commandsNotBuiltYetSaySoAndExit2(arguments: [String]) throws {
        let output = try CodexBotBinary.run(arguments)
        #expect(output.status == 2)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains("codex-bot \(arguments[0])"))
        #expect(output.stderr.contains("not built yet"))
    }

    @Test func commonOptionsAreCheckedWithAClearMessage() throws {
        let badForge = try CodexBotBinary.run(["issue", "3", "--forge", "bitbucket"])
        #expect(badForge.status == 2)
        #expect(badForge.stderr.contains("--forge must be github, gitlab, gitea or local, not 'bitbucket'"))
        let badBudget = try CodexBotBinary.run(["fix-tests", "--max-iterations", "0"])
        #expect(badBudget.status == 2)
        #expect(badBudget.stderr.contains("--max-iterations must be a positive number"))
        let notANumber = try CodexBotBinary.run(["issue", "twelve"])
        #expect(notANumber.status == 2)
        #expect(notANumber.stderr.contains("twelve"))
    }

    @Test func taskCommandsOutsideTheirPlaceSayWhatIsMissingAndExit2() throws {
        let noCI = try CodexBotBinary.run(["run", "--json"])
        #expect(noCI.status == 2, "\(noCI.stderr)")
        #expect(noCI.stderr.contains("no CI event found"))
        let json = try #require(noCI.stdout.split(separator: "\n").last)
        #expect(json.contains(#""status":"error""#) && json.contains("GITHUB_EVENT_NAME"))

        let noRepository = try CodexBotBinary.run(["fix-tests", "--forge", "local"])
        #expect(noRepository.status == 2)
        #expect(noRepository.stderr.contains("git repository"), "\(noRepository.stderr)")

        let badPayload = try CodexBotBinary.run(["run"], environment: ["GITHUB_EVENT_NAME": "issues", "GITHUB_EVENT_PATH": "/nonexistent/event.json"])
        #expect(badPayload.status == 2)
        #expect(badPayload.stderr.contains("/nonexistent/event.json"))
    }

    @Test func demoRunsThePipelineOfflineAndSaysTheModelIsRecorded() async throws {
        try await withTemporaryDirectory("cli-demo") { directory in
            let place = directory.appending("demo")
            let output = try await offPool { try CodexBotBinary.run(["demo", "--directory", place, "--json"], environment: ["PATH": StartEnvironment.path]) }
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stderr.contains("RECORDED model session") && output.stderr.contains("codex-bot prs"))
            let json = try #require(output.stdout.split(separator: "\n").last)
            #expect(json.contains(#""status":"green""#) && json.contains(#""input_tokens":0"#))
            let branch = try GitCLI.check(["branch", "--list", "codex-bot/fix-main-*"], in: place)
            #expect(!branch.isEmpty)
            // A second demo into the same directory is refused with a clear message, not a crash.
            let again = try await offPool { try CodexBotBinary.run(["demo", "--directory", place], environment: ["PATH": StartEnvironment.path]) }
            #expect(again.status == 2 && again.stderr.contains(place), "\(again.stderr)")
        }
    }

    @Test func versionIsPrinted() throws {
        let output = try CodexBotBinary.run(["--version"])
        #expect(output.status == 0)
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}
