/// Reads the console log of a test run when there is no report file: `swift test`
/// (XCTest and Swift Testing), pytest, `go test -v`, `cargo test`, jest and vitest, as
/// printed to a terminal or a CI log (GitHub Actions timestamps, ANSI colours and
/// `##[group]` markers are removed first). A log may hold several tools: each line is
/// recognized on its own, by the tool whose syntax it has.
///
/// Counting rules:
/// - Totals come from the per-test lines of a tool's run (`--- PASS`, `test x ... ok`,
///   `PASSED`, `✓`…) when it printed any, else from its closing summary line (`=== 3
///   failed, 2 passed in 0.1s ===`, `test result:`, `Tests: 1 failed, 2 total`). Never
///   both, so a test seen in a progress line and again in a summary is counted once.
///   vitest is the exception: its default reporter lists the tests of failing files only,
///   so its summary line wins when there is one.
/// - Failures are listed once per id (`suite::name`); details found later (pytest's
///   `____ test ____` section, cargo's `---- test stdout ----`, jest's `●` block) are
///   added to the failure already listed.
/// - `go test -v`: every `--- FAIL/PASS/SKIP` line is a test, parents of subtests
///   included (as gotestsum and go-junit-report count); a package that fails without a
///   failing test (`[build failed]`, a panic in `init`) is one errored test named `(package)`.
/// - pytest: `ERROR` (setup, teardown, collection) is errored, `XFAIL` skipped, `XPASS` passed.
/// - Swift Testing: a parameterized test is one test (its `Test case passing …` lines are
///   not counted); the suite of a test is not in the log (tests run concurrently), so it is
///   empty.
enum ConsoleLogParser {
    static let recognizedTools = "swift test (XCTest, Swift Testing), pytest, go test -v, cargo test, jest, vitest"

    static func read(_ path: String) throws -> TestRun {
        let prefix = try FileChunks.prefix(of: path, count: Reports.detectionWindow)
        guard !prefix.isEmpty else { throw ReportError(path: path, problem: "the file is empty") }
        if prefix.contains(0) { throw binaryFile(path) }
        if GoTestJSONParser.looksLikeGoJSON(Substring(String(decoding: prefix, as: UTF8.self))) {
            return try GoTestJSONParser.read(path)  // build errors printed before the events
        }
        let reader = try LineReader(path: path)
        var scanner = Scanner()
        try reader.forEachLine { line in
            if reader.sawNUL { return false }
            scanner.consume(line)
            return true
        }
        if reader.sawNUL { throw binaryFile(path) }
        var result = scanner.finish()
        guard result.recognized else {
            throw ReportError(path: path, problem: "no test results found in this log (recognized: \(recognizedTools);"
                                + " for other tools pass a JUnit XML, TAP or go test -json report)")
        }
        if reader.sawInvalidUTF8 { result.warnings.append("invalid UTF-8 replaced with U+FFFD") }
        if reader.truncatedLines > 0 { result.warnings.append("\(reader.truncatedLines) over-long line(s) cut") }
        var run = TestRun(totals: result.totals, failures: result.failures,
                          warnings: result.warnings.map { "\(path): \($0)" })
        run.sources = [TestRun.Source(path: path, format: .log)]
        return run
    }

    private static func binaryFile(_ path: String) -> ReportError {
        ReportError(path: path, problem: "binary file (it contains NUL bytes), not a test log")
    }
}

// MARK: - Shared state

extension ConsoleLogParser {
    /// What every tool's recognizer adds to: the totals and the failures, listed once per id.
    struct Collector {
        var totals = Totals()
        var failures: [FailingTest] = []
        var warnings: [String] = []
        /// Whether any line was a test tool's.
        var recognized = false
        private var index: [String: Int] = [:]

        func contains(_ id: String) -> Bool { index[id] != nil }

        /// Adds `failure`, or completes the one with the same id with what it lacks (and
        /// with its message, when `preferringMessage`).
        mutating func add(_ failure: FailingTest, preferringMessage: Bool = false) {
            guard let position = index[failure.id] else {
                index[failure.id] = failures.count
                failures.append(failure)
                return
            }
            var known = failures[position]
            if known.message.isEmpty || preferringMessage && !failure.message.isEmpty { known.message = failure.message }
            if known.file == nil { known.file = failure.file }
            if known.line == nil { known.line = failure.line }
            if failure.details.utf8.count > known.details.utf8.count { known.details = failure.details }
            if known.framework == nil { known.framework = failure.framework }
            failures[position] = known
        }

