import Foundation

/// Reads Visual Studio TRX (`dotnet test --logger trx`, MSTest, vstest.console).
///
/// A `<UnitTestResult>` under `<Results>` is one test. `outcome`: Passed, PassedButRunAborted,
/// Completed and Warning → passed; Failed → failed; Error, Timeout, Aborted and Disconnected →
/// errored; NotExecuted, NotRunnable, Inconclusive, Pending and InProgress → skipped.
/// A data-driven test's result holds one result per data row in `<InnerResults>`: the rows are
/// counted, not the parent, unless the parent failed while no row did (a failure outside the
/// rows, which would otherwise be lost).
///
/// A result only names its test (`testId`, `testName`); the class is in `<TestDefinitions>`
/// (`<UnitTest id><TestMethod className name/>`), which may come before or after `<Results>`.
/// Failing results are kept and their class resolved at the end: definitions after the results
/// are looked up as they stream by, for the failing ids only; when they came first, the file is
/// scanned a second time for just those ids, so memory never grows with the number of tests.
///
/// suite = the class (without an assembly qualification), else the test name minus its last
/// part; name = `testName` without the `class.` prefix (xUnit.net writes full names there).
struct TRXReader: XMLReportReader {
    let path: String
    private var run = TestRun()
    private var stack: [Tag] = []
    private var capture: Capture?
    private var frames: [ResultFrame] = []
    private var pending: [Pending] = []
    /// Failing results' test ids still to resolve → their definition once found.
    private var definitions: [String: Definition] = [:]
    private var wanted: Set<String> = []
    private var definitionID: String?
    private var sawDefinitions = false

    private var runInfoOutcome: String?
    private var runInfoText = BoundedText(limit: 1024)
    private var runInfos: [String] = []
    private var moreRunInfos = 0
    private var unknownOutcomes: [String: Int] = [:]

    private enum Tag {
        case results, result, innerResults, output, errorInfo, message, stackTrace, stdOut, stdErr
        case testDefinitions, definition, testMethod, runInfo, text, other
    }
    private enum Capture { case message, stackTrace, stdOut, runInfo }

    struct Definition: Equatable {
        var className: String?
        var method: String?
    }

    private struct ResultFrame {
        var testID: String?
        var testName: String?
        var outcome: Outcome?
        var rawOutcome: String
        var watched: Bool
        var hasInner = false
        var innerFailures = 0
        var sawErrorInfo = false
        var message = BoundedText(limit: 4096)
        var stackTrace = BoundedText(limit: FailingTest.detailsLimit)
        var output = BoundedText(limit: FailingTest.detailsLimit / 2)
    }

    private struct Pending {
        var testID: String?
        var testName: String
        var outcome: Outcome
        var message: String
        var stack: String
        var details: String
    }

    init(path: String) { self.path = path }

    var wantsText: Bool { capture != nil }

    mutating func startElement(_ rawName: UnsafeBufferPointer<UInt8>, attributes: XMLAttributes) throws {
        let name = rawName.localName
        let parent = stack.last
        var tag = Self.tag(name)
        switch tag {
        case .other where parent == .results || parent == .innerResults:
            // Any result type: UnitTestResult, TestResultAggregation, GenericTestResult, ManualTestResult…
            if Self.isResultElement(name) {
                tag = .result
                startResult(attributes)
            }
        case .result where parent == .results || parent == .innerResults:
            startResult(attributes)
        case .result:
            tag = .other
        case .innerResults where parent == .result:
            if !frames.isEmpty { frames[frames.count - 1].hasInner = true }
        case .errorInfo where parent == .output && stack.dropLast().last == .result:
            if !frames.isEmpty { frames[frames.count - 1].sawErrorInfo = true }
        case .message where parent == .errorInfo && isWatchedOutput(below: 2):
            capture = .message
        case .stackTrace where parent == .errorInfo && isWatchedOutput(below: 2):
            capture = .stackTrace
        case .stdOut, .stdErr:
            if parent == .output && isWatchedOutput(below: 1) { capture = .stdOut }
        case .testDefinitions:
            sawDefinitions = true
        case .other where parent == .testDefinitions:
            tag = .definition
            definitionID = attributes.value("id")
        case .testMethod where parent == .definition:
            if let id = definitionID, wanted.contains(id) {
                definitions[id] = Definition(className: attributes.value("className"), method: attributes.value("name"))
            }
        case .runInfo:
            runInfoOutcome = attributes.value("outcome") ?? ""
            runInfoText.reset()
        case .text where parent == .runInfo:
            capture = .runInfo
        default:
            break
        }
        stack.append(tag)
    }

