// codex-bot-bench patch: AgentKit's apply_patch on a large source file.
//
//   swift run -c release codex-bot-bench patch [--lines 10000] [--runs 50]
//
// Writes a Swift-like file of N lines (1,000 ten-line functions for the default), then times
// ApplyPatch.parse + ApplyPatch.apply (read, match, write to a temporary file, rename) for:
//   1. a patch of 10 hunks spread over the file, each with an `@@ func …` anchor, matching exactly;
//   2. the same changes written the way models slip: re-indented context and ASCII quotes and
//      dashes where the file has typographic ones, found by the loosest matching level.
// The file is restored before each run (not timed). Prints the median wall ms per
// parse+apply, and the mean CPU ms; the goal is under 10 ms.
import AgentKit
import CodexBotTestSupport
import Foundation

enum PatchBench {
    static func run(_ arguments: ArraySlice<String>) throws {
        var lineCount = 10_000, runs = 50
        var rest = arguments
        while let flag = rest.popFirst() {
            switch flag {
            case "--lines": lineCount = try Options.number(rest.popFirst(), flag)
            case "--runs": runs = try Options.number(rest.popFirst(), flag)
            default: throw BenchError("usage: codex-bot-bench patch [--lines N] [--runs N]")
            }
        }
        let functions = max(lineCount / 10, 10)
        let work = try TemporaryDirectory(named: "bench-patch")
        defer { work.remove() }
        let root = URL(fileURLWithPath: work.path)
        let file = root.appendingPathComponent("Sources/Big.swift")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let original = Data(source(functions: functions).utf8)
        let targets = stride(from: functions / 20, to: functions, by: functions / 10).prefix(10).map { $0 }

        print("codex-bot-bench patch: \(functions * 10)-line file (\(original.count / 1024) KB), \(targets.count) hunks, median of \(runs) runs")
        for (name, text) in [("exact", exactPatch(targets)), ("fuzzy", fuzzyPatch(targets))] {
            var times: [Double] = []
            var parseTimes: [Double] = []
            var cpu = 0.0
            for run in 0...runs {  // run 0 warms caches and is not counted
                try original.write(to: file)
                var summary: PatchSummary?
                var parseTime = 0.0
                let before = cpuTimes()
                let time = try measure {
                    var patch: Patch?
                    parseTime = try measure { patch = try ApplyPatch.parse(text) }
                    guard let patch else { throw BenchError("no patch") }
                    summary = try ApplyPatch.apply(patch, in: root)
                }
                let after = cpuTimes()
                guard let summary, summary.updated == ["Sources/Big.swift"], summary.linesAdded == targets.count * 3,
                      (name == "exact") == summary.fuzzyMatches.isEmpty else {
                    throw BenchError("the \(name) patch did not apply as expected: \(String(describing: summary))")
                }
                if run > 0 {
                    times.append(time)
                    parseTimes.append(parseTime)
                    cpu += after.user + after.system - before.user - before.system
                }
            }
            try verify(file: file, targets: targets)
            // CPU time (user + system, averaged: getrusage ticks are coarse) is the figure a
            // busy machine disturbs least.
            print(String(format: "%@ hunks: %6.2f ms per parse+apply (parse %.2f ms; CPU %.2f ms)%@", name, median(times),
                         median(parseTimes), cpu / Double(runs), median(times) < 10 ? "" : "  — over the 10 ms goal"))
        }
    }

    /// Ten-line functions with unique names; every comment has typographic quotes and a dash.
    static func source(functions: Int) -> String {
        var text = ""
        text.reserveCapacity(functions * 330)
        for index in 0..<functions {
            text += """
                func compute\(index)(_ input: Int) -> Int {
                    var total = input
                    for step in 0..<\(index % 7 + 1) {
                        total += step * \(index)
                    }
                    // note \(index): keep “total” in range — see issue #\(index)
                    return total
                }
                // MARK: - \(index)

            
            """
        }
        return text
    }

    static func exactPatch(_ targets: [Int]) -> String {
        var text = "*** Begin Patch\n*** Update File: Sources/Big.swift\n"
        for index in targets {
            text += """
            @@     func compute\(index)(_ input: Int) -> Int {
                     var total = input
                     for step in 0..<\(index % 7 + 1) {
            -            total += step * \(index)
            +            total += step * \(index) + 1
                     }
            -        // note \(index): keep “total” in range — see issue #\(index)
            +        // note \(index): keep “total” in range — see issue #\(index)
            +        // checked
                     return total

            """
        }
        return text + "*** End Patch\n"
    }

    /// The same changes, re-indented by two spaces and with ASCII punctuation in the comment.
    static func fuzzyPatch(_ targets: [Int]) -> String {
        var text = "*** Begin Patch\n*** Update File: Sources/Big.swift\n"
        for index in targets {
            text += """
            @@ func compute\(index)(_ input: Int) -> Int {
                   var total = input
                   for step in 0..<\(index % 7 + 1) {
            -          total += step * \(index)
            +          total += step * \(index) + 1
                   }
            -      // note \(index): keep "total" in range - see issue #\(index)
            +      // note \(index): keep "total" in range - see issue #\(index)
            +      // checked
                   return total

            """
        }
        return text + "*** End Patch\n"
    }

    /// Checks the patched file: every target changed, nothing else.
    static func verify(file: URL, targets: [Int]) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        for index in targets where !text.contains("total += step * \(index) + 1\n") {
            throw BenchError("function \(index) was not patched")
        }
        let changed = text.components(separatedBy: "// checked").count - 1
        guard changed == targets.count else { throw BenchError("\(changed) functions patched, expected \(targets.count)") }
    }
}
