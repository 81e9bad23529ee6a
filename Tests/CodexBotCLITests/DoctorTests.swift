import Foundation
import Testing
import BotCore
import CodexBotTestSupport

@Suite("codex-bot doctor")
struct DoctorTests {
    @Test func usableRepositoryExitsZeroAndNamesTheLibraries() async throws {
        try await withTemporaryDirectory("doctor-ok") { dir in
            try GitCLI.makeRepository(at: dir.path)
            try GitCLI.check(["config", "user.name", "Doc Tor"], in: dir.path)
            try GitCLI.check(["config", "user.email", "doc@example.com"], in: dir.path)
            let secretURL = "https://someone:hunter2-secret@example.invalid/o/r.git"
            try GitCLI.check(["remote", "add", "origin", secretURL], in: dir.path)
            let output = try CodexBotBinary.run(["doctor"], in: dir.path,
                                                environment: ["GITHUB_TOKEN": "ghp_supersecretvalue123"])
            #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
            #expect(output.stdout.contains("libgit2 1."))
            #expect(output.stdout.contains("https"))
            #expect(output.stdout.contains("libcurl "))
            #expect(output.stdout.contains("OpenSSL "))
            #expect(output.stdout.contains("Doc Tor <doc@example.com>"))
            #expect(output.stdout.contains("on main at"))
            #expect(output.stdout.contains("origin → https://someone:***@example.invalid/o/r.git"))
            #expect(output.stdout.contains("GITHUB_TOKEN set"))
            // Secrets are never printed.
            #expect(!output.stdout.contains("hunter2"))
            #expect(!output.stdout.contains("supersecret"))
            #expect(output.stdout.contains("codex-bot can run here."))
        }
    }

    @Test func outsideARepositoryItExits2WithWhatToDo() async throws {
        try await withTemporaryDirectory("doctor-no-repo") { dir in
            let output = try CodexBotBinary.run(["doctor"], in: dir.path)
            #expect(output.status == 2)
            #expect(output.stdout.contains("FAIL  repository: '\(dir.path)' is not inside a git repository"))
            #expect(output.stdout.contains("fix: Run codex-bot inside a git checkout"))
            #expect(output.stdout.contains("1 problem(s) to fix"))
        }
    }

    @Test func unbornBranchIsAProblemAndJSONSaysSo() async throws {
        try await withTemporaryDirectory("doctor-unborn") { dir in
            try GitCLI.check(["init", "-q", "-b", "main"], in: dir.path)
            let output = try CodexBotBinary.run(["doctor", "--json"], in: dir.path)
            #expect(output.status == 2)
            struct Report: Decodable { var usable: Bool; var checks: [DoctorCheck] }
            let report = try JSONDecoder().decode(Report.self, from: Data(output.stdout.utf8))
            #expect(report.usable == false)
            let repository = try #require(report.checks.first { $0.name == "repository" })
            #expect(repository.status == .failure)
            #expect(repository.detail.contains("has no commit yet"))
        }
    }

    @Test func detachedHeadBareAndMissingIdentityAreReportedInProcess() async throws {
        try await withTemporaryDirectory("doctor-states") { dir in
            let repo = dir.appending("repo")
            let head = try GitCLI.makeRepository(at: repo)
            try GitCLI.check(["checkout", "-q", "--detach", head], in: repo)
            let detached = Doctor.run(in: repo, environment: [:])
            #expect(detached.isUsable)
            #expect(detached.checks.first { $0.name == "repository" }?.detail.contains("detached HEAD") == true)
            #expect(detached.checks.first { $0.name == "forge token" }?.status == .warning)

            let bare = dir.appending("bare.git")
            try GitCLI.check(["clone", "-q", "--bare", repo, bare], in: dir.path)
            let bareReport = Doctor.run(in: bare, environment: ["OPENAI_API_KEY": "sk-x"])
            #expect(bareReport.checks.first { $0.name == "repository" }?.detail.contains("bare repository") == true)
            #expect(bareReport.checks.first { $0.name == "model key" }?.status == .ok)
        }
    }
}

@Suite("codex-bot doctor: the forge check")
struct DoctorForgeTests {
    static let token = "ghp_DOCTORtoken0123456789SECRET"

