import Foundation
internal import CGit2

/// What a push expects of the remote branch before it overwrites it (`--force-with-lease`).
public enum PushLease: Sendable, Equatable {
    /// The remote branch must not exist yet.
    case absent
    /// The remote branch must still point at this commit.
    case at(ObjectID)

    var expected: ObjectID {
        switch self {
        case .absent: .zero
        case .at(let id): id
        }
    }
}

/// What a successful push changed.
public struct PushResult: Sendable, Equatable {
    /// The full remote ref, e.g. `refs/heads/codex-bot/issue-12`.
    public var remoteReference: String
    /// The remote's commit before the push; nil when the branch was created.
    public var previousTarget: ObjectID?
    public var newTarget: ObjectID
}

extension Repository {
    // MARK: Clone

    /// Clones `url` into `path` (which must not exist or be empty), checking out `branch`
    /// or the remote's default branch.
    public static func clone(from url: String, to path: String, branch: String? = nil, bare: Bool = false,
                             options: RemoteOptions = RemoteOptions()) throws -> Repository {
        GitRuntime.ensureInitialized()
        let contents = try? FileManager.default.contentsOfDirectory(atPath: path)
        if FileManager.default.fileExists(atPath: path), contents?.isEmpty != true {
            throw GitError(.clone, .pathExists, "'\(path)' already exists and is not an empty directory",
                           hint: "Clone into a new directory")
        }
        let context = RemoteCallbackContext(.clone, options: options)
        var cloneOptions = git_clone_options()
        try check(git_clone_options_init(&cloneOptions, UInt32(GIT_CLONE_OPTIONS_VERSION)), .clone)
        cloneOptions.bare = bare ? 1 : 0
        var repo: OpaquePointer?
        let rc: Int32 = withExtendedLifetime(context) {
            cloneOptions.fetch_opts.callbacks = context.callbacks()
            return withOptionalCString(branch) { branchName in
                cloneOptions.checkout_branch = branchName
                return git_clone(&repo, url, path, &cloneOptions)
            }
        }
        if rc < 0 { throw context.error(for: rc, context: "cloning \(redactedURL(url))") }
        return Repository(adopting: repo!)
    }

    // MARK: Fetch

    /// Fetches from a named remote or a URL, with its configured refspecs or the given ones.
    public func fetch(from remote: String = "origin", refspecs: [String] = [],
                      options: RemoteOptions = RemoteOptions()) throws {
        let handle = try lookupRemote(remote, operation: .fetch)
        defer { git_remote_free(handle) }
        let context = RemoteCallbackContext(.fetch, options: options)
        var fetchOptions = git_fetch_options()
        try check(git_fetch_options_init(&fetchOptions, UInt32(GIT_FETCH_OPTIONS_VERSION)), .fetch)
        let rc: Int32 = withExtendedLifetime(context) {
            fetchOptions.callbacks = context.callbacks()
            if refspecs.isEmpty { return git_remote_fetch(handle, nil, &fetchOptions, nil) }
            return withStringArray(refspecs) { git_remote_fetch(handle, $0, &fetchOptions, nil) }
        }
        if rc < 0 { throw context.error(for: rc, context: "fetching from \(redactedURL(remote))") }
    }

    // MARK: Push

    /// Pushes local `branch` to `remoteBranch` (default: the same name) on a named remote or URL.
    ///
    /// Without a lease the push must fast-forward. With a lease it may rewrite the remote
    /// branch, but only if the remote still points where the lease says; the check runs
    /// after the remote lists its refs and before any data is sent, so on a mismatch
    /// nothing is pushed. A ref the remote refuses (non-fast-forward, hook declined) is
    /// an error, not a silent success.
    @discardableResult
    public func push(branch: String, to remote: String = "origin", as remoteBranch: String? = nil,
                     lease: PushLease? = nil, options: RemoteOptions = RemoteOptions()) throws -> PushResult {
        let destination = "refs/heads/\(remoteBranch ?? branch)"
        guard let newTarget = try referenceTarget("refs/heads/\(branch)") else {
            throw GitError(.push, .notFound, "no local branch '\(branch)' to push", hint: "Commit on the branch first")
        }
        guard Repository.isValidBranchName(remoteBranch ?? branch) else {
            throw GitError(.push, .invalidName, "'\(remoteBranch ?? branch)' is not a valid branch name")
        }
        let handle = try lookupRemote(remote, operation: .push)
        defer { git_remote_free(handle) }

        let leases = lease.map { [destination: $0.expected] } ?? [:]
        let context = RemoteCallbackContext(.push, options: options, leases: leases)
        var pushOptions = git_push_options()
        try check(git_push_options_init(&pushOptions, UInt32(GIT_PUSH_OPTIONS_VERSION)), .push)
        let refspec = (lease == nil ? "" : "+") + "refs/heads/\(branch):\(destination)"
        let rc: Int32 = withExtendedLifetime(context) {
            pushOptions.callbacks = context.callbacks()
            return withStringArray([refspec]) { git_remote_push(handle, $0, &pushOptions) }
        }
        let target = redactedURL(remote)
        if rc == GIT_ENONFASTFORWARD.rawValue && context.failure == nil {
            throw GitError(.push, .pushRejected, "\(target) refused \(destination): not a fast-forward of the remote branch",
                           hint: "Fetch the remote branch and rebuild on top of it, or push with a lease", libgit2Code: rc)
        }
        if rc < 0 { throw context.error(for: rc, context: "pushing \(branch) to \(target)") }
        if let rejected = context.rejectedRefs.first {
            throw GitError(.push, .pushRejected, "\(target) refused \(rejected.ref): \(rejected.reason)",
                           hint: rejected.reason.contains("hook") ? "The server's hook declined the push; read its message"
                                : "Fetch the remote branch and rebuild on top of it, or push with a lease")
        }
        let before = context.remoteTargetsBefore[destination]
        return PushResult(remoteReference: destination, previousTarget: before?.isZero == false ? before : nil,
                          newTarget: newTarget)
    }