        /// Adds details, file, line and message to a failure already listed; false if none is.
        @discardableResult
        mutating func complete(id: String, message: String?, file: String?, line: Int?, details: String) -> Bool {
            guard let position = index[id] else { return false }
            var known = failures[position]
            if let message, !message.isEmpty, known.message.isEmpty { known.message = message }
            if known.file == nil { known.file = file }
            if known.line == nil { known.line = line }
            if details.utf8.count > known.details.utf8.count { known.details = FailingTest.truncate(details) }
            failures[position] = known
            return true
        }
    }

    /// One run of one tool: the tests counted from per-test lines, and its summary line's.
    struct RunCounts {
        var fromLines = Totals()
        var fromSummary: Totals?
        /// vitest: the summary is complete where the per-test lines are not.
        var preferSummary = false

        var isEmpty: Bool { fromLines.tests == 0 && fromSummary == nil }

        /// Adds the run's totals (per-test lines, else summary) and starts a new run.
        mutating func flush(into collector: inout Collector) {
            if preferSummary, let summary = fromSummary {
                collector.totals.add(summary)
            } else if fromLines.tests > 0 {
                collector.totals.add(fromLines)
            } else if let summary = fromSummary {
                collector.totals.add(summary)
            }
            self = RunCounts(preferSummary: preferSummary)
        }
    }

    struct Result {
        var totals: Totals
        var failures: [FailingTest]
        var warnings: [String]
        var recognized: Bool
    }

    /// Feeds each normalized line to the tools' recognizers. A recognizer that claims a
    /// line (it is that tool's syntax) stops the others from seeing it.
    struct Scanner {
        private var collector = Collector()
        private var go = GoVerbose()
        private var cargo = Cargo()
        private var pytest = Pytest()
        private var xctest = XCTestLog()
        private var swiftTesting = SwiftTestingLog()
        private var vitest = Vitest()
        private var jest = Jest()
        /// Which JavaScript runner's header or summary came last: both print `✓` lines.
        private var javaScript: Framework?

        mutating func consume(_ raw: String) {
            let line = LogLine.normalize(raw)
            if go.consume(line, &collector) { return }
            if cargo.consume(line, &collector) { return }
            if pytest.consume(line, &collector) { return }
            if xctest.consume(line, &collector) { return }
            if swiftTesting.consume(line, &collector) { return }
            if vitest.consume(line, &collector, active: javaScript == .vitest) {
                javaScript = .vitest
            } else if jest.consume(line, &collector, active: javaScript == .jest) {
                javaScript = .jest
            }
        }

        mutating func finish() -> Result {
            go.finish(&collector)
            cargo.finish(&collector)
            pytest.finish(&collector)
            xctest.finish(&collector)
            swiftTesting.finish(&collector)
            vitest.finish(&collector)
            jest.finish(&collector)
            return Result(totals: collector.totals, failures: collector.failures,
                          warnings: collector.warnings, recognized: collector.recognized)
        }
    }
}

// MARK: - Normalizing a line

extension ConsoleLogParser {
    /// Removes what CI and terminals add to a tool's output.
    enum LogLine {
        static func normalize(_ raw: String) -> Substring {
            var text = droppingTimestamp(Substring(raw).droppingByteOrderMark())
            if text.withBytes({ $0.contains(27) }) { text = Substring(droppingEscapes(text)) }
            if let cr = text.lastIndex(ofByte: 13) {  // a progress line redrawn: keep what a terminal shows
                let after = text[text.index(after: cr)...]
                text = after.isEmpty ? text[..<cr] : after
            }
            return droppingWorkflowMarker(text)
        }

