/// What the guards treat as test code, and the markers that skip tests or assert in it.
///
/// A path is a test file when a directory on it is `tests`, `test`, `Tests`, `spec` or
/// `__tests__`, or its name is `*_test.go`, `test_*.py`, `*_test.py`, `*Tests.swift`,
/// `*Test.swift`, `*.test.{ts,tsx,js,jsx,mjs,cjs}`, `*.spec.{ts,tsx,js,jsx,mjs,cjs}`,
/// `*Test.java` or `*Tests.java`. Wider than one ecosystem's convention on purpose: a
/// false "test file" only makes the guard stricter for a fix-tests task.
public enum TestFiles {
    static let directories: Set<String> = ["tests", "test", "Tests", "spec", "__tests__"]
    static let scriptSuffixes = ["ts", "tsx", "js", "jsx", "mjs", "cjs"].flatMap { [".test.\($0)", ".spec.\($0)"] }

    public static func isTestFile(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last else { return false }
        if parts.dropLast().contains(where: directories.contains) { return true }
        if name.hasSuffix("_test.go") || name.hasSuffix("_test.py") { return true }
        if name.hasPrefix("test_"), name.hasSuffix(".py") { return true }
        if name.hasSuffix("Tests.swift") || name.hasSuffix("Test.swift") { return true }
        if name.hasSuffix("Test.java") || name.hasSuffix("Tests.java") { return true }
        return scriptSuffixes.contains { name.hasSuffix($0) }
    }

    /// Markers that skip or disable a test, across pytest, unittest, Go, XCTest, Swift
    /// Testing, Jest/Mocha/Vitest, JUnit and Rust.
    public static let skipMarkers = ["@skip", "pytest.mark.skip", "unittest.skip", "xfail", "t.Skip(", "t.SkipNow(",
                                     "XCTSkip", ".disabled(", ".skip(", "@Disabled", "@Ignore", "#[ignore]",
                                     "it.skip", "describe.skip", "test.skip", "xit(", "xdescribe(", "xtest("]

    /// Markers of an assertion line.
    public static let assertionMarkers = ["assert", "Assert", "XCTAssert", "XCTFail", "#expect", "#require", "expect(",
                                          "t.Error", "t.Fatal", "require."]

    public static func skipMarker(in line: String) -> String? { firstMarker(skipMarkers, in: line) }
    public static func assertionMarker(in line: String) -> String? { firstMarker(assertionMarkers, in: line) }

    /// The first marker found where it starts a word, so `xit(` does not fire inside `exit(`.
    static func firstMarker(_ markers: [String], in line: String) -> String? {
        markers.first { marker in
            var searchFrom = line.startIndex
            while let range = line.range(of: marker, range: searchFrom..<line.endIndex) {
                let startsWord = range.lowerBound == line.startIndex
                    || !isIdentifier(line[line.index(before: range.lowerBound)])
                    || !(marker.first.map(isIdentifier) ?? false)
                if startsWord { return true }
                searchFrom = range.upperBound
            }
            return false
        }
    }

    static func isIdentifier(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    /// The bare function name of a test as reports name it: `testFoo()` → `testFoo`,
    /// `test_x[param]` → `test_x`, `TestFoo/case` → `TestFoo`, `Suite.testFoo` → `testFoo`.
    public static func functionName(of testName: String) -> String {
        var name = Substring(testName)
        if let cut = name.firstIndex(where: { $0 == "(" || $0 == "[" }) { name = name[..<cut] }
        if let slash = name.firstIndex(of: "/") { name = name[..<slash] }
        let last = name.split(whereSeparator: { !isIdentifier($0) }).last ?? ""
        return String(last)
    }

    /// Whether `identifier` occurs in `line` as a whole word.
    static func containsWord(_ identifier: String, in line: String) -> Bool {
        var searchFrom = line.startIndex
        while let range = line.range(of: identifier, range: searchFrom..<line.endIndex) {
            let before = range.lowerBound == line.startIndex || !isIdentifier(line[line.index(before: range.lowerBound)])
            let after = range.upperBound == line.endIndex || !isIdentifier(line[range.upperBound])
            if before && after { return true }
            searchFrom = range.upperBound
        }
        return false
    }
}
