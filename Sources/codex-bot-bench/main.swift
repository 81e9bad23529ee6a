// codex-bot-bench: GitKit against the git CLI, side by side in one run.
//
//   swift run -c release codex-bot-bench [--files N] [--runs N] [--content source|similar]
//   swift run -c release codex-bot-bench reports [--megabytes N]     (see ReportBench.swift)
//   swift run -c release codex-bot-bench http [--calls N]            (see HTTPBench.swift)
//   swift run -c release codex-bot-bench patch [--lines N] [--runs N] (see PatchBench.swift)
//   swift run -c release codex-bot-bench agent [--turns N]           (see AgentBench.swift)
//   swift run -c release codex-bot-bench reruns [--tests N] [--seconds S] (see RerunBench.swift)
//   swift run -c release codex-bot-bench pipeline [--runs N] [--log] (see PipelineBench.swift)
//
// Builds a repository of N files (default 15,000), then times, alternating which goes
// first so that both see the same machine state:
//   1. adding a worktree for an existing branch (`git worktree add` vs Repository.addWorktree)
//   2. pushing a one-commit branch to a loopback smart-HTTP server with Basic auth
//      (`git push` vs Repository.push), the server being `git http-backend`.
// Prints the median of each and the ratio GitKit / git (below 1.0 means GitKit is faster).
import CodexBotTestSupport
import Foundation
import GitKit

