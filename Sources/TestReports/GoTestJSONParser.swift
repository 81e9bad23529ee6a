/// Reads `go test -json` output (test2json events, one JSON object per line), streaming.
///
/// Counting rules follow gotestsum (`testjson/execution.go`), so its `DONE N tests, M
/// failures` summaries can be checked against ours:
/// - Every test that ran is a test, subtests (`TestA/sub`) and their parents alike; a parent
///   whose subtest failed gets its own `fail` event from go and is a failure too (its message
///   says how many subtests failed). A test run twice (`-count`, reruns) counts twice; its
///   failure is listed once.
/// - A test with no final event when its package ends (a panic, a timeout) failed, unless it
///   is a subtest whose top-level test passed (golang/go#40771).
/// - A package that failed with no failing test (build or setup failure, `TestMain` or
///   `init` exiting non-zero), or whose test hit `panic: test timed out`, is one more
///   failure: suite = package, name `(package)`, outcome errored. It is counted as a test,
///   so `tests` = gotestsum's tests + such packages; `failed + errored` = its failures.
/// - Lines that are not JSON events (go prints build errors as plain text when stderr is
///   merged) are kept as their package's output and reported in one warning.
enum GoTestJSONParser {
    static let packageTestName = "(package)"

    static func read(_ path: String) throws -> TestRun {
        let reader = try LineReader(path: path)
        var stream = Stream()
        let readingWarnings = try reader.readText(format: "go test -json output") { line in
            stream.consume(line)
            return true
        }
        guard stream.sawEvent else {
            throw ReportError(path: path, problem: "no go test -json events (lines like {\"Action\":\"pass\",…}) found")
        }
        let result = stream.finish()
        return TestRun(path: path, format: .goJSON, totals: result.totals, failures: result.failures,
                       unlistedFailures: result.unlistedFailures, warnings: result.warnings + readingWarnings)
    }

    /// Whether `text` (the start of a file) holds test2json events: used for logs whose
    /// first lines are plain build output.
    static func looksLikeGoJSON(_ text: Substring) -> Bool {
        for line in text.split(separator: "\n", maxSplits: 50) where line.hasPrefix("{") {
            if line.contains("\"Action\":") { return true }
        }
        return false
    }
}

// MARK: - The stream

extension GoTestJSONParser {
    /// A test that started and has not ended yet.
    struct RunningTest {
        var output = BoundedText(limit: FailingTest.detailsLimit)
        var reason = FailureReason()
        var failedSubtests = 0
        /// Its output had go's `--- PASS: name` line: a passed test whose event was lost.
        var printedPass = false
    }

    /// A package whose end event has not come yet.
    struct PackageState {
        var running: [String: RunningTest] = [:]
        /// Top-level tests that passed, for subtests left without an end event.
        var passedRoots: Set<String> = []
        var output = BoundedText(limit: FailingTest.detailsLimit)
        var failedTests = 0
        /// The test whose output said `panic: test timed out`; later output is the package's.
        var timedOutTest: String?
    }

    struct Stream {
        private var packages: [String: PackageState] = [:]
        /// Output of builds (`build-output` events, or plain-text lines after `# pkg`), by package.
        private var buildOutput: [String: BoundedText] = [:]
        private var strayPackage = ""
        private var strayLines = 0
        private var run = TestRun()
        /// Failures once per test, up to `TestRun.failureListLimit`; past it only counted.
        private var failures = FailureList()
        private(set) var sawEvent = false

        mutating func consume(_ line: String) {
            guard let event = Event(line) else {
                stray(line)
                return
            }
            sawEvent = true
            switch event.action {
            case "build-output":
                let key = Self.packageKey(event.importPath)
                buildOutput[key, default: BoundedText(limit: FailingTest.detailsLimit)].appendLogLine(Self.chomp(event.output))
            case "run", "output", "bench", "pass", "fail", "skip":
                if event.test.isEmpty {
                    packageEvent(event)
                } else {
                    testEvent(event)
                }
            default:
                break  // start, pause, cont, attr, build-fail: nothing to count
            }
        }

        mutating func finish() -> TestRun {
            for name in packages.keys.sorted() {
                run.warnings.append("package \(name.isEmpty ? "(unnamed)" : name) has no final pass/fail event (output cut short?)")
                endPackage(name, action: "", failedBuild: "")
            }
            if strayLines > 0 {
                run.warnings.append("\(strayLines) line(s) were not go test -json events; kept as package output")
            }
            run.failures = failures.failures
            run.unlistedFailures = failures.unlistedCount
            return run
        }

