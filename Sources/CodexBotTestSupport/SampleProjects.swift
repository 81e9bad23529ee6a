import Foundation

/// A small project with one injected bug, for end-to-end runs of the bot's pipeline: its real
/// test command fails exactly `failingTestIDs`, `fixPatch` makes it pass, and `wrongPatch` is a
/// plausible first attempt that changes the code but leaves the same tests failing.
///
/// The patches are Codex `apply_patch` texts against the buggy tree; `fixPatch` also applies
/// after `wrongPatch` (its hunk is anchored on the function and touches only the buggy line),
/// so a "first patch wrong, second right" round needs no second fix.
public struct SampleProject: Sendable {
    public enum Kind: String, Sendable {
        case python
        case swiftPackage
    }

    /// The bug: in `path`, the correct text `correct` replaced by `buggy` (each occurring once).
    public struct Bug: Sendable {
        public var path: String
        public var correct: String
        public var buggy: String
        /// The ids TestReports gives the tests the bug makes fail, as the real runner reports them.
        public var failingTestIDs: [String]

        public init(path: String, correct: String, buggy: String, failingTestIDs: [String]) {
            self.path = path
            self.correct = correct
            self.buggy = buggy
            self.failingTestIDs = failingTestIDs
        }
    }

    public var kind: Kind
    /// A name for directories and messages ("calc", "temperature", "slow-calc").
    public var name: String
    public var testCommand: String
    /// The correct project: relative path → content.
    public var files: [String: String]
    public var bug: Bug
    public var fixPatch: String
    public var wrongPatch: String

    public init(kind: Kind, name: String, testCommand: String, files: [String: String], bug: Bug,
                fixPatch: String, wrongPatch: String) {
        self.kind = kind
        self.name = name
        self.testCommand = testCommand
        self.files = files
        self.bug = bug
        self.fixPatch = fixPatch
        self.wrongPatch = wrongPatch
    }

    /// The ids of the tests the bug makes fail, sorted (the order TestRunOutcome's signature uses).
    public var failingTestIDs: [String] { bug.failingTestIDs }

    /// The project with the bug in it.
    public var buggyFiles: [String: String] {
        var result = files
        if let content = files[bug.path] {
            result[bug.path] = content.replacingOccurrences(of: bug.correct, with: bug.buggy)
        }
        return result
    }

    /// `.codex-bot.yml` naming the test command.
    public var configFile: String {
        "# codex-bot settings for the \(name) sample.\ntest: \(testCommand)\n"
    }

    /// Writes the buggy project into `directory` (made when missing), `git init`s it on branch
    /// `main` and commits it as "Dev <dev@example.com>"; returns the commit id. With
    /// `configFile`, `.codex-bot.yml` (naming the test command) is committed too.
    @discardableResult
    public func makeRepository(at directory: String, configFile: Bool = false,
                               message: String = "Add the sample project") throws -> String {
        var tree = buggyFiles
        if configFile { tree[".codex-bot.yml"] = self.configFile }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (relative, content) in tree {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        let identity = ["GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
                        "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"]
        try GitCLI.check(["init", "-q", "-b", "main"], in: directory)
        try GitCLI.check(["add", "-A"], in: directory)
        try GitCLI.check(["commit", "-q", "-m", message], in: directory, environment: identity)
        return try GitCLI.check(["rev-parse", "HEAD"], in: directory)
    }
}

// MARK: - Python

extension SampleProject {
    static let pythonTestCommand = "python3 -m pytest -q -p no:cacheprovider"

    /// `pythonpath` so `calc` imports from the root without installing; `testpaths` so a run
    /// from the root never collects anything else.
    static let pytestINI = """
    [pytest]
    pythonpath = .
    testpaths = tests

    """

    static let pythonIgnore = "__pycache__/\n*.pyc\n"

