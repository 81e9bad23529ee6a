import ForgeKit
import Foundation
import GitKit

/// The git remote a run fetches from and pushes to, with the forge's credentials: the checkout's
/// `origin`, or the forge's clone URL when the checkout has no such remote. The local forge has
/// none: its branches stay in the repository.
struct RemoteAccess: Sendable {
    /// A remote name or a URL.
    let remote: String
    let options: RemoteOptions
    /// The password or token in `options`, to hide wherever text leaves the bot.
    let secret: String?

    var displayName: String { remote.contains("://") ? "the remote" : "the remote '\(remote)'" }

    static func open(repository: Repository, settings: PipelineSettings) async throws -> RemoteAccess? {
        guard settings.forge.kind != .local else { return nil }
        let credential = try await settings.forge.gitCredential()
        let options = RemoteOptions(credentials: credential.map { .userPassword(username: $0.username, password: $0.password) } ?? .none)
        let remote = try repository.remoteNames().contains(settings.remote)
            ? settings.remote : try await settings.forge.repository().cloneURL
        return RemoteAccess(remote: remote, options: options, secret: credential?.password)
    }

    /// The commit `branch` points at on the remote, fetched into this repository when it is
    /// not here yet; nil when the remote has no such branch.
    func fetchBranch(_ branch: String, into repository: Repository) async throws -> ObjectID? {
        let references = try await repository.remoteReferences(of: remote, options: options)
        guard let id = references["refs/heads/\(branch)"] else { return nil }
        if (try? repository.commitInfo(id)) == nil {
            // A ref of the bot's own, overwritten by the next fetch of the branch: no remote-tracking
            // branch of the user's is moved.
            try await repository.fetch(from: remote, refspecs: ["+refs/heads/\(branch):refs/codex-bot/remotes/\(branch)"], options: options)
        }
        return id
    }
}
