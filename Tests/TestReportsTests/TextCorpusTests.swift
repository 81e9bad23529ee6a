import Foundation
import Testing
@testable import TestReports

/// `<package root>/../shared/corpora` (real reports collected from public projects), when it
/// is there; the package root is three levels up from this file.
private let textCorporaRoot: String? = {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let corpora = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora").standardizedFileURL.path
    return FileManager.default.fileExists(atPath: corpora + "/MANIFEST.tsv") ? corpora : nil
}()

/// Checks the line-based readers (TAP, go test -json, console logs) against real files: the
/// corpus manifest's mechanical count of failing tests, and gotestsum's own expected
/// summaries. Every file is read with format detection, as `codex-bot report` does. Every
/// difference must be listed below with the reason ours is right; a listed difference that
/// went away fails too, so the list stays true.
@Suite("Real-world TAP, go test and log files (../shared/corpora)", .enabled(if: textCorporaRoot != nil))
struct TextCorpusTests {
    static let countMethods: Set<String> = [
        "TAP not-ok lines (top+sub)", "go test -json fail events with Test", "--- FAIL lines",
    ]

    static let tap = "junit/tapjs-tap-parser/test/fixtures/"
    static let gotestsum = "junit/gotestyourself-gotestsum/"
    static let goJUnit = "junit/jstemmer-go-junit-report/testdata/"

    // MARK: Judged differences

    static let parentRule = "TAP: a parent test point that closes a subtest is not counted, its leaf tests are"
    static let packageRule = "go: a package that fails without a failing test is one errored `(package)` failure"
    static let noTestsRule = "no test result in the file, so a ReportError (no test results / no TAP lines); the manifest counts 0"

