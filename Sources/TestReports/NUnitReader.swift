import Foundation

/// Reads NUnit XML: NUnit 3 (`<test-run>`) and NUnit 2 (`<test-results>`), and a bare
/// NUnit 3 `<test-suite>` when it is passed as NUnit explicitly.
///
/// A `<test-case>` is one test; suite-level counts are not trusted. Its outcome:
/// - `result` Passed / Success → passed; Warning (NUnit 3: passed with `Assert.Warn`) → passed,
///   with a report warning saying how many.
/// - Failed / Failure with no `label` (or label Failure) → failed; Failed with any other label
///   (Error: an unexpected exception, Invalid: could not run, Cancelled, a timeout text) → errored;
///   NUnit 2's `result="Error"` → errored.
/// - Skipped, Ignored, NotRunnable, Inconclusive → skipped: neither passed nor failed, as NUnit's
///   own summary and EnricoMi's publish-unit-test-result-action count them.
/// - No `result` (old NUnit 2): `executed="False"` → skipped, then `success` True/False, then a
///   `<failure>` child → failed, otherwise passed.
///
/// suite = `classname`, or the qualified name minus its last part (`Ns.Class.Method(1.5)` →
/// `Ns.Class`), or the enclosing suite; name = the test's own name. file/line come from the stack
/// trace's `in /path/File.cs:line 42` (or Mono's `in /path/File.cs:42`), preferring the test
/// method's own frame. A failing `<test-suite>` that failed by itself (one-time setup or teardown,
/// an assembly that could not load) is a report warning, not a test.
struct NUnitReader: XMLReportReader {
    let path: String
    private var run = TestRun()
    private var stack: [Tag] = []
    private var suites: [Suite] = []
    private var capture: Capture?

    // The test case being read.
    private var inCase = false
    private var caseAttributes = OwnedXMLAttributes(bytes: [])
    /// The outcome the attributes give; nil when only the children can tell.
    private var caseOutcome: Outcome?
    private var caseWatched = false
    private var caseSawFailure = false
    private var message = BoundedText(limit: 4096)
    /// `<reason><message>`: why a test could not run (NUnit 3's Failed/Invalid has no `<failure>`).
    private var reason = BoundedText(limit: 2048)
    private var stackTrace = BoundedText(limit: FailingTest.detailsLimit)
    private var output = BoundedText(limit: FailingTest.detailsLimit / 2)

    // Report-level oddities, counted and said once at the end.
    private var warningResults = 0
    private var unknownValues: [String: Int] = [:]
    private var unnamed = 0
    private var suiteProblems: [String] = []
    private var moreSuiteProblems = 0

    private enum Tag { case testSuite, testCase, failure, reason, message, stackTrace, output, other }
    private enum Capture { case caseMessage, caseReason, caseStack, caseOutput, suiteMessage }
    private struct Suite {
        var name: String
        var fullname: String?
        /// Whether this suite failed by itself and its failure message is worth a warning.
        var watched: Bool
        var message = BoundedText(limit: 1024)
    }

    init(path: String) { self.path = path }

    var wantsText: Bool { capture != nil }

    mutating func startElement(_ rawName: UnsafeBufferPointer<UInt8>, attributes: XMLAttributes) throws {
        let tag = Self.tag(rawName.localName)
        let parent = stack.last
        let grandparent = stack.count >= 2 ? stack[stack.count - 2] : nil
        switch tag {
        case .testCase where !inCase:
            startCase(attributes)
        case .testSuite where !inCase:
            suites.append(Suite(name: attributes.value("name") ?? "", fullname: attributes.value("fullname"),
                                watched: Self.failedByItself(attributes)))
        case .failure where parent == .testCase && inCase:
            caseSawFailure = true
        case .message where parent == .failure && grandparent == .testCase && inCase && caseWatched:
            message.reset()
            capture = .caseMessage
        case .message where parent == .reason && grandparent == .testCase && inCase && caseWatched:
            reason.reset()
            capture = .caseReason
        case .stackTrace where parent == .failure && grandparent == .testCase && inCase && caseWatched:
            stackTrace.reset()
            capture = .caseStack
        case .output where parent == .testCase && inCase && caseWatched:
            output.reset()
            capture = .caseOutput
        case .message where (parent == .failure || parent == .reason) && grandparent == .testSuite && !inCase:
            if suites.last?.watched == true { capture = .suiteMessage }
        default:
            break
        }
        stack.append(tag)
    }

