import Foundation
internal import CGit2

/// State shared with libgit2's remote callbacks through their `payload` pointer.
///
/// The callbacks run on the thread that made the blocking libgit2 call, one at a time,
/// so the mutable fields need no lock; only `options.cancellation` is read from elsewhere.
/// libgit2 may call the credential callback many times, so the context is passed
/// unretained and outlives the call (`withExtendedLifetime`).
final class RemoteCallbackContext {
    let operation: GitError.Operation
    let options: RemoteOptions
    /// Remote refs that must still point at these commits (zero: must not exist) before a push.
    let leases: [String: ObjectID]

    private(set) var credentialRequests = 0
    private var offeredKinds: Set<String> = []
    /// Our own reason for aborting, which beats libgit2's generic "callback returned -7".
    private(set) var failure: GitError?
    /// Refs the remote refused, with its reason ("non-fast-forward", "pre-receive hook declined").
    private(set) var rejectedRefs: [(ref: String, reason: String)] = []
    /// The remote's value of each ref before the push, as negotiated.
    private(set) var remoteTargetsBefore: [String: ObjectID] = [:]

    init(_ operation: GitError.Operation, options: RemoteOptions, leases: [String: ObjectID] = [:]) {
        self.operation = operation
        self.options = options
        self.leases = leases
    }

    var isCancelled: Bool { options.cancellation?.isCancelled ?? false }

    /// Fills a `git_remote_callbacks` whose payload is this context. Use it only inside
    /// `withExtendedLifetime(context)`.
    func callbacks() -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.credentials = gitKitAcquireCredential
        callbacks.transfer_progress = gitKitTransferProgress
        callbacks.push_transfer_progress = gitKitPushTransferProgress
        callbacks.sideband_progress = gitKitSidebandProgress
        callbacks.push_update_reference = gitKitPushUpdateReference
        callbacks.push_negotiation = gitKitPushNegotiation
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        return callbacks
    }

    /// The error to throw for a failed libgit2 call `rc`, read on the calling thread.
    func error(for rc: Int32, context: String) -> GitError {
        if let failure { return failure }
        if isCancelled { return GitError(operation, .cancelled, "\(context): cancelled") }
        return GitError.fromLibgit2(operation, rc, context: context)
    }

    private func fail(_ code: GitError.Code, _ message: String, hint: String?) -> Int32 {
        failure = GitError(operation, code, message, hint: hint)
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), message)
        return GIT_EUSER.rawValue
    }

    // MARK: Credentials

    func acquireCredential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>,
                           url: String, usernameFromURL: String?, allowed: UInt32) -> Int32 {
        credentialRequests += 1
        let where_ = redactedURL(url)
        if credentialRequests > options.maxCredentialRequests {
            return fail(.authenticationFailed,
                        "\(where_) asked for credentials more than \(options.maxCredentialRequests) time(s); giving up",
                        hint: "Check the token or key and its permissions on this repository")
        }
        let wantsPassword = allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0
        let wantsKey = allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0
        let wantsUsername = allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0

        switch options.credentials {
        case .none:
            return fail(.authenticationFailed, "\(where_) requires authentication and no credentials were given",
                        hint: "Set a token (GITHUB_TOKEN, GITLAB_TOKEN or GITEA_TOKEN) or an SSH key")
        case .userPassword(let username, let password):
            guard wantsPassword else {
                return fail(.authenticationFailed, "\(where_) wants an SSH key, but a token was given",
                            hint: "Use an https:// remote URL with a token, or give an SSH key")
            }
            if let refused = refuseRepeat("userpass", where_, username) { return refused }
            return git_credential_userpass_plaintext_new(out, username, password)
        case .sshKey(let username, let privateKey, let publicKey, let passphrase):
            if wantsUsername && !wantsKey { return git_credential_username_new(out, username) }
            guard wantsKey else { return wrongKind(where_) }
            guard FileManager.default.isReadableFile(atPath: privateKey) else {
                return fail(.authenticationFailed, "SSH private key '\(privateKey)' cannot be read",
                            hint: "Check the key path and its permissions")
            }
            if let refused = refuseRepeat("sshkey", where_, username) { return refused }
            return git_credential_ssh_key_new(out, usernameFromURL ?? username, publicKey, privateKey, passphrase)
        case .sshAgent(let username):
            if wantsUsername && !wantsKey { return git_credential_username_new(out, username) }
            guard wantsKey else { return wrongKind(where_) }
            if let refused = refuseRepeat("agent", where_, username) { return refused }
            return git_credential_ssh_key_from_agent(out, usernameFromURL ?? username)
        }
    }

    /// libgit2 asks again after a rejection: offering the same secret twice cannot help.
    private func refuseRepeat(_ kind: String, _ url: String, _ username: String) -> Int32? {
        guard offeredKinds.insert(kind).inserted else {
            let what = switch kind {
            case "sshkey": "the SSH key for user '\(username)' (not authorized there, or a wrong passphrase)"
            case "agent": "every key ssh-agent offered for user '\(username)'"
            default: "the credentials for user '\(username)'"
            }
            return fail(.authenticationFailed, "\(url) rejected \(what)",
                        hint: "Check that the token or key is valid and may access this repository")
        }
        return nil
    }

    private func wrongKind(_ url: String) -> Int32 {
        fail(.authenticationFailed, "\(url) wants a user name and password, but an SSH key was given",
             hint: "Use an ssh:// or user@host: remote URL with a key, or give a token")
    }

    // MARK: Push results

    func recordReferenceUpdate(_ ref: String, status: String?) {
        if let status { rejectedRefs.append((ref, status)) }
    }

    /// Called once libgit2 knows the remote's refs and before it sends anything:
    /// the place to enforce leases, since nothing has been written yet.
    func negotiate(_ updates: [(destination: String, remoteBefore: ObjectID)]) -> Int32 {
        for update in updates {
            remoteTargetsBefore[update.destination] = update.remoteBefore
            guard let expected = leases[update.destination], expected != update.remoteBefore else { continue }
            let now = update.remoteBefore.isZero ? "does not exist" : "points at \(update.remoteBefore.short)"
            let wanted = expected.isZero ? "not to exist" : "to point at \(expected.short)"
            return fail(.leaseMismatch, "remote \(update.destination) \(now), expected it \(wanted); nothing was pushed",
                        hint: "Someone else updated the branch: fetch it and decide again")
        }
        return 0
    }
}