    // MARK: List

    /// The remote's branches and tags with the commits they point at (what `git ls-remote`
    /// prints), read without fetching any objects: e.g. to see whether a branch exists and where
    /// it points before deciding how to push to it.
    public func remoteReferences(of remote: String = "origin", options: RemoteOptions = RemoteOptions()) throws -> [String: ObjectID] {
        let handle = try lookupRemote(remote, operation: .fetch)
        defer { git_remote_free(handle) }
        let context = RemoteCallbackContext(.fetch, options: options)
        var callbacks = context.callbacks()
        let rc: Int32 = withExtendedLifetime(context) {
            git_remote_connect(handle, GIT_DIRECTION_FETCH, &callbacks, nil, nil)
        }
        if rc < 0 { throw context.error(for: rc, context: "listing the references of \(redactedURL(remote))") }
        defer { git_remote_disconnect(handle) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check(git_remote_ls(&heads, &count, handle), .fetch, context: "references of \(redactedURL(remote))")
        var references: [String: ObjectID] = [:]
        for index in 0..<count {
            guard let head = heads?[index]?.pointee, let name = head.name else { continue }
            references[String(cString: name)] = ObjectID(head.oid)
        }
        return references
    }

    /// `remoteReferences` on a thread of its own.
    public func remoteReferences(of remote: String = "origin", options: RemoteOptions = RemoteOptions()) async throws -> [String: ObjectID] {
        let box = UncheckedSendable(self)
        return try await Self.runBlocking(options) { options in
            try box.value.remoteReferences(of: remote, options: options)
        }
    }

    /// A named remote, or an anonymous one for a URL or path.
    private func lookupRemote(_ nameOrURL: String, operation: GitError.Operation) throws -> OpaquePointer {
        var remote: OpaquePointer?
        var rc = git_remote_lookup(&remote, pointer, nameOrURL)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue {
            let looksLikeURL = nameOrURL.contains("://") || nameOrURL.hasPrefix("/") || nameOrURL.contains("@")
            guard looksLikeURL else {
                throw GitError(operation, .notFound, "no remote named '\(nameOrURL)'",
                               hint: "Add the remote (git remote add) or pass its URL", libgit2Code: rc)
            }
            rc = git_remote_create_anonymous(&remote, pointer, nameOrURL)
        }
        try check(rc, operation, context: "remote '\(redactedURL(nameOrURL))'")
        return remote!
    }

    // MARK: Off the cooperative pool

    /// `fetch` on a thread of its own; cancelling the task stops it at its next progress callback.
    public func fetch(from remote: String = "origin", refspecs: [String] = [],
                      options: RemoteOptions = RemoteOptions()) async throws {
        let box = UncheckedSendable(self)
        try await Self.runBlocking(options) { options in
            try box.value.fetch(from: remote, refspecs: refspecs, options: options)
        }
    }

    /// `push` on a thread of its own; cancelling the task stops it at its next progress callback.
    @discardableResult
    public func push(branch: String, to remote: String = "origin", as remoteBranch: String? = nil,
                     lease: PushLease? = nil, options: RemoteOptions = RemoteOptions()) async throws -> PushResult {
        let box = UncheckedSendable(self)
        return try await Self.runBlocking(options) { options in
            try box.value.push(branch: branch, to: remote, as: remoteBranch, lease: lease, options: options)
        }
    }

    /// `clone` on a thread of its own.
    public static func clone(from url: String, to path: String, branch: String? = nil, bare: Bool = false,
                             options: RemoteOptions = RemoteOptions()) async throws -> Repository {
        let box: UncheckedSendable<Repository> = try await runBlocking(options) { options in
            UncheckedSendable(try clone(from: url, to: path, branch: branch, bare: bare, options: options))
        }
        return box.value
    }

    /// Runs a blocking libgit2 call on a new thread, so it does not hold one of Swift's
    /// few cooperative threads; task cancellation sets the call's cancellation flag.
    static func runBlocking<T: Sendable>(_ options: RemoteOptions,
                                         _ body: @escaping @Sendable (RemoteOptions) throws -> T) async throws -> T {
        var options = options
        let flag = options.cancellation ?? CancellationFlag()
        options.cancellation = flag
        let ready = options
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread { continuation.resume(with: Result { try body(ready) }) }
                thread.stackSize = 4 << 20
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
    }
}

/// Carries a non-Sendable value to the thread that a blocking call runs on. Sound here
/// because the caller is suspended in `await` until that thread is done with it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