    mutating func endElement(_ rawName: UnsafeBufferPointer<UInt8>) throws {
        guard let tag = stack.popLast() else { return }
        switch tag {
        case .message, .stackTrace, .output:
            capture = nil
        case .testCase where inCase && !stack.contains(.testCase):
            endCase()
        case .testSuite where !inCase:
            if let suite = suites.popLast(), suite.watched { noteSuiteProblem(suite) }
        default:
            break
        }
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) throws {
        switch capture {
        case .caseMessage: message.appendXMLText(text, isCDATA: isCDATA)
        case .caseReason: reason.appendXMLText(text, isCDATA: isCDATA)
        case .caseStack: stackTrace.appendXMLText(text, isCDATA: isCDATA)
        case .caseOutput: output.appendXMLText(text, isCDATA: isCDATA)
        case .suiteMessage: suites[suites.count - 1].message.appendXMLText(text, isCDATA: isCDATA)
        case nil: break
        }
    }

    mutating func finish() throws -> TestRun {
        if warningResults > 0 {
            run.warnings.append("\(path): \(warningResults) test(s) passed with warnings (NUnit result Warning); counted as passed")
        }
        for (value, count) in unknownValues.sorted(by: { $0.key < $1.key }) {
            run.warnings.append("\(path): \(count) test case(s) with an unknown result \(value); judged by their <failure> element")
        }
        if unnamed > 0 { run.warnings.append("\(path): \(unnamed) test case(s) have no name") }
        run.warnings += suiteProblems
        if moreSuiteProblems > 0 { run.warnings.append("\(path): \(moreSuiteProblems) more suite(s) failed by themselves") }
        return run
    }

    // MARK: Test cases

    private mutating func startCase(_ attributes: XMLAttributes) {
        inCase = true
        caseSawFailure = false
        caseOutcome = outcome(attributes)
        // Attributes and text are only kept for a test that failed or may have.
        caseWatched = caseOutcome != .passed && caseOutcome != .skipped
        if caseWatched {
            caseAttributes = attributes.copy()
            message.reset()
            reason.reset()
            stackTrace.reset()
            output.reset()
        }
    }

    private mutating func endCase() {
        inCase = false
        capture = nil
        let outcome = caseOutcome ?? (caseSawFailure ? .failed : .passed)
        run.totals.count(outcome)
        if outcome == .failed || outcome == .errored { run.list(failingTest(outcome)) }
    }

    /// The outcome the test case's attributes say; nil when they do not say.
    private mutating func outcome(_ attributes: XMLAttributes) -> Outcome? {
        if let result = attributes.value("result") {
            switch result.lowercased() {
            case "passed", "success": return .passed
            case "warning":
                warningResults += 1
                return .passed
            case "failed", "failure":
                switch attributes.value("label") ?? "" {
                case "", "Failure", "Failed": return .failed
                default: return .errored
                }
            case "error", "cancelled": return .errored
            case "skipped", "ignored", "notrunnable", "inconclusive", "notrun", "explicit": return .skipped
            default:
                noteUnknown("result=\"\(result)\"")
                return nil
            }
        }
        if let executed = attributes.value("executed"), executed.lowercased() == "false" { return .skipped }
        if let success = attributes.value("success") {
            switch success.lowercased() {
            case "true": return .passed
            case "false": return .failed
            default: noteUnknown("success=\"\(success)\"")
            }
        }
        return nil
    }

    private mutating func noteUnknown(_ value: String) {
        if unknownValues[value] != nil || unknownValues.count < 10 {
            unknownValues[value, default: 0] += 1
        }
    }