    /// A `calc` package of four functions and six pytest tests; `clamp` has its bounds swapped,
    /// which fails the two clamp tests.
    public static func python() -> SampleProject {
        let core = """
        def add(a, b):
            \"\"\"The sum of a and b.\"\"\"
            return a + b


        def mean(values):
            \"\"\"The arithmetic mean of a non-empty sequence.\"\"\"
            if not values:
                raise ValueError("mean of an empty sequence")
            return sum(values) / len(values)


        def clamp(value, low, high):
            \"\"\"value, limited to the range [low, high].\"\"\"
            return max(low, min(value, high))


        def percent(part, whole):
            \"\"\"part as a percentage of whole, rounded to one decimal.\"\"\"
            return round(100 * part / whole, 1)

        """
        let tests = """
        import pytest

        from calc import add, clamp, mean, percent


        def test_add():
            assert add(2, 3) == 5


        def test_mean():
            assert mean([1, 2, 3, 4]) == 2.5


        def test_mean_of_empty_raises():
            with pytest.raises(ValueError):
                mean([])


        def test_clamp_inside():
            assert clamp(5, 0, 10) == 5


        def test_clamp_outside():
            assert clamp(-3, 0, 10) == 0
            assert clamp(42, 0, 10) == 10


        def test_percent():
            assert percent(1, 3) == 33.3

        """
        let files = [
            "calc/__init__.py": """
            \"\"\"Small arithmetic helpers.\"\"\"

            from calc.core import add, clamp, mean, percent

            __all__ = ["add", "clamp", "mean", "percent"]

            """,
            "calc/core.py": core,
            "tests/test_calc.py": tests,
            "pytest.ini": pytestINI,
            ".gitignore": pythonIgnore,
            "AGENTS.md": """
            # calc

            Small arithmetic helpers in `calc/core.py`, re-exported by `calc/__init__.py`.

            - Run the tests from the repository root: `\(pythonTestCommand)`.
            - Fix the code, not the tests; keep the functions' docstrings accurate.

            """,
        ]
        return SampleProject(
            kind: .python, name: "calc", testCommand: pythonTestCommand, files: files,
            bug: Bug(path: "calc/core.py", correct: "return max(low, min(value, high))",
                     buggy: "return min(low, max(value, high))",
                     failingTestIDs: ["tests/test_calc.py::test_clamp_inside", "tests/test_calc.py::test_clamp_outside"]),
            fixPatch: """
            *** Begin Patch
            *** Update File: calc/core.py
            @@ def clamp(value, low, high):
            -    return min(low, max(value, high))
            +    return max(low, min(value, high))
            *** End Patch
            """,
            // A guard for reversed bounds: reasonable, and no help to either failing test.
            wrongPatch: """
            *** Begin Patch
            *** Update File: calc/core.py
            @@ def clamp(value, low, high):
                 \"\"\"value, limited to the range [low, high].\"\"\"
            +    if low > high:
            +        raise ValueError("low is above high")
                 return min(low, max(value, high))
            *** End Patch
            """)
    }