    mutating func endElement(_ rawName: UnsafeBufferPointer<UInt8>) throws {
        guard let tag = stack.popLast() else { return }
        switch tag {
        case .message, .stackTrace, .stdOut, .stdErr, .text:
            capture = nil
        case .result:
            endResult()
        case .definition:
            definitionID = nil
        case .runInfo:
            noteRunInfo()
        default:
            break
        }
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) throws {
        guard let capture else { return }
        if capture == .runInfo {
            runInfoText.appendXMLText(text, isCDATA: isCDATA)
            return
        }
        guard !frames.isEmpty else { return }
        let top = frames.count - 1
        switch capture {
        case .message: frames[top].message.appendXMLText(text, isCDATA: isCDATA)
        case .stackTrace: frames[top].stackTrace.appendXMLText(text, isCDATA: isCDATA)
        case .stdOut: frames[top].output.appendXMLText(text, isCDATA: isCDATA)
        case .runInfo: break
        }
    }

    mutating func finish() throws -> TestRun {
        let unresolved = Set(pending.compactMap(\.testID)).subtracting(definitions.keys)
        if !unresolved.isEmpty && sawDefinitions {
            // The definitions came before the results: look again, for these ids only.
            var scanner = XMLScanner(path: path)
            var reader = TRXDefinitionsReader(wanted: unresolved)
            do {
                try scanner.scan(&reader)
                definitions.merge(reader.found) { old, _ in old }
            } catch {
                run.warnings.append("\(path): could not read the test definitions again: \(error)")
            }
        }
        var unknownClass = 0
        for failure in pending {
            let definition = failure.testID.flatMap { definitions[$0] }
            var suite = definition?.className.map(Self.bareClassName) ?? ""
            if suite.isEmpty {
                unknownClass += 1
                suite = DotNetNames.splitLast(failure.testName)?.0 ?? ""
            }
            let name = DotNetNames.strip(suite, from: failure.testName)
            let method = definition?.method.map(DotNetNames.methodName) ?? DotNetNames.methodName(name)
            let location = DotNetNames.location(in: failure.stack, className: suite, method: method)
            run.list(FailingTest(suite: suite, name: name, file: location?.file, line: location?.line,
                                            outcome: failure.outcome, message: failure.message,
                                            details: failure.details, framework: .dotnet))
        }
        if unknownClass > 0 {
            run.warnings.append("\(path): \(unknownClass) failing result(s) have no class in <TestDefinitions>; their suite was guessed from the test name")
        }
        for (value, count) in unknownOutcomes.sorted(by: { $0.key < $1.key }) {
            run.warnings.append("\(path): \(count) result(s) with an unknown outcome \(value); judged by their <ErrorInfo>")
        }
        run.warnings += runInfos
        if moreRunInfos > 0 { run.warnings.append("\(path): \(moreRunInfos) more run messages") }
        return run
    }

    // MARK: Results

    private mutating func startResult(_ attributes: XMLAttributes) {
        let raw = attributes.value("outcome") ?? ""
        let outcome = outcome(raw)
        let parentID = frames.last?.testID
        frames.append(ResultFrame(testID: attributes.value("testId") ?? parentID,
                                  testName: attributes.value("testName"), outcome: outcome, rawOutcome: raw,
                                  watched: outcome != .passed && outcome != .skipped))
    }

    private mutating func endResult() {
        guard let frame = frames.popLast() else { return }
        capture = nil
        let outcome = frame.outcome ?? (frame.sawErrorInfo ? .failed : .passed)
        let failing = outcome == .failed || outcome == .errored
        // A data-driven parent: its rows were counted.
        if frame.hasInner && !(failing && frame.innerFailures == 0) { return }
        run.totals.count(outcome)
        guard failing else { return }
        if !frames.isEmpty { frames[frames.count - 1].innerFailures += 1 }
        let stack = DotNetNames.clean(frame.stackTrace)
        var message = DotNetNames.clean(frame.message)
        if message.isEmpty { message = stack.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }
        if message.isEmpty && !frame.rawOutcome.isEmpty { message = "outcome: \(frame.rawOutcome)" }
        if let id = frame.testID, definitions[id] == nil { wanted.insert(id) }
        pending.append(Pending(testID: frame.testID, testName: frame.testName ?? "(unnamed)", outcome: outcome,
                               message: String(message.prefix(2000)), stack: stack,
                               details: DotNetNames.details(stack: stack, output: frame.output)))
    }