        // MARK: Events

        private mutating func testEvent(_ event: Event) {
            var package = packages[event.package] ?? PackageState()
            defer { packages[event.package] = package }
            switch event.action {
            case "run":
                package.running[event.test] = RunningTest()
            case "output", "bench":
                let text = Self.chomp(event.output)
                if text.utf8.starts(with: "panic: test timed out".utf8) { package.timedOutTest = event.test }
                if package.timedOutTest == event.test {
                    package.output.appendLogLine(text)
                } else {
                    package.running[event.test, default: RunningTest()].output.appendLogLine(text)
                    package.running[event.test]?.reason.read(text)
                    if Self.isPassLine(text, of: event.test) { package.running[event.test]?.printedPass = true }
                }
            default:
                let test = package.running.removeValue(forKey: event.test) ?? RunningTest()
                let outcome: Outcome = event.action == "pass" ? .passed : event.action == "skip" ? .skipped : .failed
                run.totals.count(outcome)
                if outcome == .passed && !event.test.contains("/") { package.passedRoots.insert(event.test) }
                if outcome == .failed {
                    package.failedTests += 1
                    if let parent = Self.parent(of: event.test) { package.running[parent]?.failedSubtests += 1 }
                    addFailure(package: event.package, name: event.test, test: test)
                }
            }
        }

        private mutating func packageEvent(_ event: Event) {
            switch event.action {
            case "output", "bench":
                packages[event.package, default: PackageState()].output.appendLogLine(Self.chomp(event.output))
            case "pass", "fail", "skip":
                if packages[event.package] == nil { packages[event.package] = PackageState() }
                endPackage(event.package, action: event.action, failedBuild: event.failedBuild)
            default:
                break
            }
        }

        /// Fails the tests left running, then adds the package-level failure if there is one.
        private mutating func endPackage(_ name: String, action: String, failedBuild: String) {
            guard var package = packages.removeValue(forKey: name) else { return }
            for test in package.running.keys.sorted() {
                guard let state = package.running[test] else { continue }
                if state.printedPass || test.contains("/") && package.passedRoots.contains(Self.root(of: test)) {
                    run.totals.count(.passed)  // it, or its top-level test, passed: a lost end event
                    continue
                }
                run.totals.count(.failed)
                package.failedTests += 1
                var unfinished = state
                if unfinished.reason.message == nil {
                    unfinished.reason.message = "the test did not finish (no pass or fail event; a panic or a timeout?)"
                }
                addFailure(package: name, name: test, test: unfinished)
            }
            guard action == "fail", package.failedTests == 0 || package.timedOutTest != nil else { return }
            run.totals.count(.errored)
            var details = BoundedText(limit: FailingTest.detailsLimit)
            let build = buildOutput.removeValue(forKey: Self.packageKey(failedBuild.isEmpty ? name : failedBuild))
                ?? buildOutput.removeValue(forKey: Self.packageKey(name))
                ?? buildOutput.removeValue(forKey: Self.packageKey(name) + "_test")  // the external test package
                ?? (failedBuild.isEmpty ? nil : buildOutput.removeValue(forKey: ""))
            let buildText = build?.text ?? ""
            let packageText = package.output.text
            if !buildText.isEmpty { details.appendLogLine(buildText) }
            details.appendLogLine(packageText)
            let reason = PackageFailureReason(buildOutput: buildText, packageOutput: packageText)
            record(FailingTest(suite: name, name: GoTestJSONParser.packageTestName, file: reason.file, line: reason.line,
                               outcome: .errored, message: reason.message, details: details.text,
                               framework: .goTest))
        }

        private mutating func addFailure(package: String, name: String, test: RunningTest) {
            var message = test.reason.message ?? ""
            if message.isEmpty && test.failedSubtests > 0 {
                message = "\(test.failedSubtests) subtest(s) failed"
            }
            record(FailingTest(suite: package, name: name, file: test.reason.file, line: test.reason.line,
                               outcome: .failed, message: message, details: test.output.text,
                               framework: .goTest))
        }

