import Foundation
import ForgeKit
import GitKit
import HTTPKit

/// One fact `codex-bot doctor` checked, and what to do when it is not right.
public struct DoctorCheck: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Works.
        case ok
        /// Works, but something is missing that some tasks need.
        case warning
        /// codex-bot cannot run until this is fixed.
        case failure
    }
    public var name: String
    public var status: Status
    public var detail: String
    /// What to do about a warning or failure.
    public var fix: String?
}

/// The whole doctor report; usable when nothing failed.
public struct DoctorReport: Sendable, Codable {
    public var checks: [DoctorCheck]
    public var isUsable: Bool { !checks.contains { $0.status == .failure } }
}

/// Checks the C libraries, the git identity, the repository and the credentials in the
/// environment. Reads only: it changes nothing and sends nothing over the network.
public enum Doctor {
    /// The environment variables that carry credentials, by what they are for.
    static let credentialVariables: [(purpose: String, names: [String], fix: String)] = [
        ("forge token", ["GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "CODEX_BOT_APP_PRIVATE_KEY"],
         "Set one to push branches and open pull requests; report and --dry-run work without"),
        ("model key", ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"],
         "Set one to let the agent edit code (a local OpenAI-compatible server may need none: set OPENAI_BASE_URL)"),
    ]

    public static func run(in directory: String, environment: [String: String]) -> DoctorReport {
        var checks = [libgit2Check(), libcurlCheck(), openSSLCheck()]
        checks += repositoryChecks(directory)
        checks += credentialChecks(environment)
        return DoctorReport(checks: checks)
    }

    static func libgit2Check() -> DoctorCheck {
        let info = GitRuntime.ensureInitialized()
        var features = [info.https ? "https" : nil, info.ssh ? "ssh" : nil, info.threads ? "threads" : nil].compactMap { $0 }
        if let file = info.certificateFile { features.append("CA file \(file)") }
        let detail = "libgit2 \(info.version) (\(features.joined(separator: ", ")))"
        if !info.https {
            return DoctorCheck(name: "libgit2", status: .failure, detail: detail + ": built without HTTPS",
                               fix: "Install Debian's libgit2 (apt-get install libgit2-dev), which has HTTPS")
        }
        if info.certificateFile == nil && info.certificateDirectory == nil {
            return DoctorCheck(name: "libgit2", status: .warning, detail: detail + ": no CA certificates found",
                               fix: "apt-get install ca-certificates, or set SSL_CERT_FILE")
        }
        if !info.ssh {
            return DoctorCheck(name: "libgit2", status: .warning, detail: detail + ": built without SSH",
                               fix: "Use https:// remotes with a token")
        }
        return DoctorCheck(name: "libgit2", status: .ok, detail: detail)
    }

    static func libcurlCheck() -> DoctorCheck {
        let info = CurlRuntime.ensureInitialized()
        let detail = "libcurl \(info.version) (\(info.tlsBackend ?? "no TLS")\(info.http2 ? ", http2" : ""))"
        guard info.tlsBackend != nil, info.protocols.contains("https") else {
            return DoctorCheck(name: "libcurl", status: .failure, detail: detail + ": no HTTPS support",
                               fix: "apt-get install libcurl4-openssl-dev")
        }
        return DoctorCheck(name: "libcurl", status: .ok, detail: detail)
    }

    static func openSSLCheck() -> DoctorCheck {
        guard OpenSSLRuntime.hasRequiredAlgorithms else {
            return DoctorCheck(name: "OpenSSL", status: .failure, detail: "\(OpenSSLRuntime.version): no SHA-256",
                               fix: "apt-get install libssl-dev")
        }
        return DoctorCheck(name: "OpenSSL", status: .ok, detail: OpenSSLRuntime.version)
    }

    static func repositoryChecks(_ directory: String) -> [DoctorCheck] {
        let repo: Repository
        do {
            repo = try Repository.discover(from: directory)
        } catch let error as GitError {
            return [DoctorCheck(name: "repository", status: .failure, detail: error.message,
                                fix: "Run codex-bot inside a git checkout (cd into it), or clone one first")]
        } catch {
            return [DoctorCheck(name: "repository", status: .failure, detail: "\(error)", fix: nil)]
        }
        var checks = [headCheck(repo), identityCheck(repo), remoteCheck(repo)]
        if let stale = try? repo.listWorktrees().filter({ !$0.isValid }), !stale.isEmpty {
            checks.append(DoctorCheck(name: "worktrees", status: .warning,
                                      detail: "\(stale.count) stale worktree(s): \(stale.map(\.name).joined(separator: ", "))",
                                      fix: "codex-bot removes its own at the next run; `git worktree prune` removes the rest"))
        }
        return checks
    }

    static func headCheck(_ repo: Repository) -> DoctorCheck {
        let location = repo.workingDirectory ?? repo.gitDirectory
        if repo.isHeadUnborn {
            return DoctorCheck(name: "repository", status: .failure,
                               detail: "\(location): branch '\(repo.currentBranch ?? "?")' has no commit yet",
                               fix: "Make a first commit: codex-bot branches from an existing commit")
        }
        let head = (try? repo.headCommit().short) ?? "?"
        let kind = repo.isBare ? "bare repository" : repo.isWorktree ? "linked worktree" : "checkout"
        let position = repo.currentBranch.map { "on \($0)" } ?? "detached HEAD"
        return DoctorCheck(name: "repository", status: .ok, detail: "\(location) (\(kind), \(position) at \(head))")
    }

    static func identityCheck(_ repo: Repository) -> DoctorCheck {
        let name = try? repo.configString("user.name")
        let email = try? repo.configString("user.email")
        if let name = name ?? nil, let email = email ?? nil {
            return DoctorCheck(name: "git identity", status: .ok, detail: "\(name) <\(email)>")
        }
        return DoctorCheck(name: "git identity", status: .warning, detail: "user.name or user.email is not set",
                           fix: "codex-bot commits as its own bot identity; set them (git config user.name/user.email) for commits by you")
    }

    static func remoteCheck(_ repo: Repository) -> DoctorCheck {
        let names = (try? repo.remoteNames()) ?? []
        let name = names.contains("origin") ? "origin" : names.first
        guard let name, let url = try? repo.remoteURL(name) else {
            return DoctorCheck(name: "remote", status: .warning, detail: "no remote configured",
                               fix: "Add one (git remote add origin URL) to push branches; --dry-run works without")
        }
        return DoctorCheck(name: "remote", status: .ok, detail: "\(name) → \(URLRedaction.redact(url))")
    }

    static func credentialChecks(_ environment: [String: String]) -> [DoctorCheck] {
        credentialVariables.map { purpose, names, fix in
            let present = names.filter { !(environment[$0] ?? "").isEmpty }
            if present.isEmpty {
                return DoctorCheck(name: purpose, status: .warning, detail: "none of \(names.joined(separator: ", ")) is set",
                                   fix: fix)
            }
            return DoctorCheck(name: purpose, status: .ok, detail: "\(present.joined(separator: ", ")) set (value not shown)")
        }
    }
}
