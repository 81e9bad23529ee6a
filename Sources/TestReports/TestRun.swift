/// The normalized result of one or more test reports: totals and every failing test.
public struct TestRun: Sendable, Codable, Equatable {
    public var totals: Totals
    public var failures: [FailingTest]
    /// Things about the input that were odd but usable ("DTD ignored", "unknown entity").
    public var warnings: [String]
    /// The files read, in order, and the format each was read as.
    public var sources: [Source]
    /// Failing tests counted in `totals` but not listed, past `TestRun.failureListLimit`.
    public var unlistedFailures: Int = 0

    /// How many failures a run lists with their details. Memory must stay bounded however
    /// large a report is, and no fix starts from the 2,001st failure: past this, failures
    /// are only counted.
    public static let failureListLimit = 2_000

    public init(totals: Totals = Totals(), failures: [FailingTest] = [], warnings: [String] = [], sources: [Source] = []) {
        self.totals = totals
        self.failures = failures
        self.warnings = warnings
        self.sources = sources
    }

    /// The run of one file read as `format`, for the line-based parsers: each warning gets
    /// the file's path in front, as the XML readers write theirs.
    init(path: String, format: ReportFormat, totals: Totals, failures: [FailingTest], unlistedFailures: Int,
         warnings: [String]) {
        self.init(totals: totals, failures: failures, warnings: warnings.map { "\(path): \($0)" },
                  sources: [Source(path: path, format: format)])
        self.unlistedFailures = unlistedFailures
    }

    public struct Source: Sendable, Codable, Equatable {
        public var path: String
        public var format: ReportFormat
        public init(path: String, format: ReportFormat) {
            self.path = path
            self.format = format
        }
    }

    /// Whether further failures will only be counted, not listed.
    public var isFailureListFull: Bool { failures.count >= Self.failureListLimit }

    /// Lists a failing test, or only counts it once `failureListLimit` are listed.
    /// (The caller counts it in `totals`.)
    public mutating func list(_ failure: FailingTest) {
        if !isFailureListFull {
            failures.append(failure)
        } else {
            unlistedFailures += 1
        }
    }

    /// Adds another run's results (several report files make one run).
    public mutating func merge(_ other: TestRun) {
        totals.add(other.totals)
        for failure in other.failures { list(failure) }
        unlistedFailures += other.unlistedFailures
        warnings += other.warnings
        sources += other.sources
    }
}

/// Test counts. `tests` = passed + failed + errored + skipped.
public struct Totals: Sendable, Codable, Equatable {
    public var tests = 0
    public var passed = 0
    /// Assertions that failed.
    public var failed = 0
    /// Tests that crashed or could not run (JUnit `<error>`).
    public var errored = 0
    public var skipped = 0

    public init(tests: Int = 0, passed: Int = 0, failed: Int = 0, errored: Int = 0, skipped: Int = 0) {
        self.tests = tests
        self.passed = passed
        self.failed = failed
        self.errored = errored
        self.skipped = skipped
    }

    public mutating func add(_ other: Totals) {
        tests += other.tests
        passed += other.passed
        failed += other.failed
        errored += other.errored
        skipped += other.skipped
    }

    /// Counts one test with its outcome.
    public mutating func count(_ outcome: Outcome) {
        tests += 1
        switch outcome {
        case .passed: passed += 1
        case .failed: failed += 1
        case .errored: errored += 1
        case .skipped: skipped += 1
        }
    }
}

public enum Outcome: String, Sendable, Codable {
    case passed, failed, errored, skipped
}

/// One failing (or erroring) test, with what is known of where and why.
public struct FailingTest: Sendable, Codable, Equatable {
    /// Stable across runs of the same tests: the suite and the name.
    public var id: String
    /// The class, module, package or file the test belongs to, as the tool names it.
    public var suite: String
    public var name: String
    public var file: String?
    public var line: Int?
    /// `.failed` or `.errored`.
    public var outcome: Outcome
    /// The one-line reason (an assertion message, an exception type and text).
    public var message: String
    /// The stack or log excerpt, at most `FailingTest.detailsLimit` bytes with head and tail kept.
    public var details: String
    /// The framework the report came from when it is known, for re-running just this test.
    public var framework: Framework?

    public init(suite: String, name: String, file: String? = nil, line: Int? = nil, outcome: Outcome = .failed,
                message: String = "", details: String = "", framework: Framework? = nil) {
        self.id = FailingTest.makeID(suite: suite, name: name)
        self.suite = suite
        self.name = name
        self.file = file
        self.line = line
        self.outcome = outcome
        self.message = message
        self.details = FailingTest.truncate(details)
        self.framework = framework
    }

    public static func makeID(suite: String, name: String) -> String {
        suite.isEmpty ? name : "\(suite)::\(name)"
    }

    /// How much of a stack or log excerpt is kept.
    public static let detailsLimit = 8 * 1024

    /// Keeps the first and last parts of `text` when it is longer than `limit` bytes,
    /// with a marker saying how much was cut: the top of a stack says where, the end of
    /// a log says what finally failed.
    public static func truncate(_ text: String, limit: Int = detailsLimit) -> String {
        let utf8 = text.utf8
        guard utf8.count > limit else { return text }
        let keep = limit / 2
        let head = String(decoding: utf8.prefix(keep), as: UTF8.self)
        let tail = String(decoding: utf8.suffix(keep), as: UTF8.self)
        return head + "\n… [\(utf8.count - 2 * keep) bytes cut] …\n" + tail
    }
}

/// The test frameworks whose failing tests codex-bot knows how to re-run alone.
public enum Framework: String, Sendable, Codable, CaseIterable {
    case swiftTest = "swift-test"
    case pytest
    case goTest = "go-test"
    case cargo
    case jest
    case vitest
    case maven
    case gradle
    case dotnet
    case phpunit
    case mocha
    case ctest
}

/// The input formats `codex-bot report` reads.
public enum ReportFormat: String, Sendable, Codable, CaseIterable {
    case junit
    case nunit
    case xunit
    case trx
    case tap
    case goJSON = "go-json"
    /// A console log (swift test, pytest, go test -v, cargo test, jest/vitest, GitHub Actions).
    case log
}