    /// Manifest rows whose `approx_failed` differs from our failed + errored (or that we
    /// refuse with a ReportError), and why ours is right.
    static let acceptedDisagreements: [String: String] = [
        // TAP: the manifest counts every `not ok` line, parents of failing subtests included.
        tap + "version-in-yaml.tap": "\(parentRule): 4 failing children under 4 failing parents → 4 (manifest 8).",
        tap + "line-break.tap": "\(parentRule): `not ok 1 - foo` only closes its failing child → 1 (manifest 2).",
        tap + "strict-pragma-child-broken-diags.tap": "\(parentRule) → 1 (manifest 2).",
        tap + "diag-looks-like-comment.tap": "the manifest counts 2 `not ok` lines that are text inside a YAML block, and the parent → 1.",
        // TAP files with no test point at all.
        tap + "out_err_mix.tap": noTestsRule + " (two lines of junk; detected as a log).",
        tap + "die.tap": "0 bytes: ReportError \"the file is empty\".",
        tap + "empty.tap": "0 bytes: ReportError \"the file is empty\".",
        // go test -v text: build and setup failures, panics outside tests.
        goJUnit + "013-syntax-error.txt": "\(packageRule): two [build failed] and one [setup failed] → 3, as go-junit-report's golden report (errors=\"3\").",
        goJUnit + "014-panic.txt": "\(packageRule): two packages panic in init → 2 (go-junit-report: 2 errors).",
        goJUnit + "032-failed-summary.txt": "\(packageRule): `panic: panic` after PASS → FAIL → 1.",
        goJUnit + "031-syntax-error-test-binary.txt": "\(packageRule): as 013 (go-junit-report: errors=\"3\").",
        goJUnit + "038-test-pkg-name.txt": "\(packageRule): [build failed] (go-junit-report: errors=\"1\").",
        goJUnit + "102-broken.gojson.txt": "\(packageRule): [build failed], the compiler's output printed as plain text before the events.",
        goJUnit + "105-panic.gojson.txt": "\(packageRule): `panic: init` (go-junit-report: errors=\"1\").",
        goJUnit + "106-testmain.gojson.txt": "\(packageRule): TestMain exits 1 after the tests passed (go-junit-report: errors=\"1\").",
        goJUnit + "108-paniclate.gojson.txt": "\(packageRule): a panic after the tests passed (go-junit-report: errors=\"1\").",
        // go test -json: package failures, and parents of failing subtests are both counted by the manifest.
        gotestsum + "cmd/testdata/input/go-test-build-failed.out": "\(packageRule) ([build failed]); gotestsum: 1 failure.",
        gotestsum + "cmd/testdata/input/go-test-setup-failed.out": "\(packageRule): two [setup failed]; gotestsum: 2 failures.",
        gotestsum + "cmd/testdata/input/go-test-json-panic-race-1.out": "\(packageRule): `panic: test timed out` after the test passed; gotestsum: 1 failure.",
        gotestsum + "cmd/testdata/input/go-test-json-panic-race-2.out": "the test left running at the timeout panic fails, plus the package (\(packageRule)); gotestsum: 2 failures.",
        gotestsum + "testjson/testdata/go-test-json-missing-test-events.out":
            "tests left without an end event fail, as gotestsum does (TestMissing, TestMissing/a, TestFailed/a, TestFailed/a/sub), "
            + "except TestMissingEvent, whose output has `--- PASS` (gotestsum's current rule) → 5; the manifest sees 1 fail event.",
        gotestsum + "testjson/testdata/input/go-test-json-missing-test-fail.out": "a test with no end event when its package fails has failed (gotestsum: 1 failure).",
        gotestsum + "testjson/testdata/input/go-test-json.out": "the manifest misses badmain, which fails with no test: \(packageRule); gotestsum: 13 failures.",
        gotestsum + "testjson/testdata/input/go-test-json-with-shuffle.out": "as go-test-json.out (badmain).",
        gotestsum + "testjson/testdata/input/go-test-json-with-cover.out": "badmain: \(packageRule).",
        gotestsum + "testjson/testdata/input/go-test-json-with-cover-go1.20.out": "badmain: \(packageRule).",
        // go test stderr, and a file that is not a test log at all.
        gotestsum + "testjson/testdata/go-test.err": noTestsRule + " (go's stderr: build errors without the package's FAIL line).",
        gotestsum + "testjson/testdata/input/go-test-json.err": noTestsRule + " (stderr of go-test-json.out).",
        gotestsum + "testjson/testdata/input/go-test-json-with-cover.err": noTestsRule + ".",
        gotestsum + "testjson/testdata/input/go-test-json-with-cover-go1.20.err": noTestsRule + ".",
        gotestsum + "testjson/testdata/input/go-test-json-with-shuffle.err": noTestsRule + ".",
        "junit/EnricoMi-publish-unit-test-result-action/nunit/nunit3/jenkins/NUnit-sec1752-file.txt":
            noTestsRule + " (the 4-byte target of an XXE test, `abc`).",
    ]

    /// Deliberately broken inputs: each must give a warning or a ReportError.
    static let brokenInputs: [String] = [
        tap + "bail-escaped.tap", tap + "bailout.tap", tap + "bailout-no-raison.tap", tap + "giving-up.tap",
        tap + "die_unfinished.tap", tap + "no-plan.tap",
        tap + "not-enough.tap", tap + "too-many.tap", tap + "too_many.tap", tap + "plan-invalid.tap",
        tap + "subtest-unfinished.tap", tap + "unfinished.tap", tap + "missing.tap", tap + "out_err_mix.tap",
        tap + "die.tap", tap + "empty.tap", "junit/test-summary-action/tap/03-bail-out.tap",
    ]

    // MARK: Manifest

    struct Row {
        var file: String
        var approxFailed: Int?
        var countMethod: String
    }

    static func manifestRows(_ root: String) throws -> [Row] {
        let text = try String(contentsOfFile: root + "/MANIFEST.tsv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 8 else { return nil }
            return Row(file: columns[0], approxFailed: Int(columns[5]), countMethod: columns[6])
        }
    }

    /// failed + errored, or the ReportError's text.
    static func failingCount(_ path: String) -> Result<Int, ReportError> {
        do {
            let run = try Reports.read(path)
            return .success(run.totals.failed + run.totals.errored)
        } catch let error as ReportError {
            return .failure(error)
        } catch {
            return .failure(ReportError(path: path, problem: "unexpected error \(error)"))
        }
    }

