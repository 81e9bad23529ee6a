import Foundation
internal import CGit2

/// One changed path, as `git status --porcelain` reports it.
public struct StatusEntry: Sendable, Equatable {
    public enum Change: String, Sendable {
        case added, modified, deleted, renamed, typeChanged, untracked, conflicted, ignored
    }
    public var path: String
    /// The change between HEAD and the index, if any.
    public var staged: Change?
    /// The change between the index and the work tree, if any.
    public var unstaged: Change?
}

/// Counts of a diff, as `git diff --shortstat` gives them.
public struct DiffStats: Sendable, Equatable {
    public var filesChanged: Int
    public var insertions: Int
    public var deletions: Int
    public init(filesChanged: Int, insertions: Int, deletions: Int) {
        self.filesChanged = filesChanged
        self.insertions = insertions
        self.deletions = deletions
    }
}

/// A unified diff: its text, the paths it touches and its counts.
public struct DiffResult: Sendable {
    public var patch: String
    public var paths: [String]
    public var stats: DiffStats
}

/// A person or bot that authors or commits.
public struct Signature: Sendable, Equatable {
    public var name: String
    public var email: String
    /// nil means "now".
    public var date: Date?
    public init(name: String, email: String, date: Date? = nil) {
        self.name = name
        self.email = email
        self.date = date
    }
}

extension Repository {
    // MARK: Status

