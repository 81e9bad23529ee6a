import Foundation

/// Codex's `apply_patch` format: parse the envelope a model writes, and apply it to a worktree
/// all or nothing, with paths confined to the worktree.
///
/// ```
/// *** Begin Patch
/// *** Add File: path/new.txt
/// +line
/// *** Update File: path/old.swift
/// *** Move to: path/renamed.swift
/// @@ func anchor()
///  context
/// -removed
/// +added
/// *** End of File
/// *** Delete File: path/gone.txt
/// *** End Patch
/// ```
public enum ApplyPatch {
    /// Patches longer than this are refused before parsing: a model never needs one, and a
    /// runaway generation should not cost seconds of matching.
    public static let maxPatchBytes = 10 * 1024 * 1024
    /// Files larger than this are not read (and so not updated, moved or deleted): the whole
    /// file is held in memory, twice, until the patch is written.
    public static let maxFileBytes = 50 * 1024 * 1024

    /// Parses patch text. Accepts the bare envelope and the wrappings models put around it:
    /// a heredoc (`<<'EOF'` … `EOF`), `apply_patch <<'EOF'` … `EOF`,
    /// `cd DIR && apply_patch <<'EOF'` … `EOF`, and a Markdown code fence.
    /// Errors name the line of `text` and what was expected there.
    public static func parse(_ text: String) throws(ApplyPatchError) -> Patch {
        guard text.utf8.count <= maxPatchBytes else {
            throw ApplyPatchError(.tooLarge, message: "the patch is \(text.utf8.count) bytes, over the \(maxPatchBytes / 1024 / 1024) MB limit",
                                  hint: "Split it into several smaller patches")
        }
        return try PatchParser(text).parse()
    }

    /// Applies `patch` under `root`: computes every new file in memory first, then writes them
    /// (each to a temporary file renamed over the old one). When anything fails — a hunk that
    /// does not match, a refused path, a failed write — nothing on disk is changed.
    public static func apply(_ patch: Patch, in root: URL) throws(ApplyPatchError) -> PatchSummary {
        try apply(patch, in: root, faults: nil)
    }

    /// `faults` lets the tests make a write fail midway, to see the rollback.
    static func apply(_ patch: Patch, in root: URL, faults: CommitFaults?) throws(ApplyPatchError) -> PatchSummary {
        let paths = try WorktreePaths(root: root, workdir: patch.workdir)
        var plan = PatchPlan(paths: paths)
        for operation in patch.operations {
            try plan.perform(operation)
        }
        try PatchCommitter(changes: plan.changes(), faults: faults).commit()
        return plan.summary
    }
}