        /// GitHub Actions' `2024-01-02T03:04:05.1234567Z ` prefix.
        static func droppingTimestamp(_ text: Substring) -> Substring {
            let length = text.withBytes { bytes -> Int in
                let digit: (Int) -> Bool = { $0 < bytes.count && bytes[$0] >= 48 && bytes[$0] <= 57 }
                let shape: [UInt8] = Array("dddd-dd-ddTdd:dd:dd".utf8)
                guard bytes.count > shape.count else { return 0 }
                for (offset, expected) in shape.enumerated() {
                    if expected == UInt8(ascii: "d") { guard digit(offset) else { return 0 } }
                    else if bytes[offset] != expected { return 0 }
                }
                var index = shape.count
                if bytes[index] == UInt8(ascii: ".") {
                    index += 1
                    while digit(index) { index += 1 }
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "Z") else { return 0 }
                index += 1
                return index < bytes.count && bytes[index] == 32 ? index + 1 : index
            }
            return length == 0 ? text : text[text.index(atByteOffset: length)...]
        }

        /// ANSI escape sequences: CSI (`ESC [ … final`: colours, cursor moves), OSC
        /// (`ESC ] … BEL` or `ESC \`: titles, links) and two-byte escapes.
        static func droppingEscapes(_ text: Substring) -> String {
            text.withBytes { bytes in
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count)
                var index = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    guard byte == 27 else { out.append(byte); continue }
                    guard index < bytes.count else { break }
                    let kind = bytes[index]
                    index += 1
                    if kind == UInt8(ascii: "[") {
                        while index < bytes.count, !(0x40...0x7E).contains(bytes[index]) { index += 1 }
                        index += 1  // the final byte
                    } else if kind == UInt8(ascii: "]") {
                        while index < bytes.count, bytes[index] != 7, !(bytes[index] == 27 && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\\")) {
                            index += 1
                        }
                        index += bytes.count > index && bytes[index] == 7 ? 1 : 2
                    }
                }
                return String(decoding: out, as: UTF8.self)
            }
        }

        /// `##[group]Run swift test`, `##[error]Process completed…`: the text after the marker.
        static func droppingWorkflowMarker(_ text: Substring) -> Substring {
            guard text.utf8.starts(with: "##[".utf8), let close = text.firstIndex(of: "]") else { return text }
            return text[text.index(after: close)...]
        }
    }
}

// MARK: - Small text helpers

