import Foundation

/// The test command of a project that configures none (`test` in .codex-bot.yml, `--test-cmd`),
/// guessed from the files every ecosystem keeps at its root. The guess is said in the output,
/// so a wrong one is easy to see and to replace.
public enum TestCommandGuess {
    public static func guess(in directory: URL) -> String? {
        func exists(_ name: String) -> Bool {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path)
        }
        if exists("Package.swift") { return "swift test" }
        if exists("Cargo.toml") { return "cargo test" }
        if exists("go.mod") { return "go test ./..." }
        if exists("pytest.ini") || exists("conftest.py") || exists("tox.ini") || exists("pyproject.toml") || exists("setup.cfg") {
            return "python3 -m pytest -q -p no:cacheprovider"
        }
        if exists("package.json"),
           let data = FileManager.default.contents(atPath: directory.appendingPathComponent("package.json").path),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let scripts = object["scripts"] as? [String: Any], scripts["test"] is String {
            return "npm test"
        }
        if exists("pom.xml") { return "mvn -q test" }
        if exists("build.gradle") || exists("build.gradle.kts") { return exists("gradlew") ? "./gradlew test" : "gradle test" }
        return nil
    }
}