    @Test("a reachable forge: default branch and whether the credentials may push; never the token")
    func reachable() async throws {
        let server = try FakeGitHubServer()
        defer { server.stop() }
        server.addUserToken(Self.token, login: "mona", canPush: false)
        let check = await Doctor.forgeCheck(forge: nil, repository: nil, environment: [
            "GITHUB_REPOSITORY": server.repository, "GITHUB_TOKEN": Self.token, "GITHUB_API_URL": server.apiURL.absoluteString,
        ], directory: "/")
        #expect(check.status == .warning)
        #expect(check.detail.contains("GitHub \(server.repository)") && check.detail.contains("default branch main"))
        #expect(check.detail.contains("token from GITHUB_TOKEN may not push"))
        #expect(!check.detail.contains(Self.token) && !(check.fix ?? "").contains(Self.token))
    }

    @Test("a refused token is named by its variable, with what to do, and exit stays 0 (a warning)")
    func refusedToken() async throws {
        let server = try FakeGitHubServer()
        defer { server.stop() }
        try await withTemporaryDirectory("doctor-forge") { dir in
            try GitCLI.makeRepository(at: dir.path)
            let output = try CodexBotBinary.run(["doctor", "--repo", server.repository], in: dir.path, environment: [
                "GITHUB_TOKEN": "ghp_wrongWRONGwrong", "GITHUB_API_URL": server.apiURL.absoluteString,
            ])
            #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
            #expect(output.stdout.contains("warn  forge: GitHub: read the repository"), "\(output.stdout)")
            #expect(output.stdout.contains("HTTP 401"))
            #expect(output.stdout.contains("GITHUB_TOKEN were refused"))
            #expect(!output.stdout.contains("wrongWRONG"))
        }
    }

    @Test("without a named repository the forge is not called; the local forge names its records")
    func notCalled() async throws {
        let unnamed = await Doctor.forgeCheck(forge: .github, repository: nil, environment: ["GITHUB_TOKEN": "t"], directory: "/")
        #expect(unnamed.status == .ok && unnamed.detail.contains("not checked"))
        try await withTemporaryDirectory("doctor-local") { dir in
            try GitCLI.makeRepository(at: dir.path)
            let local = await Doctor.forgeCheck(forge: nil, repository: nil, environment: [:], directory: dir.path)
            #expect(local.status == .ok && local.detail.contains("/.git/codex-bot"))
        }
    }
}

@Suite("codex-bot doctor: sandbox and model")
struct DoctorAgentTests {
    static let key = "sk-proj-DOCTORkey0123456789SECRET"

    @Test("the model server's list is asked for; a refused key is named by its variable, never shown")
    func modelCheck() async throws {
        let server = try ScriptedModelServer(format: .responses, apiKey: Self.key, models: ["gpt-test"])
        defer { server.stop() }
        let good = await Doctor.modelCheck(provider: nil, model: nil, environment: [
            "OPENAI_BASE_URL": server.baseURL, "OPENAI_API_KEY": Self.key, "CODEX_BOT_MODEL": "gpt-test"])
        #expect(good.status == .ok && good.detail.contains("model gpt-test: reachable"), "\(good)")
        let unknown = await Doctor.modelCheck(provider: nil, model: "gpt-other", environment: [
            "OPENAI_BASE_URL": server.baseURL, "OPENAI_API_KEY": Self.key])
        #expect(unknown.status == .warning && (unknown.fix ?? "").contains("gpt-test"))
        let refused = await Doctor.modelCheck(provider: nil, model: "gpt-test", environment: [
            "OPENAI_BASE_URL": server.baseURL, "OPENAI_API_KEY": "sk-wrong-0123456789WRONG"])
        #expect(refused.status == .warning && refused.detail.contains("OPENAI_API_KEY was refused"))
        #expect(!refused.detail.contains("WRONG") && !(refused.fix ?? "").contains("WRONG"))
        let none = await Doctor.modelCheck(provider: nil, model: nil, environment: ["PATH": "/usr/bin"])
        #expect(none.status == .warning && none.detail == "no model configured")
        let broken = await Doctor.modelCheck(provider: "anthropic", model: "m", environment: ["ANTHROPIC_BASE_URL": "https://api.example/v1",
                                                                                               "ANTHROPIC_API_KEY": "k"])
        #expect(broken.status == .failure)
    }

    @Test("the sandbox says plainly whether commands are isolated",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap")))
    func sandboxCheck() {
        let check = Doctor.sandboxCheck()
        #expect(check.status == .ok && check.detail.contains("without network"))
    }
}
