import BotCore
import CodexBotTestSupport
import ForgeKit
import Foundation
import GitKit
import HTTPKit
import Testing

@Suite("ForgeConnection")
struct ForgeConnectionTests {
    @Test("the local forge keeps its records in the common git directory, shared by worktrees")
    func localForge() async throws {
        try await withTemporaryDirectory("forge-connection") { dir in
            try GitCLI.makeRepository(at: dir.path)
            let repository = try Repository.discover(from: dir.path)
            let settings = try ForgeSettings.resolve(forge: .local, repository: nil, environment: [:])
            let forge = try ForgeConnection.open(settings, client: HTTPClient(), repository: repository, user: "me")
            #expect(forge.kind == .local)
            let created = try await forge.createPullRequest(PullRequestDraft(title: "t", body: "b", head: "codex-bot/x", base: "main"))
            #expect(FileManager.default.fileExists(atPath: dir.path + "/.git/codex-bot/pulls/\(created.number).md"))
            #expect(throws: ForgeError.self) { try ForgeConnection.open(settings, client: HTTPClient(), repository: nil) }
        }
    }
}
