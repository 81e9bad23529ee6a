extension ConsoleLogParser {
    /// jest: `PASS`/`FAIL src/x.test.js` file headers, the verbose list (`describe` titles
    /// and `✓ name (5 ms)` / `✕` / `○ skipped` lines nested by indentation), the
    /// `● Suite › name` failure blocks with `at … (src/x.test.js:10:5)`, and `Tests: 1
    /// failed, 2 passed, 3 total`. Names join the describe titles with ` > `, as
    /// `Rerun.titlePath` expects; the suite is the test file.
    struct Jest {
        private struct Block {
            var name: String
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var message: String?
            var location: (file: String, line: Int)?
            var fileLevel = false
        }

        private var counts = RunCounts()
        /// Failures seen only in `●` blocks: the totals of a log with no list and no summary.
        private var blockFailures = Totals()
        private var file = ""
        private var describes: [(indent: Int, title: String)] = []
        private var listing = false
        private var block: Block?
        private var inConsoleBlock = false

        mutating func consume(_ line: Substring, _ collector: inout Collector, active: Bool) -> Bool {
            let content = line.droppingIndentation()
            guard let first = content.unicodeScalars.first else {
                listing = false
                block?.output.appendLogLine("")
                return false
            }
            let indent = line.utf8.count - content.utf8.count
            if first == "P" || first == "F", let header = Self.fileHeader(content) {
                endBlock(&collector)
                file = header
                describes = []
                listing = true
                inConsoleBlock = false
                collector.recognized = true
                return true
            }
            if first == "T", content.begins(with: "Tests:") {
                endBlock(&collector)
                counts.fromSummary = Self.summary(content.dropFirst(6))
                endRun(&collector)
                collector.recognized = true
                return true
            }
            if first == "T", content.begins(with: "Test Suites:") || content.begins(with: "Snapshots:") { return true }
            if first == "●" {
                startBlock(String(content.dropFirst().droppingIndentation()), &collector)
                return true
            }
            if active, listing, let result = Self.testLine(content) {
                describes.removeAll { $0.indent >= indent }
                counts.fromLines.count(result.outcome)
                if result.outcome == .failed {
                    let name = (describes.map(\.title) + [result.name]).joined(separator: " > ")
                    collector.add(FailingTest(suite: file, name: name, outcome: .failed, framework: .jest))
                }
                return true
            }
            if active, listing, indent >= 2, block == nil {
                describes.removeAll { $0.indent >= indent }
                describes.append((indent, String(content)))
                return true
            }
            if block != nil || inConsoleBlock { blockLine(line, content, indent: indent, &collector) }
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            endBlock(&collector)
            endRun(&collector)
        }

        private mutating func endRun(_ collector: inout Collector) {
            if counts.isEmpty { counts.fromLines = blockFailures }
            counts.flush(into: &collector)
            blockFailures = Totals()
        }

        // MARK: Failure blocks

        private mutating func startBlock(_ title: String, _ collector: inout Collector) {
            endBlock(&collector)
            listing = false
            inConsoleBlock = title == "Console"
            guard !inConsoleBlock else { return }
            let fileLevel = title == "Test suite failed to run"
            block = Block(name: fileLevel ? "(test file)" : title.replacingOccurrences(of: " › ", with: " > "),
                          fileLevel: fileLevel)
        }

        private mutating func blockLine(_ line: Substring, _ content: Substring, indent: Int, _ collector: inout Collector) {
            if indent == 0 {  // back to the runner's own lines
                endBlock(&collector)
                inConsoleBlock = false
                return
            }
            guard var current = block else { return }
            current.output.appendLogLine(line)
            if current.message == nil {
                current.message = String(content)
            } else if content.begins(with: "at "), current.location == nil || !current.location!.file.hasSuffix(file),
                      let place = Self.stackLocation(content), !place.file.contains("node_modules"), !place.file.hasPrefix("node:") {
                current.location = place
            }
            block = current
        }

        private mutating func endBlock(_ collector: inout Collector) {
            inConsoleBlock = false
            guard let done = block else { return }
            block = nil
            let failure = FailingTest(suite: file, name: done.name, file: done.location?.file ?? (file.isEmpty ? nil : file),
                                      line: done.location?.line, outcome: done.fileLevel ? .errored : .failed,
                                      message: done.message ?? "", details: done.output.text,
                                      framework: .jest)
            if done.fileLevel {
                collector.totals.count(.errored)  // not in jest's `Tests:` count
            } else if !collector.contains(failure.id) {
                blockFailures.count(.failed)
            }
            collector.add(failure)
        }

        // MARK: Syntax

        /// `PASS src/x.test.js`, `FAIL src/x.test.js (5.2 s)`.
        static func fileHeader(_ content: Substring) -> String? {
            guard content.begins(with: "PASS ") || content.begins(with: "FAIL ") else { return nil }
            let path = content.dropFirst(5).droppingIndentation().prefix { $0 != " " }
            return ConsoleLogParser.isJavaScriptFile(path) ? String(path) : nil
        }

        /// `✓ name (5 ms)`, `✕ name`, `○ skipped name`, `✎ todo name`; `√`/`×` on Windows.
        static func testLine(_ content: Substring) -> (name: String, outcome: Outcome)? {
            guard let symbol = content.unicodeScalars.first, content.unicodeScalars.dropFirst().first == " " else { return nil }
            let outcome: Outcome
            switch symbol {
            case "✓", "√": outcome = .passed
            case "✕", "×": outcome = .failed
            case "○", "✎": outcome = .skipped
            default: return nil
            }
            var name = content.dropFirst(2)
            for word in ["skipped ", "todo "] where name.begins(with: word) { name = name.dropFirst(word.count) }
            if name.hasSuffix(")"), let open = name.find(" (", backwards: true),
               name[open.upperBound...].first?.isNumber == true {
                name = name[..<open.lowerBound]  // the duration
            }
            return (String(name), outcome)
        }

        /// `at Object.<anonymous> (src/x.test.js:10:5)` or `at src/x.test.js:10:5`.
        static func stackLocation(_ content: Substring) -> (file: String, line: Int)? {
            var text = content.dropFirst(3)
            if text.hasSuffix(")"), let open = text.lastIndex(of: "(") {
                text = text[text.index(after: open)..<text.index(before: text.endIndex)]
            }
            return ConsoleLogParser.fileAndLine(text)
        }

        /// `1 failed, 1 skipped, 3 passed, 5 total`.
        static func summary(_ text: Substring) -> Totals {
            var totals = Totals()
            for (word, count) in ConsoleLogParser.countList(text, separators: [","]) {
                switch word {
                case "passed": totals.passed += count
                case "failed": totals.failed += count
                case "skipped", "todo", "pending": totals.skipped += count
                default: break
                }
            }
            totals.tests = totals.passed + totals.failed + totals.skipped
            return totals
        }
    }
}