    @Test func failingCountsMatchTheManifestOrAreJudged() throws {
        let root = try #require(textCorporaRoot)
        let rows = try Self.manifestRows(root).filter { Self.countMethods.contains($0.countMethod) }
        #expect(rows.count > 200)
        var disagreements: [String: String] = [:]
        for row in rows {
            switch Self.failingCount(root + "/" + row.file) {
            case .success(let count) where count == row.approxFailed:
                continue
            case .success(let count):
                disagreements[row.file] = "ours \(count), manifest \(row.approxFailed.map(String.init) ?? "-")"
            case .failure(let error):
                disagreements[row.file] = "error: \(error.problem)"
            }
        }
        let accepted = Self.acceptedDisagreements.filter { !$0.value.isEmpty }
        for (file, difference) in disagreements.sorted(by: { $0.key < $1.key }) where accepted[file] == nil {
            Issue.record("\(file): \(difference) — not in acceptedDisagreements")
        }
        for file in accepted.keys.sorted() where disagreements[file] == nil {
            Issue.record("\(file) is listed in acceptedDisagreements but agrees with the manifest now: remove it")
        }
    }

    @Test func brokenInputsGiveAWarningOrAnError() throws {
        let root = try #require(textCorporaRoot)
        for file in Self.brokenInputs {
            do {
                let run = try Reports.read(root + "/" + file)
                #expect(!run.warnings.isEmpty, "\(file): read without a warning")
            } catch is ReportError {
                continue
            }
        }
    }

    // MARK: gotestsum's summaries

    /// gotestsum's expected `DONE N tests[, K skipped][, M failures]` for an input.
    struct Summary: Equatable {
        var tests = 0
        var skipped = 0
        var failures = 0
    }

    /// Inputs and the summary files gotestsum's tests compare them with (`summary_test.go`,
    /// `cmd/main_e2e_test.go`). `bug-repeated-test-case-output` and `with-run-id` scan the
    /// same input several times into one execution, which a single file read can't do.
    static let gotestsumSummaries: [(input: String, expected: String)] = [
        ("testjson/testdata/input/go-test-json.out", "testjson/testdata/summary/root-test-has-subtest-failures"),
        ("testjson/testdata/input/go-test-json-with-parallel-fails.out", "testjson/testdata/summary/parallel-failures"),
        ("testjson/testdata/input/go-test-json-misattributed.out", "testjson/testdata/summary/misattributed-output"),
        ("testjson/testdata/input/go-test-json-missing-test-fail.out", "testjson/testdata/summary/missing-test-fail-event"),
        ("testjson/testdata/input/go-test-json-missing-skip-msg.out", "testjson/testdata/summary/bug-missing-skip-message"),
        ("testjson/testdata/input/go-test-json-with-attributes.out", "testjson/testdata/summary/with-attributes"),
        ("cmd/testdata/input/go-test-build-failed.out", "cmd/testdata/expected/build-fail-expected"),
        ("cmd/testdata/input/go-test-setup-failed.out", "cmd/testdata/expected/setup-fail-expected"),
        ("cmd/testdata/input/go-test-json-panic-race-1.out", "cmd/testdata/expected/panic-race-1-summary"),
        ("cmd/testdata/input/go-test-json-panic-race-2.out", "cmd/testdata/expected/panic-race-2-summary"),
    ]