/// Byte-wise (UTF-8) versions of the few string operations the parsers run on every line:
/// `Character`-based ones find grapheme boundaries first, which costs far more on a log of
/// hundreds of megabytes. The bytes searched for are ASCII, so every index found is a
/// valid `Character` boundary.
extension Substring {
    /// Calls `body` with the UTF-8 bytes (contiguous for native strings, copied otherwise).
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(utf8).withUnsafeBufferPointer(body)
    }

    func index(atByteOffset offset: Int) -> Index { utf8.index(startIndex, offsetBy: offset) }

    /// Without a leading U+FEFF (files saved by Windows tools start with one).
    func droppingByteOrderMark() -> Substring {
        utf8.first == 0xEF && begins(with: "\u{FEFF}") ? self[index(atByteOffset: 3)...] : self
    }

    /// Without leading spaces and tabs.
    func droppingIndentation() -> Substring {
        let count = withBytes { bytes in bytes.prefix { $0 == 32 || $0 == 9 }.count }
        return count == 0 ? self : self[index(atByteOffset: count)...]
    }

    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingSpaces() -> Substring {
        let (start, end) = withBytes { bytes -> (Int, Int) in
            let isSpace: (UInt8) -> Bool = { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 }
            let start = bytes.firstIndex { !isSpace($0) } ?? bytes.count
            let end = (bytes.lastIndex { !isSpace($0) }).map { $0 + 1 } ?? start
            return (start, Swift.max(start, end))
        }
        return self[index(atByteOffset: start)..<index(atByteOffset: end)]
    }

    func trimmingTrailingSpaces() -> Substring {
        let end = withBytes { bytes in (bytes.lastIndex { $0 != 32 && $0 != 9 && $0 != 13 }).map { $0 + 1 } ?? 0 }
        return self[startIndex..<index(atByteOffset: end)]
    }

    /// A byte-wise prefix test, cheaper than `hasPrefix` on every line of a large log.
    func begins(with prefix: String) -> Bool {
        var prefix = prefix
        return prefix.withUTF8 { pattern in
            withBytes { bytes in
                guard bytes.count >= pattern.count else { return false }
                for index in 0..<pattern.count where bytes[index] != pattern[index] { return false }
                return true
            }
        }
    }

    func ends(with suffix: String) -> Bool {
        let count = suffix.utf8.count
        return utf8.count >= count && utf8.suffix(count).elementsEqual(suffix.utf8)
    }

    func isExactly(_ text: String) -> Bool {
        utf8.count == text.utf8.count && utf8.elementsEqual(text.utf8)
    }

    /// The first (or last) occurrence of `needle`, searched byte-wise.
    func find(_ needle: String, backwards: Bool = false) -> Range<Index>? {
        var needle = needle
        let offset = needle.withUTF8 { pattern in
            withBytes { bytes -> Int? in
                guard let first = pattern.first, pattern.count <= bytes.count else { return nil }
                let step = backwards ? -1 : 1
                var position = backwards ? bytes.count - pattern.count : 0
                while position >= 0 && position <= bytes.count - pattern.count {
                    if bytes[position] == first {
                        var matched = 1
                        while matched < pattern.count && bytes[position + matched] == pattern[matched] { matched += 1 }
                        if matched == pattern.count { return position }
                    }
                    position += step
                }
                return nil
            }
        }
        guard let offset else { return nil }
        let lower = index(atByteOffset: offset)
        return lower..<utf8.index(lower, offsetBy: needle.utf8.count)
    }

    func contains(bytes needle: String) -> Bool { find(needle) != nil }

    /// Split at runs of spaces, byte-wise; the last of `limit` words holds the rest of the line.
    func words(limit: Int) -> [Substring] {
        let ranges = withBytes { bytes -> [Range<Int>] in
            var ranges: [Range<Int>] = []
            var index = 0
            while index < bytes.count && ranges.count < limit {
                while index < bytes.count && bytes[index] == 32 { index += 1 }
                guard index < bytes.count else { break }
                var end = index
                if ranges.count == limit - 1 {
                    end = bytes.count
                } else {
                    while end < bytes.count && bytes[end] != 32 { end += 1 }
                }
                ranges.append(index..<end)
                index = end
            }
            return ranges
        }
        return ranges.map { self[index(atByteOffset: $0.lowerBound)..<index(atByteOffset: $0.upperBound)] }
    }

    func firstIndex(ofByte byte: UInt8) -> Index? {
        withBytes { $0.firstIndex(of: byte) }.map(index(atByteOffset:))
    }

    func lastIndex(ofByte byte: UInt8) -> Index? {
        withBytes { $0.lastIndex(of: byte) }.map(index(atByteOffset:))
    }

}

extension String {
    func trimmingSpaces() -> String { String(Substring(self).trimmingSpaces()) }
}

extension BoundedText {
    /// Appends one line of a log (a line break goes before every line but the first).
    mutating func appendLogLine<S: StringProtocol>(_ line: S) {
        var text = isEmpty ? String(line) : "\n" + line
        text.withUTF8 { append($0) }
    }
}

extension ConsoleLogParser {
    /// `3 failed, 2 passed, 1 skipped` style lists (pytest, cargo, jest, vitest): the number
    /// before each word, by the word's first letters.
    static func countList(_ text: Substring, separators: Set<Character>) -> [(word: String, count: Int)] {
        text.split(whereSeparator: { separators.contains($0) }).compactMap { part in
            let words = part.split(separator: " ")
            guard words.count >= 2, let count = Int(words[0]) else { return nil }
            return (String(words[1]).lowercased(), count)
        }
    }

    /// `path/file.ext:12` or `path/file.ext:12:5` at the end of `text` → file and line.
    static func fileAndLine(_ text: Substring) -> (file: String, line: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        let numbers = parts.reversed().prefix { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !numbers.isEmpty, numbers.count <= 2, let line = Int(numbers.reversed().first!) else { return nil }
        let file = parts.dropLast(numbers.count).joined(separator: ":")
        guard !file.isEmpty, !file.contains(" ") || file.contains("/") else { return nil }
        return (file, line)
    }
}

// MARK: - go test -v

extension ConsoleLogParser {
    /// `go test -v` text: `=== RUN`, `--- FAIL: TestX (0.00s)`, `    x_test.go:12: message`,
    /// and `FAIL\tpkg\t0.1s` / `ok  \tpkg\t0.1s`. The package line comes after its tests, so
    /// their results wait until it names their suite.
    struct GoVerbose {
        private struct Running {
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var reason = GoTestJSONParser.FailureReason()
            var failedSubtests = 0
        }