    private mutating func failingTest(_ outcome: Outcome) -> FailingTest {
        let attributes = caseAttributes
        let rawName = attributes.value("name")
        if rawName == nil { unnamed += 1 }
        let fullname = attributes.value("fullname")
        var suite: String
        var name: String
        if let classname = attributes.value("classname"), !classname.isEmpty {
            suite = classname
            name = DotNetNames.strip(suite, from: rawName ?? fullname ?? "(unnamed)")
        } else if let fullname, let parts = DotNetNames.splitLast(fullname) {
            suite = parts.0
            name = rawName.map { DotNetNames.strip(parts.0, from: $0) } ?? parts.1
        } else if let rawName, let parts = DotNetNames.splitLast(rawName) {
            suite = parts.0  // NUnit 2: the name is qualified
            name = parts.1
        } else {
            suite = ""
            name = rawName ?? fullname ?? "(unnamed)"
        }
        if suite.isEmpty {
            suite = suites.last(where: { !($0.fullname ?? $0.name).isEmpty }).map { $0.fullname ?? $0.name } ?? ""
        }
        let method = attributes.value("methodname") ?? DotNetNames.methodName(name)
        let stackText = DotNetNames.clean(stackTrace)
        let location = DotNetNames.location(in: stackText, className: suite, method: method)
        var text = DotNetNames.clean(message)
        if text.isEmpty { text = DotNetNames.clean(reason) }
        if text.isEmpty, let label = attributes.value("label"), !["", "Error", "Failure", "Failed"].contains(label) {
            text = label
        }
        if text.isEmpty { text = stackText.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }
        return FailingTest(suite: suite, name: name, file: location?.file, line: location?.line, outcome: outcome,
                           message: String(text.prefix(2000)),
                           details: DotNetNames.details(stack: stackText, output: output),
                           framework: .dotnet)
    }

    // MARK: Suites

    /// Whether a `<test-suite>` failed on its own account: NUnit 3 marks a suite that failed
    /// only because a child did with `site="Child"`.
    private static func failedByItself(_ attributes: XMLAttributes) -> Bool {
        guard let result = attributes.value("result"), result == "Failed" || result == "Error" else { return false }
        guard let site = attributes.value("site") else { return attributes.value("label") != nil }
        return site != "Child" && site != "Parent"
    }

    private mutating func noteSuiteProblem(_ suite: Suite) {
        guard suiteProblems.count < 20 else {
            moreSuiteProblems += 1
            return
        }
        let text = DotNetNames.clean(suite.message)
        let firstLine = text.split(separator: "\n", maxSplits: 1).first.map { String($0.prefix(300)) } ?? ""
        let name = suite.fullname ?? suite.name
        suiteProblems.append("\(path): suite \(name) failed by itself (setup, teardown or loading)"
                             + (firstLine.isEmpty ? "" : ": \(firstLine)"))
    }

    private static func tag(_ name: UnsafeBufferPointer<UInt8>) -> Tag {
        if name.equals("test-case") { return .testCase }
        if name.equals("test-suite") { return .testSuite }
        if name.equals("failure") { return .failure }
        if name.equals("reason") { return .reason }
        if name.equals("message") { return .message }
        if name.equals("stack-trace") { return .stackTrace }
        if name.equals("output") { return .output }
        return .other
    }
}

/// Helpers shared by the .NET readers (NUnit, xUnit.net, TRX): qualified names and stack traces.
enum DotNetNames {
    /// Splits `Ns.Class.Method(1.5, "a.b")` at its last '.' outside brackets (and outside
    /// quotes within them): (`Ns.Class`, `Method(1.5, "a.b")`). Nil when there is no such dot,
    /// or when the name is not a qualified name (a space, '/' or '\' outside brackets: a
    /// sentence or a path such as `dir\test.xml`).
    static func splitLast(_ name: String) -> (String, String)? {
        var depth = 0
        var quote: Character?
        var split: String.Index?
        var index = name.startIndex
        while index < name.endIndex {
            let character = name[index]
            if let open = quote {
                if character == open { quote = nil }
            } else {
                switch character {
                case "(", "[", "<", "{": depth += 1
                case ")", "]", ">", "}": depth = max(0, depth - 1)
                case "\"" where depth > 0, "'" where depth > 0: quote = character
                case "." where depth == 0: split = index
                case " ", "/", "\\": if depth == 0 { return nil }
                default: break
                }
            }
            index = name.index(after: index)
        }
        guard let split, split != name.startIndex, name.index(after: split) != name.endIndex else { return nil }
        return (String(name[..<split]), String(name[name.index(after: split)...]))
    }

