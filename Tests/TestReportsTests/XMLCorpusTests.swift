import Foundation
import Testing
@testable import TestReports

/// `<package root>/../shared/corpora` (real reports collected from public projects), when it
/// is there; the package root is three levels up from this file.
private let corporaRoot: String? = {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let corpora = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora").standardizedFileURL.path
    return FileManager.default.fileExists(atPath: corpora + "/MANIFEST.tsv") ? corpora : nil
}()

/// Checks the XML readers (NUnit, xUnit.net, TRX and JUnit) against real reports: the
/// corpus manifest's mechanical count of failing tests, and EnricoMi's
/// publish-unit-test-result-action's own expected totals. Every difference must be listed
/// below with the reason it is right; a listed difference that went away fails too, so the
/// lists stay true.
@Suite("Real-world XML reports (../shared/corpora)", .enabled(if: corporaRoot != nil))
struct XMLCorpusTests {
    static let enricoMi = "EnricoMi-publish-unit-test-result-action"

    // MARK: Judged differences

    /// Manifest rows whose `approx_failed` differs from our failed + errored, and why ours is right.
    static let acceptedDisagreements: [String: String] = [
        "junit/\(enricoMi)/nunit/nunit3/jenkins/NUnit-correct.xml":
            "NUnit 2.5: the manifest counts 3 (every success=\"False\" case); ours is 2 (1 Failure + 1 Error): the third is "
            + "result=\"Inconclusive\", which NUnit itself and EnricoMi (tests_skip) count as neither passed nor failed.",
        "junit/\(enricoMi)/nunit/nunit3/jenkins/NUnit-issue6353.xml":
            "NUnit 2 without result attributes: the manifest counts 0 (it looks for result=Failed/Error); ours is 1: "
            + "FailedTest has a <failure> with a message and stack trace, and EnricoMi counts it failed too.",
        "junit/\(enricoMi)/junit-xml/non-junit.xml":
            "XML with no <testsuite> or <testcase>: we refuse it as not a test report, as EnricoMi does (its .exception).",
        "junit/jenkinsci-junit-plugin/junitResult.xml":
            "Jenkins' own storage format (<result><suites><suite><cases><case>), not a JUnit report: refused as not a "
            + "test report rather than read as 0 tests.",
        "junit/\(enricoMi)/nunit/mstest/clicketyclackety.xml":
            "a bare NUnit 3 <test-suite> root: the manifest counted it as JUnit (0 <testcase>); read as NUnit it has 10 "
            + "failing cases, as EnricoMi says.",
    ]

    /// Inputs the manifest marks "XML parse error" that we read without an error or a warning, and why that is right.
    static let acceptedReadableInputs: [String: String] = [
        "junit/mikepenz-action-junit-report/test_results/junit-web-test/expected.xml":
            "time=\"<<computed>>\": a '<' inside an attribute value, which XMLScanner deliberately tolerates; the rest is "
            + "a well-formed @web/test-runner report (6 tests, 1 failure, 1 skip).",
        "junit/mikepenz-action-junit-report/test_results/junit-web-test/expectedRetries.xml":
            "same as expected.xml (8 test cases, 2 failures, 1 skip).",
    ]

    /// Where our totals differ from EnricoMi's expected `stats` (both its deduplicated `tests_*` and its per-run
    /// `runs_*`), and why ours are right. Keyed by the input's path under junit/<EnricoMi>/.
    static let acceptedEnricoMiDifferences: [String: String] = [
        "nunit/nunit3/jenkins/NUnit-issue44527.xml":
            "NUnit 3 result=\"Failed\" label=\"Error\" (an unexpected exception; 133 here) and label=\"Invalid\" (10) are "
            + "errored for us, failed for EnricoMi; failed + errored = 144 = its tests_fail.",
        "nunit/mstest/timewarpinc.xml":
            "its one case is result=\"Failed\" label=\"Error\": errored for us, failed for EnricoMi.",
        "trx/yami_YAMILEX_2015-10-24_04_18_59.trx":
            "outcome=\"Aborted\" (the test host crashed during EST_SEG_TEMPTest) is errored for us, skipped for EnricoMi; "
            + "the manifest counts it failing too.",
        "nunit/mstest/clicketyclackety.xml":
            "9 of its 10 failing cases are result=\"Failed\" label=\"Error\": errored for us, failed for EnricoMi; "
            + "failed + errored = 10 = its tests_fail.",
        "junit-xml/no-cases-but-tests.xml":
            "a <testsuite tests=\"6\" failures=\"1\"> with no <testcase>: EnricoMi believes the suite's counts, JUnitReader "
            + "counts test cases only (suite counts disagree between tools), so 0 tests.",
    ]