        private var running: [String: Running] = [:]
        /// The test that `=== RUN/CONT/NAME` said is printing now.
        private var current: String?
        /// The test whose `--- FAIL` line came last: Go before 1.14 printed its log after it.
        private var lastFailure: String?
        private var pendingTotals = Totals()
        private var pendingFailures: [(name: String, test: Running)] = []
        /// Since the last package line, when go's lines were seen; else the last few lines.
        private var packageOutput = BoundedText(limit: FailingTest.detailsLimit)
        /// The last lines before go's first line (a package that panics in `init` prints no test).
        private var recentLines: [Substring] = []
        private var recentStart = 0
        private var active = false
        /// Compiler output after `# pkg`, kept until `FAIL pkg [build failed]`.
        private var buildOutput: [String: BoundedText] = [:]
        private var buildPackage: String?

        mutating func consume(_ line: Substring, _ collector: inout Collector) -> Bool {
            let content = line.droppingIndentation()
            guard let first = content.utf8.first else {
                buildPackage = nil
                return false
            }
            if first == UInt8(ascii: "="), content.begins(with: "=== "), marker(content) { return claim(&collector) }
            if first == UInt8(ascii: "-"), content.begins(with: "--- "), result(content) { return claim(&collector) }
            if content.startIndex == line.startIndex {
                if let package = Self.packageLine(content) {
                    buildPackage = nil
                    endPackage(package, &collector)
                    collector.recognized = true
                    return true
                }
                if active, content == "PASS" || content == "FAIL" || content.begins(with: "exit status ") { return true }
                if first == UInt8(ascii: "#"), let package = Self.buildHeader(content) {
                    buildPackage = package
                    return false
                }
            }
            if let package = buildPackage {
                if content.contains(".go:") || line.first == "\t" {
                    buildOutput[package, default: BoundedText(limit: FailingTest.detailsLimit)].appendLogLine(line)
                    return false
                }
                buildPackage = nil
            }
            output(line)
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            guard active || !pendingFailures.isEmpty || pendingTotals.tests > 0 else { return }
            collector.warnings.append("go test -v: tests without a closing `ok`/`FAIL` package line (output cut short?)")
            endPackage(PackageLine(failed: !pendingFailures.isEmpty, package: "", rest: ""), &collector)
        }

        private mutating func claim(_ collector: inout Collector) -> Bool {
            active = true
            collector.recognized = true
            recentLines.removeAll()
            recentStart = 0
            buildPackage = nil
            return true
        }

        // MARK: Lines

        /// `=== RUN   TestX`, `=== CONT  TestX`, `=== PAUSE TestX`, `=== NAME  TestX`.
        private mutating func marker(_ content: Substring) -> Bool {
            let words = content.words(limit: 3)
            guard words.count == 3, ["RUN", "CONT", "PAUSE", "NAME"].contains(words[1]) else { return false }
            let name = String(words[2].trimmingSpaces())
            if words[1] == "RUN" { running[name] = Running() }
            current = name
            lastFailure = nil
            return true
        }

        /// `--- FAIL: TestX (0.01s)`, `--- PASS: …`, `--- SKIP: …`, at any indentation; a
        /// benchmark's has no time.
        private mutating func result(_ content: Substring) -> Bool {
            let outcome: Outcome
            if content.begins(with: "--- PASS: ") { outcome = .passed }
            else if content.begins(with: "--- FAIL: ") { outcome = .failed }
            else if content.begins(with: "--- SKIP: ") { outcome = .skipped }
            else { return content.begins(with: "--- BENCH: ") }
            var name = content.dropFirst(10)
            if let time = name.find(" (") { name = name[..<time.lowerBound] }
            let test = String(name.trimmingSpaces())
            let state = running.removeValue(forKey: test) ?? Running()
            if current == test { current = nil }
            lastFailure = nil
            pendingTotals.count(outcome)
            guard outcome == .failed else { return true }
            if let slash = test.lastIndex(of: "/") {
                let parent = String(test[..<slash])
                if let index = pendingFailures.lastIndex(where: { $0.name == parent }) {
                    pendingFailures[index].test.failedSubtests += 1
                } else {
                    running[parent]?.failedSubtests += 1
                }
            }
            pendingFailures.append((test, state))
            lastFailure = test
            return true
        }

