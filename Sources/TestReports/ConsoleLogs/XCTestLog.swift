extension ConsoleLogParser {
    /// XCTest as `swift test` prints it: `Test Case '-[Module.Class test]' failed (0.01
    /// seconds).` (macOS) or `Test Case 'Class.test' failed (0.01 seconds)` (Linux), the
    /// `File.swift:12: error: -[Module.Class test] : XCTAssertEqual failed: …` lines, and
    /// `Executed N tests, with M failures (K unexpected)`.
    struct XCTestLog {
        private struct Running {
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var message: String?
            var file: String?
            var line: Int?
        }

        private var counts = RunCounts()
        private var current: (id: String, test: Running)?

        mutating func consume(_ line: Substring, _ collector: inout Collector) -> Bool {
            let content = line.droppingIndentation()
            guard let first = content.utf8.first else { return false }
            if first == UInt8(ascii: "T") {
                if content.begins(with: "Test Case '"), testCase(content, &collector) { return true }
                if content.begins(with: "Test Suite '") {
                    if content.contains("'All tests' started") || content.contains("'Selected tests' started") {
                        counts.flush(into: &collector)
                    }
                    collector.recognized = true
                    return true
                }
            }
            if first == UInt8(ascii: "E"), content.begins(with: "Executed "), let totals = Self.executed(content) {
                counts.fromSummary = totals
                collector.recognized = true
                return true
            }
            if content.contains(bytes: ": error: "), let issue = Self.errorLine(content) {
                if current == nil || current?.id != issue.id { current = (issue.id, Running()) }
                current?.test.output.appendLogLine(line)
                if current?.test.message == nil {
                    current?.test.message = issue.message
                    current?.test.file = issue.file
                    current?.test.line = issue.line
                }
                collector.recognized = true
                return true
            }
            current?.test.output.appendLogLine(line)
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            counts.flush(into: &collector)
        }

        /// `Test Case 'X' started …`, `… passed (0.001 seconds).`, `… failed (…)`, `… skipped (…)`.
        private mutating func testCase(_ content: Substring, _ collector: inout Collector) -> Bool {
            let afterQuote = content.dropFirst(11)
            guard let close = afterQuote.find("' ") else { return false }
            let id = String(afterQuote[..<close.lowerBound])
            let status = afterQuote[close.upperBound...]
            collector.recognized = true
            if status.begins(with: "started") {
                current = (id, Running())
                return true
            }
            let outcome: Outcome
            if status.begins(with: "passed") { outcome = .passed }
            else if status.begins(with: "failed") { outcome = .failed }
            else if status.begins(with: "skipped") { outcome = .skipped }
            else { return true }
            counts.fromLines.count(outcome)
            let test = current?.id == id ? current!.test : Running()
            current = nil
            guard outcome == .failed else { return true }
            let (suite, name) = Self.split(id)
            collector.add(FailingTest(suite: suite, name: name, file: test.file, line: test.line, outcome: .failed,
                                      message: test.message ?? "", details: test.output.text,
                                      framework: .swiftTest))
            return true
        }

        /// `-[Module.Class test]` → (`Module.Class`, `test`); `Class.test` → (`Class`, `test`).
        static func split(_ id: String) -> (suite: String, name: String) {
            if id.hasPrefix("-["), id.hasSuffix("]"), let space = id.firstIndex(of: " ") {
                let suite = id[id.index(id.startIndex, offsetBy: 2)..<space]
                return (String(suite), String(id[id.index(after: space)..<id.index(before: id.endIndex)]))
            }
            guard let dot = id.lastIndex(of: ".") else { return ("", id) }
            return (String(id[..<dot]), String(id[id.index(after: dot)...]))
        }

        /// `path/File.swift:12: error: -[M.C test] : message` (or `C.test : message` on Linux).
        static func errorLine(_ content: Substring) -> (id: String, file: String, line: Int, message: String)? {
            guard let error = content.find(": error: ") else { return nil }
            guard let place = ConsoleLogParser.fileAndLine(content[..<error.lowerBound]) else { return nil }
            let rest = content[error.upperBound...]
            guard let separator = rest.find(" : ") else { return nil }
            let id = rest[..<separator.lowerBound]
            guard id.hasPrefix("-[") && id.hasSuffix("]") || !id.contains(" ") && id.contains(".") else { return nil }
            return (String(id), place.file, place.line, String(rest[separator.upperBound...]))
        }

        /// `Executed 3 tests, with 1 test skipped and 1 failure (0 unexpected) in 0.002 …`.
        /// XCTest counts failed assertions, not tests, so failures are capped by the tests.
        static func executed(_ content: Substring) -> Totals? {
            let words = content.split(separator: " ")
            guard words.count >= 3, let tests = Int(words[1]) else { return nil }
            var skipped = 0
            var failures = 0
            for (index, word) in words.enumerated() where index > 1 {
                guard let number = Int(word), index + 1 < words.count else { continue }
                let next = words[index + 1]
                if next.hasPrefix("test"), index + 2 < words.count, words[index + 2].hasPrefix("skipped") { skipped = number }
                if next.hasPrefix("failure") { failures = number }
            }
            let failed = min(failures, max(0, tests - skipped))
            return Totals(tests: tests, passed: tests - skipped - failed, failed: failed, skipped: skipped)
        }
    }
}
