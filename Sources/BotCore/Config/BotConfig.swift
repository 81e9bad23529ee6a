// Configuration
// =============
//
// codex-bot reads `.codex-bot.yml` at the repository root, or `.github/codex-bot.yml` when the
// root has none (when both exist the root file wins and codex-bot warns). `--config FILE` names
// another file. Every key is optional; a repository without the file gets the defaults below.
//
// Precedence: command-line flags > this file > the environment's defaults. The model and the
// provider, when neither a flag nor this file names them, come from the environment
// (`CODEX_BOT_MODEL`, and the provider from which API variables are set; see ModelSettings).
//
// Unknown keys, wrong types and bad values stop the run with exit code 2 and a message that
// names the file, the line and the key ("…/.codex-bot.yml, line 7: unknown key 'tset'; did you
// mean 'test'?"). YAML anchors and aliases (`&name`, `*name`) are refused: a config file does
// not need them, and they are how a small file expands into a huge one.
//
// A full example, every key at its default unless the comment says otherwise:
//
//     # Commands: one string, or a list of strings run in order (each through `bash -lc`).
//     setup: npm ci                      # default: none
//     build: npm run build               # default: none
//     test:                              # default: none (codex-bot guesses from the project)
//       - npm run lint
//       - npm test
//     test_reports:                      # report files the test command writes (JUnit, TAP, …),
//       - reports/junit.xml              # relative to the repository root; default: none
//
//     model: gpt-5-codex                 # default: CODEX_BOT_MODEL, else the provider's default
//     provider: openai                   # openai | openai-chat | anthropic; default: from the environment
//
//     # Budgets: the run stops "not green" when one runs out.
//     max_iterations: 8                  # agent turns
//     max_minutes: 30                    # wall time of the whole run
//     max_tokens: 2000000                # model tokens, input and output together
//     max_diff_lines: 2000               # a bigger diff is not published
//
//     # Paths the bot must not change (globs: `*` within a path segment, `**` across segments).
//     # The list replaces the default list; the config files themselves stay protected anyway.
//     protected_paths:
//       - .github/workflows/**
//       - .gitea/workflows/**
//       - .forgejo/workflows/**
//       - .gitlab-ci.yml
//       - .codex-bot.yml
//       - .github/codex-bot.yml
//     allow_test_edits: false            # fix-tests tasks may not edit the failing tests' files
//
//     trigger:
//       label: codex-bot                 # an issue with this label is a task
//       mention: "@codex-bot"            # a comment that mentions this is a task (quote the @)
//       min_permission: write            # read | triage | write | maintain | admin
//       allowed_bots: []                 # bot accounts whose events may trigger a run
//
//     branch_prefix: codex-bot/          # branches are <prefix><task>, e.g. codex-bot/issue-12
//     draft: false                       # open pull requests as drafts
//     labels: []                         # labels put on every pull request
//
//     sandbox:
//       network: off                     # off | on: whether commands may reach the network
//       pass_env: []                     # variables passed to commands (tokens never are)
//
//     bot:                               # the identity of the bot's commits
//       name: codex-bot
//       email: codex-bot@users.noreply.github.com

import AgentKit
import ForgeKit

/// The settings of `.codex-bot.yml`, each with its default; see the comment above for the file format.
public struct BotConfig: Sendable, Equatable {
    /// Commands run once in a fresh worktree before anything else (`setup`), each a shell line.
    public var setup: [String] = []
    /// Commands that build the project; empty: the test command builds.
    public var build: [String] = []
    /// Commands that run the tests, in order; empty: not configured (the caller detects one).
    public var test: [String] = []
    /// Report files the test commands write, relative to the repository root.
    public var testReports: [String] = []

    /// Nil: `CODEX_BOT_MODEL` or the provider's default.
    public var model: String?
    /// Nil: chosen from the environment's API variables.
    public var provider: ModelProviderKind?

    /// Agent turns before the run gives up. Eight turns fix most single failures; a run that has
    /// not converged by then is usually circling.
    public var maxIterations = 8
    /// Wall time of the whole run, in minutes: fits a CI job's usual limit with room for setup.
    public var maxMinutes = 30
    /// Model tokens (input and output) for the whole run: about eight turns with a large context.
    public var maxTokens = 2_000_000
    /// Changed lines (added plus removed) above which the diff is not published: a reviewer can
    /// still read 2000 lines, and a bigger change is rarely what a task asked for.
    public var maxDiffLines = 2000

    /// Glob patterns of paths the bot may not change. Always contains `alwaysProtectedPaths`.
    public var protectedPaths: [String] = BotConfig.defaultProtectedPaths
    /// Whether fix-tests tasks may edit the files of the failing tests.
    public var allowTestEdits = false

    public var trigger = Trigger()
    /// Prefix of every branch the bot pushes, so it never touches a branch it did not make.
    public var branchPrefix = "codex-bot/"
    public var draft = false
    /// Labels put on every pull request.
    public var labels: [String] = []
    public var sandbox = SandboxSettings()
    public var bot = Identity()

    public init() {}

    /// Who may start a run from an issue or a comment.
    public struct Trigger: Sendable, Equatable {
        public var label = "codex-bot"
        /// With its `@`.
        public var mention = "@codex-bot"
        /// The least permission on the repository that the author of a trigger needs.
        public var minPermission = Permission.write
        /// Bot accounts whose events may start a run; other bots' events are ignored (no loops).
        public var allowedBots: [String] = []

        public init() {}
    }

    /// How commands run.
    public struct SandboxSettings: Sendable, Equatable {
        public enum Network: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
            case off, on
            public var description: String { rawValue }
        }

        /// Off by default (DESIGN.md §4): tests that need the network must say so.
        public var network = Network.off
        /// Names of environment variables passed to commands besides the basic ones. Never a
        /// credential: the loader refuses the names codex-bot itself reads secrets from.
        public var passEnv: [String] = []

        public init() {}
    }

    /// The author and committer of the bot's commits.
    public struct Identity: Sendable, Equatable {
        public var name = "codex-bot"
        /// A no-reply address: the bot has no mailbox.
        public var email = "codex-bot@users.noreply.github.com"

        public init() {}
    }

    /// The config files themselves: protected whatever `protected_paths` says, so the agent
    /// cannot widen its own permissions.
    public static let alwaysProtectedPaths = [".codex-bot.yml", ".github/codex-bot.yml"]

    /// CI definitions (they run with the repository's secrets) and the config files.
    public static let defaultProtectedPaths = [
        ".github/workflows/**", ".gitea/workflows/**", ".forgejo/workflows/**", ".gitlab-ci.yml",
    ] + alwaysProtectedPaths

    /// This configuration with the flags that were given put in place of the file's values.
    public func applying(_ overrides: ConfigOverrides) -> BotConfig {
        var config = self
        if let model = overrides.model { config.model = model }
        if let provider = overrides.provider { config.provider = provider }
        if let command = overrides.testCommand { config.test = [command] }
        if let command = overrides.buildCommand { config.build = [command] }
        if let value = overrides.maxIterations { config.maxIterations = value }
        if let value = overrides.maxMinutes { config.maxMinutes = value }
        if let value = overrides.maxTokens { config.maxTokens = value }
        if let prefix = overrides.branchPrefix { config.branchPrefix = prefix }
        if let draft = overrides.draft { config.draft = draft }
        return config
    }
}