        /// A line of test output: to the test printing, else the package.
        private mutating func output(_ line: Substring) {
            if let name = current, running[name] != nil {
                running[name]?.output.appendLogLine(line)
                running[name]?.reason.read(line)
            } else if let name = lastFailure, line.first == "\t" || line.begins(with: "    "),
                      let index = pendingFailures.lastIndex(where: { $0.name == name }) {
                pendingFailures[index].test.output.appendLogLine(line)
                pendingFailures[index].test.reason.read(line)
            } else if active {
                packageOutput.appendLogLine(line)
            } else {
                if recentLines.count < 40 {
                    recentLines.append(line)
                } else {  // a ring: the oldest line is at recentStart
                    recentLines[recentStart] = line
                    recentStart = (recentStart + 1) % recentLines.count
                }
            }
        }

        // MARK: Packages

        struct PackageLine {
            var failed: Bool
            var package: String
            var rest: Substring
        }

        /// `ok  \tpkg\t0.1s`, `ok  \tpkg\t(cached)`, `FAIL\tpkg\t0.1s`, `FAIL\tpkg [build failed]`
        /// (tabs or, in older logs, spaces); `?   \tpkg\t[no test files]` is a package without tests.
        static func packageLine(_ content: Substring) -> PackageLine? {
            let failed: Bool
            var rest: Substring
            if content.begins(with: "ok ") || content.begins(with: "ok\t") {
                failed = false
                rest = content.dropFirst(2)
            } else if content.begins(with: "FAIL ") || content.begins(with: "FAIL\t") {
                failed = true
                rest = content.dropFirst(4)
            } else if content.begins(with: "?   ") || content.begins(with: "?\t") {
                failed = false
                rest = content.dropFirst(1)
            } else {
                return nil
            }
            let tabbed = rest.first == "\t" || rest.contains("\t")
            rest = rest.droppingIndentation()
            let token = rest.prefix { $0 != " " && $0 != "\t" }
            let after = rest.dropFirst(token.count).droppingIndentation()
            guard !token.isEmpty, token.first!.isLetter || token.first == "_" || token.first == ".",
                  !ConsoleLogParser.isJavaScriptFile(token) else { return nil }
            guard let next = after.first else { return tabbed ? PackageLine(failed: failed, package: String(token), rest: after) : nil }
            guard next.isNumber || next == "(" || next == "[" || after.begins(with: "coverage:") else { return nil }
            return PackageLine(failed: failed, package: String(token), rest: after)
        }

        /// `# example.com/pkg` or `# example.com/pkg [example.com/pkg.test]`: go's build output header.
        static func buildHeader(_ content: Substring) -> String? {
            guard content.begins(with: "# ") else { return nil }
            let words = content.dropFirst(2).split(separator: " ")
            guard let first = words.first, words.count == 1 || words.count == 2 && words[1].hasPrefix("["),
                  first.contains("/") || first.contains(".") || first.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else { return nil }
            return GoTestJSONParser.Stream.packageKey(String(first))
        }

        private mutating func endPackage(_ line: PackageLine, _ collector: inout Collector) {
            var failures = pendingFailures
            var totals = pendingTotals
            for name in running.keys.sorted() {
                guard line.failed, var test = running[name] else { totals.count(.passed); continue }
                totals.count(.failed)
                if test.reason.message == nil { test.reason.message = "the test did not finish (a panic or a timeout?)" }
                failures.append((name, test))
            }
            collector.totals.add(totals)
            for (name, test) in failures {
                var message = test.reason.message ?? ""
                if message.isEmpty && test.failedSubtests > 0 { message = "\(test.failedSubtests) subtest(s) failed" }
                collector.add(FailingTest(suite: line.package, name: name, file: test.reason.file, line: test.reason.line,
                                          outcome: .failed, message: message, details: test.output.text(decode: false),
                                          framework: .goTest))
            }
            if line.failed && failures.isEmpty && !line.rest.contains("[no test files]") {
                addPackageFailure(line, &collector)
            }
            running.removeAll()
            pendingFailures.removeAll()
            pendingTotals = Totals()
            packageOutput = BoundedText(limit: FailingTest.detailsLimit)
            recentLines.removeAll()
            recentStart = 0
            current = nil
            lastFailure = nil
            active = false
        }

