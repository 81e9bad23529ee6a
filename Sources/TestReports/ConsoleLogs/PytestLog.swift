extension ConsoleLogParser {
    /// pytest: `-v` progress lines (`tests/t.py::test_a PASSED [ 50%]`, xdist's
    /// `[gw0] [ 50%] PASSED tests/t.py::test_a`), the `FAILURES`/`ERRORS` sections
    /// (`____ TestC.test_y ____` with `E   ` lines and `tests/t.py:12: AssertionError`),
    /// the short summary (`FAILED tests/t.py::test_a - msg`) and the closing
    /// `=== 1 failed, 2 passed in 0.1s ===` line (bare with `-q`). One session runs from
    /// `test session starts` to that closing line.
    struct Pytest {
        /// One `____ title ____` section.
        private struct Section {
            var title: String
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var message: String?
            var locations: [(file: String, line: Int)] = []
        }

        private enum Part { case other, sections, shortSummary }

        private var counts = RunCounts()
        /// Failures counted from short-summary lines, for a log with no other counts.
        private var summaryLineTotals = Totals()
        private var part = Part.other
        private var section: Section?
        /// Sections whose test has not been listed yet, by title. Past
        /// `TestRun.failureListLimit` of them, a section keeps no output (memory).
        private var unmatched: [String: Section] = [:]
        /// The ids of this session's listed failures, by section title.
        private var idsByTitle: [String: String] = [:]
        /// Hashes of the titles of this session's failures past the list limit (counted,
        /// not listed): their sections are dropped, not made into failures of their own.
        private var unlistedTitles = Set<Int>()

        mutating func consume(_ line: Substring, _ collector: inout Collector) -> Bool {
            guard let first = line.utf8.first else {
                if section != nil { section?.output.appendLogLine("") }
                return false
            }
            if first == UInt8(ascii: "="), line.begins(with: "=="), line.ends(with: "=="), headerLine(line, &collector) {
                return true
            }
            if part == .sections, first == UInt8(ascii: "_"), line.ends(with: "_"), let title = Self.sectionTitle(line) {
                endSection(&collector)
                section = Section(title: title)
                return true
            }
            if let section, part == .sections {
                sectionLine(line, section)
                return false
            }
            if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") || first == UInt8(ascii: "n"),
               let totals = Self.bareClosingLine(line) {  // `pytest -q` closes without `===`
                endSection(&collector)
                counts.fromSummary = totals
                collector.recognized = true
                endSession(&collector)
                return true
            }
            guard line.contains(bytes: ".py") else { return false }  // every node id has its file
            if let entry = Self.progressLine(line) {
                counts.fromLines.count(entry.outcome)
                record(entry.nodeID, entry.outcome, message: nil, &collector)
                return true
            }
            if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"), let entry = Self.summaryEntry(line) {
                if entry.outcome == .failed || entry.outcome == .errored {
                    summaryLineTotals.count(entry.outcome)
                    record(entry.nodeID, entry.outcome, message: entry.message, &collector)
                }
                return true
            }
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            endSession(&collector)
        }

        // MARK: Lines

        /// `==== title ====`: a session start, a section, or the closing count line.
        private mutating func headerLine(_ line: Substring, _ collector: inout Collector) -> Bool {
            let title = line.trimmingCharacters(in: "= ")
            guard !title.isEmpty, line.begins(with: "==") else { return false }
            endSection(&collector)
            switch title {
            case "test session starts":
                endSession(&collector)
                collector.recognized = true
            case "FAILURES", "ERRORS":
                part = .sections
            case "short test summary info":
                part = .shortSummary
            default:
                if let totals = Self.closingCounts(title) {
                    counts.fromSummary = totals
                    collector.recognized = true
                    endSession(&collector)
                } else {
                    part = .other  // warnings summary, PASSES, captured output…
                }
            }
            return true
        }

        private mutating func sectionLine(_ line: Substring, _ current: Section) {
            var section = current
            section.output.appendLogLine(line)
            if section.message == nil, line.begins(with: "E  ") {
                let text = line.dropFirst(1).trimmingSpaces()
                if !text.isEmpty { section.message = String(text) }
            } else if let location = Self.location(line) {
                section.locations.append(location)
            }
            self.section = section
        }

        /// Counts nothing (the progress lines or the closing line do); lists the failure.
        private mutating func record(_ nodeID: Substring, _ outcome: Outcome, message: String?, _ collector: inout Collector) {
            guard outcome == .failed || outcome == .errored else { return }
            let test = Self.failingTest(nodeID, outcome: outcome, message: message ?? "")
            collector.add(test)
            let title = Self.title(of: nodeID)
            if collector.isListed(test.id) {
                idsByTitle[title] = test.id
                unlistedTitles.remove(title.hashValue)
            } else {
                idsByTitle.removeValue(forKey: title)
                unlistedTitles.insert(title.hashValue)
            }
            if let section = unmatched.removeValue(forKey: title) { attach(section, to: test.id, &collector) }
        }

        private mutating func endSection(_ collector: inout Collector) {
            guard var done = section else { return }
            section = nil
            if let id = idsByTitle[done.title] {
                attach(done, to: id, &collector)
            } else if unlistedTitles.contains(done.title.hashValue) {
                return  // its test is counted, not listed: no details needed
            } else {
                if unmatched.count >= TestRun.failureListLimit { done.output = BoundedText(limit: FailingTest.detailsLimit) }
                unmatched[done.title] = done
            }
        }

        private func attach(_ section: Section, to id: String, _ collector: inout Collector) {
            let file = id.split(separator: ":").first.map(String.init)
            let location = section.locations.last { $0.file == file } ?? section.locations.last
            collector.complete(id: id, message: section.message, file: location?.file, line: location?.line,
                               details: section.output.text)
        }

        /// Adds the session's totals; sections never matched to a test become failures.
        private mutating func endSession(_ collector: inout Collector) {
            endSection(&collector)
            if counts.isEmpty && summaryLineTotals.tests > 0 { counts.fromSummary = summaryLineTotals }
            for title in unmatched.keys.sorted() {
                guard let section = unmatched[title] else { continue }
                let location = section.locations.last
                let suite = location.map(\.file) ?? ""
                let name = title.replacingOccurrences(of: ".", with: "::")
                let outcome: Outcome = section.title.hasSuffix(".py") ? .errored : .failed
                collector.add(FailingTest(suite: suite, name: name, file: location?.file, line: location?.line,
                                          outcome: outcome, message: section.message ?? "",
                                          details: section.output.text, framework: .pytest))
                if counts.isEmpty { counts.fromLines.count(outcome) }
            }
            counts.flush(into: &collector)
            summaryLineTotals = Totals()
            unmatched.removeAll()
            idsByTitle.removeAll()
            unlistedTitles.removeAll()
            part = .other
        }

        // MARK: Syntax

        static let outcomes: [Substring: Outcome] = [
            "PASSED": .passed, "FAILED": .failed, "ERROR": .errored, "SKIPPED": .skipped,
            "XFAIL": .skipped, "XPASS": .passed,
        ]

        /// `tests/t.py::test_a PASSED [ 50%]` or xdist's `[gw0] [ 50%] PASSED tests/t.py::test_a`.
        static func progressLine(_ line: Substring) -> (nodeID: Substring, outcome: Outcome)? {
            let words = line.words(limit: 6)
            guard words.count >= 2 else { return nil }
            if words[0].contains(bytes: "::") || words[0].ends(with: ".py") {
                guard let outcome = outcome(words[1]) else { return nil }
                return (words[0], outcome)
            }
            guard words[0].begins(with: "[gw"), let index = words.firstIndex(where: { outcome($0) != nil }),
                  index + 1 < words.count, words[index + 1].contains(bytes: "::") else { return nil }
            return (words[index + 1], outcome(words[index])!)
        }

        static func outcome(_ word: Substring) -> Outcome? {
            guard let first = word.utf8.first, first >= UInt8(ascii: "E") && first <= UInt8(ascii: "X") else { return nil }
            return outcomes[word]
        }

        /// The short summary's `FAILED tests/t.py::test_a - AssertionError: msg`.
        static func summaryEntry(_ line: Substring) -> (nodeID: Substring, outcome: Outcome, message: String?)? {
            guard let space = line.firstIndex(ofByte: 32), let outcome = outcome(line[..<space]) else { return nil }
            let rest = line[line.index(after: space)...]
            let nodeID: Substring
            var message: String?
            if let dash = rest.find(" - ") {
                nodeID = rest[..<dash.lowerBound]
                message = String(rest[dash.upperBound...])
            } else {
                nodeID = rest.trimmingSpaces()
            }
            guard nodeID.contains("::") || nodeID.hasSuffix(".py"), !nodeID.contains(" ") else { return nil }
            return (nodeID, outcome, message)
        }

        /// `3 failed, 2 passed, 1 skipped, 1 error in 1.48s`, `no tests ran in 0.01s`.
        static func closingCounts(_ title: Substring) -> Totals? {
            guard let range = title.find(" in ", backwards: true) else { return nil }
            let list = title[..<range.lowerBound]
            if list == "no tests ran" { return Totals() }
            let entries = ConsoleLogParser.countList(list, separators: [","])
            guard !entries.isEmpty else { return nil }
            var totals = Totals()
            for (word, count) in entries {
                switch word {
                case "passed", "xpassed": totals.passed += count
                case "failed": totals.failed += count
                case "error", "errors": totals.errored += count
                case "skipped", "xfailed": totals.skipped += count
                default: continue  // warnings, deselected, rerun
                }
            }
            totals.tests = totals.passed + totals.failed + totals.errored + totals.skipped
            return totals
        }

        static let closingWords: Set<String> = [
            "passed", "failed", "error", "errors", "skipped", "xfailed", "xpassed", "warning", "warnings",
            "deselected", "rerun",
        ]

        /// `3 failed, 3 passed, 1 skipped in 0.29s`: only pytest's words, and a duration after ` in `.
        static func bareClosingLine(_ line: Substring) -> Totals? {
            guard let range = line.find(" in ", backwards: true) else { return nil }
            let duration = line[range.upperBound...]
            guard duration.first?.isNumber == true, duration.contains(bytes: "s") else { return nil }
            let list = line[..<range.lowerBound]
            if list.isExactly("no tests ran") { return Totals() }
            let parts = list.split(separator: ",")
            let entries = ConsoleLogParser.countList(list, separators: [","])
            guard !entries.isEmpty, entries.count == parts.count,
                  entries.allSatisfy({ closingWords.contains($0.word) }) else { return nil }
            return closingCounts(line)
        }

        /// `____ TestC.test_y ____`, `____ ERROR at setup of test_y ____`,
        /// `____ ERROR collecting tests/t.py ____`.
        static func sectionTitle(_ line: Substring) -> String? {
            let title = line.trimmingCharacters(in: "_ ")
            guard !title.isEmpty, line.begins(with: "_"), line.contains(" ") else { return nil }
            for prefix in ["ERROR at setup of ", "ERROR at teardown of ", "ERROR collecting "] where title.begins(with: prefix) {
                return String(title.dropFirst(prefix.count))
            }
            return String(title)
        }

        /// `tests/test_x.py:12: AssertionError` at the end of a section's traceback.
        static func location(_ line: Substring) -> (file: String, line: Int)? {
            guard let py = line.find(".py:") else { return nil }
            let digits = line[py.upperBound...].prefix { $0.isASCII && $0.isNumber }
            guard let number = Int(digits), line[py.upperBound...].dropFirst(digits.count).first == ":" else { return nil }
            let file = line[..<py.lowerBound]
            guard !file.isEmpty, !file.contains(" ") else { return nil }
            return (file + ".py", number)
        }

        /// The section title pytest prints for a node id: the part after the file, with `.`
        /// for `::` (`tests/t.py::TestC::test_y` → `TestC.test_y`); the file for a module.
        static func title(of nodeID: Substring) -> String {
            guard let separator = nodeID.find("::") else { return String(nodeID) }
            return nodeID[separator.upperBound...].replacingOccurrences(of: "::", with: ".")
        }

        /// Suite = the node id up to the test name, so `suite::name` is the node id itself.
        static func failingTest(_ nodeID: Substring, outcome: Outcome, message: String) -> FailingTest {
            guard let last = nodeID.find("::", backwards: true) else {
                return FailingTest(suite: "", name: String(nodeID), file: String(nodeID), outcome: .errored,
                                   message: message, framework: .pytest)  // a module that failed to import
            }
            let file = nodeID.prefix { $0 != ":" }
            return FailingTest(suite: String(nodeID[..<last.lowerBound]), name: String(nodeID[last.upperBound...]),
                               file: String(file), outcome: outcome, message: message, framework: .pytest)
        }
    }
}