    static func parseDone(_ text: String) -> Summary? {
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("DONE ") }) else { return nil }
        var summary = Summary()
        var body = line.dropFirst(5)
        if let range = body.range(of: " in ") { body = body[..<range.lowerBound] }
        for part in body.split(separator: ",") {
            let words = part.split(separator: " ")
            guard words.count >= 2, let count = Int(words[0]) else { continue }
            switch words[1] {
            case "tests", "test": summary.tests = count
            case "skipped": summary.skipped = count
            case "failures", "failure": summary.failures = count
            default: break
            }
        }
        return summary
    }

    /// Ours in gotestsum's terms: its tests leave out the package-level failures, which
    /// are its extra failures.
    @Test func goJSONMatchesGotestsumSummaries() throws {
        let root = try #require(textCorporaRoot)
        let inputs = root + "/" + Self.gotestsum
        let expectations = root + "/expected/gotestyourself-gotestsum/"
        for (input, expected) in Self.gotestsumSummaries {
            let text = try String(contentsOfFile: expectations + expected, encoding: .utf8)
            let want = try #require(Self.parseDone(text), "\(expected) has no DONE line")
            let run = try Reports.read(inputs + input)
            #expect(run.sources.first?.format == .goJSON, "\(input)")
            let packageFailures = run.failures.filter { $0.name == GoTestJSONParser.packageTestName }.count
            let got = Summary(tests: run.totals.tests - packageFailures, skipped: run.totals.skipped,
                              failures: run.totals.failed + run.totals.errored)
            #expect(got == want, "\(input) vs \(expected)")
        }
    }

    // MARK: go-junit-report's golden reports

    /// Where our totals differ from go-junit-report's golden `NNN-report.xml` for its
    /// `NNN-*.txt` input, and why ours are right. Keyed by the input's file name.
    static let acceptedGoJUnitDifferences: [String: String] = [
        "022-bench.txt": benchmarkRule, "023-benchmem.txt": benchmarkRule, "024-benchtests.txt": benchmarkRule,
        "025-benchcount.txt": benchmarkRule, "026-testbenchmultiple.txt": benchmarkRule, "027-benchdecimal.txt": benchmarkRule,
        "028-bench-1cpu.txt": benchmarkRule, "029-bench-16cpu.txt": benchmarkRule, "033-bench-mb.txt": benchmarkRule,
        "109-bench.gojson.txt": benchmarkRule,
    ]

    static let benchmarkRule = "go-junit-report counts each benchmark result line (`BenchmarkX-8  1000  12 ns/op`) as a "
        + "passed test; we count benchmarks only when go prints `--- FAIL`/`--- SKIP` for them: a passing benchmark has "
        + "nothing to fix, and tests + failures still match."

    /// The counts on a golden report's `<testsuites>` element (absent attributes are 0).
    static func goldenTotals(_ xml: String) -> Totals? {
        guard let start = xml.range(of: "<testsuites"), let end = xml[start.upperBound...].firstIndex(of: ">") else { return nil }
        let element = xml[start.upperBound..<end]
        func attribute(_ name: String) -> Int {
            guard let range = element.range(of: " \(name)=\"") else { return 0 }
            return Int(element[range.upperBound...].prefix { $0 != "\"" }) ?? 0
        }
        let tests = attribute("tests")
        let failed = attribute("failures")
        let errored = attribute("errors")
        let skipped = attribute("skipped")
        return Totals(tests: tests, passed: tests - failed - errored - skipped, failed: failed, errored: errored, skipped: skipped)
    }

    @Test func goTestOutputMatchesGoJUnitReportGoldens() throws {
        let root = try #require(textCorporaRoot)
        let folder = root + "/" + Self.goJUnit
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".txt") }.sorted()
        #expect(inputs.count > 40)
        var differences: [String: String] = [:]
        for input in inputs {
            let golden = folder + String(input.prefix(3)) + "-report.xml"
            guard let xml = try? String(contentsOfFile: golden, encoding: .utf8) else { continue }
            let want = try #require(Self.goldenTotals(xml), "\(golden)")
            do {
                let got = try Reports.read(folder + input).totals
                if got != want { differences[input] = "ours \(got), golden \(want)" }
            } catch {
                differences[input] = "error: \(error)"
            }
        }
        for (input, difference) in differences.sorted(by: { $0.key < $1.key }) where Self.acceptedGoJUnitDifferences[input] == nil {
            Issue.record("\(input): \(difference) — not in acceptedGoJUnitDifferences")
        }
        for input in Self.acceptedGoJUnitDifferences.keys.sorted() where differences[input] == nil {
            Issue.record("\(input) is listed in acceptedGoJUnitDifferences but matches now: remove it")
        }
    }
}
