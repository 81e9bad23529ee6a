import Foundation
internal import CGit2

/// A linked worktree of a repository, as `git worktree list` shows it.
public struct Worktree: Sendable, Equatable {
    /// libgit2's name for it: the directory under `.git/worktrees/`.
    public var name: String
    /// The work tree directory.
    public var path: String
    /// The checked-out branch's short name, nil when detached.
    public var branch: String?
    /// The lock reason when the worktree is locked (`""` for a lock with no reason).
    public var lockReason: String?
    /// False when the work tree directory or its gitdir link is gone (a stale entry).
    public var isValid: Bool
}

extension Repository {
    /// The prefix of the lock reason codex-bot writes on its own worktrees, so a later
    /// run can tell them apart from the user's and clean up after a crash.
    public static let worktreeLockPrefix = "codex-bot pid "

    /// Adds a linked worktree at `path` with existing local branch `branch` checked out.
    ///
    /// The user's own checkout is not touched: libgit2 writes only `.git/worktrees/<name>/`
    /// and the new directory. The worktree is locked with `codex-bot pid <pid>` so that
    /// `pruneAbandonedWorktrees()` can remove it if this process dies.
    @discardableResult
    public func addWorktree(branch: String, at path: String, name: String? = nil) throws -> Worktree {
        let name = name ?? Self.worktreeName(for: branch)
        if FileManager.default.fileExists(atPath: path) {
            throw GitError(.worktreeAdd, .pathExists, "'\(path)' already exists",
                           hint: "Choose a new directory for the worktree, or remove the old one")
        }
        var branchRef: OpaquePointer?
        let rc = git_branch_lookup(&branchRef, pointer, branch, GIT_BRANCH_LOCAL)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue {
            throw GitError(.worktreeAdd, .notFound, "no local branch '\(branch)'",
                           hint: "Create the branch first (createBranch)", libgit2Code: rc)
        }
        try check(rc, .worktreeAdd, context: "branch '\(branch)'")
        defer { git_reference_free(branchRef) }
        if let holder = try worktreeHoldingBranch(branch) {
            throw GitError(.worktreeAdd, .branchCheckedOut, "branch '\(branch)' is already checked out at '\(holder)'",
                           hint: "Use a new branch for the worktree")
        }
        if try listWorktrees().contains(where: { $0.name == name }) {
            throw GitError(.worktreeAdd, .alreadyExists, "a worktree named '\(name)' is already registered",
                           hint: "Prune it (codex-bot prunes stale ones at start) or choose another name")
        }

        // Like `git worktree add`, make the missing parent directories.
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw GitError(.worktreeAdd, .invalidArgument, "cannot create '\(parent)': \(error.localizedDescription)",
                           hint: "Choose a worktree directory you can write to")
        }

