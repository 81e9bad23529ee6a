// codex-bot-bench reports: TestReports against Python's xml.etree.ElementTree.iterparse.
//
//   swift run -c release codex-bot-bench reports [--megabytes 200]
//
// Writes a JUnit file of the given size with 1% failing tests, then runs, each in a child
// process so that its peak memory (max RSS from wait4) is its own:
//   1. `codex-bot-bench count-report FILE` — Reports.read, printing the totals;
//   2. `python3` with iterparse doing the same count, clearing elements as it goes.
// Checks that both counted the same, and prints wall time, throughput, peak memory and the
// speed ratio.
import CodexBotTestSupport
import Foundation
import TestReports

enum ReportBench {
    static let python = """
    import sys
    import xml.etree.ElementTree as ET
    tests = failed = errored = skipped = 0
    context = ET.iterparse(sys.argv[1], events=("start", "end"))
    _, root = next(context)
    for event, element in context:
        if event != "end" or element.tag != "testcase":
            continue
        tests += 1
        outcome = None
        for child in element:
            if child.tag == "error":
                outcome = "error"
            elif child.tag == "failure" and outcome != "error":
                outcome = "failure"
            elif child.tag == "skipped" and outcome is None:
                outcome = "skipped"
        if outcome == "error": errored += 1
        elif outcome == "failure": failed += 1
        elif outcome == "skipped": skipped += 1
        root.clear()
    print(tests, tests - failed - errored - skipped, failed, errored, skipped)
    """

    static func run(_ arguments: ArraySlice<String>) throws {
        var megabytes = 200
        var rest = arguments
        while let flag = rest.popFirst() {
            guard flag == "--megabytes", let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                throw BenchError("usage: codex-bot-bench reports [--megabytes N]")
            }
            megabytes = value
        }
        let work = try TemporaryDirectory(named: "bench-reports")
        defer { work.remove() }
        let path = work.appending("TEST-generated.xml")
        print("writing a \(megabytes) MB JUnit report with 1% failures…")
        let bytes = try writeJUnit(to: path, megabytes: megabytes)
        let scriptPath = work.appending("count.py")
        try python.write(toFile: scriptPath, atomically: true, encoding: .utf8)

        let ours = try measureChild(CommandLine.arguments[0], ["count-report", path])
        let theirs = try measureChild("/usr/bin/env", ["python3", scriptPath, path])
        guard ours.output == theirs.output else {
            throw BenchError("the counts differ: TestReports \(ours.output) vs Python \(theirs.output)")
        }
        let mb = Double(bytes) / 1_048_576
        print("\ncodex-bot-bench reports: \(String(format: "%.0f", mb)) MB JUnit, counts agree (tests passed failed errored skipped: \(ours.output))")
        print("parser                               wall s      MB/s   peak MB")
        for (name, result) in [("TestReports (Reports.read)", ours), ("Python ElementTree.iterparse", theirs)] {
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(format: "%9.2f %9.1f %9.1f", result.seconds, mb / result.seconds, result.peakMegabytes))
        }
        print(String(format: "speed: TestReports is %.1fx Python", theirs.seconds / ours.seconds))
    }

    /// The child mode: parse one report and print its totals as the Python script does.
    static func count(_ path: String) throws {
        let totals = try Reports.read(path).totals
        print(totals.tests, totals.passed, totals.failed, totals.errored, totals.skipped)
    }

    /// Writes a Surefire-like report: suites of 200 test cases, every 100th failing with a
    /// message and a stack, every 50th with some output.
    static func writeJUnit(to path: String, megabytes: Int) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw BenchError("cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var written = 0
        var chunk = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"generated\">\n"
        var index = 0
        let target = megabytes * 1_048_576
        while written + chunk.utf8.count < target {
            let suite = index / 200
            if index % 200 == 0 {
                if index > 0 { chunk += "</testsuite>\n" }
                chunk += "<testsuite name=\"com.example.suite\(suite).GeneratedTest\" tests=\"200\" time=\"1.5\">\n"
            }
            let attributes = "name=\"testCase\(index)WithAReasonablyLongName\" classname=\"com.example.suite\(suite).GeneratedTest\" time=\"0.0\(index % 10)\""
            if index % 100 == 7 {
                chunk += "  <testcase \(attributes)>\n    <failure message=\"expected:&lt;\(index)&gt; but was:&lt;\(index + 1)&gt;\" type=\"java.lang.AssertionError\">java.lang.AssertionError: expected:&lt;\(index)&gt; but was:&lt;\(index + 1)&gt;\n"
                for frame in 0..<12 { chunk += "\tat com.example.suite\(suite).GeneratedTest.helper\(frame)(GeneratedTest.java:\(frame + 10))\n" }
                chunk += "</failure>\n  </testcase>\n"
            } else if index % 50 == 3 {
                chunk += "  <testcase \(attributes)>\n    <system-out><![CDATA[log line one\nlog line two & more\n]]></system-out>\n  </testcase>\n"
            } else {
                chunk += "  <testcase \(attributes)/>\n"
            }
            index += 1
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                written += chunk.utf8.count
                chunk = ""
            }
        }
        chunk += "</testsuite>\n</testsuites>\n"
        handle.write(Data(chunk.utf8))
        return written + chunk.utf8.count
    }

    struct ChildResult {
        var output: String
        var seconds: Double
        var peakMegabytes: Double
    }

    /// Runs a child to completion, returning its stdout, wall time and peak resident memory.
    static func measureChild(_ executable: String, _ arguments: [String]) throws -> ChildResult {
        let outputPath = NSTemporaryDirectory() + "codex-bot-bench-\(getpid()).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let start = ContinuousClock.now
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let elapsed = ContinuousClock.now - start
        guard status == 0 else { throw BenchError("\(executable) \(arguments.joined(separator: " ")) exited with status \(status)") }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return ChildResult(output: output.trimmingCharacters(in: .whitespacesAndNewlines),
                           seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                           peakMegabytes: Double(usage.ru_maxrss) / 1024)
    }
}
