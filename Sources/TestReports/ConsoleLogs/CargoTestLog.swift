extension ConsoleLogParser {
    /// libtest's output: `running N tests`, `test path::name ... ok|FAILED|ignored`, the
    /// `---- path::name stdout ----` sections with the panic, and `test result: …`. The
    /// suite is the test target from cargo's `Running unittests src/lib.rs (…)` line.
    struct Cargo {
        private struct Section {
            var name: String
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var message: String?
            var file: String?
            var line: Int?
            var awaitingMessage = false
        }

        private var target = ""
        private var counts = RunCounts()
        private var section: Section?

        mutating func consume(_ line: Substring, _ collector: inout Collector) -> Bool {
            guard let first = line.utf8.first else {
                return false
            }
            if first == UInt8(ascii: "t") {
                if line.begins(with: "test result: ") {
                    endSection(&collector)
                    counts.fromSummary = Self.summary(line.dropFirst(13))
                    counts.flush(into: &collector)
                    collector.recognized = true
                    return true
                }
                if line.begins(with: "test "), let result = Self.testLine(line) {
                    counted(result.name, result.outcome, &collector)
                    return true
                }
            }
            if first == UInt8(ascii: "r"), line.begins(with: "running "), line.hasSuffix(" tests") || line.hasSuffix(" test") {
                endSection(&collector)
                counts.flush(into: &collector)
                collector.recognized = true
                return true
            }
            if first == UInt8(ascii: "-"), line.begins(with: "---- "), line.hasSuffix(" ----") {
                endSection(&collector)
                var name = line.dropFirst(5).dropLast(5)
                for stream in [" stdout", " stderr"] where name.hasSuffix(stream) { name = name.dropLast(stream.count) }
                section = Section(name: String(name))
                return true
            }
            if first == UInt8(ascii: " "), let target = Self.target(line) {
                self.target = target
                return true
            }
            if line == "failures:" || line == "successes:" {
                endSection(&collector)
                return true
            }
            if section != nil { sectionLine(line) }
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            endSection(&collector)
            counts.flush(into: &collector)
        }

        private mutating func counted(_ name: String, _ outcome: Outcome, _ collector: inout Collector) {
            counts.fromLines.count(outcome)
            collector.recognized = true
            if outcome == .failed {
                collector.add(FailingTest(suite: target, name: name, outcome: .failed, framework: .cargo))
            }
        }

        /// `thread 'x' panicked at src/lib.rs:10:5:` and the message on the next line (Rust
        /// 1.73+), or `thread 'x' panicked at 'message', src/lib.rs:10:5` (older).
        private mutating func sectionLine(_ line: Substring) {
            section?.output.appendLogLine(line)
            guard var current = section else { return }
            defer { section = current }
            if current.awaitingMessage {
                let text = line.trimmingSpaces()
                if !text.isEmpty {
                    current.message = String(text)
                    current.awaitingMessage = false
                }
                return
            }
            guard current.message == nil, line.begins(with: "thread '"), let at = line.find("' panicked at ") ?? line.find(" panicked at ") else { return }
            var location = line[at.upperBound...]
            if location.first == "'", let end = location.find("', ", backwards: true) {
                current.message = String(location.dropFirst()[..<end.lowerBound])
                location = location[end.upperBound...]
            } else {
                if location.hasSuffix(":") { location = location.dropLast() }
                current.awaitingMessage = true
            }
            if let place = ConsoleLogParser.fileAndLine(location.trimmingSpaces()) {
                current.file = place.file
                current.line = place.line
            }
        }

        private mutating func endSection(_ collector: inout Collector) {
            guard let done = section else { return }
            section = nil
            let failure = FailingTest(suite: target, name: done.name, file: done.file, line: done.line, outcome: .failed,
                                      message: done.message ?? "", details: done.output.text,
                                      framework: .cargo)
            if !collector.complete(id: failure.id, message: failure.message, file: failure.file, line: failure.line,
                                   details: failure.details) {
                collector.add(failure)  // only the section: the result lines were not in the log
            }
        }

        /// `test a::b ... ok`, `test a::b - should panic ... FAILED`, `test x ... ignored, why`.
        static func testLine(_ line: Substring) -> (name: String, outcome: Outcome)? {
            guard let dots = line.find(" ... ") else { return nil }
            var name = line.dropFirst(5)[..<dots.lowerBound]
            if name.hasSuffix(" - should panic") { name = name.dropLast(15) }
            let status = line[dots.upperBound...]
            let outcome: Outcome
            if status.begins(with: "ok") { outcome = .passed }
            else if status.begins(with: "FAILED") { outcome = .failed }
            else if status.begins(with: "ignored") { outcome = .skipped }
            else { return nil }  // `bench:` lines and output mixed into the line
            return (String(name), outcome)
        }

        /// `2 passed; 3 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.14s`
        /// after `ok. ` or `FAILED. `.
        static func summary(_ text: Substring) -> Totals? {
            guard let dot = text.firstIndex(of: ".") else { return nil }
            var totals = Totals()
            for (word, count) in ConsoleLogParser.countList(text[text.index(after: dot)...], separators: [";"]) {
                switch word {
                case "passed": totals.passed = count
                case "failed": totals.failed = count
                case "ignored": totals.skipped = count
                default: break
                }
            }
            totals.tests = totals.passed + totals.failed + totals.skipped
            return totals
        }

        /// `     Running unittests src/lib.rs (target/debug/deps/x-1a2b)` → `src/lib.rs`;
        /// `   Doc-tests x` → `doc-tests x`.
        static func target(_ line: Substring) -> String? {
            let content = line.droppingIndentation()
            if content.begins(with: "Doc-tests ") { return "doc-tests " + content.dropFirst(10) }
            guard content.begins(with: "Running "), content.contains("unittests ") || content.contains("target") else { return nil }
            var target = content.dropFirst(8)
            if target.begins(with: "unittests ") { target = target.dropFirst(10) }
            if let paren = target.find(" (") { target = target[..<paren.lowerBound] }
            return String(target)
        }
    }
}
