/// One reason the bot's changes may not be pushed: which rule, where, and what to do.
public struct GuardViolation: Sendable, Equatable, CustomStringConvertible {
    public enum Rule: String, Sendable, CaseIterable {
        /// A change touches a path listed in `protected_paths`.
        case protectedPath = "protected-path"
        /// A fix-tests change deletes, skips or weakens tests instead of fixing the code.
        case testsWeakened = "tests-weakened"
        /// The diff is larger than `maxDiffLines`.
        case diffSize = "diff-size"
        /// An added line holds a known secret value or something shaped like a credential.
        case secret
    }

    public var rule: Rule
    /// The repository-relative files involved (empty for whole-run rules such as test counts).
    public var files: [String]
    /// The line in the new file, when the rule is about one line.
    public var line: Int?
    /// What is wrong and what to do about it. Never holds a secret value.
    public var message: String

    public init(rule: Rule, files: [String], line: Int? = nil, message: String) {
        self.rule = rule
        self.files = files
        self.line = line
        self.message = message
    }

    /// `rule: file:line: message`, the form the CLI prints.
    public var description: String {
        var place = files.joined(separator: ", ")
        if let line, files.count == 1 { place += ":\(line)" }
        return place.isEmpty ? "\(rule.rawValue): \(message)" : "\(rule.rawValue): \(place): \(message)"
    }
}
