import Foundation

/// Reads xUnit.net XML: v2/v3 (`<assemblies><assembly><collection><test>`) and v1
/// (`<assembly><class><test>`); other .NET tools (Fixie) write the same shape.
///
/// A `<test>` is one test: `result` Pass → passed, Fail → failed, Skip and NotRun → skipped.
/// xUnit.net does not tell assertion failures from unexpected exceptions, so every Fail is
/// failed. An `<error>` under `<errors>` (a fixture, class or assembly cleanup that threw) is
/// counted as one errored test named after its type, `(test-class-cleanup)`, in the suite its
/// `name` gives: it is a failure to fix even though no test asserted anything, and TRX
/// reports the same event as a failed result.
///
/// suite = the test's `type`; name = its `name` without the `type.` prefix
/// (`Ns.Class.Method(x: 1)` → `Method(x: 1)`); file/line from the stack trace.
struct XUnitReader: XMLReportReader {
    let path: String
    private var run = TestRun()
    private var stack: [Tag] = []
    private var capture: Capture?
    private var assemblyName: String?
    /// v1's `<class name>`, v2's `<collection name>`: the suite of a test without a `type`.
    private var className: String?
    private var collectionName: String?

    // The test (or error) being read.
    private var inTest = false
    private var testAttributes = OwnedXMLAttributes(bytes: [])
    private var testOutcome: Outcome?
    private var watched = false
    private var sawFailure = false
    private var failureAttributes = OwnedXMLAttributes(bytes: [])
    private var message = BoundedText(limit: 4096)
    private var stackTrace = BoundedText(limit: FailingTest.detailsLimit)
    private var output = BoundedText(limit: FailingTest.detailsLimit / 2)

    private var unknownResults: [String: Int] = [:]
    private var untyped = 0

    private enum Tag { case assembly, classElement, collection, test, errors, error, failure, message, stackTrace, output, other }
    private enum Capture { case message, stackTrace, output }

    init(path: String) { self.path = path }

    var wantsText: Bool { capture != nil }

    mutating func startElement(_ rawName: UnsafeBufferPointer<UInt8>, attributes: XMLAttributes) throws {
        let tag = Self.tag(rawName.localName)
        let parent = stack.last
        let grandparent = stack.count >= 2 ? stack[stack.count - 2] : nil
        switch tag {
        case .assembly where !inTest:
            assemblyName = attributes.value("name")
        case .classElement where !inTest:
            className = attributes.value("name")
        case .collection where !inTest:
            collectionName = attributes.value("name")
        case .test where !inTest:
            startTest(attributes, outcome: outcome(attributes))
        case .error where !inTest && parent == .errors:
            startTest(attributes, outcome: .errored)
        case .failure where inTest && (parent == .test || parent == .error):
            sawFailure = true
            if watched { failureAttributes = attributes.copy() }
        case .message where inTest && watched && parent == .failure && (grandparent == .test || grandparent == .error):
            message.reset()
            capture = .message
        case .stackTrace where inTest && watched && parent == .failure && (grandparent == .test || grandparent == .error):
            stackTrace.reset()
            capture = .stackTrace
        case .output where inTest && watched && parent == .test:
            output.reset()
            capture = .output
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
        case .test, .error:
            if inTest && !stack.contains(.test) && !stack.contains(.error) { endTest(isError: tag == .error) }
        case .classElement:
            className = nil
        case .collection:
            collectionName = nil
        default:
            break
        }
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) throws {
        switch capture {
        case .message: message.appendXMLText(text, isCDATA: isCDATA)
        case .stackTrace: stackTrace.appendXMLText(text, isCDATA: isCDATA)
        case .output: output.appendXMLText(text, isCDATA: isCDATA)
        case nil: break
        }
    }

    mutating func finish() throws -> TestRun {
        for (value, count) in unknownResults.sorted(by: { $0.key < $1.key }) {
            run.warnings.append("\(path): \(count) test(s) with an unknown result \(value); judged by their <failure> element")
        }
        if untyped > 0 {
            run.warnings.append("\(path): \(untyped) failing test(s) have no type attribute; their suite was guessed from the name or the enclosing collection")
        }
        return run
    }

    private mutating func startTest(_ attributes: XMLAttributes, outcome: Outcome?) {
        inTest = true
        sawFailure = false
        testOutcome = outcome
        watched = outcome != .passed && outcome != .skipped
        if watched {
            testAttributes = attributes.copy()
            failureAttributes = OwnedXMLAttributes(bytes: [])
            message.reset()
            stackTrace.reset()
            output.reset()
        }
    }

    private mutating func endTest(isError: Bool) {
        inTest = false
        capture = nil
        let outcome = testOutcome ?? (sawFailure ? .failed : .passed)
        run.totals.count(outcome)
        if outcome == .failed || outcome == .errored {
            run.list(isError ? cleanupError() : failingTest(outcome))
        }
    }

    private mutating func outcome(_ attributes: XMLAttributes) -> Outcome? {
        let result = attributes.value("result") ?? ""
        switch result {
        case "Pass": return .passed
        case "Fail": return .failed
        case "Skip", "NotRun": return .skipped
        default:
            let key = result.isEmpty ? "(none)" : "\"\(result)\""
            if unknownResults[key] != nil || unknownResults.count < 10 { unknownResults[key, default: 0] += 1 }
            return nil
        }
    }

    private mutating func failingTest(_ outcome: Outcome) -> FailingTest {
        let rawName = testAttributes.value("name") ?? testAttributes.value("method") ?? "(unnamed)"
        var suite = testAttributes.value("type") ?? ""
        if suite.isEmpty {
            untyped += 1
            suite = DotNetNames.splitLast(rawName)?.0 ?? className ?? collectionName ?? ""
        }
        let name = DotNetNames.strip(suite, from: rawName)
        let method = testAttributes.value("method") ?? DotNetNames.methodName(name)
        return makeFailure(suite: suite, name: name, method: method, outcome: outcome)
    }

    /// An `<error type="test-class-cleanup" name="Ns.Class">`: one errored entry.
    private func cleanupError() -> FailingTest {
        let kind = testAttributes.value("type") ?? "error"
        let suite = testAttributes.value("name") ?? assemblyName ?? ""
        return makeFailure(suite: suite, name: "(\(kind))", method: nil, outcome: .errored)
    }

    private func makeFailure(suite: String, name: String, method: String?, outcome: Outcome) -> FailingTest {
        let stackText = DotNetNames.clean(stackTrace)
        let location = DotNetNames.location(in: stackText, className: suite, method: method)
        var text = DotNetNames.clean(message)
        if text.isEmpty { text = failureAttributes.value("exception-type") ?? "" }
        if text.isEmpty { text = stackText.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }
        return FailingTest(suite: suite, name: name, file: location?.file, line: location?.line, outcome: outcome,
                           message: String(text.prefix(2000)),
                           details: DotNetNames.details(stack: stackText, output: output), framework: .dotnet)
    }

    private static func tag(_ name: UnsafeBufferPointer<UInt8>) -> Tag {
        if name.equals("test") { return .test }
        if name.equals("failure") { return .failure }
        if name.equals("message") { return .message }
        if name.equals("stack-trace") { return .stackTrace }
        if name.equals("output") { return .output }
        if name.equals("error") { return .error }
        if name.equals("errors") { return .errors }
        if name.equals("class") { return .classElement }
        if name.equals("collection") { return .collection }
        if name.equals("assembly") { return .assembly }
        return .other
    }
}