    /// The work tree's changes against HEAD, untracked files included, ignored files not.
    public func status() throws -> [StatusEntry] {
        try requireWorkTree(.status)
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), .status)
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX.rawValue | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY.rawValue
        var list: OpaquePointer?
        try check(git_status_list_new(&list, pointer, &options), .status)
        defer { git_status_list_free(list) }
        var entries: [StatusEntry] = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            let delta = entry.head_to_index ?? entry.index_to_workdir
            guard let file = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path else { continue }
            let flags = entry.status.rawValue
            entries.append(StatusEntry(path: String(cString: file),
                                       staged: Self.stagedChange(flags), unstaged: Self.unstagedChange(flags)))
        }
        return entries
    }

    private static func stagedChange(_ flags: UInt32) -> StatusEntry.Change? {
        if flags & GIT_STATUS_CONFLICTED.rawValue != 0 { return .conflicted }
        if flags & GIT_STATUS_INDEX_NEW.rawValue != 0 { return .added }
        if flags & GIT_STATUS_INDEX_MODIFIED.rawValue != 0 { return .modified }
        if flags & GIT_STATUS_INDEX_DELETED.rawValue != 0 { return .deleted }
        if flags & GIT_STATUS_INDEX_RENAMED.rawValue != 0 { return .renamed }
        if flags & GIT_STATUS_INDEX_TYPECHANGE.rawValue != 0 { return .typeChanged }
        return nil
    }

    private static func unstagedChange(_ flags: UInt32) -> StatusEntry.Change? {
        if flags & GIT_STATUS_WT_NEW.rawValue != 0 { return .untracked }
        if flags & GIT_STATUS_WT_MODIFIED.rawValue != 0 { return .modified }
        if flags & GIT_STATUS_WT_DELETED.rawValue != 0 { return .deleted }
        if flags & GIT_STATUS_WT_RENAMED.rawValue != 0 { return .renamed }
        if flags & GIT_STATUS_WT_TYPECHANGE.rawValue != 0 { return .typeChanged }
        return nil
    }

    // MARK: Diff

    /// What a diff compares against the base commit's tree.
    public enum DiffTarget: Sendable {
        /// The work tree as it is now, untracked files included (what a commit of everything would hold).
        case workTree
        /// Another commit's tree.
        case commit(ObjectID)
    }

    /// The unified diff (3 lines of context) from `base`'s tree to `target`.
    public func diff(from base: ObjectID, to target: DiffTarget = .workTree) throws -> DiffResult {
        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), .diff)
        options.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_DIFF_SHOW_UNTRACKED_CONTENT.rawValue
        let baseTree = try tree(of: base)
        defer { git_tree_free(baseTree) }
        var diff: OpaquePointer?
        switch target {
        case .workTree:
            try requireWorkTree(.diff)
            try check(git_diff_tree_to_workdir_with_index(&diff, pointer, baseTree, &options), .diff)
        case .commit(let other):
            let otherTree = try tree(of: other)
            defer { git_tree_free(otherTree) }
            try check(git_diff_tree_to_tree(&diff, pointer, baseTree, otherTree, &options), .diff)
        }
        defer { git_diff_free(diff) }
        return try render(diff!)
    }

    private func render(_ diff: OpaquePointer) throws -> DiffResult {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_diff_to_buf(&buffer, diff, GIT_DIFF_FORMAT_PATCH), .diff)
        let patch = buffer.ptr.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: buffer.size), as: UTF8.self) } ?? ""

        var stats: OpaquePointer?
        try check(git_diff_get_stats(&stats, diff), .diff)
        defer { git_diff_stats_free(stats) }
        let counts = DiffStats(filesChanged: git_diff_stats_files_changed(stats),
                               insertions: git_diff_stats_insertions(stats),
                               deletions: git_diff_stats_deletions(stats))
        let paths = (0..<git_diff_num_deltas(diff)).compactMap { index -> String? in
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { return nil }
            return (delta.new_file.path ?? delta.old_file.path).map { String(cString: $0) }
        }
        return DiffResult(patch: patch, paths: paths, stats: counts)
    }

    func tree(of commit: ObjectID) throws -> OpaquePointer {
        var commitObject: OpaquePointer?
        var oid = commit.oid
        try check(git_commit_lookup(&commitObject, pointer, &oid), .lookup, context: "commit \(commit.short)")
        defer { git_commit_free(commitObject) }
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, commitObject), .lookup, context: "tree of \(commit.short)")
        return tree!
    }

    // MARK: Stage and commit

    /// Stages every change in the work tree, like `git add --all`: new, modified and deleted files,
    /// honouring .gitignore.
    public func stageAll() throws {
        try requireWorkTree(.stage)
        var index: OpaquePointer?
        try check(git_repository_index(&index, pointer), .stage)
        defer { git_index_free(index) }
        try withStringArray(["*"]) { pathspec in
            try check(git_index_add_all(index, pathspec, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil), .stage)
            try check(git_index_update_all(index, pathspec, nil, nil), .stage)
        }
        try check(git_index_write(index), .stage)
    }

    /// Commits the index on the current branch and returns the new commit.
    ///
    /// `trailers` are appended as git trailers (`Key: value`) after a blank line, in order.
    @discardableResult
    public func commit(message: String, trailers: [(key: String, value: String)] = [],
                       author: Signature, committer: Signature? = nil) throws -> ObjectID {
        try requireWorkTree(.commit)
        let fullMessage = try Self.composeMessage(message, trailers: trailers)
        let authorSig = try makeSignature(author)
        defer { git_signature_free(authorSig) }
        let committerSig = try makeSignature(committer ?? author)
        defer { git_signature_free(committerSig) }

        var index: OpaquePointer?
        try check(git_repository_index(&index, pointer), .commit)
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
            throw GitError(.commit, .conflict, "the index has unresolved conflicts", hint: "Resolve them before committing")
        }
        var treeID = git_oid()
        try check(git_index_write_tree(&treeID, index), .commit)
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, pointer, &treeID), .commit)
        defer { git_tree_free(tree) }

        var parent: OpaquePointer?
        if !isHeadUnborn {
            var parentID = try headCommit().oid
            try check(git_commit_lookup(&parent, pointer, &parentID), .commit)
        }
        defer { if let parent { git_commit_free(parent) } }

        var newID = git_oid()
        var parents: [OpaquePointer?] = parent.map { [$0] } ?? []
        try parents.withUnsafeMutableBufferPointer { buffer in
            try check(git_commit_create(&newID, pointer, "HEAD", authorSig, committerSig, "UTF-8", fullMessage,
                                        tree, buffer.count, buffer.baseAddress), .commit)
        }
        return ObjectID(newID)
    }

    /// The message with trailing whitespace trimmed and the trailers in one block after a blank line.
    static func composeMessage(_ message: String, trailers: [(key: String, value: String)]) throws -> String {
        let body = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else {
            throw GitError(.commit, .invalidArgument, "the commit message is empty", hint: "Give the commit a subject line")
        }
        guard !trailers.isEmpty else { return body + "\n" }
        for (key, value) in trailers {
            let keyIsToken = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            guard keyIsToken, !value.contains("\n") else {
                throw GitError(.commit, .invalidArgument, "trailer '\(key)' is malformed",
                               hint: "A trailer key is letters, digits and '-'; its value is one line")
            }
        }
        return body + "\n\n" + trailers.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n"
    }

    func makeSignature(_ signature: Signature) throws -> UnsafeMutablePointer<git_signature> {
        var out: UnsafeMutablePointer<git_signature>?
        if let date = signature.date {
            let seconds = git_time_t(date.timeIntervalSince1970)
            try check(git_signature_new(&out, signature.name, signature.email, seconds, 0), .commit,
                      context: "signature '\(signature.name) <\(signature.email)>'")
        } else {
            try check(git_signature_now(&out, signature.name, signature.email), .commit,
                      context: "signature '\(signature.name) <\(signature.email)>'")
        }
        return out!
    }

    func requireWorkTree(_ operation: GitError.Operation) throws {
        if isBare {
            throw GitError(operation, .bareRepository, "'\(gitDirectory)' is a bare repository with no work tree",
                           hint: "Use a worktree or a normal clone")
        }
    }
}

/// Lends libgit2 a `git_strarray` of C copies of `strings`, freed afterwards.
func withStringArray<T>(_ strings: [String], _ body: (UnsafeMutablePointer<git_strarray>) throws -> T) rethrows -> T {
    var cStrings: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    return try cStrings.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