struct Options {
    var files = 15_000
    var runs = 7
    var keep = false
    var content = Content.source
    /// Only GitKit's worktree add, for a profiler: `perf record codex-bot-bench --profile-worktree`.
    var profileWorktree = false

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            switch flag {
            case "--files": files = try Self.number(rest.popFirst(), flag)
            case "--runs": runs = try Self.number(rest.popFirst(), flag)
            case "--keep": keep = true
            case "--content":
                guard let value = rest.popFirst(), let kind = Content(rawValue: value) else {
                    throw BenchError("--content needs 'source' or 'similar'")
                }
                content = kind
            case "--profile-worktree": profileWorktree = true
            case "-h", "--help":
                print("usage: codex-bot-bench [--files N] [--runs N] [--content source|similar] [--keep] [--profile-worktree]")
                exit(0)
            default: throw BenchError("unknown argument '\(flag)'; try --help")
            }
        }
    }

    static func number(_ value: String?, _ flag: String) throws -> Int {
        guard let value, let number = Int(value), number > 0 else { throw BenchError("\(flag) needs a positive number") }
        return number
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Times `body` in milliseconds.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

/// This process's user and system CPU time so far, in milliseconds.
func cpuTimes() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
    return (ms(usage.ru_utime), ms(usage.ru_stime))
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The shape of the benchmark repository's files.
enum Content: String {
    /// Source-like files, each with its own identifiers, and a short history in which a
    /// tenth of the files change per commit: packs like a real project's, where the
    /// checked-out versions are mostly whole objects.
    case source
    /// Near-identical files in one commit, which `git gc` stores as deep delta chains of
    /// each other: the worst case for checkout, since nearly every file is rebuilt from
    /// a chain of up to 50 deltas.
    case similar
}

/// Writes a repository of `count` files in 100-file directories with `git fast-import`,
/// much faster than writing and adding the files one by one, then packs it with `git gc`.
func makeLargeRepository(at path: String, files count: Int, content: Content) throws {
    try GitCLI.check(["init", "-q", "-b", "main", path], in: NSTemporaryDirectory())
    var random = SeededRandomNumberGenerator(seed: 2026)
    let words = ["let", "var", "func", "return", "guard", "else", "struct", "value", "count", "index", "result",
                 "error", "throw", "try", "self", "init", "case", "switch", "for", "in", "where", "true", "false"]
    func file(_ index: Int, version: Int) -> String {
        switch content {
        case .similar:
            return String(repeating: "line \(index) of a source file with some text in it\n", count: 20 + index % 40)
        case .source:
            var text = "// file \(index), version \(version)\n"
            for _ in 0..<(20 + index % 40) {
                let line = (0..<6).map { _ in
                    words[Int(random.next() % UInt64(words.count))] + String(random.next() % 1000)
                }
                text += "    " + line.joined(separator: " ") + "\n"
            }
            return text
        }
    }
    func filePath(_ index: Int) -> String { "src/dir\(index / 100)/file\(index).txt" }

    let commits = content == .source ? 4 : 1
    var stream = ""
    for version in 0..<commits {
        stream += "commit refs/heads/main\ncommitter Bench <bench@example.com> \(1_700_000_000 + version) +0000\n"
        stream += "data 8\nversion\(version)\n"
        // The first commit adds every file; each later one rewrites a different tenth.
        let changed = version == 0 ? Array(0..<count) : Array(stride(from: version, to: count, by: 10))
        for index in changed {
            let body = file(index, version: version)
            stream += "M 100644 inline \(filePath(index))\ndata \(body.utf8.count)\n\(body)\n"
        }
    }
    let output = try GitCLI.run(["fast-import", "--quiet"], in: path, stdin: Data(stream.utf8))
    guard output.status == 0 else { throw BenchError("git fast-import failed: \(output.stderr)") }
    try GitCLI.check(["reset", "-q", "--hard", "main"], in: path)
    try GitCLI.check(["gc", "-q"], in: path)
}

struct Row {
    var name: String
    var git: [Double] = []
    var gitKit: [Double] = []
}

func report(_ rows: [Row], options: Options) {
    print("\ncodex-bot-bench: \(options.files) files (\(options.content.rawValue)), median of \(options.runs) runs each, alternating (ms)")
    print("operation".padding(toLength: 34, withPad: " ", startingAt: 0) + "   git CLI     GitKit   GitKit/git")
    for row in rows {
        let git = median(row.git), kit = median(row.gitKit)
        print(row.name.padding(toLength: 34, withPad: " ", startingAt: 0)
              + String(format: "%10.1f %10.1f %10.2fx", git, kit, kit / git))
    }
}

func runBenchmarks(_ options: Options) throws {
    let work = try TemporaryDirectory(named: "bench")
    defer { if !options.keep { work.remove() } else { print("kept \(work.path)") } }
    let repoPath = work.appending("repo")
    print("making a repository of \(options.files) files (\(options.content.rawValue) content)…")
    try makeLargeRepository(at: repoPath, files: options.files, content: options.content)
    let repo = try Repository.open(at: repoPath)
    let head = try repo.headCommit()
    if options.profileWorktree {
        try repo.createBranch("profile", at: head)
        for run in 0..<options.runs {
            let before = cpuTimes()
            let time = try measure { try repo.addWorktree(branch: "profile", at: work.appending("profile-\(run)")) }
            let after = cpuTimes()
            print(String(format: "GitKit worktree add: %.1f ms (user %.0f ms, sys %.0f ms)",
                         time, after.user - before.user, after.system - before.system))
            try repo.removeWorktree(named: "profile")
        }
        return
    }

    // 1. Worktree creation.
    var worktrees = Row(name: "worktree add (\(options.files) files)")
    for run in 0...options.runs {  // run 0 warms the page cache and is not counted
        try repo.createBranch("bench-git-\(run)", at: head)
        try repo.createBranch("bench-kit-\(run)", at: head)
        let gitPath = work.appending("wt-git-\(run)"), kitPath = work.appending("wt-kit-\(run)")
        let (gitTime, kitTime) = try alternating(run) {
            try measure { try GitCLI.check(["worktree", "add", "-q", gitPath, "bench-git-\(run)"], in: repoPath) }
        } _: {
            try measure { try repo.addWorktree(branch: "bench-kit-\(run)", at: kitPath) }
        }
        let checkedOut = try GitCLI.check(["ls-files"], in: kitPath).split(separator: "\n").count
        guard checkedOut == options.files, try GitCLI.check(["status", "--porcelain"], in: kitPath).isEmpty else {
            throw BenchError("GitKit's worktree is not a clean checkout of \(options.files) files")
        }
        try GitCLI.check(["worktree", "remove", "--force", gitPath], in: repoPath)
        try repo.removeWorktree(named: "bench-kit-\(run)")
        if run > 0 { worktrees.git.append(gitTime); worktrees.gitKit.append(kitTime) }
    }

    // 2. Push of a one-commit branch over smart HTTP with Basic auth.
    let serverRoot = work.appending("server")
    try FileManager.default.createDirectory(atPath: serverRoot, withIntermediateDirectories: true)
    try GitCLI.check(["clone", "-q", "--bare", repoPath, serverRoot + "/bench.git"], in: work.path)
    let credentials = GitHTTPServer.Credentials(username: "bench", password: "bench-password")
    let server = try GitHTTPServer(projectRoot: serverRoot, credentials: credentials)
    defer { server.stop() }
    let plainURL = server.url(forRepository: "bench.git")
    let gitURL = plainURL.replacingOccurrences(of: "http://", with: "http://bench:bench-password@")
    let remoteOptions = RemoteOptions(credentials: .userPassword(username: "bench", password: "bench-password"))
    var pushes = Row(name: "push one-commit branch (HTTP)")
    for run in 0...options.runs {
        let gitBranch = "push-git-\(run)", kitBranch = "push-kit-\(run)"
        for branch in [gitBranch, kitBranch] {
            let commit = try oneCommitOnTop(of: head, in: repoPath, label: branch)
            try GitCLI.check(["branch", branch, commit], in: repoPath)
        }
        let (gitTime, kitTime) = try alternating(run) {
            try measure { try GitCLI.check(["push", "-q", gitURL, gitBranch], in: repoPath) }
        } _: {
            try measure { try repo.push(branch: kitBranch, to: plainURL, options: remoteOptions) }
        }
        let remoteHead = try GitCLI.check(["rev-parse", "refs/heads/\(kitBranch)"], in: serverRoot + "/bench.git")
        guard remoteHead == (try GitCLI.check(["rev-parse", kitBranch], in: repoPath)) else {
            throw BenchError("GitKit's push did not reach the server")
        }
        if run > 0 { pushes.git.append(gitTime); pushes.gitKit.append(kitTime) }
    }
    report([worktrees, pushes], options: options)
}

/// Runs both sides, git first on even runs and GitKit first on odd ones, so neither
/// always inherits the other's leftovers (dirty page cache, deferred frees).
func alternating(_ run: Int, _ git: () throws -> Double, _ gitKit: () throws -> Double) rethrows -> (Double, Double) {
    if run % 2 == 0 {
        let g = try git()
        return (g, try gitKit())
    }
    let k = try gitKit()
    return (try git(), k)
}

/// A new commit on `base` that changes one file, made with git plumbing (not timed).
func oneCommitOnTop(of base: ObjectID, in repoPath: String, label: String) throws -> String {
    let blob = try GitCLI.run(["hash-object", "-w", "--stdin"], in: repoPath, stdin: Data("changed by \(label)\n".utf8))
    let index = "/tmp/codex-bot-bench-index-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: index) }
    let env = ["GIT_INDEX_FILE": index]
    try GitCLI.check(["read-tree", base.hex], in: repoPath, environment: env)
    try GitCLI.check(["update-index", "--cacheinfo", "100644,\(blob.stdout.trimmingCharacters(in: .newlines)),src/dir0/file0.txt"],
                     in: repoPath, environment: env)
    let tree = try GitCLI.check(["write-tree"], in: repoPath, environment: env)
    return try GitCLI.check(["commit-tree", tree, "-p", base.hex, "-m", label], in: repoPath)
}

do {
    switch CommandLine.arguments.dropFirst().first {
    case "reports": try ReportBench.run(CommandLine.arguments.dropFirst(2))
    case "http": try HTTPBench.run(CommandLine.arguments.dropFirst(2))
    case "patch": try PatchBench.run(CommandLine.arguments.dropFirst(2))
    case "agent": try AgentBench.run(CommandLine.arguments.dropFirst(2))
    case "reruns": try RerunBench.run(CommandLine.arguments.dropFirst(2))
    case "pipeline": try PipelineBench.run(CommandLine.arguments.dropFirst(2))
    case "model-server": try AgentBench.serveModel(CommandLine.arguments.dropFirst(2))
    case "count-report": try ReportBench.count(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "")
    default: try runBenchmarks(try Options(CommandLine.arguments))
    }
} catch {
    FileHandle.standardError.write(Data("codex-bot-bench: \(error)\n".utf8))
    exit(1)
}