    private mutating func outcome(_ value: String) -> Outcome? {
        switch value {
        case "Passed", "PassedButRunAborted", "Completed", "Warning": return .passed
        case "Failed": return .failed
        case "Error", "Timeout", "Aborted", "Disconnected": return .errored
        case "NotExecuted", "NotRunnable", "Inconclusive", "Pending", "InProgress": return .skipped
        case let other:
            let key = other.isEmpty ? "(none)" : "\"\(other)\""
            if unknownOutcomes[key] != nil || unknownOutcomes.count < 10 { unknownOutcomes[key, default: 0] += 1 }
            return nil
        }
    }

    /// Whether the element `levels` up from the current one is an `<Output>` directly in a
    /// result whose text we keep.
    private func isWatchedOutput(below levels: Int) -> Bool {
        guard stack.count > levels, stack[stack.count - levels] == .output,
              stack[stack.count - levels - 1] == .result else { return false }
        return frames.last?.watched ?? false
    }

    private mutating func noteRunInfo() {
        defer { runInfoOutcome = nil }
        let text = DotNetNames.clean(runInfoText)
        // Per-test echoes ("… Ns.Class.Test [FAIL]") repeat what the results say.
        guard !text.isEmpty, runInfoOutcome != "Passed", runInfoOutcome != "Completed",
              !text.hasSuffix("[FAIL]"), !text.hasSuffix("[SKIP]"), !text.hasSuffix("[PASS]") else { return }
        guard runInfos.count < 10 else {
            moreRunInfos += 1
            return
        }
        let firstLine = text.split(separator: "\n", maxSplits: 1).first.map { String($0.prefix(500)) } ?? ""
        runInfos.append("\(path): run message (\(runInfoOutcome ?? "")): \(firstLine)")
    }

    /// `Ns.Class, Assembly, Version=1.0.0.0, …` → `Ns.Class` (commas inside generic brackets kept).
    static func bareClassName(_ name: String) -> String {
        var depth = 0
        for index in name.indices {
            switch name[index] {
            case "[", "<": depth += 1
            case "]", ">": depth = max(0, depth - 1)
            case "," where depth == 0: return String(name[..<index]).trimmingCharacters(in: .whitespaces)
            default: break
            }
        }
        return name
    }

    static func isResultElement(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        name.equals("UnitTestResult") || name.equals("TestResultAggregation") || name.equals("GenericTestResult")
            || name.equals("ManualTestResult") || name.equals("WebTestResult") || name.equals("TestResult")
    }

    private static func tag(_ name: UnsafeBufferPointer<UInt8>) -> Tag {
        if name.equals("UnitTestResult") { return .result }
        if name.equals("Output") { return .output }
        if name.equals("ErrorInfo") { return .errorInfo }
        if name.equals("Message") { return .message }
        if name.equals("StackTrace") { return .stackTrace }
        if name.equals("StdOut") { return .stdOut }
        if name.equals("StdErr") { return .stdErr }
        if name.equals("InnerResults") { return .innerResults }
        if name.equals("Results") { return .results }
        if name.equals("TestDefinitions") { return .testDefinitions }
        if name.equals("TestMethod") { return .testMethod }
        if name.equals("RunInfo") { return .runInfo }
        if name.equals("Text") { return .text }
        return .other
    }
}

/// The second look at a TRX file: only `<TestDefinitions>`, only the ids asked for.
struct TRXDefinitionsReader: XMLEventHandler {
    let wanted: Set<String>
    private(set) var found: [String: TRXReader.Definition] = [:]
    private var depth = 0
    private var definitionsDepth: Int?
    private var definitionID: String?

    init(wanted: Set<String>) { self.wanted = wanted }

    var wantsText: Bool { false }

    mutating func startElement(_ rawName: UnsafeBufferPointer<UInt8>, attributes: XMLAttributes) throws {
        depth += 1
        let name = rawName.localName
        if name.equals("TestDefinitions") {
            definitionsDepth = depth
        } else if let top = definitionsDepth {
            if depth == top + 1 {
                definitionID = attributes.value("id").flatMap { wanted.contains($0) ? $0 : nil }
            } else if depth == top + 2, name.equals("TestMethod"), let id = definitionID {
                found[id] = TRXReader.Definition(className: attributes.value("className"), method: attributes.value("name"))
            }
        }
    }

    mutating func endElement(_ rawName: UnsafeBufferPointer<UInt8>) throws {
        if depth == definitionsDepth { definitionsDepth = nil }
        if let top = definitionsDepth, depth == top + 1 { definitionID = nil }
        depth -= 1
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) throws {}
}
