import Foundation

/// One invocation of a test runner that re-runs some failing tests.
public struct RerunCommand: Sendable, Equatable {
    /// The arguments to add to the framework's usual command (not the executable),
    /// e.g. `["--filter", "^(?:A\\.B/c)(?:/|$)"]` for `swift test`. They are argv elements:
    /// nothing here is quoted for a shell.
    public var arguments: [String]
    /// For frameworks whose filter works per package (go), the package this invocation runs;
    /// nil otherwise.
    public var package: String?

    public init(arguments: [String], package: String? = nil) {
        self.arguments = arguments
        self.package = package
    }
}

/// Turns failing tests into the runner's own filter arguments, so codex-bot re-runs exactly
/// the tests that failed and nothing else.
///
/// Each framework has one small function below. Where a runner's filter cannot say "exactly
/// this test", it selects more rather than fewer (a re-run must not pass by running nothing),
/// and the function's comment says what it selects instead. The few names no filter can
/// reach (display names a runner does not match on) are named there too.
public enum Rerun {
    /// The invocations that run exactly `failures` (which share one framework) and nothing
    /// else; one per package for go. Empty when there are no failures.
    public static func commands(for failures: [FailingTest], framework: Framework) -> [RerunCommand] {
        guard !failures.isEmpty else { return [] }
        switch framework {
        case .swiftTest: return [swiftTest(failures)]
        case .pytest: return [pytest(failures)]
        case .goTest: return goTest(failures)
        case .cargo: return [cargo(failures)]
        case .jest: return [jest(failures)]
        case .vitest: return [vitest(failures)]
        case .maven: return [maven(failures)]
        case .gradle: return [gradle(failures)]
        case .dotnet: return [dotnet(failures)]
        case .phpunit: return [phpunit(failures)]
        case .mocha: return [mocha(failures)]
        case .ctest: return [ctest(failures)]
        }
    }

    // MARK: - swift test

    /// `swift test --filter <regex>`.
    ///
    /// `swift test --help`: "--filter: Run test cases that match a regular expression, Format:
    /// '<test-target>.<test-case>' or '<test-target>.<test-case>/<test>'". SwiftPM looks for the
    /// regex *in* the XCTest specifier `Module.Class/testMethod`. Swift Testing looks for it in
    /// `String(describing: test.id)` (swift-testing `Configuration.TestFilter.swift`, `idPatterns`),
    /// whose form is `Module.Outer/Inner/foo(x:)/Module/File.swift:12:4` (`Test.ID.swift`:
    /// "Match the 'specifier' format used by swift test with XCTest ... the source location ...
    /// treated as an additional name component"). So the pattern is anchored at the start and
    /// must end at a `/` or the end, never `$` alone (that would miss every Swift Testing test).
    ///
    /// Suites come as `Module.Class` (XCTest) or `Module.Outer.Inner` (swift-testing's JUnit
    /// recorder joins the suite's components with dots); the ID separates type components with
    /// `/`, so between type components either separator is accepted. A suite that is only a
    /// module is a free Swift Testing function (`Module.foo()`).
    ///
    /// Not exact: a suite given by its display name ("My suite", not a type name) does not
    /// appear in the ID; such a test is matched by its function name under any suite. A test
    /// given by its display name ("Adds numbers" instead of `add()`) matches nothing.
    static func swiftTest(_ failures: [FailingTest]) -> RerunCommand {
        let alternatives = unique(failures.map { test -> String in
            let name = RegexEscape.standard(test.name)
            guard looksLikeQualifiedName(test.suite) else {
                return ".*[./]" + name // display-name suite: this function in any suite
            }
            let parts = test.suite.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let module = RegexEscape.standard(parts[0])
            let types = parts.dropFirst().map(RegexEscape.standard)
            // One part: a Swift Testing free function in that module, or (Linux XCTest logs
            // name tests `Class.test`, without the module) a type of that name in any module.
            if types.isEmpty { return "(?:" + module + "\\." + name + "|[^/]*\\." + module + "/" + name + ")" }
            return module + "\\." + types.joined(separator: "[./]") + "/" + name
        })
        return RerunCommand(arguments: ["--filter", "^(?:" + alternatives.joined(separator: "|") + ")(?:/|$)"])
    }

