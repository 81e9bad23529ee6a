internal import CGit2

extension Repository {
    /// Whether `name` is a valid local branch name (`git check-ref-format --branch`).
    public static func isValidBranchName(_ name: String) -> Bool {
        GitRuntime.ensureInitialized()
        var valid: Int32 = 0
        return git_branch_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// Creates local branch `name` at `commit`. Fails if it exists, unless `force`
    /// (which is refused while the branch is checked out somewhere).
    @discardableResult
    public func createBranch(_ name: String, at commit: ObjectID, force: Bool = false) throws -> ObjectID {
        guard Self.isValidBranchName(name) else {
            throw GitError(.branch, .invalidName, "'\(name)' is not a valid branch name",
                           hint: "Use letters, digits, '-', '_', '.' and '/', with no spaces, '..', '~', '^', ':' or trailing '.lock'")
        }
        var commitObject: OpaquePointer?
        var oid = commit.oid
        try check(git_commit_lookup(&commitObject, pointer, &oid), .branch, context: "commit \(commit.short)")
        defer { git_commit_free(commitObject) }
        if force, let holder = try worktreeHoldingBranch(name) {
            throw GitError(.branch, .branchCheckedOut, "branch '\(name)' is checked out at '\(holder)'",
                           hint: "Use another branch name or remove that worktree first")
        }
        var ref: OpaquePointer?
        let rc = git_branch_create(&ref, pointer, name, commitObject, force ? 1 : 0)
        if rc == GIT_EEXISTS.rawValue {
            throw GitError(.branch, .alreadyExists, "branch '\(name)' already exists",
                           hint: "Pick another name or delete the branch", libgit2Code: rc)
        }
        try check(rc, .branch, context: "'\(name)'")
        git_reference_free(ref)
        return commit
    }

    /// The local branches, by short name.
    public func localBranches() throws -> [String] {
        var iterator: OpaquePointer?
        try check(git_branch_iterator_new(&iterator, pointer, GIT_BRANCH_LOCAL), .branch)
        defer { git_branch_iterator_free(iterator) }
        var names: [String] = []
        var ref: OpaquePointer?
        var type = GIT_BRANCH_LOCAL
        while git_branch_next(&ref, &type, iterator) == 0 {
            var name: UnsafePointer<CChar>?
            if git_branch_name(&name, ref) == 0, let name { names.append(String(cString: name)) }
            git_reference_free(ref)
        }
        return names
    }

    /// Deletes a local branch; refused while it is checked out.
    public func deleteBranch(_ name: String) throws {
        var ref: OpaquePointer?
        let rc = git_branch_lookup(&ref, pointer, name, GIT_BRANCH_LOCAL)
        if rc == GIT_ENOTFOUND.rawValue {
            throw GitError(.branch, .notFound, "no local branch '\(name)'", libgit2Code: rc)
        }
        try check(rc, .branch, context: "'\(name)'")
        defer { git_reference_free(ref) }
        if let holder = try worktreeHoldingBranch(name) {
            throw GitError(.branch, .branchCheckedOut, "branch '\(name)' is checked out at '\(holder)'",
                           hint: "Remove that worktree first")
        }
        try check(git_branch_delete(ref), .branch, context: "'\(name)'")
    }

    /// The work tree path (main checkout or linked worktree) whose HEAD is branch `name`, if any.
    public func worktreeHoldingBranch(_ name: String) throws -> String? {
        let full = "refs/heads/\(name)"
        let main = try Repository.open(at: commonDirectory)
        if let head = try main.symbolicHead(), head == full, !main.isBare {
            return main.mainWorkingDirectory ?? main.commonDirectory
        }
        for worktree in try listWorktrees() where worktree.branch == name {
            return worktree.path
        }
        return nil
    }

    /// HEAD's symbolic target (`refs/heads/main`), nil when detached.
    func symbolicHead() throws -> String? {
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, pointer, "HEAD") == 0 else { return nil }
        defer { git_reference_free(ref) }
        return git_reference_symbolic_target(ref).map { String(cString: $0) }
    }

    /// The main checkout's work tree, derived from the common gitdir (`…/repo/.git/` → `…/repo/`).
    var mainWorkingDirectory: String? {
        if let workdir = workingDirectory, !isWorktree { return workdir }
        let common = commonDirectory
        guard common.hasSuffix("/.git/") else { return nil }
        return String(common.dropLast(".git/".count))
    }
}
