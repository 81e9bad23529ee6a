import CodexBotTestSupport
import Foundation
import Testing
@testable import TestReports

/// The filters `Rerun` writes for each runner: their exact text, what they match (checked with
/// a real regex engine where the runner's flavour is close enough), and, where the runner is
/// installed here, what the runner itself then runs.
///
/// Real runners: pytest, cargo, swift test, and Node's RegExp (the engine of jest, vitest and
/// mocha). Not installed here, so checked by text and by regex only: go, jest/vitest/mocha
/// themselves, maven/gradle (no offline plugins), dotnet, phpunit, ctest.
@Suite struct RerunTests {
    /// Names that break any filter that forgets to escape.
    static let nastyNames = [
        "a.b", "a*b", "a+b", "a?b", "a(b)", "a[b]", "a{1}", "a|b", "^a$", #"a\b"#,
        "two words", "café ☕", "ünïcödé", "a/b",
    ]

    private func test(_ suite: String, _ name: String, file: String? = nil) -> FailingTest {
        FailingTest(suite: suite, name: name, file: file)
    }

    private func only(_ commands: [RerunCommand]) throws -> [String] {
        try #require(commands.count == 1)
        return commands[0].arguments
    }

    /// Whether ICU (NSRegularExpression, as SwiftPM uses) finds `pattern` in `text`.
    private func icuFinds(_ pattern: String, in text: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    // MARK: - swift test

    @Test func swiftXCTestFilterIsAnchoredAndEscaped() throws {
        let arguments = try only(Rerun.commands(for: [test("Mod.Foo", "testA"), test("Mod.FooBar", "testA")],
                                                framework: .swiftTest))
        #expect(arguments == ["--filter", #"^(?:Mod\.Foo/testA|Mod\.FooBar/testA)(?:/|$)"#])
        let pattern = arguments[1]
        #expect(try icuFinds(pattern, in: "Mod.Foo/testA"))
        #expect(try icuFinds(pattern, in: "Mod.FooBar/testA"))
        for other in ["Mod.Foo/testAB", "Mod.FooBarBaz/testA", "XMod.Foo/testA", "ModXFoo/testA", "Mod.Foo/testB"] {
            #expect(try !icuFinds(pattern, in: other), "\(other) must not match")
        }
    }

    @Test func swiftTestingIDsMatchWithTheirSourceLocation() throws {
        let failures = [test("Mod.Outer.Inner", "foo(x:)"), test("Mod", "free()")]
        let pattern = try only(Rerun.commands(for: failures, framework: .swiftTest))[1]
        #expect(pattern == #"^(?:Mod\.Outer[./]Inner/foo\(x:\)|(?:Mod\.free\(\)|[^/]*\.Mod/free\(\)))(?:/|$)"#)
        // swift-testing matches with Swift Regex against `String(describing: test.id)`.
        let regex = try Regex(pattern)
        #expect("Mod.Outer/Inner/foo(x:)/Mod/File.swift:12:4".contains(regex))
        #expect("Mod.free()/Mod/File.swift:3:2".contains(regex))
        for other in ["Mod.Outer/Inner/foo(y:)/Mod/File.swift:1:1", "Mod.Outer/Inner/foo/Mod/F.swift:1:1",
                      "Mod.Outer/Inner/foo(x:)Z/Mod/F.swift:1:1", "Mod.Outer/Inner", "Mod.freeB()/M/F.swift:1:1"] {
            #expect(!other.contains(regex), "\(other) must not match")
        }
    }

    @Test(arguments: nastyNames) func swiftFilterMatchesOnlyTheNastyName(_ name: String) throws {
        let pattern = try only(Rerun.commands(for: [test("Mod.Suite", name)], framework: .swiftTest))[1]
        #expect(try icuFinds(pattern, in: "Mod.Suite/" + name))
        #expect(try icuFinds(pattern, in: "Mod.Suite/" + name + "/Mod/File.swift:1:1"))
        #expect("Mod.Suite/\(name)/Mod/File.swift:1:1".contains(try Regex(pattern)))
        for other in Self.nastyNames where other != name && !other.hasPrefix(name + "/") {
            #expect(try !icuFinds(pattern, in: "Mod.Suite/" + other), "\(other) must not match \(pattern)")
        }
        #expect(try !icuFinds(pattern, in: "Mod.Suite/" + name + "x"))
    }

    /// Linux XCTest logs say `Test Case 'CalcTests.testAdd' failed`: no module. The filter must
    /// still reach `AppTests.CalcTests/testAdd`, and not other classes or methods.
    @Test func aSuiteWithoutModuleMatchesThatClassInAnyModule() throws {
        let pattern = try only(Rerun.commands(for: [test("CalcTests", "testAdd")], framework: .swiftTest))[1]
        #expect(try icuFinds(pattern, in: "AppTests.CalcTests/testAdd"))
        for other in ["AppTests.CalcTests/testAddMore", "AppTests.MyCalcTests/testAdd", "AppTests.CalcTestsX/testAdd"] {
            #expect(try !icuFinds(pattern, in: other), "\(other) must not match \(pattern)")
        }
    }

    @Test func swiftDisplayNameSuiteFallsBackToTheFunctionName() throws {
        let pattern = try only(Rerun.commands(for: [test("Adding numbers", "add()")], framework: .swiftTest))[1]
        #expect(pattern == #"^(?:.*[./]add\(\))(?:/|$)"#)
        #expect(try icuFinds(pattern, in: "Mod.Calc/add()/Mod/F.swift:1:1"))
        #expect(try !icuFinds(pattern, in: "Mod.Calc/addTwice()/Mod/F.swift:1:1"))
    }

    // MARK: - pytest

    @Test func pytestNodeIDsFromJUnitClassnames() throws {
        let failures = [
            test("tests.test_mod.TestClass", "test_x[param-1]"),
            test("tests.test_mod", "test_y"),
            test("tests.unit.test_deep.TestOuter.TestInner", "test_z"),
            test("test_top", "test_w"),
            test("tests.test_mod.TestClass", "test_x[param-1]"), // repeated: once
        ]
        #expect(try only(Rerun.commands(for: failures, framework: .pytest)) == [
            "tests/test_mod.py::TestClass::test_x[param-1]",
            "tests/test_mod.py::test_y",
            "tests/unit/test_deep.py::TestOuter::TestInner::test_z",
            "test_top.py::test_w",
        ])
    }

    @Test func pytestUsesTheFileAttributeAndKeepsParameterIDsVerbatim() throws {
        let failures = [
            // The file decides where the module ends, even for an uppercase directory.
            test("Tests.test_mod.TestClass", "test_x[a.b-[1]::c d]", file: "Tests/test_mod.py"),
            test("tests.test_mod", "test_p[ünï-ç]", file: "./tests/test_mod.py"),
            // An absolute file with a classname relative to the rootdir: letter case decides.
            test("tests.test_mod.TestK", "test_k", file: "/src/proj/tests/test_mod.py"),
            // Suites that already are node id prefixes.
            test("tests/test_mod.py::TestClass", "test_q[x*y]"),
            test("tests/test_mod.py", "test_r"),
        ]
        #expect(try only(Rerun.commands(for: failures, framework: .pytest)) == [
            "Tests/test_mod.py::TestClass::test_x[a.b-[1]::c d]",
            "tests/test_mod.py::test_p[ünï-ç]",
            "/src/proj/tests/test_mod.py::TestK::test_k",
            "tests/test_mod.py::TestClass::test_q[x*y]",
            "tests/test_mod.py::test_r",
        ])
    }

    // MARK: - go test

    @Test func goTopLevelTestsShareOneGroupPerPackage() {
        let failures = [test("example.com/m/pkg", "TestA"), test("example.com/m/other", "TestC"),
                        test("example.com/m/pkg", "TestB"), test("example.com/m/pkg", "TestA")]
        #expect(Rerun.commands(for: failures, framework: .goTest) == [
            RerunCommand(arguments: ["-run", "^(?:TestA|TestB)$", "example.com/m/pkg"], package: "example.com/m/pkg"),
            RerunCommand(arguments: ["-run", "^(?:TestC)$", "example.com/m/other"], package: "example.com/m/other"),
        ])
    }

    @Test func goSubtestsAreAnchoredPerLevelAndParentsDropped() {
        let failures = [
            test("example.com/m/pkg", "TestX"), // fails because TestX/sub_case fails
            test("example.com/m/pkg", "TestX/sub_case"),
            test("example.com/m/pkg", "TestX/a.b/c+d"),
            test("example.com/m/pkg", "TestY"),
        ]
        #expect(Rerun.commands(for: failures, framework: .goTest) == [
            RerunCommand(arguments: ["-run", #"^TestX$/^sub_case$|^TestX$/^a\.b$/^c\+d$|^TestY$"#, "example.com/m/pkg"],
                         package: "example.com/m/pkg"),
        ])
    }

    @Test(arguments: nastyNames.filter { !$0.contains("/") })
    func goLevelsMatchOnlyTheNastyName(_ name: String) throws {
        // Each `/`-separated level is an RE2 regex; RE2 and ICU agree on these escapes.
        let pattern = try only(Rerun.commands(for: [test("p", "TestN/" + name)], framework: .goTest))[1]
        let levels = pattern.components(separatedBy: "$/^")
        try #require(levels.count == 2)
        let sub = "^" + levels[1]
        #expect(try icuFinds(sub, in: name))
        for other in Self.nastyNames where other != name {
            #expect(try !icuFinds(sub, in: other), "\(other) must not match \(sub)")
        }
        // An escaped `|` or `(` must not read as Go's top-level alternation or grouping.
        #expect(!pattern.replacingOccurrences(of: #"\|"#, with: "").contains("|"))
    }

    @Test func goWithoutPackageRunsTheCurrentDirectory() {
        #expect(Rerun.commands(for: [test("", "TestA")], framework: .goTest)
                == [RerunCommand(arguments: ["-run", "^(?:TestA)$"], package: nil)])
    }

    // MARK: - cargo

    @Test func cargoPassesExactNamesWithoutTheCrate() throws {
        let failures = [test("mycrate", "tests::it_works"), test("integration", "module::tests::name"),
                        test("mycrate", "tests::it_works")]
        #expect(try only(Rerun.commands(for: failures, framework: .cargo))
                == ["--", "--exact", "tests::it_works", "module::tests::name"])
    }

    // MARK: - jest, vitest, mocha

    @Test func jestFullNameAndEscapedTestPaths() throws {
        let failures = [test("Math > add", "adds (1 + 2)? [x]", file: "src/math.test.js"),
                        test("src/str.test.ts", "trims $ and ^")]
        let arguments = try only(Rerun.commands(for: failures, framework: .jest))
        #expect(arguments == [
            "-t", #"^(?:Math add adds \(1 \+ 2\)\? \[x\]|(?:.* )?trims \$ and \^)$"#,
            #"(?:^|/)src/math\.test\.js$"#, #"(?:^|/)src/str\.test\.ts$"#,
        ])
        #expect(try icuFinds(arguments[1], in: "Math add adds (1 + 2)? [x]"))
        #expect(try icuFinds(arguments[1], in: "Strings trims $ and ^"))
        #expect(try !icuFinds(arguments[1], in: "Math add adds (1 + 2)? [x] again"))
        #expect(try icuFinds(arguments[2], in: "/home/ci/repo/src/math.test.js"))
        #expect(try !icuFinds(arguments[2], in: "/home/ci/repo/xsrc/math.test.js"))
        #expect(try !icuFinds(arguments[2], in: "/home/ci/repo/src/mathXtest.js"))
    }

    @Test func jestDoesNotNarrowFilesWhenOneIsUnknown() throws {
        let failures = [test("Math", "adds", file: "src/math.test.js"), test("Strings", "trims")]
        #expect(try only(Rerun.commands(for: failures, framework: .jest)) == ["-t", "^(?:Math adds|Strings trims)$"])
    }

    @Test func jestDoesNotRepeatAChainTheNameAlreadyHas() throws {
        let arguments = try only(Rerun.commands(for: [test("Math", "Math adds")], framework: .jest))
        #expect(arguments == ["-t", "^(?:Math adds)$"])
    }

    @Test func vitestAcceptsBothSeparatorsAndPassesFilesVerbatim() throws {
        // Vitest's JUnit reporter: classname is the file, name the chain joined by " > ".
        let failures = [test("./src/math.test.ts", "Math > add (big+)"), test("Str > pad", "pads [left]", file: "src/s.test.ts")]
        let arguments = try only(Rerun.commands(for: failures, framework: .vitest))
        #expect(arguments == [
            "-t", #"^(?:Math(?: > | )add \(big\+\)|Str(?: > | )pad(?: > | )pads \[left\])$"#,
            "src/math.test.ts", "src/s.test.ts",
        ])
        #expect(try icuFinds(arguments[1], in: "Math > add (big+)"))
        #expect(try icuFinds(arguments[1], in: "Math add (big+)"))
        #expect(try !icuFinds(arguments[1], in: "Math > add (big+) x"))
    }

    @Test func mochaGrepsTheFullTitle() throws {
        let arguments = try only(Rerun.commands(for: [test("Array #indexOf()", "returns -1 when absent (a|b)")],
                                                framework: .mocha))
        #expect(arguments == ["--grep", #"^(?:Array #indexOf\(\) returns -1 when absent \(a\|b\))$"#])
    }

    // MARK: - maven, gradle

    @Test func mavenGroupsMethodsPerClassAsPaths() throws {
        let failures = [
            test("com.example.FooTest", "testBar"),
            test("com.example.FooTest", "testBaz[1]"),            // JUnit 4 Parameterized: that case
            test("com.example.OtherTest", "testQux(int)[2]"),     // JUnit 5: the method
            test("com.example.OtherTest", "testQux(int)[3]"),
            test("com.example.FooTest$Inner", "case[1: a,b+c#d]"),
        ]
        #expect(try only(Rerun.commands(for: failures, framework: .maven)) == [
            "-Dtest=com/example/FooTest#testBar+testBaz[1],com/example/OtherTest#testQux,com/example/FooTest$Inner#case[1:?a?b?c?d]",
            "-Dsurefire.failIfNoSpecifiedTests=false",
        ])
    }

    @Test func gradleRepeatsTestsPerMethod() throws {
        let failures = [test("com.example.FooTest", "testBar"), test("com.example.FooTest", "testBaz[1]"),
                        test("com.example.FooTest", "testQux(String, int)[2]"), test("com.example.SpecTest", "adds two numbers")]
        #expect(try only(Rerun.commands(for: failures, framework: .gradle)) == [
            "--tests", "com.example.FooTest.testBar", "--tests", "com.example.FooTest.testBaz[1]",
            "--tests", "com.example.FooTest.testQux", "--tests", "com.example.SpecTest.adds two numbers",
        ])
    }

    // MARK: - dotnet

    @Test func dotnetEscapesFilterOperatorsAndWidensTheoriesToTheMethod() throws {
        let failures = [
            test("Ns.Class", "Method"),
            test("Ns.Class", #"Theory(x: 1, s: "a|b&c=d!e~f\g")"#),
            test("Ns.Class", "Ns.Class.Other"), // already qualified (TRX testName)
        ]
        let arguments = try only(Rerun.commands(for: failures, framework: .dotnet))
        #expect(arguments == ["--filter", [
            "FullyQualifiedName=Ns.Class.Method",
            "FullyQualifiedName=Ns.Class.Theory",
            #"FullyQualifiedName=Ns.Class.Theory\(x: 1, s: "a\|b\&c\=d\!e\~f\\g"\)"#,
            "FullyQualifiedName=Ns.Class.Other",
        ].joined(separator: "|")])
    }

    // MARK: - phpunit

    @Test func phpunitUsesADelimitedCaseSensitiveRegex() throws {
        let failures = [test("App.Tests.UserTest", "testName"),
                        test(#"App\Tests\UserTest"#, #"testMail with data set "a/b (c)""#)]
        let arguments = try only(Rerun.commands(for: failures, framework: .phpunit))
        let expected = #"/^(?:App\\Tests\\UserTest\:\:testName|App\\Tests\\UserTest\:\:testMail with data set "a\/b \(c\)")$/"#
        #expect(arguments == ["--filter", expected])
        // The text between the delimiters is a PCRE; ICU reads these escapes the same way.
        let body = String(expected.dropFirst().dropLast())
        #expect(try icuFinds(body, in: #"App\Tests\UserTest::testName"#))
        #expect(try icuFinds(body, in: #"App\Tests\UserTest::testMail with data set "a/b (c)""#))
        #expect(try !icuFinds(body, in: #"App\Tests\UserTest::testNameX"#))
        #expect(try !icuFinds(body, in: #"App\Tests\UserTest::testMail with data set "a/b (c)x""#))
    }

    // MARK: - ctest

    @Test func ctestAnchorsEscapedNames() throws {
        let arguments = try only(Rerun.commands(for: [test("", "unit.math+x"), test("", "io(1)")], framework: .ctest))
        #expect(arguments == ["-R", #"^(unit\.math\+x|io\(1\))$"#])
        #expect(try icuFinds(arguments[1], in: "io(1)"))
        #expect(try !icuFinds(arguments[1], in: "unitXmath+x"))
    }

    // MARK: - every framework

    @Test(arguments: Framework.allCases) func noFailuresNoCommands(_ framework: Framework) {
        #expect(Rerun.commands(for: [], framework: framework).isEmpty)
    }

    @Test(arguments: Framework.allCases) func oneFailureGivesOneCommandNamingIt(_ framework: Framework) throws {
        let commands = Rerun.commands(for: [test("pkg.Suite", "test_one")], framework: framework)
        let arguments = try only(commands)
        #expect(arguments.contains { $0.contains("test_one") }, "\(framework): \(arguments)")
    }

    // MARK: - real runners

    /// The environment the real runners get: what they need to find themselves and their
    /// caches (pyenv, rustup), nothing that `swift test` set for this process.
    private static let toolEnvironment: [String: String] = StartEnvironment.values.filter { key, _ in
        ["PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION", "RUSTUP_HOME", "CARGO_HOME", "LANG", "TMPDIR"].contains(key)
    }

    /// Runs `arguments` through `env` after checking that `tool --version` works; a missing
    /// tool fails the test with the Debian package to install, never skips it.
    private func runTool(_ tool: [String], _ arguments: [String], in directory: String, debianPackage: String,
                         extraEnvironment: [String: String] = [:]) throws -> ProcessRunner.Output {
        let environment = Self.toolEnvironment.merging(extraEnvironment) { $1 }
        let probe = try ProcessRunner.run("/usr/bin/env", tool + ["--version"], in: directory, environment: environment)
        try #require(probe.status == 0, """
            `\(tool.joined(separator: " "))` is not available: install the Debian package \(debianPackage) \
            (exit \(probe.status): \(probe.stderr))
            """)
        return try ProcessRunner.run("/usr/bin/env", tool + arguments, in: directory, environment: environment)
    }

    private func write(_ files: [String: String], under root: String) throws {
        for (relative, content) in files {
            let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
    }

    @Test func pytestRunsExactlyTheChosenNodeIDs() async throws {
        try await withTemporaryDirectory("rerun-pytest") { dir in
            try write([
                "pytest.ini": "[pytest]\n",
                "tests/test_sample.py": """
                    import pytest


                    class TestThing:
                        def test_a(self):
                            pass

                        def test_ab(self):
                            pass


                    @pytest.mark.parametrize("value", [1, 2], ids=["x[1].a-b", "x[1].a-bc"])
                    def test_p(value):
                        pass

                    """,
            ], under: dir.path)
            // The failures take the shapes pytest's own JUnit XML gives them.
            let report = try runTool(["python3", "-m", "pytest"], ["-q", "-p", "no:cacheprovider", "--junitxml=report.xml"],
                                     in: dir.path, debianPackage: "python3-pytest")
            try #require(report.status == 0, "\(report.stdout)\(report.stderr)")
            let xml = try String(contentsOfFile: dir.appending("report.xml"), encoding: .utf8)
            let cases = try NSRegularExpression(pattern: #"<testcase classname="([^"]*)" name="([^"]*)""#)
                .matches(in: xml, range: NSRange(xml.startIndex..., in: xml)).map { match in
                    (String(xml[Range(match.range(at: 1), in: xml)!]), String(xml[Range(match.range(at: 2), in: xml)!]))
                }
            try #require(cases.count == 4, "\(xml)")
            let chosen = cases.filter { $0.1 == "test_a" || $0.1 == "test_p[x[1].a-b]" }
            try #require(chosen.count == 2)
            let failures = chosen.map { FailingTest(suite: $0.0, name: $0.1) }

            let arguments = try only(Rerun.commands(for: failures, framework: .pytest))
            #expect(arguments == ["tests/test_sample.py::TestThing::test_a", "tests/test_sample.py::test_p[x[1].a-b]"])
            let rerun = try runTool(["python3", "-m", "pytest"], ["-q", "-p", "no:cacheprovider"] + arguments,
                                    in: dir.path, debianPackage: "python3-pytest")
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let summary = rerun.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(summary.hasPrefix("2 passed in "), "\(rerun.stdout)")
        }
    }

    @Test func cargoExactRunsOneTestOfTwoWithTheSamePrefix() async throws {
        try await withTemporaryDirectory("rerun-cargo") { dir in
            try write([
                "Cargo.toml": """
                    [package]
                    name = "rerun_fixture"
                    version = "0.1.0"
                    edition = "2021"

                    [dependencies]

                    """,
                "src/lib.rs": """
                    pub fn add_one(x: i32) -> i32 { x + 1 }

                    #[cfg(test)]
                    mod tests {
                        #[test]
                        fn add_one() { assert_eq!(super::add_one(1), 2); }

                        #[test]
                        fn add_one_more() { assert_eq!(super::add_one(2), 3); }
                    }

                    """,
            ], under: dir.path)
            let arguments = try only(Rerun.commands(for: [FailingTest(suite: "rerun_fixture", name: "tests::add_one")],
                                                    framework: .cargo))
            #expect(arguments == ["--", "--exact", "tests::add_one"])
            let output = try runTool(["cargo"], ["test", "--offline"] + arguments, in: dir.path, debianPackage: "cargo",
                                     extraEnvironment: ["CARGO_TARGET_DIR": dir.appending("target")])
            #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
            #expect(output.stdout.contains("test tests::add_one ... ok"), "\(output.stdout)")
            #expect(!output.stdout.contains("add_one_more ..."), "\(output.stdout)")
            #expect(output.stdout.contains("test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out"),
                    "\(output.stdout)")
        }
    }

    @Test func swiftTestRunsExactlyTheChosenXCTestsAndSwiftTestingTests() async throws {
        try await withTemporaryDirectory("rerun-swift") { dir in
            try write([
                "Package.swift": """
                    // swift-tools-version: 6.0
                    import PackageDescription
                    let package = Package(name: "Fixture", targets: [
                        .target(name: "Fixture"),
                        .testTarget(name: "FixtureTests", dependencies: ["Fixture"]),
                    ])

                    """,
                "Sources/Fixture/Fixture.swift": "public let one = 1\n",
                // A naive filter over-matches: `Foo/testA` also finds `Foo/testAB`, `Foo` finds `FooBar`.
                "Tests/FixtureTests/XCTests.swift": """
                    import XCTest
                    final class Foo: XCTestCase {
                        func testA() {}
                        func testAB() {}
                    }
                    final class FooBar: XCTestCase {
                        func testA() {}
                        func testB() {}
                    }

                    """,
                "Tests/FixtureTests/SwiftTestingTests.swift": """
                    import Testing
                    struct Calc {
                        @Test func add() {}
                        @Test func addTwice() {}
                        struct Inner {
                            @Test(arguments: [1, 2]) func scaled(by factor: Int) {}
                            @Test func scaledTwice() {}
                        }
                    }
                    @Test func free() {}

                    """,
            ], under: dir.path)
            // Suites as the XCTest xunit output and swift-testing's JUnit recorder write them.
            let failures = [
                FailingTest(suite: "FixtureTests.Foo", name: "testA"),
                FailingTest(suite: "FixtureTests.FooBar", name: "testA"),
                FailingTest(suite: "FixtureTests.Calc", name: "add()"),
                FailingTest(suite: "FixtureTests.Calc.Inner", name: "scaled(by:)"),
            ]
            let arguments = try only(Rerun.commands(for: failures, framework: .swiftTest))
            // SwiftPM leaves lock files in TMPDIR: keep them inside this test's directory.
            let tmp = dir.appending("tmp")
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            let output = try runTool(["swift"], ["test", "--scratch-path", dir.appending(".build")] + arguments,
                                     in: dir.path, debianPackage: "swiftlang (or the swift.org toolchain)",
                                     extraEnvironment: ["TMPDIR": tmp])
            let log = output.stdout + output.stderr
            #expect(output.status == 0, "\(log)")
            // The total for the run, not a suite's line.
            #expect(try icuFinds(#"Test Suite 'Selected tests' passed at [^\n]*\n\t Executed 2 tests, with 0 failures"#,
                                 in: log), "\(log)")
            #expect(!log.contains("testAB") && !log.contains("testB"), "\(log)")
            #expect(log.contains("Test run with 2 tests in 2 suites passed"), "\(log)")
            #expect(!log.contains("addTwice") && !log.contains("scaledTwice") && !log.contains("free()"), "\(log)")
        }
    }

    /// Jest, vitest and mocha are not installed, but the engine that runs their patterns is:
    /// Node's `RegExp`, with jest's `i` flag.
    @Test func nodeRegExpMatchesTheJavaScriptPatternsAsIntended() async throws {
        let names = Self.nastyNames
        var cases: [[String: Any]] = []
        for name in names {
            for framework in [Framework.jest, .vitest, .mocha] {
                let pattern = try only(Rerun.commands(for: [test("Outer > In(ner)", name)], framework: framework))[1]
                let separator = framework == .vitest ? " > " : " "
                let wanted = ["Outer", "In(ner)", name].joined(separator: separator)
                let others = names.filter { $0 != name }.map { ["Outer", "In(ner)", $0].joined(separator: separator) }
                    + [wanted + "x", "x" + wanted]
                cases.append(["pattern": pattern, "flags": framework == .jest ? "i" : "",
                              "wanted": wanted, "others": others])
            }
        }
        let script = """
            const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
            const wrong = [];
            for (const c of cases) {
              const re = new RegExp(c.pattern, c.flags);
              if (!re.test(c.wanted)) wrong.push(['missed', c.pattern, c.wanted]);
              for (const o of c.others) if (re.test(o)) wrong.push(['matched', c.pattern, o]);
            }
            console.log(JSON.stringify(wrong));
            """
        let input = try JSONSerialization.data(withJSONObject: cases)
        let probe = try ProcessRunner.run("/usr/bin/env", ["node", "--version"], in: "/", environment: Self.toolEnvironment)
        try #require(probe.status == 0, "node is not available: install the Debian package nodejs")
        let output = try ProcessRunner.run("/usr/bin/env", ["node", "-e", script], in: "/",
                                           environment: Self.toolEnvironment, stdin: input)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(output.stdout)")
    }
}