// MARK: C callbacks (plain functions: a C function pointer cannot capture context)

private func context(_ payload: UnsafeMutableRawPointer?) -> RemoteCallbackContext {
    Unmanaged<RemoteCallbackContext>.fromOpaque(payload!).takeUnretainedValue()
}

private func gitKitAcquireCredential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?,
                                     _ url: UnsafePointer<CChar>?, _ username: UnsafePointer<CChar>?,
                                     _ allowed: UInt32, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    guard let out else { return GIT_EUSER.rawValue }
    return context(payload).acquireCredential(out, url: url.map { String(cString: $0) } ?? "the remote",
                                              usernameFromURL: username.map { String(cString: $0) }, allowed: allowed)
}

private func gitKitTransferProgress(_ stats: UnsafePointer<git_indexer_progress>?, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    context(payload).isCancelled ? GIT_EUSER.rawValue : 0
}

private func gitKitPushTransferProgress(_ current: UInt32, _ total: UInt32, _ bytes: Int,
                                        _ payload: UnsafeMutableRawPointer?) -> Int32 {
    context(payload).isCancelled ? GIT_EUSER.rawValue : 0
}

private func gitKitSidebandProgress(_ text: UnsafePointer<CChar>?, _ length: Int32, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    context(payload).isCancelled ? GIT_EUSER.rawValue : 0
}

private func gitKitPushUpdateReference(_ ref: UnsafePointer<CChar>?, _ status: UnsafePointer<CChar>?,
                                       _ payload: UnsafeMutableRawPointer?) -> Int32 {
    context(payload).recordReferenceUpdate(ref.map { String(cString: $0) } ?? "?", status: status.map { String(cString: $0) })
    return 0
}

private func gitKitPushNegotiation(_ updates: UnsafeMutablePointer<UnsafePointer<git_push_update>?>?, _ count: Int,
                                   _ payload: UnsafeMutableRawPointer?) -> Int32 {
    var list: [(destination: String, remoteBefore: ObjectID)] = []
    for index in 0..<count {
        guard let update = updates?[index]?.pointee, let destination = update.dst_refname else { continue }
        list.append((String(cString: destination), ObjectID(update.src)))
    }
    return context(payload).negotiate(list)
}