    /// `Module.Type.Inner`: dot-separated parts with no spaces (a display name has them).
    private static func looksLikeQualifiedName(_ suite: String) -> Bool {
        guard !suite.isEmpty, !suite.contains(where: \.isWhitespace) else { return false }
        return !suite.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
    }

    // MARK: - pytest

    /// Node ids as positional arguments: `tests/test_mod.py::TestClass::test_x[param-1]`.
    ///
    /// pytest docs, "Specifying which tests to run": "Each collected test is assigned a unique
    /// nodeid which consist of the module filename followed by specifiers like class names,
    /// function names and parameters from parametrization, separated by :: characters", e.g.
    /// `pytest tests/test_mod.py::test_func[x1,y2]`. Node ids are compared as text, not as
    /// patterns, so parameter ids go through verbatim.
    ///
    /// `--junitxml` writes the classname as the node id's path with `/` turned into `.` and
    /// `.py` dropped, plus the classes (`tests.test_mod.TestClass`). With a `file` attribute the
    /// module part is known exactly and the rest are classes; without one, the first component
    /// that starts with an uppercase letter (test classes are `Test…` by default) starts the
    /// classes. A suite that already is a node id prefix (`tests/test_mod.py::TestClass`) is used
    /// as it is.
    static func pytest(_ failures: [FailingTest]) -> RerunCommand {
        RerunCommand(arguments: unique(failures.map(pytestNodeID)))
    }

    static func pytestNodeID(_ test: FailingTest) -> String {
        let suite = test.suite
        if suite.contains(".py::") || suite.hasSuffix(".py") {
            return stripDotSlash(suite) + "::" + test.name
        }
        let components = suite.isEmpty ? [] : suite.split(separator: ".").map(String.init)
        let modulePath: String
        let classes: [String]
        if let file = test.file, file.hasSuffix(".py") {
            modulePath = stripDotSlash(file)
            let dotted = String(modulePath.dropLast(3)).replacingOccurrences(of: "/", with: ".")
            if suite == dotted {
                classes = []
            } else if suite.hasPrefix(dotted + ".") {
                classes = String(suite.dropFirst(dotted.count + 1)).split(separator: ".").map(String.init)
            } else { // the file is absolute or from another root: fall back to the letter case
                classes = Array(components.drop(while: { !startsUppercase($0) }))
            }
        } else {
            let moduleParts = components.prefix(while: { !startsUppercase($0) })
            classes = Array(components.dropFirst(moduleParts.count))
            modulePath = moduleParts.isEmpty ? "" : moduleParts.joined(separator: "/") + ".py"
        }
        return ([modulePath] + classes + [test.name]).filter { !$0.isEmpty }.joined(separator: "::")
    }

    private static func startsUppercase(_ component: String) -> Bool {
        component.first?.isUppercase == true
    }

    // MARK: - go test

