import TestReports

/// The checks run on the bot's changes before anything is pushed (DESIGN.md §2, step 5).
///
/// Each rule looks only at the input, so the same changes always give the same answer,
/// and every violation says which rule, which file (and line) and what to do instead.
public enum PublishGuards {
    /// Every violation in `input`; empty means the changes may be pushed.
    public static func check(_ input: GuardInput) -> [GuardViolation] {
        var violations = protectedPaths(input)
        if input.taskKind == .fixTests, !input.allowTestEdits {
            violations += testsWeakened(input)
        }
        violations += diffSize(input)
        violations += secrets(input)
        return violations
    }

    // MARK: Protected paths

    static func protectedPaths(_ input: GuardInput) -> [GuardViolation] {
        let globs = input.protectedPaths.map(PathGlob.init)
        return input.changes.compactMap { change in
            let hits = change.paths.filter { path in globs.contains { $0.matches(path) } }
            guard !hits.isEmpty else { return nil }
            let patterns = globs.filter { glob in hits.contains { glob.matches($0) } }.map { "'\($0.pattern)'" }
            let what = change.kind == .renamed ? "renames \(change.oldPath ?? "?") to \(change.path)" : "\(change.kind.rawValue) \(change.path)"
            return GuardViolation(
                rule: .protectedPath, files: hits,
                message: "the change \(what), which protected_paths \(patterns.joined(separator: ", ")) cover. "
                    + "Undo the edit to \(hits.joined(separator: " and ")), or remove the path from protected_paths "
                    + "in .codex-bot.yml if the bot may change it")
        }
    }

    // MARK: Tests weakened

    static func testsWeakened(_ input: GuardInput) -> [GuardViolation] {
        var violations: [GuardViolation] = []
        let testChanges = input.changes.filter { change in change.paths.contains(where: TestFiles.isTestFile) }

        for change in testChanges where change.kind == .deleted || change.kind == .renamed {
            guard let gone = change.kind == .deleted ? change.path : change.oldPath, TestFiles.isTestFile(gone) else { continue }
            let how = change.kind == .deleted ? "deletes" : "renames away"
            violations.append(GuardViolation(
                rule: .testsWeakened, files: [gone],
                message: "the change \(how) the test file \(gone). Fix the code under test instead; "
                    + "set allow_test_edits: true in .codex-bot.yml only if tests may be removed"))
        }

        // Assertions that reappear word for word in another test file were moved, not removed.
        var movedPool = multiset(testChanges.flatMap(\.added).map(\.text).filter { TestFiles.assertionMarker(in: $0) != nil })
        for change in testChanges where change.kind != .deleted {
            violations += addedSkips(change)
            violations += removedAssertions(change, movedPool: &movedPool)
        }

        violations += vanishedFailingTests(input)
        violations += countsDropped(input)
        return violations
    }

    /// Added lines with a skip marker, unless the same line was removed too (code that only moved).
    static func addedSkips(_ change: ChangedFile) -> [GuardViolation] {
        var removedTexts = multiset(change.removed.map(\.text))
        return change.added.compactMap { line in
            guard let marker = TestFiles.skipMarker(in: line.text) else { return nil }
            let key = trimmed(line.text)
            if let count = removedTexts[key], count > 0 { removedTexts[key] = count - 1; return nil }
            return GuardViolation(
                rule: .testsWeakened, files: [change.path], line: line.number,
                message: "line \(line.number) adds the skip marker '\(marker)'. A fix-tests change must make the "
                    + "failing test pass, not skip it: remove the marker and fix the code")
        }
    }

    /// Removed assertion lines beyond the assertions the change adds back: in the same file
    /// (edited), or the same line in any test file (moved; taken from `movedPool`).
    static func removedAssertions(_ change: ChangedFile, movedPool: inout [String: Int]) -> [GuardViolation] {
        let addedHere = change.added.filter { TestFiles.assertionMarker(in: $0.text) != nil }
        var sameFile = multiset(addedHere.map(\.text))
        let removed = change.removed.filter { line in
            guard TestFiles.assertionMarker(in: line.text) != nil else { return false }
            let key = trimmed(line.text)
            // Unchanged text re-added in this file is still counted below as an addition; elsewhere it is a move.
            if let count = sameFile[key], count > 0 {
                sameFile[key] = count - 1
                movedPool[key, default: 0] -= movedPool[key, default: 0] > 0 ? 1 : 0
                return true
            }
            if let count = movedPool[key], count > 0 { movedPool[key] = count - 1; return false }
            return true
        }
        let addedBack = addedHere.count
        guard removed.count > addedBack else { return [] }
        let lines = removed.map(\.number)
        let shown = lines.prefix(10).map(String.init).joined(separator: ", ") + (lines.count > 10 ? ", …" : "")
        let missing = removed.count - addedBack
        return [GuardViolation(
            rule: .testsWeakened, files: [change.path], line: lines.count == 1 ? lines.first : nil,
            message: "the change removes \(removed.count) assertion line(s) (old lines \(shown)) and adds back "
                + "\(addedBack), so \(missing) assertion(s) are gone. Keep the assertions and fix the code they check")]
    }