        /// Lists a failure once per test (a test run with `-count=2` may fail twice), or
        /// past `TestRun.failureListLimit` counts it once.
        private mutating func record(_ failure: FailingTest) {
            failures.insert(failure)
        }

        /// A line that is not an event: plain build output (`# pkg` starts a package's).
        private mutating func stray(_ line: String) {
            if line.allSatisfy(\.isWhitespace) { return }
            strayLines += 1
            if line.hasPrefix("# ") {
                strayPackage = Self.packageKey(String(line.dropFirst(2)))
                return
            }
            buildOutput[strayPackage, default: BoundedText(limit: FailingTest.detailsLimit)].appendLogLine(line)
        }

        // MARK: Names

        /// `pkg [pkg.test]` and `pkg.test` (build targets) → `pkg`.
        static func packageKey(_ importPath: String) -> String {
            var key = Substring(importPath)
            if let space = key.firstIndex(of: " ") { key = key[..<space] }
            if key.hasSuffix(".test") { key = key.dropLast(5) }
            return String(key)
        }

        static func root(of test: String) -> String {
            String(test.prefix { $0 != "/" })
        }

        /// `--- PASS: TestX (0.00s)`, at any indentation.
        static func isPassLine(_ text: String, of test: String) -> Bool {
            let line = Substring(text).droppingIndentation()
            guard line.begins(with: "--- PASS: ") else { return false }
            let name = line.dropFirst(10)
            return name.begins(with: test) && name.dropFirst(test.count).begins(with: " (")
        }

        static func parent(of test: String) -> String? {
            test.lastIndex(of: "/").map { String(test[..<$0]) }
        }

        static func chomp(_ text: String) -> String {
            text.utf8.last == 10 ? String(text.dropLast()) : text
        }
    }
}

// MARK: - Why a test failed

extension GoTestJSONParser {
    /// The first assertion-like output line of a test (`x_test.go:12: message`, as `t.Errorf`
    /// prints it, or testify's `Error:` line after it), else its first `panic:` line.
    struct FailureReason {
        var file: String?
        var line: Int?
        var message: String?
        private var awaitingMessage = false
        private var sawAssertion = false

        mutating func read<S: StringProtocol>(_ text: S) where S.SubSequence == Substring {
            guard !sawAssertion || awaitingMessage else { return }
            let trimmed = text[...].trimmingSpaces()
            if awaitingMessage {
                guard !trimmed.isEmpty, !trimmed.hasPrefix("Error Trace:") else { return }
                message = String(trimmed.hasPrefix("Error:") ? trimmed.dropFirst(6).trimmingSpaces() : trimmed)
                awaitingMessage = false
                return
            }
            if let location = GoTestJSONParser.assertion(in: trimmed) {
                file = location.file
                line = location.line
                message = location.message
                sawAssertion = true
                awaitingMessage = location.message.isEmpty
            } else if message == nil, trimmed.hasPrefix("panic: ") {
                message = String(trimmed)
            }
        }
    }