    /// `go test -run <regex> <package>`, one invocation per package (the suite is the import
    /// path; tests without one run in the current directory's package).
    ///
    /// `go help testflag`: "-run regexp: Run only those tests ... matching the regular
    /// expression. For tests, the regular expression is split by unbracketed slash (/)
    /// characters into a sequence of regular expressions, and each part of a test's identifier
    /// must match the corresponding element in the sequence". So `TestX/sub_case` becomes
    /// `^TestX$/^sub_case$`, each level escaped on its own (Go's `regexp.QuoteMeta` set).
    ///
    /// Several tests: when none has subtests, one group `^(?:TestA|TestB)$` (any Go version).
    /// With subtests the alternatives are joined by a top-level `|`, which Go 1.18+ splits
    /// before the `/` levels (`testing/match.go` `splitRegexp` → `alternationMatch`; golang/go
    /// #39904, CL 343883): `^TestA$/^x$|^TestB$`. Older Go reads that as one sequence, so with
    /// subtests this needs Go 1.18 (2022) or later.
    ///
    /// A parent reported failing only because a subtest failed is dropped when that subtest is
    /// in the list: `^TestA$` alone would run all of TestA's subtests.
    static func goTest(_ failures: [FailingTest]) -> [RerunCommand] {
        var packages: [String] = []
        var namesByPackage: [String: [String]] = [:]
        for test in failures {
            if namesByPackage[test.suite] == nil { packages.append(test.suite) }
            namesByPackage[test.suite, default: []].append(test.name)
        }
        return packages.map { package in
            let names = unique(namesByPackage[package] ?? [])
            let leaves = names.filter { name in !names.contains { $0.hasPrefix(name + "/") } }
            let levels = leaves.map { $0.split(separator: "/", omittingEmptySubsequences: false).map(String.init) }
            let pattern: String
            if levels.allSatisfy({ $0.count == 1 }) {
                pattern = "^(?:" + leaves.map(RegexEscape.standard).joined(separator: "|") + ")$"
            } else {
                pattern = levels.map { parts in
                    parts.map { "^" + RegexEscape.standard($0) + "$" }.joined(separator: "/")
                }.joined(separator: "|")
            }
            let packageName: String? = package.isEmpty ? nil : package
            return RerunCommand(arguments: ["-run", pattern] + (packageName.map { [$0] } ?? []), package: packageName)
        }
    }

    // MARK: - cargo test

    /// `cargo test -- --exact name1 name2`.
    ///
    /// `cargo test --help`: "[TESTNAME] If specified, only run tests containing this string in
    /// their names"; libtest's `--exact` ("Exactly match filters rather than by substring",
    /// rust-lang/rust#38181) makes each filter match the whole name, and a test runs if any
    /// filter matches. The name is the path inside the crate (`tests::it_works`), never the
    /// crate or binary: libtest does not include it (rust-lang/testing-devex-team#12), so the
    /// suite is not used.
    ///
    /// Not exact: the same path in two test binaries of a workspace runs in both.
    static func cargo(_ failures: [FailingTest]) -> RerunCommand {
        RerunCommand(arguments: ["--", "--exact"] + unique(failures.map(\.name)))
    }

    // MARK: - jest, vitest, mocha

    /// `jest -t <regex> [<test path regex>...]`.
    ///
    /// Jest CLI docs: "--testNamePattern=<regex>, -t: Run only tests with a name that matches
    /// the regex ... The regex is matched against the full name, which is a combination of the
    /// test name and all its surrounding describe blocks" (joined by spaces). Positional
    /// arguments are regexes matched against test file paths ("jest [regexForTestFiles]"), so
    /// each known file is escaped, anchored at the end and at a path boundary.
    ///
    /// Not exact: Jest compiles the pattern with the `i` flag (its runners call
    /// `new RegExp(config.testNamePattern, 'i')`), so names differing only in case also run;
    /// when the describe chain is unknown (the suite is a file) any chain ending in the title
    /// is accepted; files narrow the run only when every failure's file is known.
    static func jest(_ failures: [FailingTest]) -> RerunCommand {
        let pattern = fullTitlePattern(failures, separator: " ", anyChain: "(?:.* )?")
        var arguments = ["-t", pattern]
        if let files = testFiles(failures) {
            arguments += files.map { file in
                (file.hasPrefix("/") ? "^" : "(?:^|/)") + RegexEscape.standard(file) + "$"
            }
        }
        return RerunCommand(arguments: arguments)
    }