    /// A test that failed before and whose function the diff removes (deleted or renamed) with no
    /// line adding that name back. Reports list failures, not passes, so the diff is the witness.
    static func vanishedFailingTests(_ input: GuardInput) -> [GuardViolation] {
        guard let before = input.testsBefore else { return [] }
        let stillFailing = Set(input.testsAfter?.failures.map(\.id) ?? [])
        let allAdded = input.changes.flatMap(\.added)
        var seen = Set<String>()
        var violations: [GuardViolation] = []
        for failure in before.failures where !stillFailing.contains(failure.id) && seen.insert(failure.id).inserted {
            let function = TestFiles.functionName(of: failure.name)
            guard function.count >= 3 else { continue }
            let removals = input.changes.filter { change in
                TestFiles.isTestFile(change.path) || change.oldPath.map(TestFiles.isTestFile) == true
            }.filter { change in change.removed.contains { TestFiles.containsWord(function, in: $0.text) } }
            guard let first = removals.first,
                  !allAdded.contains(where: { TestFiles.containsWord(function, in: $0.text) }) else { continue }
            violations.append(GuardViolation(
                rule: .testsWeakened, files: removals.map(\.path),
                message: "the failing test \(failure.id) is gone: \(first.path) loses '\(function)' and no line "
                    + "adds it back (deleted or renamed). Restore the test and fix the code it checks"))
        }
        return violations
    }

    /// Fewer tests, or more skipped, after than before, from the runs' totals.
    static func countsDropped(_ input: GuardInput) -> [GuardViolation] {
        guard let before = input.testsBefore?.totals, let after = input.testsAfter?.totals else { return [] }
        var violations: [GuardViolation] = []
        if after.tests < before.tests {
            violations.append(GuardViolation(
                rule: .testsWeakened, files: [],
                message: "the test run after the change counts \(after.tests) tests, \(before.tests) before: "
                    + "\(before.tests - after.tests) test(s) no longer run. Restore them, or run the same test command "
                    + "before and after"))
        }
        if after.skipped > before.skipped {
            violations.append(GuardViolation(
                rule: .testsWeakened, files: [],
                message: "the test run after the change skips \(after.skipped) tests, \(before.skipped) before: "
                    + "\(after.skipped - before.skipped) test(s) that ran are now skipped. Un-skip them and fix the code"))
        }
        return violations
    }

    // MARK: Diff size

    static func diffSize(_ input: GuardInput) -> [GuardViolation] {
        let changed = input.changes.reduce(0) { $0 + $1.added.count + $1.removed.count }
        guard changed > input.maxDiffLines else { return [] }
        let largest = input.changes.sorted { $0.added.count + $0.removed.count > $1.added.count + $1.removed.count }
            .prefix(3).map(\.path)
        return [GuardViolation(
            rule: .diffSize, files: largest,
            message: "the diff changes \(changed) lines, more than the limit of \(input.maxDiffLines). Make a smaller "
                + "change, or raise the limit in .codex-bot.yml if a change this large is expected")]
    }

    // MARK: Secrets

    static func secrets(_ input: GuardInput) -> [GuardViolation] {
        input.changes.flatMap { change in
            change.added.compactMap { line -> GuardViolation? in
                guard let kind = SecretScanner.secretKind(in: line.text, secrets: input.secrets) else { return nil }
                return GuardViolation(
                    rule: .secret, files: [change.path], line: line.number,
                    message: "line \(line.number) adds what looks like \(kind). Remove it from the change, read it "
                        + "from the environment at run time instead, and rotate it if it was ever pushed")
            }
        }
    }

    // MARK: Helpers

    private static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    private static func multiset(_ texts: [String]) -> [String: Int] {
        texts.reduce(into: [:]) { counts, text in counts[trimmed(text), default: 0] += 1 }
    }
}
