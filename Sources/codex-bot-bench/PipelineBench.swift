// codex-bot-bench pipeline: the bot's own time in a whole fix-tests run, and its workspace
// setup against the git CLI.
//
//   swift run -c release codex-bot-bench pipeline [--runs 5] [--log]
//
// Each run makes a fresh copy of the Python sample (SampleProject.python(), committed with its
// .codex-bot.yml) and runs the fix-tests pipeline on it with the local forge and a scripted
// model that answers at once: apply_patch with the sample's fix, then a final answer, over the
// OpenAI Responses wire format from a child process (`codex-bot-bench pipeline model-server`),
// so the client's HTTP, SSE and JSON work is real and the server's CPU is not in this process's.
// That client work falls in RunResult's model time (the wait for `respond(to:)`), so it is left
// out of `bot` but shows in the CPU row.
// The project's commands (pytest, in bubblewrap when present) are real and counted apart.
// Prints, per phase, the first run (a fresh process: the sandbox probe, first-use costs) and the
// median of the N runs after it:
//   1. RunResult's timings and `botMilliseconds` (total − model − the project's commands),
//      goal under 1000 ms, with this process's CPU time (getrusage RUSAGE_SELF, user + system,
//      every thread; children excluded) as a cross-check;
//   2. the workspace phase (open, prune, branch, libgit2 worktree add) against
//      `git branch x && git worktree add <dir> x` on the same repository (spawned with
//      posix_spawn, as the bot spawns commands), alternating which goes first; goal at most 1.0x.
// Every pipeline run must end green with the script consumed exactly, or the bench fails and keeps
// its files (the transcript is under the repository's .git/codex-bot/runs). `--log` prints the
// pipeline's progress lines to stderr.
import AgentKit
import BotCore
import CodexBotTestSupport
import Foundation
import GitKit
import HTTPKit
import Sandbox

enum PipelineBench {
    static let apiKey = "sk-bench-0123456789"
    /// Model turns one green run takes: the fix, then the final answer.
    static let turnsPerRun = 2

    static func run(_ arguments: ArraySlice<String>) throws {
        if arguments.first == "model-server" { return try serveModel(arguments.dropFirst()) }
        var runs = 5, log = false
        var rest = arguments
        while let flag = rest.popFirst() {
            switch flag {
            case "--runs": runs = try Options.number(rest.popFirst(), flag)
            case "--log": log = true
            default: throw BenchError("usage: codex-bot-bench pipeline [--runs N] [--log]")
            }
        }
        try measureRuns(runs, log: log, commandLine: (["codex-bot-bench", "pipeline"] + arguments).joined(separator: " "))
    }

    /// One pipeline run's numbers, in milliseconds.
    struct Sample {
        var timings: RunResult.Timings
        var commands: Double
        var bot: Double
        var cpu: Double
        var wall: Double
        var gitWorkspace: Double
    }

    static func measureRuns(_ runs: Int, log: Bool, commandLine: String) throws {
        let sample = SampleProject.python()
        let work = try TemporaryDirectory(named: "bench-pipeline")
        var failed = true  // a failed run's repository and transcript are kept for a look
        defer { if failed { print("kept \(work.path)") } else { work.remove() } }
        let server = try ModelServerChild(pipelineRuns: runs + 1)
        defer { server.stop() }
        // The instant model rewrites calc/core.py at the same size within the second the worktree
        // wrote it: apply_patch moves the file's time on, so CPython's .pyc check sees the change.
        let environment = ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home,
                           "OPENAI_API_KEY": apiKey, "OPENAI_BASE_URL": server.baseURL]