    /// `vitest -t <regex> [<file filter>...]`.
    ///
    /// Vitest docs, `testNamePattern`: "The pattern is matched against the test's full name:
    /// the enclosing suite names and the test name joined with ' > ' ... Before Vitest 5, the
    /// segments were joined with a single space". Both separators are accepted between
    /// segments. Vitest CLI docs: the positional file filter "only checks inclusion and doesn't
    /// support regexp or glob patterns", so files go through verbatim.
    ///
    /// Not exact: with the single-space form (Vitest < 5) `a > b` and a top-level `a b` look
    /// alike; an unknown describe chain is accepted as any chain; file narrowing as for jest.
    static func vitest(_ failures: [FailingTest]) -> RerunCommand {
        let pattern = fullTitlePattern(failures, separator: "(?: > | )", anyChain: "(?:.*(?: > | ))?")
        return RerunCommand(arguments: ["-t", pattern] + (testFiles(failures) ?? []))
    }

    /// `mocha --grep <regex>`.
    ///
    /// Mocha docs, `--grep <regexp>`: "Cause Mocha to only run tests matching the given regexp,
    /// which is internally compiled to a RegExp"; it is tested against `test.fullTitle()`, the
    /// describe titles and the test title joined by spaces. Files are not passed: a positional
    /// spec would replace the project's configured `spec` list.
    ///
    /// Not exact: an unknown describe chain (suite is a file) is accepted as any chain.
    static func mocha(_ failures: [FailingTest]) -> RerunCommand {
        RerunCommand(arguments: ["--grep", fullTitlePattern(failures, separator: " ", anyChain: "(?:.* )?")])
    }

    /// `^(?:full name|full name)$` for the JavaScript runners, which match a JS `RegExp` against
    /// the describe titles and the test title joined by `separator`.
    private static func fullTitlePattern(_ failures: [FailingTest], separator: String, anyChain: String) -> String {
        let alternatives = unique(failures.map { test -> String in
            let (segments, chainKnown) = titlePath(test)
            return (chainKnown ? "" : anyChain) + segments.map(RegexEscape.standard).joined(separator: separator)
        })
        return "^(?:" + alternatives.joined(separator: "|") + ")$"
    }

    /// The describe titles and the test title, and whether the describe chain is known. Suites
    /// come as a file (`src/math.test.js`) or a describe chain (`Math > add`); vitest's JUnit
    /// report puts the chain in the name (`Math > add`); jest-junit may repeat the suite at
    /// the start of the name.
    static func titlePath(_ test: FailingTest) -> (segments: [String], chainKnown: Bool) {
        let nameSegments = test.name.components(separatedBy: " > ")
        guard !test.suite.isEmpty, !looksLikeJSFile(test.suite) else {
            return (nameSegments, nameSegments.count > 1)
        }
        let describe = test.suite.components(separatedBy: " > ")
        if nameSegments.starts(with: describe) && nameSegments.count > describe.count
            || test.name.hasPrefix(describe.joined(separator: " ") + " ") {
            return (nameSegments, true)
        }
        return (describe + nameSegments, true)
    }

    private static let jsExtensions = [".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts"]

    static func looksLikeJSFile(_ text: String) -> Bool {
        !text.contains(" > ") && jsExtensions.contains { text.hasSuffix($0) }
    }

    /// Every failure's test file, or nil when any one is unknown (narrowing by the known ones
    /// would skip the others).
    private static func testFiles(_ failures: [FailingTest]) -> [String]? {
        var files: [String] = []
        for test in failures {
            if looksLikeJSFile(test.suite) { files.append(stripDotSlash(test.suite)) }
            else if let file = test.file, !file.isEmpty { files.append(stripDotSlash(file)) }
            else { return nil }
        }
        return unique(files)
    }

    // MARK: - maven, gradle