    /// A Python project whose suite is slow on purpose: `tests` tests (at least 2) that each sleep
    /// `secondsPerTest` before asserting, one of which (`test_cube`, in the middle) the bug fails.
    /// For timing a rerun of the failing test against a run of the whole suite.
    public static func slowPython(tests count: Int = 60, secondsPerTest: Double = 0.5) -> SampleProject {
        let count = max(count, 2)
        let cubeIndex = count / 2
        var tests = """
        import time

        from slowcalc import cube, square

        DELAY = \(secondsPerTest)

        """
        var squareIndex = 0
        for index in 0..<count {
            if index == cubeIndex {
                tests += """


                def test_cube():
                    time.sleep(DELAY)
                    assert cube(3) == 27

                """
            } else {
                let number = String(squareIndex).leftPadded(to: 3)
                tests += """


                def test_square_\(number)():
                    time.sleep(DELAY)
                    assert square(\(squareIndex)) == \(squareIndex * squareIndex)

                """
                squareIndex += 1
            }
        }
        let files = [
            "slowcalc/__init__.py": """
            def square(n):
                \"\"\"n times n.\"\"\"
                return n * n


            def cube(n):
                \"\"\"n times n times n.\"\"\"
                return n * n * n

            """,
            "tests/test_slowcalc.py": tests,
            "pytest.ini": pytestINI,
            ".gitignore": pythonIgnore,
            "AGENTS.md": """
            # slowcalc

            The suite is slow (\(count) tests of \(secondsPerTest) s each): rerun only the tests you are fixing.
            Run the tests from the repository root: `\(pythonTestCommand)`.

            """,
        ]
        return SampleProject(
            kind: .python, name: "slow-calc", testCommand: pythonTestCommand, files: files,
            bug: Bug(path: "slowcalc/__init__.py", correct: "return n * n * n", buggy: "return n * n + n",
                     failingTestIDs: ["tests/test_slowcalc.py::test_cube"]),
            fixPatch: """
            *** Begin Patch
            *** Update File: slowcalc/__init__.py
            @@ def cube(n):
            -    return n * n + n
            +    return n * n * n
            *** End Patch
            """,
            wrongPatch: """
            *** Begin Patch
            *** Update File: slowcalc/__init__.py
            @@ def cube(n):
                 \"\"\"n times n times n.\"\"\"
            +    n = int(n)
                 return n * n + n
            *** End Patch
            """)
    }
}

// MARK: - Swift package

extension SampleProject {
    /// A package with one library target and one XCTest target of three tests, no dependencies
    /// (it builds in well under a minute); `isFreezing` leaves out 0 °C, which fails one test.
    ///
    /// XCTest rather than Swift Testing: the Linux XCTest log names each failing case
    /// (`Class.testName`), and building it pulls in no macros.
    public static func swiftPackage() -> SampleProject {
        let files = [
            "Package.swift": """
            // swift-tools-version: 5.9
            import PackageDescription

            let package = Package(
                name: "Temperature",
                targets: [
                    .target(name: "Temperature"),
                    .testTarget(name: "TemperatureTests", dependencies: ["Temperature"]),
                ]
            )

            """,
            "Sources/Temperature/Temperature.swift": """
            /// Converts between Celsius and Fahrenheit.
            public enum Temperature {
                public static func fahrenheit(fromCelsius celsius: Double) -> Double {
                    celsius * 9 / 5 + 32
                }

                public static func celsius(fromFahrenheit fahrenheit: Double) -> Double {
                    (fahrenheit - 32) * 5 / 9
                }

                /// Whether water freezes at this Celsius temperature (at sea level).
                public static func isFreezing(celsius: Double) -> Bool {
                    return celsius <= 0
                }
            }

            """,
            "Tests/TemperatureTests/TemperatureTests.swift": """
            import Temperature
            import XCTest

            final class TemperatureTests: XCTestCase {
                func testFahrenheitFromCelsius() {
                    XCTAssertEqual(Temperature.fahrenheit(fromCelsius: 100), 212)
                }

                func testCelsiusFromFahrenheit() {
                    XCTAssertEqual(Temperature.celsius(fromFahrenheit: 212), 100)
                }

                func testFreezingPoint() {
                    XCTAssertTrue(Temperature.isFreezing(celsius: 0))
                    XCTAssertFalse(Temperature.isFreezing(celsius: 0.5))
                }
            }

            """,
            ".gitignore": ".build/\n.swiftpm/\n",
            "AGENTS.md": """
            # Temperature

            A Swift package without dependencies. Build and test with `swift test`.
            Fix the library in `Sources/`, not the tests.

            """,
        ]
        return SampleProject(
            kind: .swiftPackage, name: "temperature", testCommand: "swift test", files: files,
            bug: Bug(path: "Sources/Temperature/Temperature.swift", correct: "return celsius <= 0",
                     buggy: "return celsius < 0", failingTestIDs: ["TemperatureTests::testFreezingPoint"]),
            fixPatch: """
            *** Begin Patch
            *** Update File: Sources/Temperature/Temperature.swift
            @@ public static func isFreezing(celsius: Double) -> Bool {
            -        return celsius < 0
            +        return celsius <= 0
            *** End Patch
            """,
            // A NaN guard: defensible, and 0 still does not count as freezing.
            wrongPatch: """
            *** Begin Patch
            *** Update File: Sources/Temperature/Temperature.swift
            @@ public static func isFreezing(celsius: Double) -> Bool {
            +        guard !celsius.isNaN else { return false }
                     return celsius < 0
            *** End Patch
            """)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
