import Foundation
internal import CGit2

/// Who made a commit and what it says: enough to tell the bot's own commits from anyone else's
/// before a branch is rewritten.
public struct CommitInfo: Sendable, Equatable {
    public var id: ObjectID
    public var author: Signature
    public var committer: Signature
    /// The whole message, trailers included.
    public var message: String
    public var parents: [ObjectID]
}

extension Repository {
    /// The author, committer, message and parents of commit `id`.
    public func commitInfo(_ id: ObjectID) throws -> CommitInfo {
        var commit: OpaquePointer?
        var oid = id.oid
        let rc = git_commit_lookup(&commit, pointer, &oid)
        if rc == GIT_ENOTFOUND.rawValue {
            throw GitError(.lookup, .notFound, "no commit \(id.short) in '\(gitDirectory)'", hint: "Fetch it first", libgit2Code: rc)
        }
        try check(rc, .lookup, context: "commit \(id.short)")
        defer { git_commit_free(commit) }
        func signature(_ pointer: UnsafePointer<git_signature>?) -> Signature {
            guard let value = pointer?.pointee else { return Signature(name: "", email: "") }
            return Signature(name: value.name.map { String(cString: $0) } ?? "", email: value.email.map { String(cString: $0) } ?? "",
                             date: Date(timeIntervalSince1970: TimeInterval(value.when.time)))
        }
        let parents = (0..<git_commit_parentcount(commit)).compactMap { index in
            git_commit_parent_id(commit, index).map { ObjectID($0) }
        }
        return CommitInfo(id: id, author: signature(git_commit_author(commit)), committer: signature(git_commit_committer(commit)),
                          message: git_commit_message(commit).map { String(cString: $0) } ?? "", parents: parents)
    }
}