    /// `-Dtest=com/example/FooTest#m1+m2,com/example/BarTest#m -Dsurefire.failIfNoSpecifiedTests=false`.
    ///
    /// Surefire "Running a Single Test": "you may use multiple names/patterns, separated by
    /// commas", "-Dtest=TestCircle#testOne+testTwo" selects several methods, and "Use syntax
    /// e.g. 'foo/MyTest.java', '**/MyTest.java', 'MyTest'" rather than dotted class names, so the
    /// class is written as a path. Surefire's `test` parameter doc: "The Parameterized JUnit
    /// runner describes test methods using an index in brackets, so the non-regex method pattern
    /// would become: #testMethod[*]" — a JUnit 4 case `testBar[1]` is therefore kept whole and
    /// selects that case alone. A JUnit 5 name `testBar(int)[1]` is cut to the method
    /// `testBar`, which selects every invocation of it (not exact); a JUnit 5 display name
    /// ("adds numbers") matches no method and runs nothing. Characters the syntax
    /// reserves (`,` `+` `#`, slashes, spaces) are replaced by the one-character wildcard `?`.
    /// `surefire.failIfNoSpecifiedTests=false` ("Set this to true to cause a failure if none of
    /// the tests specified in -Dtest=... are run") keeps modules without these tests from
    /// failing a multi-module build; it runs nothing more.
    static func maven(_ failures: [FailingTest]) -> RerunCommand {
        var classes: [String] = []
        var methodsByClass: [String: [String]] = [:]
        for test in failures {
            let path = test.suite.replacingOccurrences(of: ".", with: "/")
            if methodsByClass[path] == nil { classes.append(path) }
            let method = jvmMethodPattern(test.name).map { reserved.contains($0) ? "?" : $0 }
            methodsByClass[path, default: []].append(String(method))
        }
        let selectors = classes.map { path in path + "#" + unique(methodsByClass[path] ?? []).joined(separator: "+") }
        return RerunCommand(arguments: ["-Dtest=" + selectors.joined(separator: ","),
                                        "-Dsurefire.failIfNoSpecifiedTests=false"])
    }

    private static let reserved: Set<Character> = [",", "+", "#", "/", "\\", " ", "\t"]

    /// `--tests com.example.FooTest.method`, once per test.
    ///
    /// Gradle `TestFilter`: "includeTestsMatching \"org.gradle.SomeTest.someSpecificFeature\"
    /// // specific test class and method", patterns "may contain wildcard '*'" and "test names
    /// which have spaces" work; the command-line `--tests` option takes the same patterns and
    /// may be repeated. Parameterized names as for maven: a JUnit 4 case `method[1]` is kept
    /// whole (Gradle's JUnit 4 filter sees that method name), a JUnit 5 `method(int)[1]` is
    /// cut to `method` (every invocation runs: not exact). A `*` inside a name stays a wildcard.
    static func gradle(_ failures: [FailingTest]) -> RerunCommand {
        let patterns = unique(failures.map { $0.suite + "." + jvmMethodPattern($0.name) })
        return RerunCommand(arguments: patterns.flatMap { ["--tests", $0] })
    }

