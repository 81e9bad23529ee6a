import GitKit
import TestReports

/// Everything the publish guards look at: the changes, the rules' settings and the test runs.
public struct GuardInput: Sendable {
    /// Which pipeline produced the changes; the test rules apply to fix-tests tasks.
    public enum TaskKind: String, Sendable {
        case fixTests = "fix-tests"
        case issue
    }

    /// The changed files, parsed from `diff` (or given directly, e.g. with renames detected).
    public var changes: [ChangedFile]
    /// The unified diff text the changes came from.
    public var diff: String
    /// `protected_paths` globs (see `PathGlob`).
    public var protectedPaths: [String]
    /// `allow_test_edits`: when true, the test-weakening rules are off.
    public var allowTestEdits: Bool
    public var taskKind: TaskKind
    /// The test run before any edit (the baseline) and after the fix, when known.
    public var testsBefore: TestRun?
    public var testsAfter: TestRun?
    /// The most changed lines (added + removed) a push may hold.
    public var maxDiffLines: Int
    /// Values that must never be pushed (tokens and keys the bot holds); empty ones are ignored.
    public var secrets: [String]

    public init(diff: String, changes: [ChangedFile]? = nil, protectedPaths: [String], allowTestEdits: Bool = false,
                taskKind: TaskKind, testsBefore: TestRun? = nil, testsAfter: TestRun? = nil,
                maxDiffLines: Int, secrets: [String] = []) {
        self.diff = diff
        self.changes = changes ?? UnifiedDiff.parse(diff)
        self.protectedPaths = protectedPaths
        self.allowTestEdits = allowTestEdits
        self.taskKind = taskKind
        self.testsBefore = testsBefore
        self.testsAfter = testsAfter
        self.maxDiffLines = maxDiffLines
        self.secrets = secrets
    }

    /// The input for the changes between `base` and `target` (default: the work tree,
    /// untracked files included, which is what the bot would commit), read through GitKit.
    public static func from(repository: Repository, base: ObjectID, target: Repository.DiffTarget = .workTree,
                            protectedPaths: [String], allowTestEdits: Bool = false, taskKind: TaskKind,
                            testsBefore: TestRun? = nil, testsAfter: TestRun? = nil, maxDiffLines: Int,
                            secrets: [String] = []) throws -> GuardInput {
        let diff = try repository.diff(from: base, to: target)
        return GuardInput(diff: diff.patch, protectedPaths: protectedPaths, allowTestEdits: allowTestEdits,
                          taskKind: taskKind, testsBefore: testsBefore, testsAfter: testsAfter,
                          maxDiffLines: maxDiffLines, secrets: secrets)
    }
}