        var options = git_worktree_add_options()
        try check(git_worktree_add_options_init(&options, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION)), .worktreeAdd)
        options.ref = branchRef
        // When a filter could change a file's bytes (line endings, `ident`), libgit2 checks
        // out, looking up attributes per file. Otherwise the files are exactly their blobs,
        // and WorktreeCheckout writes them on several threads after libgit2 has set up
        // the worktree with no checkout.
        let target = try tree(of: try peelToCommit(branchRef!, name: branch))
        defer { git_tree_free(target) }
        let entries = try WorktreeCheckout.entries(of: target)
        let libgit2ChecksOut = try checkoutNeedsFilters(entries)
        // A new, empty directory: nothing there to protect, so skip the safe-mode comparisons.
        options.checkout_options.checkout_strategy = libgit2ChecksOut ? GIT_CHECKOUT_FORCE.rawValue : GIT_CHECKOUT_NONE.rawValue

        var worktree: OpaquePointer?
        try check(git_worktree_add(&worktree, pointer, name, path, &options), .worktreeAdd, context: "'\(path)'")
        defer { git_worktree_free(worktree) }
        let reason = "\(Self.worktreeLockPrefix)\(getpid())"
        try check(git_worktree_lock(worktree, reason), .worktreeAdd, context: "locking '\(name)'")
        if !libgit2ChecksOut {
            do {
                try WorktreeCheckout.run(try Repository.open(at: path), entries: entries)
            } catch {
                // Leave nothing half-written behind.
                try? removeWorktree(named: name)
                throw error
            }
        }
        return Worktree(name: name, path: String(cString: git_worktree_path(worktree)), branch: branch,
                        lockReason: reason, isValid: true)
    }

    /// Whether checking out these tree entries could change any file's bytes on the way out:
    /// line-ending conversion (`core.autocrlf`, `core.eol`), or any attributes file (in the
    /// tree, in `info/attributes`, or the user's global one), which could ask for `text`,
    /// `eol` or `ident`.
    func checkoutNeedsFilters(_ entries: [WorktreeCheckout.Entry]) throws -> Bool {
        let autocrlf = try configString("core.autocrlf")?.lowercased()
        if let autocrlf, !["false", "no", "off", "0", ""].contains(autocrlf) { return true }
        if let eol = try configString("core.eol")?.lowercased(), eol != "lf", eol != "native" { return true }
        if try configString("core.attributesFile") != nil { return true }
        let infoAttributes = URL(fileURLWithPath: commonDirectory).appendingPathComponent("info/attributes").path
        if FileManager.default.fileExists(atPath: GitRuntime.userAttributesFile)
            || FileManager.default.fileExists(atPath: infoAttributes) {
            return true
        }
        return entries.contains { $0.path == ".gitattributes" || $0.path.hasSuffix("/.gitattributes") }
    }

    /// A worktree name derived from a branch: libgit2 keeps it as a directory, so no '/'.
    static func worktreeName(for branch: String) -> String {
        String(branch.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
    }

    /// The linked worktrees of this repository (not the main checkout).
    public func listWorktrees() throws -> [Worktree] {
        var names = git_strarray()
        try check(git_worktree_list(&names, pointer), .worktreeList)
        defer { git_strarray_dispose(&names) }
        var result: [Worktree] = []
        for index in 0..<names.count {
            guard let cName = names.strings[index] else { continue }
            let name = String(cString: cName)
            var worktree: OpaquePointer?
            guard git_worktree_lookup(&worktree, pointer, name) == 0 else { continue }
            defer { git_worktree_free(worktree) }
            result.append(describe(worktree!, name: name))
        }
        return result
    }

    private func describe(_ worktree: OpaquePointer, name: String) -> Worktree {
        let path = String(cString: git_worktree_path(worktree))
        let valid = git_worktree_validate(worktree) == 0
        var reasonBuffer = git_buf()
        defer { git_buf_dispose(&reasonBuffer) }
        let lockReason: String? = git_worktree_is_locked(&reasonBuffer, worktree) > 0
            ? (reasonBuffer.ptr.map { String(cString: $0) } ?? "") : nil
        // HEAD of a worktree lives in .git/worktrees/<name>/HEAD; read it as text, as git does,
        // since opening a repository for a missing work tree would fail.
        let headFile = URL(fileURLWithPath: commonDirectory).appendingPathComponent("worktrees/\(name)/HEAD").path
        var branch: String?
        if let head = try? String(contentsOfFile: headFile, encoding: .utf8),
           head.hasPrefix("ref: refs/heads/") {
            branch = String(head.dropFirst("ref: refs/heads/".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Worktree(name: name, path: path, branch: branch, lockReason: lockReason, isValid: valid)
    }

    /// Removes a linked worktree: its administrative files and, when `deleteDirectory`, its work tree.
    /// A locked worktree is removed too: the caller names it on purpose.
    public func removeWorktree(named name: String, deleteDirectory: Bool = true) throws {
        var worktree: OpaquePointer?
        let rc = git_worktree_lookup(&worktree, pointer, name)
        if rc == GIT_ENOTFOUND.rawValue {
            throw GitError(.worktreePrune, .notFound, "no worktree named '\(name)'", libgit2Code: rc)
        }
        try check(rc, .worktreePrune, context: "'\(name)'")
        defer { git_worktree_free(worktree) }
        var options = git_worktree_prune_options()
        try check(git_worktree_prune_options_init(&options, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION)), .worktreePrune)
        options.flags = GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_LOCKED.rawValue
        if deleteDirectory { options.flags |= GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue }
        try check(git_worktree_prune(worktree, &options), .worktreePrune, context: "'\(name)'")
    }

    /// Removes entries whose work tree directory is gone (what `git worktree prune` does),
    /// except locked ones that are not codex-bot's. Returns the names removed.
    @discardableResult
    public func pruneStaleWorktrees() throws -> [String] {
        var removed: [String] = []
        for worktree in try listWorktrees() where !worktree.isValid {
            if let reason = worktree.lockReason, !reason.hasPrefix(Self.worktreeLockPrefix) { continue }
            try removeWorktree(named: worktree.name, deleteDirectory: false)
            removed.append(worktree.name)
        }
        return removed
    }

    /// Removes codex-bot's own worktrees whose process has ended (a crash or a kill),
    /// directories included, then prunes stale entries. Returns the names removed.
    @discardableResult
    public func pruneAbandonedWorktrees() throws -> [String] {
        var removed: [String] = []
        for worktree in try listWorktrees() {
            guard let reason = worktree.lockReason, reason.hasPrefix(Self.worktreeLockPrefix),
                  let pid = Int32(reason.dropFirst(Self.worktreeLockPrefix.count)
                      .trimmingCharacters(in: .whitespacesAndNewlines)),
                  !Self.processIsAlive(pid) else { continue }
            try removeWorktree(named: worktree.name, deleteDirectory: worktree.isValid)
            removed.append(worktree.name)
        }
        return removed + (try pruneStaleWorktrees())
    }

    static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Runs `body` with a new worktree for `branch` at `path`, and removes the worktree
    /// (directory included) on every path out, errors and cancellation too.
    public func withWorktree<T>(branch: String, at path: String,
                                _ body: (Worktree) async throws -> T) async throws -> T {
        let worktree = try addWorktree(branch: branch, at: path)
        do {
            let result = try await body(worktree)
            try removeWorktree(named: worktree.name)
            return result
        } catch {
            try? removeWorktree(named: worktree.name)
            throw error
        }
    }
}