    /// The method part of a JUnit report name: `m(int)[1]` → `m` (JUnit 5 legacy name);
    /// anything else as it is (`m`, JUnit 4's `m[1]`).
    static func jvmMethodPattern(_ name: String) -> String {
        guard let paren = name.firstIndex(of: "(") else { return name }
        let head = name[..<paren]
        guard let first = head.first, first.isLetter || first == "_" || first == "$",
              head.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }) else { return name }
        return String(head)
    }

    // MARK: - dotnet

    /// `dotnet test --filter "FullyQualifiedName=Ns.Class.Method|FullyQualifiedName=…"`.
    ///
    /// vstest `docs/filter.md` ("TestCase filter"): expressions `<property><operator><value>`
    /// joined with `|` for or; `=` is an exact match; "Escape Sequences must be used to
    /// represent characters in the value that have special meanings in the filter": `\\ \( \)
    /// \& \| \= \! \~`. "All the lookups are case insensitive".
    ///
    /// Theory cases `Method(x: 1)`: xUnit and MSTest give every case the method's
    /// FullyQualifiedName, so `Ns.Class.Method` is the closest filter (it runs every case:
    /// not exact); NUnit puts the arguments in the FullyQualifiedName (`Ns.Class.Method(1)`),
    /// so the full name is added as a second alternative and NUnit runs that case alone.
    /// Not exact either: names differing only in case also run.
    static func dotnet(_ failures: [FailingTest]) -> RerunCommand {
        var names: [String] = []
        for test in failures {
            let full = test.suite.isEmpty || test.name.hasPrefix(test.suite + ".") ? test.name : test.suite + "." + test.name
            if let paren = full.firstIndex(of: "(") {
                names.append(String(full[..<paren]))
            }
            names.append(full)
        }
        let filter = unique(names).map { "FullyQualifiedName=" + vstestEscape($0) }.joined(separator: "|")
        return RerunCommand(arguments: ["--filter", filter])
    }

    static func vstestEscape(_ value: String) -> String {
        var out = ""
        for character in value {
            if "\\()&|=!~".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    // MARK: - phpunit

    /// `phpunit --filter '/^(?:Ns\\Class::testFoo|Ns\\Class::testBar with data set #0)$/'`.
    ///
    /// PHPUnit `NameFilterIterator`: the filter is matched against
    /// `ClassName::methodNameWithDataSet` ("testFoo with data set #0" / "with data set \"name\"").
    /// A filter that starts with a non-alphanumeric character and is a valid delimited PCRE is
    /// used as it is; anything else gets wrapped as `{…}i` (case-insensitive) with `#n` and `@name`
    /// shorthands. So the filter is a `/`-delimited, anchored, case-sensitive regex with
    /// everything escaped (`preg_quote`'s set plus the delimiter). JUnit reports write the class
    /// with dots; PHP class names have none, so dots become namespace backslashes.
    static func phpunit(_ failures: [FailingTest]) -> RerunCommand {
        let alternatives = unique(failures.map { test -> String in
            let className = test.suite.replacingOccurrences(of: ".", with: "\\")
            return RegexEscape.pcre(className + "::" + test.name)
        })
        return RerunCommand(arguments: ["--filter", "/^(?:" + alternatives.joined(separator: "|") + ")$/"])
    }

    // MARK: - ctest

    /// `ctest -R ^(name1|name2)$`.
    ///
    /// ctest(1): "-R <regex>, --tests-regex <regex>: Run tests matching regular expression".
    /// CMake's regex (string(REGEX) "Regex Specification") has `^ $ . [ ] * + ? | ( )` and a
    /// backslash escapes the next character outside brackets (cmake#18428 shows `\\(`, `\\+`
    /// matching literally), so names are escaped with a backslash and grouped with plain
    /// parentheses. Test names are flat (no suite).
    static func ctest(_ failures: [FailingTest]) -> RerunCommand {
        let names = unique(failures.map { $0.name.isEmpty ? $0.suite : $0.name })
        return RerunCommand(arguments: ["-R", "^(" + names.map(RegexEscape.standard).joined(separator: "|") + ")$"])
    }

    // MARK: - helpers

    private static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    private static func stripDotSlash(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        return path
    }
}

/// Backslash-escaping of regex metacharacters.
enum RegexEscape {
    /// The characters special outside brackets in ICU (NSRegularExpression), Swift Regex, RE2
    /// (Go's `regexp.QuoteMeta` set), JavaScript and CMake: escaping any of them with a
    /// backslash makes it literal in all of them.
    static let metacharacters: Set<Character> = ["\\", "^", "$", ".", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}"]

    static func standard(_ text: String) -> String {
        escape(text, metacharacters)
    }

    /// PCRE inside `/…/`: PHP `preg_quote`'s set (`. \ + * ? [ ^ ] $ ( ) { } = ! < > | : - # /`
    /// with `/` as the delimiter). An escaped punctuation character is always literal in PCRE.
    static func pcre(_ text: String) -> String {
        escape(text, metacharacters.union(["=", "!", "<", ">", ":", "-", "#", "/"]))
    }

    private static func escape(_ text: String, _ set: Set<Character>) -> String {
        var out = ""
        for character in text {
            if set.contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