    /// `file.go:12: message` or `file.go:12:5: message`, optionally after `TestName: ` (old
    /// Go versions) — the form of `t.Error` output and of compiler errors.
    static func assertion(in trimmed: Substring) -> (file: String, line: Int, message: String)? {
        guard let go = trimmed.find(".go:") else { return nil }
        let beforeGo = trimmed[..<go.lowerBound]
        var fileStart = trimmed.startIndex
        if let space = beforeGo.lastIndex(of: " ") {
            let prefix = trimmed[..<space]
            guard prefix.hasSuffix(":"), !prefix.contains(" ") else { return nil }
            fileStart = trimmed.index(after: space)
        }
        guard fileStart < go.lowerBound else { return nil }
        var rest = trimmed[go.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int(digits) else { return nil }
        rest = rest.dropFirst(digits.count)
        if rest.hasPrefix(":"), let next = rest.dropFirst().first, next.isASCII && next.isNumber {
            rest = rest.dropFirst().drop { $0.isASCII && $0.isNumber }  // a column
        }
        guard rest.isEmpty || rest.hasPrefix(":") else { return nil }
        let file = String(trimmed[fileStart..<go.lowerBound]) + ".go"
        return (file, number, String(rest.dropFirst().trimmingSpaces()))
    }

    /// Why a package failed without a failing test: its first compiler error, `panic:` line,
    /// or `[build failed]`-style line.
    struct PackageFailureReason {
        var message = "the package failed without a failing test"
        var file: String?
        var line: Int?

        init(buildOutput: String, packageOutput: String) {
            for text in buildOutput.split(separator: "\n") where !text.hasPrefix("# ") {
                let trimmed = text.trimmingSpaces()
                guard !trimmed.isEmpty else { continue }
                message = "build failed: " + trimmed
                if let location = GoTestJSONParser.assertion(in: trimmed) {
                    file = location.file
                    line = location.line
                }
                return
            }
            var fallback: Substring?
            for text in packageOutput.split(separator: "\n") {
                let trimmed = text.trimmingSpaces()
                if trimmed.hasPrefix("panic:") || trimmed.hasSuffix("failed]") {
                    message = String(trimmed)
                    return
                }
                if fallback == nil, Self.isInformative(trimmed) { fallback = trimmed }
            }
            if let fallback { message = String(fallback) }
        }

        /// Not go's own closing lines (`FAIL`, `exit status 1`, `FAIL\tpkg\t0.1s`).
        private static func isInformative(_ line: Substring) -> Bool {
            !line.isEmpty && line != "FAIL" && line != "PASS" && !line.hasPrefix("exit status ")
                && !line.hasPrefix("FAIL\t") && !line.hasPrefix("ok ") && !line.hasPrefix("=== ")
                && !line.hasPrefix("--- ") && !line.hasPrefix("testing: warning")
        }
    }
}

// MARK: - One event

extension GoTestJSONParser {
    /// The fields of one test2json event that matter here, read by a small JSON object
    /// scanner (Foundation's decoders cost far more per line than the events are worth).
    /// Nil for a line that is not a JSON object with an `Action`.
    struct Event {
        var action = ""
        var package = ""
        var test = ""
        var output = ""
        var importPath = ""
        var failedBuild = ""

        init?(_ line: String) {
            var text = line
            if text.utf8.first == 0xEF { text = String(Substring(line).droppingByteOrderMark()) }
            guard text.utf8.first == UInt8(ascii: "{") else { return nil }
            let parsed = text.withUTF8 { bytes -> Event? in
                var scanner = JSONObjectScanner(bytes: bytes)
                var event = Event(empty: ())
                let ok = scanner.scanObject { key, value in
                    switch key {
                    case "Action": event.action = value
                    case "Package": event.package = value
                    case "Test": event.test = value
                    case "Output": event.output = value
                    case "ImportPath": event.importPath = value
                    case "FailedBuild": event.failedBuild = value
                    default: break
                    }
                }
                return ok && !event.action.isEmpty ? event : nil
            }
            guard let parsed else { return nil }
            self = parsed
        }

        private init(empty: Void) {}
    }

    /// Scans one flat JSON object and hands each string member to a callback; numbers,
    /// literals, arrays and nested objects are skipped.
    struct JSONObjectScanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// False when the text is not one well-formed object.
        mutating func scanObject(_ member: (String, String) -> Void) -> Bool {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return false }
            skipSpace()
            if take(UInt8(ascii: "}")) { return true }
            while true {
                skipSpace()
                guard let key = string() else { return false }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipSpace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: "\"") {
                    guard let value = string() else { return false }
                    member(key, value)
                } else if !skipValue() {
                    return false
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}"))
            }
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count, [32, 9, 10, 13].contains(bytes[index]) { index += 1 }
        }

        /// A number, literal, array or object: skipped by bracket depth, minding strings.
        private mutating func skipValue() -> Bool {
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    guard string() != nil else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { return true }
                default:
                    break
                }
                index += 1
            }
            return depth == 0
        }

        /// A JSON string with its escapes decoded (`\uD83D\uDE00` pairs included).
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(escape)  // \" \\ \/
                }
            }
            return nil
        }

        /// The four hex digits after `\u` (and a low surrogate's `\uXXXX` after a high one).
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(high), index + 1 < bytes.count,
               bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                let saved = index
                index += 2
                if let low = hex4(), (0xDC00...0xDFFF).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                }
                index = saved
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Self.hexValue(bytes[index]) else { return nil }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        private static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 48...57: return UInt32(byte - 48)
            case 65...70: return UInt32(byte - 55)
            case 97...102: return UInt32(byte - 87)
            default: return nil
            }
        }
    }
}
