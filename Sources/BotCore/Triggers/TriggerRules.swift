import ForgeKit
import Foundation

/// Who may start the bot and how: `.codex-bot.yml`'s trigger settings plus the bot's identity.
public struct TriggerRules: Sendable, Equatable {
    /// The issue label that asks the bot to work (`label`).
    public var label: String
    /// The word that addresses the bot in a comment (`mention`).
    public var mention: String
    /// The role a person needs on the repository to start the bot (`min_permission`).
    public var minPermission: Permission
    /// Bot accounts (`dependabot[bot]`, …) whose events may start the bot; other bots are ignored.
    public var allowedBots: [String]
    /// The logins the bot itself acts as (the token's user, the app's `name[bot]`): its own
    /// events are always ignored, so it never answers itself.
    public var botLogins: [String]
    /// Branches the bot creates start with this: their failures are the bot's own work in progress.
    public var branchPrefix: String

    public init(label: String = "codex-bot", mention: String = "@codex-bot", minPermission: Permission = .write,
                allowedBots: [String] = [], botLogins: [String] = [], branchPrefix: String = "codex-bot/") {
        self.label = label
        self.mention = mention
        self.minPermission = minPermission
        self.allowedBots = allowedBots
        self.botLogins = botLogins
        self.branchPrefix = branchPrefix
    }

    func isBotItself(_ login: String) -> Bool {
        botLogins.contains { $0.caseInsensitiveCompare(login) == .orderedSame }
    }

    func isAllowedBot(_ login: String) -> Bool {
        allowedBots.contains { $0.caseInsensitiveCompare(login) == .orderedSame }
    }
}
