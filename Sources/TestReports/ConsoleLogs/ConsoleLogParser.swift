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
        let readingWarnings = try reader.readText(format: "a test log") { line in
            scanner.consume(line)
            return true
        }
        let result = scanner.finish()
        guard result.recognized else {
            throw ReportError(path: path, problem: "no test results found in this log (recognized: \(recognizedTools);"
                                + " for other tools pass a JUnit XML, TAP or go test -json report)")
        }
        return TestRun(path: path, format: .log, totals: result.totals, failures: result.failures,
                       unlistedFailures: result.unlistedFailures, warnings: result.warnings + readingWarnings)
    }

    private static func binaryFile(_ path: String) -> ReportError {
        ReportError(path: path, problem: "binary file (it contains NUL bytes), not a test log")
    }
}

// MARK: - Dispatch

extension ConsoleLogParser {
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
                          unlistedFailures: collector.unlistedFailures,
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

// MARK: - Helpers the recognizers share

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

    static func isJavaScriptFile<S: StringProtocol>(_ path: S) -> Bool {
        [".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts"].contains { path.hasSuffix($0) }
    }
}
