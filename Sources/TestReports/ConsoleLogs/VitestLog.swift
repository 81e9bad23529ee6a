extension ConsoleLogParser {
    /// vitest: file lines (`✓ src/x.test.ts (3 tests) 5ms`, `❯ src/x.test.ts (3 tests | 1
    /// failed)`), test lines under them (`× suite > name 3ms`, `→ message`), the `FAIL
    /// src/x.test.ts > suite > name` blocks with `❯ src/x.test.ts:10:5`, and `Tests  1 failed
    /// | 2 passed (3)`. The summary wins over the test lines: the default reporter lists the
    /// tests of failing files only.
    struct Vitest {
        private struct Block {
            var file: String
            var name: String
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var message: String?
            var location: (file: String, line: Int)?
        }

        private var counts = RunCounts(preferSummary: true)
        private var file = ""
        private var block: Block?
        private var lastFailure: String?

        mutating func consume(_ line: Substring, _ collector: inout Collector, active: Bool) -> Bool {
            let content = line.droppingIndentation()
            guard let first = content.unicodeScalars.first else {
                block?.output.appendLogLine("")
                return false
            }
            if first == "⎯" {
                endBlock(&collector)
                return claim(&collector)
            }
            if first == "F", content.begins(with: "FAIL "), let failure = Self.failureHeader(content) {
                endBlock(&collector)
                block = Block(file: failure.file, name: failure.name)
                return claim(&collector)
            }
            if first == "T", let totals = Self.summary(content) {
                endBlock(&collector)
                counts.fromSummary = totals
                counts.flush(into: &collector)
                return claim(&collector)
            }
            if first == "R", content.begins(with: "RUN  v") { return claim(&collector) }
            if ["✓", "❯", "×", "↓"].contains(first), let header = Self.fileLine(content) {
                file = header
                return claim(&collector)
            }
            if block != nil {
                blockLine(line, content)
                return false
            }
            guard active else { return false }
            if first == "→", let name = lastFailure {
                collector.complete(id: FailingTest.makeID(suite: file, name: name),
                                   message: String(content.dropFirst().droppingIndentation()), file: nil, line: nil, details: "")
                return true
            }
            if let result = Self.testLine(content) {
                var suite = file
                var name = result.name
                let segments = name.components(separatedBy: " > ")
                if segments.count > 1, ConsoleLogParser.isJavaScriptFile(segments[0]) {
                    suite = segments[0]
                    name = segments.dropFirst().joined(separator: " > ")
                }
                counts.fromLines.count(result.outcome)
                lastFailure = nil
                if result.outcome == .failed {
                    collector.add(FailingTest(suite: suite, name: name, file: suite.isEmpty ? nil : suite,
                                              outcome: .failed, framework: .vitest))
                    lastFailure = name
                }
                return true
            }
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            endBlock(&collector)
            counts.flush(into: &collector)
        }

        private mutating func claim(_ collector: inout Collector) -> Bool {
            collector.recognized = true
            return true
        }

        private mutating func blockLine(_ line: Substring, _ content: Substring) {
            guard var current = block else { return }
            current.output.appendLogLine(line)
            if current.message == nil, !content.isEmpty {
                current.message = String(content)
            } else if current.location == nil, content.unicodeScalars.first == "❯",
                      let place = ConsoleLogParser.fileAndLine(content.dropFirst().droppingIndentation()) {
                current.location = place
            }
            block = current
        }

        private mutating func endBlock(_ collector: inout Collector) {
            guard let done = block else { return }
            block = nil
            let fileLevel = done.name.isEmpty
            let failure = FailingTest(suite: done.file, name: fileLevel ? "(test file)" : done.name,
                                      file: done.location?.file ?? done.file, line: done.location?.line,
                                      outcome: fileLevel ? .errored : .failed, message: done.message ?? "",
                                      details: done.output.text, framework: .vitest)
            if !collector.contains(failure.id) { counts.fromLines.count(failure.outcome) }
            collector.add(failure, preferringMessage: true)  // the error's first line, not the `→` summary
        }

        // MARK: Syntax

        /// `FAIL  src/x.test.ts > suite > name` → file and `suite > name`; `FAIL  src/x.test.ts [
        /// src/x.test.ts ]` (the file failed to load) → the file and an empty name.
        static func failureHeader(_ content: Substring) -> (file: String, name: String)? {
            let rest = content.dropFirst(5).droppingIndentation()
            let segments = rest.components(separatedBy: " > ")
            if segments.count > 1 {
                return (segments[0], segments.dropFirst().joined(separator: " > "))
            }
            let path = rest.prefix { $0 != " " }
            guard ConsoleLogParser.isJavaScriptFile(path), rest.dropFirst(path.count).droppingIndentation().hasPrefix("[") else { return nil }
            return (String(path), "")
        }

        /// `✓ src/x.test.ts (3 tests) 5ms`, `❯ src/x.test.ts (3 tests | 1 failed) 5ms`.
        static func fileLine(_ content: Substring) -> String? {
            let rest = content.dropFirst().droppingIndentation()
            let path = rest.prefix { $0 != " " }
            guard ConsoleLogParser.isJavaScriptFile(path) else { return nil }
            let after = rest.dropFirst(path.count).droppingIndentation()
            guard after.begins(with: "("), after.contains(" test") else { return nil }
            return String(path)
        }

        /// `✓ suite > name 1ms`, `× suite > name 3ms`, `↓ suite > name [skipped]`.
        static func testLine(_ content: Substring) -> (name: String, outcome: Outcome)? {
            guard let symbol = content.unicodeScalars.first, content.unicodeScalars.dropFirst().first == " " else { return nil }
            let outcome: Outcome
            switch symbol {
            case "✓", "√": outcome = .passed
            case "×", "✗": outcome = .failed
            case "↓": outcome = .skipped
            default: return nil
            }
            var name = content.dropFirst(2).trimmingSpaces()
            for suffix in [" [skipped]", " [todo]"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
            if let space = name.lastIndex(of: " ") {
                let last = name[name.index(after: space)...]
                if last.hasSuffix("ms") || last.hasSuffix("s"), last.first?.isNumber == true { name = name[..<space] }
            }
            return (String(name), outcome)
        }

        /// `Tests  1 failed | 2 passed | 1 skipped (4)`.
        static func summary(_ content: Substring) -> Totals? {
            guard content.begins(with: "Tests  ") else { return nil }
            var text = content.dropFirst(7)
            if let paren = text.lastIndex(of: "(") { text = text[..<paren] }
            var totals = Totals()
            for (word, count) in ConsoleLogParser.countList(text, separators: ["|"]) {
                switch word {
                case "passed": totals.passed += count
                case "failed": totals.failed += count
                case "skipped", "todo": totals.skipped += count
                default: break
                }
            }
            totals.tests = totals.passed + totals.failed + totals.skipped
            return totals
        }
    }
}
