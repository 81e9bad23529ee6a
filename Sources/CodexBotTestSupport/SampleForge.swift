import Foundation

/// A forge on loopback as a CI job meets it: a sample project with its bug in a bare repository
/// behind a git smart-HTTP server (Basic auth with the forge token), a fake GitHub whose clone
/// URL is that server, and a checkout of it as actions/checkout leaves it (origin is the server).
public final class SampleForge: @unchecked Sendable {  // set up once, then only read
    public let directory: TemporaryDirectory
    public let sample: SampleProject
    /// The server's repository, on disk: the witness of what was pushed.
    public let bare: String
    public let git: GitHTTPServer
    public let github: FakeGitHubServer
    public let checkout: String

    /// - Parameters:
    ///   - token: the GitHub token the fake accepts (as `login`) and the git server's password.
    ///   - gitUser, gitPassword: the git server's Basic credentials when they are not the GitHub
    ///     token's (a GitLab or Gitea test).
    public init(_ sample: SampleProject, name: String, token: String, login: String = "codex-bot-user",
                gitUser: String = "x-access-token", gitPassword: String? = nil) throws {
        directory = try TemporaryDirectory(named: name)
        self.sample = sample
        let seed = directory.appending("seed")
        try sample.makeRepository(at: seed, configFile: true)
        try FileManager.default.createDirectory(atPath: directory.appending("server"), withIntermediateDirectories: true)
        bare = directory.appending("server/widgets.git")
        try GitCLI.check(["clone", "-q", "--bare", seed, bare], in: directory.path)
        git = try GitHTTPServer(projectRoot: directory.appending("server"),
                                credentials: .init(username: gitUser, password: gitPassword ?? token))
        github = try FakeGitHubServer()
        github.addUserToken(token, login: login)
        github.setCloneURL(git.url(forRepository: "widgets.git"))
        checkout = directory.appending("checkout")
        try GitCLI.check(["clone", "-q", bare, checkout], in: directory.path)
        try GitCLI.check(["remote", "set-url", "origin", git.url(forRepository: "widgets.git")], in: checkout)
    }

    public func stop() {
        git.stop()
        github.stop()
        directory.remove()
    }

    /// Pushes that reached the git server.
    public var pushes: Int { git.requests.filter { $0.method == "POST" && $0.path.hasSuffix("git-receive-pack") }.count }

    /// A fresh clone of `branch` from the server's repository, made with the git CLI.
    public func cloneBranch(_ branch: String, as name: String) throws -> String {
        let path = directory.appending(name)
        try GitCLI.check(["clone", "-q", "--branch", branch, bare, path], in: directory.path)
        return path
    }
}