        private mutating func addPackageFailure(_ line: PackageLine, _ collector: inout Collector) {
            let build = (buildOutput.removeValue(forKey: line.package)
                ?? buildOutput.removeValue(forKey: line.package + "_test"))?.text(decode: false) ?? ""
            let recent = recentLines[recentStart...] + recentLines[..<recentStart]
            var output = active ? packageOutput.text(decode: false) : recent.joined(separator: "\n")
            output += (output.isEmpty ? "" : "\n") + "FAIL\t\(line.package) \(line.rest)"
            let reason = GoTestJSONParser.PackageFailureReason(buildOutput: build, packageOutput: output)
            var details = BoundedText(limit: FailingTest.detailsLimit)
            if !build.isEmpty { details.appendLogLine(build) }
            details.appendLogLine(output)
            collector.totals.count(.errored)
            collector.add(FailingTest(suite: line.package, name: GoTestJSONParser.packageTestName, file: reason.file,
                                      line: reason.line, outcome: .errored, message: reason.message,
                                      details: details.text(decode: false), framework: .goTest))
        }
    }

    static func isJavaScriptFile<S: StringProtocol>(_ path: S) -> Bool {
        [".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts"].contains { path.hasSuffix($0) }
    }
}

// MARK: - cargo test

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
                                      message: done.message ?? "", details: done.output.text(decode: false),
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

// MARK: - pytest

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
        /// Sections whose test has not been listed yet, by title.
        private var unmatched: [String: Section] = [:]
        /// The ids of this session's failures, by section title.
        private var idsByTitle: [String: String] = [:]

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
            idsByTitle[title] = test.id
            if let section = unmatched.removeValue(forKey: title) { attach(section, to: test.id, &collector) }
        }

        private mutating func endSection(_ collector: inout Collector) {
            guard let done = section else { return }
            section = nil
            if let id = idsByTitle[done.title] {
                attach(done, to: id, &collector)
            } else {
                unmatched[done.title] = done
            }
        }

        private func attach(_ section: Section, to id: String, _ collector: inout Collector) {
            let file = id.split(separator: ":").first.map(String.init)
            let location = section.locations.last { $0.file == file } ?? section.locations.last
            collector.complete(id: id, message: section.message, file: location?.file, line: location?.line,
                               details: section.output.text(decode: false))
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
                                          details: section.output.text(decode: false), framework: .pytest))
                if counts.isEmpty { counts.fromLines.count(outcome) }
            }
            counts.flush(into: &collector)
            summaryLineTotals = Totals()
            unmatched.removeAll()
            idsByTitle.removeAll()
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

extension Substring {
    /// Without the given characters at either end.
    func trimmingCharacters(in set: String) -> Substring {
        let characters = Set(set)
        guard let start = firstIndex(where: { !characters.contains($0) }),
              let last = lastIndex(where: { !characters.contains($0) }) else { return self[endIndex...] }
        return self[start...last]
    }
}

// MARK: - swift test: XCTest

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
                                      message: test.message ?? "", details: test.output.text(decode: false),
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

// MARK: - swift test: Swift Testing

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
                                      message: entry.message ?? "", details: entry.output.text(decode: false),
                                      framework: .swiftTest))
        }

        /// `Test run with 5 tests in 1 suite failed after 0.003 seconds with 2 issues.`: the
        /// totals when no per-test lines were printed (only failed tests are known then).
        private mutating func runSummary(_ rest: Substring, failed: Bool, _ collector: inout Collector) {
            let words = rest.split(separator: " ")
            if words.count > 2, let tests = Int(words[2]) {
                let failures = collector.failures.filter { $0.framework == .swiftTest }.count
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

// MARK: - jest

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
                                      message: done.message ?? "", details: done.output.text(decode: false),
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

// MARK: - vitest

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
                                      details: done.output.text(decode: false), framework: .vitest)
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