    /// `name` without a leading `suite.`, when it has one.
    static func strip(_ suite: String, from name: String) -> String {
        guard !suite.isEmpty, name.count > suite.count + 1, name.hasPrefix(suite + ".") else { return name }
        return String(name.dropFirst(suite.count + 1))
    }

    /// The method in a test name: `Method(1, 2)` → `Method`, `Ns.Class.Method` → `Method`.
    static func methodName(_ name: String) -> String {
        let bare = name.firstIndex(where: { $0 == "(" || $0 == "<" }).map { String(name[..<$0]) } ?? name
        return splitLast(bare)?.1 ?? bare
    }

    /// The file and line of a .NET stack trace frame: `at Ns.C.M() in /p/F.cs:line 42` (also
    /// localized: `en C:\p\F.cs:línea 42`) or Mono's `at Ns.C.M () [0x00000] in /p/F.cs:42`.
    /// Prefers the frame of the test method itself (`className.method`), else the first frame
    /// that has a location.
    static func location(in stack: String, className: String?, method: String?) -> (file: String, line: Int)? {
        var first: (file: String, line: Int)?
        for line in stack.split(whereSeparator: \.isNewline) {
            guard let frame = parseFrame(Substring(line)) else { continue }
            if let method, !method.isEmpty, frame.method.contains(method),
               className.map({ $0.isEmpty || frame.method.contains($0) }) ?? true {
                return (frame.file, frame.line)
            }
            if first == nil { first = (frame.file, frame.line) }
        }
        return first
    }

    static func parseFrame(_ line: Substring) -> (method: String, file: String, line: Int)? {
        let text = line.trimmingCharacters(in: .whitespaces)
        // The end: ":line 42", ":línea 42" or ":42".
        var end = text.endIndex
        var digitsStart = end
        while digitsStart > text.startIndex, text[text.index(before: digitsStart)].isASCII,
              text[text.index(before: digitsStart)].isNumber {
            digitsStart = text.index(before: digitsStart)
        }
        guard digitsStart < end, let number = Int(text[digitsStart..<end]) else { return nil }
        end = digitsStart
        while end > text.startIndex, text[text.index(before: end)] == " " { end = text.index(before: end) }
        while end > text.startIndex, text[text.index(before: end)].isLetter { end = text.index(before: end) }
        guard end > text.startIndex, text[text.index(before: end)] == ":" else { return nil }
        let colon = text.index(before: end)
        // The method: from after the first word ("at", "en", "bei") to its closing parenthesis.
        guard let space = text.firstIndex(of: " "), let open = text[space..<colon].firstIndex(of: "(") else { return nil }
        var depth = 0
        var close: String.Index?
        for index in text[open..<colon].indices {
            if text[index] == "(" { depth += 1 }
            if text[index] == ")" {
                depth -= 1
                if depth == 0 { close = index; break }
            }
        }
        guard let close else { return nil }
        let method = text[text.index(after: space)..<open].trimmingCharacters(in: .whitespaces)
        // Then: optional " [0x00000]", the word "in"/"en"/"bei", and the path.
        var rest = text[text.index(after: close)..<colon].drop { $0 == " " }
        if rest.hasPrefix("["), let bracket = rest.firstIndex(of: "]") {
            rest = rest[rest.index(after: bracket)...].drop { $0 == " " }
        }
        guard let wordEnd = rest.firstIndex(of: " ") else { return nil }
        let file = rest[wordEnd...].drop { $0 == " " }
        guard !file.isEmpty else { return nil }
        return (method, String(file), number)
    }

    /// Collected text trimmed, with Windows line ends made plain.
    static func clean(_ text: BoundedText) -> String {
        guard !text.isEmpty else { return "" }
        return text.text.replacingOccurrences(of: "\r\n", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A failing test's details: its stack trace, then what it printed, if anything.
    static func details(stack: String, output: BoundedText) -> String {
        let printed = clean(output)
        if printed.isEmpty { return stack }
        return stack.isEmpty ? "Output:\n\(printed)" : "\(stack)\n\nOutput:\n\(printed)"
    }
}
