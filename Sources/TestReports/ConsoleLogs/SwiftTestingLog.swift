extension ConsoleLogParser {
    /// Swift Testing's console output: `✔ Test addsSmall() passed after 0.001 seconds.`,
    /// `✘ Test addsBig() recorded an issue at File.swift:6:28: Expectation failed: …`,
    /// `✘ Test "commutes" (aka 'commutes(n:)') with 3 test cases failed after …`,
    /// `➜ Test disabled() skipped: "why"`, `↳` detail lines, and `✘ Test run with 5 tests …`.
    struct SwiftTestingLog {
        private struct Issues {
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var message: String?
            var file: String?
            var line: Int?
        }

        private var counts = RunCounts()
        private var issues: [String: Issues] = [:]
        /// The test whose issue came last, for the `↳` lines after it.
        private var lastIssue: String?

        mutating func consume(_ line: Substring, _ collector: inout Collector) -> Bool {
            guard let first = line.unicodeScalars.first, "✔✘➜◇↳􀟈􀢄".unicodeScalars.contains(first) else { return false }
            let body = line.dropFirst().droppingIndentation()
            if first == "↳" {
                if let name = lastIssue { issues[name]?.output.appendLogLine(line) }
                return true
            }
            guard body.begins(with: "Test ") else {
                if body.begins(with: "Suite ") { collector.recognized = true; return true }
                return false
            }
            collector.recognized = true
            let rest = body.dropFirst(5)
            if rest.begins(with: "run with ") {
                runSummary(rest, failed: first == "✘", &collector)
                return true
            }
            if rest.begins(with: "case ") { return true }  // one argument of a parameterized test
            guard let (name, status) = Self.nameAndStatus(rest) else { return true }
            if status.begins(with: "recorded an issue") {
                issue(name, status, line: line)
            } else if status.contains("failed after") {
                counts.fromLines.count(.failed)
                addFailure(name, &collector)
            } else if status.contains("passed after") {
                counts.fromLines.count(.passed)
            } else if status.begins(with: "skipped") {
                counts.fromLines.count(.skipped)
            }
            return true
        }

        mutating func finish(_ collector: inout Collector) {
            for name in issues.keys.sorted() { addFailure(name, &collector) }  // the run was cut short
            counts.flush(into: &collector)
        }

        private mutating func issue(_ name: String, _ status: Substring, line: Substring) {
            lastIssue = name
            var entry = issues[name] ?? Issues()
            entry.output.appendLogLine(line)
            if entry.message == nil, let at = status.find(" at ") {
                let rest = status[at.upperBound...]
                if let separator = rest.find(": ") {
                    entry.message = String(rest[separator.upperBound...])
                    if let place = ConsoleLogParser.fileAndLine(rest[..<separator.lowerBound]) {
                        entry.file = place.file
                        entry.line = place.line
                    }
                }
            } else if entry.message == nil, let colon = status.find(": ") {
                entry.message = String(status[colon.upperBound...])
            }
            issues[name] = entry
        }

        private mutating func addFailure(_ name: String, _ collector: inout Collector) {
            let entry = issues.removeValue(forKey: name) ?? Issues()
            if lastIssue == name { lastIssue = nil }
            collector.add(FailingTest(suite: "", name: name, file: entry.file, line: entry.line, outcome: .failed,
                                      message: entry.message ?? "", details: entry.output.text,
                                      framework: .swiftTest))
        }

        /// `Test run with 5 tests in 1 suite failed after 0.003 seconds with 2 issues.`: the
        /// totals when no per-test lines were printed (only failed tests are known then).
        private mutating func runSummary(_ rest: Substring, failed: Bool, _ collector: inout Collector) {
            let words = rest.split(separator: " ")
            if words.count > 2, let tests = Int(words[2]) {
                let failures = collector.failureCount(of: .swiftTest)
                let failedTests = failed ? min(tests, max(failures, 1)) : 0
                counts.fromSummary = Totals(tests: tests, passed: tests - failedTests, failed: failedTests)
            }
            counts.flush(into: &collector)
        }

        /// The test's name and the text after it: `addsBig() failed after…`,
        /// `"commutes" (aka 'commutes(n:)') with 3 test cases failed…`. The function name
        /// (`aka`) is preferred to a display name: it is what `--filter` matches.
        static func nameAndStatus(_ rest: Substring) -> (String, Substring)? {
            var name: Substring
            var after: Substring
            if rest.first == "\"" {
                guard let close = rest.dropFirst().firstIndex(of: "\"") else { return nil }
                name = rest[rest.index(after: rest.startIndex)..<close]
                after = rest[rest.index(after: close)...]
                if after.begins(with: " (aka '"), let end = after.find("')") {
                    name = after[after.index(after.startIndex, offsetBy: 7)..<end.lowerBound]
                    after = after[end.upperBound...]
                }
            } else {
                guard let paren = rest.firstIndex(of: ")") else { return nil }
                name = rest[...paren]
                after = rest[rest.index(after: paren)...]
            }
            after = after.droppingIndentation()
            if after.begins(with: "with "), let cases = after.find(" test case") {
                after = after[cases.upperBound...].drop { $0 != " " }.droppingIndentation()
            }
            return (String(name), after)
        }
    }
}
