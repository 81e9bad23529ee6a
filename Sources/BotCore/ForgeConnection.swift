import Foundation
import ForgeKit
import GitKit
import HTTPKit

/// Opens the forge that settings name: one of the REST forges, or the local forge of a repository.
public enum ForgeConnection {
    /// The forge for `settings`. The local forge needs `repository`: its records live under the
    /// repository's common git directory, so every worktree of it shares them.
    public static func open(_ settings: ForgeSettings, client: HTTPClient, repository: Repository?,
                            user: String = defaultLocalUser) throws -> any Forge {
        switch settings.kind {
        case .github: return GitHubForge(settings: settings, client: client)
        case .gitlab: return GitLabForge(settings: settings, client: client)
        case .gitea: return GiteaForge(settings: settings, client: client)
        case .local:
            guard let repository else {
                throw ForgeError(.configuration, forge: .local, operation: "open the local forge",
                                 message: "the local forge keeps its records in a git repository, and none was found",
                                 hint: "Run codex-bot inside a git checkout, or choose a forge with --forge")
            }
            return localForge(for: repository, user: user)
        }
    }

    /// The local forge of `repository`: records under `<common git dir>/codex-bot`, pull requests
    /// based on the branch checked out where the repository was opened.
    public static func localForge(for repository: Repository, user: String = defaultLocalUser) -> LocalForge {
        let records = LocalForge.recordsDirectory(commonGitDirectory: repository.commonDirectory)
        let place = URL(fileURLWithPath: repository.workingDirectory ?? repository.commonDirectory)
        let facts = RepositoryFacts(path: RepositoryPath(owner: "local", name: place.lastPathComponent.isEmpty ? "repository" : place.lastPathComponent),
                                    defaultBranch: repository.currentBranch ?? "main",
                                    cloneURL: place.absoluteString, webURL: records.absoluteString, canPush: true)
        return LocalForge(recordsDirectory: records, facts: facts, user: user)
    }

    /// Who the local user is: `$USER`, or "local".
    public static var defaultLocalUser: String {
        ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "local"
    }
}
