/// Reads JUnit XML in the dialects real tools write: Maven Surefire/Failsafe, Gradle,
/// pytest, jest-junit, go-junit-report, gotestsum, PHPUnit, `swift test --xunit-output`,
/// ctest, cargo nextest, Bazel, mocha and Playwright.
///
/// A `<testcase>` is one test. Its outcome comes from its children: `<error>` beats
/// `<failure>`, which beats `<skipped>`; none means passed. Surefire's `<flakyFailure>` /
/// `<flakyError>` mark a test that failed and then passed on a rerun: it passed (with a
/// warning), while `<rerunFailure>` accompanies a real `<failure>`. Suites nest freely;
/// suite-level counts are not trusted, since tools disagree on them.
struct JUnitReader: XMLReportReader {
    let path: String
    private var run = TestRun()
    /// Suite names from the outside in.
    private var suites: [String] = []
    private var framework: Framework?
    private var flaky = 0
    private var sawSuiteOrCase = false

    // The test case being read.
    private var inCase = false
    private var caseAttributes = OwnedXMLAttributes(bytes: [])
    private var caseOutcome = Outcome.passed
    private var resultAttributes = OwnedXMLAttributes(bytes: [])
    private var inResult = false
    private var resultText = BoundedText(limit: FailingTest.detailsLimit)
    private var depthInCase = 0

    init(path: String) { self.path = path }

    var wantsText: Bool { inResult }

    mutating func startElement(_ rawName: UnsafeBufferPointer<UInt8>, attributes: XMLAttributes) throws {
        let name = rawName.localName
        if inCase {
            depthInCase += 1
            guard depthInCase == 1 else { return }
            if name.equals("failure") || name.equals("error") {
                let outcome: Outcome = name.equals("error") ? .errored : .failed
                if caseOutcome != .errored && !(caseOutcome == .failed && outcome == .failed) {
                    caseOutcome = outcome
                    resultAttributes = attributes.copy()
                    resultText.reset()
                    inResult = true
                }
            } else if name.equals("skipped") {
                if caseOutcome == .passed { caseOutcome = .skipped }
            } else if name.equals("flakyFailure") || name.equals("flakyError") {
                flaky += 1
            }
            return
        }
        if name.equals("testcase") {
            sawSuiteOrCase = true
            inCase = true
            depthInCase = 0
            caseOutcome = .passed
            caseAttributes.replace(with: attributes)
        } else if name.equals("testsuite") || name.equals("testsuites") {
            sawSuiteOrCase = true
            suites.append(attributes.value("name") ?? "")
            if framework == nil { framework = Self.guessFramework(attributes) }
        }
    }

    mutating func endElement(_ rawName: UnsafeBufferPointer<UInt8>) throws {
        let name = rawName.localName
        if inCase {
            if depthInCase > 0 {
                if depthInCase == 1 && (name.equals("failure") || name.equals("error")) { inResult = false }
                depthInCase -= 1
                return
            }
            // </testcase>
            inCase = false
            inResult = false
            run.totals.count(caseOutcome)
            if caseOutcome == .failed || caseOutcome == .errored {
                // Past the list limit a failure is only counted: skip building its strings.
                if run.isFailureListFull { run.unlistedFailures += 1 } else { run.list(failingTest()) }
            }
            return
        }
        if name.equals("testsuite") || name.equals("testsuites") { _ = suites.popLast() }
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, isCDATA: Bool) throws {
        resultText.appendXMLText(text, isCDATA: isCDATA)
    }

    mutating func finish() throws -> TestRun {
        guard sawSuiteOrCase else {
            throw ReportError(path: path, problem: "is XML but not a test report: it has no <testsuite> or <testcase>")
        }
        if flaky > 0 {
            run.warnings.append("\(path): \(flaky) test(s) failed and then passed on a rerun (flaky); counted as passed")
        }
        return run
    }

    private func failingTest() -> FailingTest {
        let suite = caseAttributes.value("classname") ?? suites.last(where: { !$0.isEmpty }) ?? ""
        let name = caseAttributes.value("name") ?? "(unnamed)"
        let details = resultText.text.trimmingCharacters(in: .whitespacesAndNewlines)
        var message = resultAttributes.value("message") ?? ""
        if message.isEmpty { message = details.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }
        if message.isEmpty { message = resultAttributes.value("type") ?? "" }
        let file = caseAttributes.value("file") ?? resultAttributes.value("file")
        let line = (caseAttributes.value("line") ?? resultAttributes.value("line")).flatMap { Int($0) }
        return FailingTest(suite: suite, name: name, file: file, line: line, outcome: caseOutcome,
                           message: String(message.prefix(2000)), details: details, framework: framework)
    }

    /// The framework, when the report says which tool wrote it.
    private static func guessFramework(_ attributes: XMLAttributes) -> Framework? {
        let name = attributes.value("name") ?? ""
        if name == "pytest" { return .pytest }
        if name.hasPrefix("jest") { return .jest }
        if name == "vitest tests" { return .vitest }
        if name == "Mocha Tests" { return .mocha }
        return nil
    }
}