    // MARK: Tests

    struct Row {
        var file: String
        var countMethod: String
        var approxFailed: Int?
    }

    static func manifest() throws -> [Row] {
        let text = try String(contentsOfFile: corporaRoot! + "/MANIFEST.tsv", encoding: .utf8)
        var rows: [Row] = []
        for line in text.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 8 else { continue }
            rows.append(Row(file: columns[0], countMethod: columns[6], approxFailed: Int(columns[5])))
        }
        return rows
    }

    /// Collects unexplained differences and notices listed ones that no longer happen.
    struct Verdicts {
        let accepted: [String: String]
        var unexplained: [String] = []
        var seen: Set<String> = []

        init(_ accepted: [String: String]) { self.accepted = accepted }

        mutating func differs(_ key: String, _ what: String) {
            if accepted[key] != nil {
                seen.insert(key)
            } else {
                unexplained.append("\(key): \(what)")
            }
        }

        /// Listed keys (among `candidates`) that did not differ this time.
        func stale(among candidates: Set<String>) -> [String] {
            Set(accepted.keys).intersection(candidates).subtracting(seen).sorted()
        }
    }

    @Test func failingCountsMatchTheManifest() throws {
        let root = corporaRoot!
        let methods: Set<String> = ["NUnit test-case failed", "xUnit test result=Fail", "TRX UnitTestResult failed",
                                    "testcases with <failure>/<error>"]
        let rows = try Self.manifest().filter { methods.contains($0.countMethod) }
        #expect(rows.count > 250)
        var verdicts = Verdicts(Self.acceptedDisagreements)
        for row in rows {
            let expected = row.approxFailed ?? 0
            do {
                let run = try Reports.read(root + "/" + row.file)
                let ours = run.totals.failed + run.totals.errored
                #expect(ours == run.failures.count, "\(row.file): failures listed and counted differ")
                if ours != expected {
                    verdicts.differs(row.file, "we count \(ours) failing, the manifest \(expected)")
                }
            } catch {
                verdicts.differs(row.file, "could not be read: \(error)")
            }
        }
        #expect(verdicts.unexplained.isEmpty, "unexplained differences:\n\(verdicts.unexplained.joined(separator: "\n"))")
        let stale = verdicts.stale(among: Set(rows.map(\.file)))
        #expect(stale.isEmpty, "listed differences that no longer happen; remove them: \(stale)")
    }

    @Test func brokenInputsFailCleanlyOrWarn() throws {
        let root = corporaRoot!
        let rows = try Self.manifest().filter { $0.countMethod == "XML parse error: ParseError" }
        #expect(rows.count >= 10)
        var verdicts = Verdicts(Self.acceptedReadableInputs)
        for row in rows {
            let path = root + "/" + row.file
            do {
                let run = try Reports.read(path)
                if run.warnings.isEmpty {
                    verdicts.differs(row.file, "read without an error or a warning: \(run.totals)")
                }
            } catch let error as ReportError {
                #expect(error.path == path)
                #expect(!error.problem.isEmpty)
            } catch {
                verdicts.differs(row.file, "threw something other than a ReportError: \(error)")
            }
        }
        #expect(verdicts.unexplained.isEmpty, "unexplained:\n\(verdicts.unexplained.joined(separator: "\n"))")
        let stale = verdicts.stale(among: Set(rows.map(\.file)))
        #expect(stale.isEmpty, "listed inputs that no longer read silently; remove them: \(stale)")
    }

    @Test func externalEntitiesNeverLeak() throws {
        let root = corporaRoot!
        let jenkins = root + "/junit/\(Self.enricoMi)/nunit/nunit3/jenkins"
        let secret = try String(contentsOfFile: jenkins + "/NUnit-sec1752-file.txt", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!secret.isEmpty)
        let files = [jenkins + "/NUnit-sec1752-file.xml", jenkins + "/NUnit-sec1752-https.xml",
                     root + "/junit/jenkinsci-junit-plugin/testXxe-xxe.xml", root + "/junit/jenkinsci-junit-plugin/testXxe-oob.xml"]
        for path in files {
            do {
                let run = try Reports.read(path)
                let text = run.failures.map { [$0.id, $0.message, $0.details, $0.file ?? ""].joined(separator: "\n") }
                    + run.warnings.map { $0.replacingOccurrences(of: path, with: "") }
                #expect(!text.joined().contains(secret), "\(path): the entity's content leaked")
                #expect(run.warnings.contains { $0.contains("not expanded") }, "\(path): \(run.warnings)")
                if path.contains("sec1752") {
                    // The entity reference stays as written.
                    #expect(run.totals == Totals(tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0))
                    #expect(run.failures.map(\.message) == ["&xxe;"])
                }
            } catch let error as ReportError {
                #expect(!error.description.contains(secret))
            }
        }
    }

    @Test func aBareNUnitSuiteRootIsDetectedAsNUnit() throws {
        // clicketyclackety.xml's root is a bare NUnit 3 <test-suite>; auto-detection must read it as
        // NUnit and match EnricoMi (failed + errored).
        let path = corporaRoot! + "/junit/\(Self.enricoMi)/nunit/mstest/clicketyclackety.xml"
        let run = try Reports.read(path)
        #expect(run.sources.map(\.format) == [.nunit])
        // 9 of the 10 are label="Error": errored for us, failed for EnricoMi.
        #expect(run.totals == Totals(tests: 23, passed: 13, failed: 1, errored: 9, skipped: 0))
        #expect(run.failures.count == 10)
        #expect(run.failures.allSatisfy { $0.framework == .dotnet && !$0.suite.isEmpty && !$0.message.isEmpty })
    }

    @Test func totalsMatchEnricoMiExpectations() throws {
        let root = corporaRoot!
        let inputs = root + "/junit/\(Self.enricoMi)"
        let expected = root + "/expected/\(Self.enricoMi)"
        let files = try FileManager.default.subpathsOfDirectory(atPath: inputs)
            .filter { $0.hasSuffix(".xml") || $0.hasSuffix(".trx") }.sorted()
        var verdicts = Verdicts(Self.acceptedEnricoMiDifferences)
        var compared = 0
        for file in files {
            // X.xml → X.results.json (its parse result) and/or X.exception (it must not parse).
            let base = expected + "/" + (file as NSString).deletingPathExtension
            let resultsPath = base + ".results.json"
            let mustFail = FileManager.default.fileExists(atPath: base + ".exception")
            let run: TestRun
            do {
                run = try Reports.read(inputs + "/" + file)
            } catch {
                if !mustFail { verdicts.differs(file, "could not be read: \(error)") }
                continue
            }
            guard FileManager.default.fileExists(atPath: resultsPath) else {
                if mustFail && run.warnings.isEmpty {
                    verdicts.differs(file, "EnricoMi rejects it; we read it without a warning: \(run.totals)")
                }
                continue
            }
            compared += 1
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: resultsPath)))
            let stats = try #require((json as? [String: Any])?["stats"] as? [String: Any], "\(resultsPath): no stats")
            func totals(_ prefix: String) -> Totals {
                func value(_ key: String) -> Int { stats[key] as? Int ?? -1 }
                return Totals(tests: value(prefix), passed: value(prefix + "_succ"), failed: value(prefix + "_fail"),
                              errored: value(prefix + "_error"), skipped: value(prefix + "_skip"))
            }
            // `tests_*` merges results of the same name; `runs_*` counts each, as we do.
            if run.totals != totals("tests") && run.totals != totals("runs") {
                verdicts.differs(file, "ours \(run.totals), EnricoMi tests \(totals("tests")), runs \(totals("runs"))")
            }
        }
        #expect(compared >= 60)
        #expect(verdicts.unexplained.isEmpty, "unexplained differences:\n\(verdicts.unexplained.joined(separator: "\n"))")
        let stale = verdicts.stale(among: Set(files))
        #expect(stale.isEmpty, "listed differences that no longer happen; remove them: \(stale)")
    }
}