        var samples: [Sample] = []
        for run in 0...runs {  // run 0 is the first of this process, shown apart
            let repository = work.appending("run-\(run)/repo")
            try sample.makeRepository(at: repository, configFile: true)
            let gitWorktree = work.appending("run-\(run)/git-worktree")
            let gitSide = {
                let time = try measure {
                    try spawnGit(["-C", repository, "branch", "bench-git"])
                    try spawnGit(["-C", repository, "worktree", "add", "-q", gitWorktree, "bench-git"])
                }
                guard try GitCLI.check(["status", "--porcelain"], in: gitWorktree).isEmpty else {
                    throw BenchError("git's worktree is not a clean checkout")
                }
                try GitCLI.check(["worktree", "remove", "--force", gitWorktree], in: repository)
                try GitCLI.check(["branch", "-D", "bench-git"], in: repository)
                return time
            }
            let pipelineSide = { try runPipeline(in: repository, environment: environment, server: server, log: log) }
            var measured: Sample
            if run % 2 == 0 {
                let git = try gitSide()
                measured = try pipelineSide()
                measured.gitWorkspace = git
            } else {
                measured = try pipelineSide()
                measured.gitWorkspace = try gitSide()
            }
            samples.append(measured)
            try? FileManager.default.removeItem(atPath: work.appending("run-\(run)"))
        }
        failed = false
        report(samples, runs: runs, commandLine: commandLine, testCommand: sample.testCommand)
    }

    /// Runs fix-tests on `repository` and checks it ended green with two turns of the script.
    static func runPipeline(in repository: String, environment: [String: String], server: ModelServerChild,
                            log: Bool) throws -> Sample {
        var config = try ConfigLoader.load(repositoryRoot: URL(fileURLWithPath: repository)).config
        let forge = ForgeConnection.localForge(for: try Repository.open(at: repository))
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .direct
        let client = HTTPClient(configuration: configuration)
        var settings = PipelineSettings(config: config, forge: forge, client: client, model: {
            ModelChoice(settings: try ModelSettings.resolve(provider: "openai", model: "bench-model", environment: environment),
                        client: client)
        }, environment: environment, directory: repository)
        if log { settings.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }
        let box = ResultBox()
        let settingsForRun = settings
        let remainingBefore = server.remainingTurns()
        let cpuBefore = cpuTimes()
        let wall = try measure {
            try HTTPBench.blocking { box.result = await Pipeline(settings: settingsForRun).run(PipelineJob(kind: .fixTests)) }
        }
        let cpuAfter = cpuTimes()
        guard let result = box.result, result.status == .green else {
            throw BenchError("the pipeline run did not end green: \(box.result?.status.rawValue ?? "no result"): "
                             + (box.result?.message ?? ""))
        }
        let used = remainingBefore - server.remainingTurns()
        guard used == turnsPerRun, result.pullRequest != nil else {
            throw BenchError("the pipeline run took \(used) model turns (expected \(turnsPerRun)) "
                             + "and \(result.pullRequest == nil ? "opened no" : "opened a") pull request")
        }
        return Sample(timings: result.timings, commands: result.commandMilliseconds, bot: result.botMilliseconds,
                      cpu: (cpuAfter.user - cpuBefore.user) + (cpuAfter.system - cpuBefore.system), wall: wall, gitWorkspace: 0)
    }

    static func report(_ samples: [Sample], runs: Int, commandLine: String, testCommand: String) {
        let first = samples[0], rest = Array(samples.dropFirst())
        let isolation = Sandbox.isolation()
        print("\n$ \(commandLine)")
        print("codex-bot-bench pipeline: fix-tests on the Python sample (\(testCommand)), local forge, scripted model "
              + "answering at once (OpenAI Responses, streamed, child process)")
        print("sandbox: \(isolation.isAvailable ? "bubblewrap" : "none (\(isolation.problem ?? "unavailable"))"); "
              + "first run = this process's first; median of the \(runs) runs after it, each on a fresh copy (ms)")
        func row(_ name: String, _ value: (Sample) -> Double, note: String = "") {
            print(name.padding(toLength: 40, withPad: " ", startingAt: 0)
                  + String(format: "%10.1f %10.1f", value(first), median(rest.map(value))) + note)
        }
        print("1. the bot's own time".padding(toLength: 40, withPad: " ", startingAt: 0) + " first run     median")
        row("  workspace", { $0.timings.workspace })
        row("  baseline (setup + test run)", { $0.timings.baseline })
        row("  model (instant; HTTP+JSON both ends)", { $0.timings.model },
            note: "   (not in bot time; in the CPU row)")
        row("  tools (apply_patch)", { $0.timings.tools })
        row("  verify (the bot's test runs)", { $0.timings.verify })
        row("  publish (commit, branch, PR record)", { $0.timings.publish })
        row("  total", { $0.timings.total })
        row("  wall time around Pipeline.run", { $0.wall })
        row("  project's commands", { $0.commands })
        let bot = median(rest.map(\.bot))
        row("  bot = total − model − commands", { $0.bot },
            note: String(format: "   goal < 1000: %@", bot < 1000 ? "met" : "NOT met"))
        row("    of it: around the commands", { $0.timings.baseline + $0.timings.tools + $0.timings.verify - $0.commands },
            note: "   (baseline + tools + verify − commands: spawning, reports)")
        row("    of it: workspace + publish", { $0.timings.workspace + $0.timings.publish })
        row("    of it: the rest", { $0.bot - ($0.timings.baseline + $0.timings.tools + $0.timings.verify - $0.commands)
                                         - $0.timings.workspace - $0.timings.publish },
            note: "   (prompt, transcript, guards, commit, cleanup)")
        row("  process CPU (user+sys, RUSAGE_SELF)", { $0.cpu })
        print("2. workspace setup, median of \(samples.count)".padding(toLength: 40, withPad: " ", startingAt: 0)
              + "   git CLI  codex-bot   codex-bot/git")
        let git = median(samples.map(\.gitWorkspace)), kit = median(samples.map(\.timings.workspace))
        print("  branch + worktree add".padding(toLength: 40, withPad: " ", startingAt: 0)
              + String(format: "%10.1f %10.1f %10.2fx   goal ≤ 1.0x: %@", git, kit, kit / git, kit <= git ? "met" : "NOT met"))
    }

    /// Runs git with posix_spawn, as the Sandbox spawns commands, and waits for it. Not GitCLI:
    /// Foundation's Process costs tens of milliseconds a spawn here, which would be timed as git's.
    static func spawnGit(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = (["git"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "git", &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchError("could not start git: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw BenchError("git \(arguments.joined(separator: " ")) failed (wait status \(status))") }
    }

    final class ResultBox: @unchecked Sendable {  // written before the semaphore signals, read after
        var result: RunResult?
    }

    /// The script for `runs` green runs: each applies the sample's fix, then says what it did.
    static func script(runs: Int) -> [ScriptedTurn] {
        let fix = ScriptedToolCall(name: "apply_patch",
                                   arguments: JSONValue.object(["input": .string(SampleProject.python().fixPatch)]).jsonText)
        let one = [ScriptedTurn(text: "clamp has its bounds swapped; swapping them back.", toolCalls: [fix],
                                usage: ScriptedUsage(input: 3000, output: 120)),
                   ScriptedTurn(text: "clamp clamps to [low, high] again.", usage: ScriptedUsage(input: 3400, output: 40))]
        return Array(repeating: one, count: runs).flatMap { $0 }
    }

    /// The child mode: serve the script on loopback, print the base URL, and on each line read
    /// from stdin answer the turns left and the requests it did not expect; end when stdin closes.
    static func serveModel(_ arguments: ArraySlice<String>) throws {
        guard arguments.count == 1, let runs = arguments.first.flatMap(Int.init) else {
            throw BenchError("usage: codex-bot-bench pipeline model-server RUNS")
        }
        let server = try ScriptedModelServer(format: .responses, script: script(runs: runs), apiKey: apiKey)
        FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
        while readLine() != nil {
            let unexpected = server.unexpectedRequests.count + server.refusals.count
            FileHandle.standardOutput.write(Data("\(unexpected == 0 ? server.remainingTurns : -1)\n".utf8))
        }
        server.stop()
    }
}

extension ModelServerChild {
    /// The pipeline bench's model: `codex-bot-bench pipeline model-server RUNS`.
    convenience init(pipelineRuns runs: Int) throws {
        try self.init(arguments: ["pipeline", "model-server", String(runs)])
    }

    /// Turns left in the script; -1 once the server saw a request it did not expect.
    func remainingTurns() -> Int {
        ask("remaining").flatMap(Int.init) ?? -1
    }
}
