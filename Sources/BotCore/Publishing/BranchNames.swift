import Foundation
import TestReports

/// The branch a task's work goes to: the same task always gets the same branch, so a second
/// run updates the first run's pull request instead of opening another.
public enum BranchNames {
    /// `<prefix>issue-<N>`.
    public static func issue(_ number: Int, prefix: String) -> String {
        "\(prefix)issue-\(number)"
    }

    /// `<prefix>fix-<base>-<8 hex digits>`: the hash is of the sorted failing test ids, so the
    /// same failures on the same base give the same branch.
    public static func failingTests(_ failures: [FailingTest], base: String, prefix: String) -> String {
        let ids = failures.map(\.id).sorted().joined(separator: "\n")
        let safeBase = base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" }
        return "\(prefix)fix-\(String(safeBase).prefix(40))-\(shortHash(ids))"
    }

    /// FNV-1a, 64 bits, as 8 hex digits: stable across runs and machines (Swift's Hasher is not).
    static func shortHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(8))
    }
}
