import Foundation
internal import CGit2

/// A git repository opened with libgit2. Owns its `git_repository` and frees it once.
///
/// Not thread-safe, like libgit2's repository object: use it from one task at a time.
/// The network operations (`fetch`, `push`) run their blocking libgit2 call on a
/// thread of their own and can be awaited.
public final class Repository {
    let pointer: OpaquePointer

    init(adopting pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_repository_free(pointer) }

    /// Opens the repository at exactly `path` (a work tree or a `.git` / bare directory).
    public static func open(at path: String) throws -> Repository {
        GitRuntime.ensureInitialized()
        guard FileManager.default.fileExists(atPath: path) else {
            throw GitError(.open, .notFound, "'\(path)' does not exist", hint: "Pass the path of a git repository")
        }
        var repo: OpaquePointer?
        let rc = git_repository_open_ext(&repo, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        if rc == GIT_ENOTFOUND.rawValue {
            throw GitError(.open, .notARepository, "'\(path)' is not a git repository",
                           hint: "Run codex-bot inside a git checkout or pass --repo", libgit2Code: rc)
        }
        try check(rc, .open, context: "'\(path)'")
        return Repository(adopting: repo!)
    }

    /// Finds the repository that contains `path`, searching parent directories like `git` does.
    public static func discover(from path: String) throws -> Repository {
        GitRuntime.ensureInitialized()
        var repo: OpaquePointer?
        let rc = git_repository_open_ext(&repo, path, 0, nil)
        if rc == GIT_ENOTFOUND.rawValue {
            throw GitError(.open, .notARepository, "'\(path)' is not inside a git repository",
                           hint: "Run codex-bot inside a git checkout or pass --repo", libgit2Code: rc)
        }
        try check(rc, .open, context: "'\(path)'")
        return Repository(adopting: repo!)
    }

    /// Creates a new repository (used by tests and for fresh clones).
    public static func create(at path: String, bare: Bool = false, initialBranch: String = "main") throws -> Repository {
        GitRuntime.ensureInitialized()
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), .initialize)
        options.flags = UInt32(GIT_REPOSITORY_INIT_MKPATH.rawValue)
        if bare { options.flags |= UInt32(GIT_REPOSITORY_INIT_BARE.rawValue) }
        var repo: OpaquePointer?
        try initialBranch.withCString { branch in
            options.initial_head = branch
            try check(git_repository_init_ext(&repo, path, &options), .initialize, context: "'\(path)'")
        }
        return Repository(adopting: repo!)
    }

    // MARK: Facts

    /// The `.git` directory (or the bare repository itself); for a linked worktree, its private gitdir.
    public var gitDirectory: String { String(cString: git_repository_path(pointer)) }

    /// The gitdir shared by all worktrees of this repository.
    public var commonDirectory: String { String(cString: git_repository_commondir(pointer)) }

    /// The work tree's root, with a trailing slash; nil for a bare repository.
    public var workingDirectory: String? { git_repository_workdir(pointer).map { String(cString: $0) } }

    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }
    public var isHeadDetached: Bool { git_repository_head_detached(pointer) == 1 }
    public var isHeadUnborn: Bool { git_repository_head_unborn(pointer) == 1 }
    /// True when this repository object is a linked worktree, not the main checkout.
    public var isWorktree: Bool { git_repository_is_worktree(pointer) == 1 }

    /// The branch HEAD points to (`main`), or nil when HEAD is detached.
    /// For an unborn branch this is the branch that the first commit will create.
    public var currentBranch: String? {
        if isHeadDetached { return nil }
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, pointer, "HEAD") == 0, let ref else { return nil }
        defer { git_reference_free(ref) }
        guard let target = git_reference_symbolic_target(ref) else { return nil }
        let name = String(cString: target)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
    }

    /// The commit HEAD points to.
    public func headCommit() throws -> ObjectID {
        var ref: OpaquePointer?
        let rc = git_repository_head(&ref, pointer)
        if rc == GIT_EUNBORNBRANCH.rawValue || rc == GIT_ENOTFOUND.rawValue {
            throw GitError(.lookup, .unbornBranch, "HEAD of '\(gitDirectory)' has no commit yet (unborn branch \(currentBranch ?? "?"))",
                           hint: "Make a first commit before running codex-bot", libgit2Code: rc)
        }
        try check(rc, .lookup, context: "HEAD")
        defer { git_reference_free(ref) }
        return try peelToCommit(ref!, name: "HEAD")
    }

    /// Resolves a revision (`main`, `origin/main`, `HEAD~2`, a hex id) to a commit.
    public func resolveCommit(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        let rc = git_revparse_single(&object, pointer, revision)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue || rc == GIT_EAMBIGUOUS.rawValue {
            throw GitError(.lookup, .notFound, "no commit named '\(revision)'",
                           hint: "Check the branch or commit name (fetch first if it is remote)", libgit2Code: rc)
        }
        try check(rc, .lookup, context: "'\(revision)'")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), .lookup, context: "'\(revision)' is not a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// The commit a reference (`refs/heads/x`, `refs/remotes/origin/x`) points to, or nil if it does not exist.
    public func referenceTarget(_ name: String) throws -> ObjectID? {
        var ref: OpaquePointer?
        let rc = git_reference_lookup(&ref, pointer, name)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { return nil }
        try check(rc, .lookup, context: "'\(name)'")
        defer { git_reference_free(ref) }
        return try peelToCommit(ref!, name: name)
    }

    func peelToCommit(_ ref: OpaquePointer, name: String) throws -> ObjectID {
        var commit: OpaquePointer?
        try check(git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT), .lookup, context: "'\(name)' does not point to a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    // MARK: Config and remotes

    /// A string from this repository's configuration (with global and system config behind it).
    public func configString(_ key: String) throws -> String? {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, pointer), .config)
        defer { git_config_free(config) }
        return try Self.readString(config!, key)
    }

    /// A string from the user's global and system configuration, with no repository.
    public static func globalConfigString(_ key: String) throws -> String? {
        GitRuntime.ensureInitialized()
        var live: OpaquePointer?
        try check(git_config_open_default(&live), .config)
        defer { git_config_free(live) }
        var config: OpaquePointer?
        try check(git_config_snapshot(&config, live), .config)
        defer { git_config_free(config) }
        return try readString(config!, key)
    }

    private static func readString(_ config: OpaquePointer, _ key: String) throws -> String? {
        var value: UnsafePointer<CChar>?
        let rc = git_config_get_string(&value, config, key)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, .config, context: "'\(key)'")
        return value.map { String(cString: $0) }
    }

    /// Sets a string in this repository's own config file.
    public func setConfigString(_ key: String, _ value: String) throws {
        var config: OpaquePointer?
        try check(git_repository_config(&config, pointer), .config)
        defer { git_config_free(config) }
        try check(git_config_set_string(config, key, value), .config, context: "'\(key)'")
    }

    /// The names of the configured remotes.
    public func remoteNames() throws -> [String] {
        var names = git_strarray()
        try check(git_remote_list(&names, pointer), .remote)
        defer { git_strarray_dispose(&names) }
        return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }
    }

    /// The URL of a named remote, or nil if there is no such remote.
    public func remoteURL(_ name: String) throws -> String? {
        var remote: OpaquePointer?
        let rc = git_remote_lookup(&remote, pointer, name)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { return nil }
        try check(rc, .remote, context: "remote '\(name)'")
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    /// Adds a remote with the default fetch refspec.
    public func addRemote(_ name: String, url: String) throws {
        var remote: OpaquePointer?
        try check(git_remote_create(&remote, pointer, name, url), .remote, context: "remote '\(name)'")
        git_remote_free(remote)
    }
}
