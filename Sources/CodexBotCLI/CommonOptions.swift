import ArgumentParser

/// The options every task command shares (DESIGN.md §1, "Common options").
struct CommonOptions: ParsableArguments {
    @Option(help: "The repository on the forge, OWNER/NAME (default: from the CI environment or the origin remote).")
    var repo: String?

    @Option(help: "The forge API to talk to: github, gitlab, gitea or local.")
    var forge: String?

    @Option(help: "The model name (default: CODEX_BOT_MODEL or the config file).")
    var model: String?

    @Option(help: "The model API: openai, openai-chat or anthropic.")
    var provider: String?

    @Option(name: .customLong("test-cmd"), help: "The command that runs the tests.")
    var testCommand: String?

    @Option(name: .customLong("build-cmd"), help: "The command that builds the project.")
    var buildCommand: String?

    @Option(name: .customLong("max-iterations"), help: "Give up after this many agent turns.")
    var maxIterations: Int?

    @Option(name: .customLong("max-minutes"), help: "Give up after this many minutes of wall time.")
    var maxMinutes: Int?

    @Option(name: .customLong("max-tokens"), help: "Give up after this many model tokens.")
    var maxTokens: Int?

    @Option(help: "The branch the pull request targets (default: the repository's default branch).")
    var base: String?

    // Optional, not defaulted here: a flag left out must not override `branch_prefix` in .codex-bot.yml.
    @Option(name: .customLong("branch-prefix"), help: "Prefix of the branches codex-bot pushes (default: codex-bot/, or branch_prefix in the config file).")
    var branchPrefix: String?

    @Flag(help: "Open the pull request as a draft.")
    var draft = false

    @Flag(name: .customLong("dry-run"), help: "No push and no forge writes: print the diff instead.")
    var dryRun = false

    @Option(help: "Read configuration from this file instead of .codex-bot.yml.")
    var config: String?

    @Flag(help: "Print the result as one JSON object on the last line of stdout.")
    var json = false

    func validate() throws {
        if let forge, !["github", "gitlab", "gitea", "local"].contains(forge) {
            throw ValidationError("--forge must be github, gitlab, gitea or local, not '\(forge)'")
        }
        if let provider, !["openai", "openai-chat", "anthropic"].contains(provider) {
            throw ValidationError("--provider must be openai, openai-chat or anthropic, not '\(provider)'")
        }
        for (flag, value) in [("--max-iterations", maxIterations), ("--max-minutes", maxMinutes), ("--max-tokens", maxTokens)] {
            if let value, value <= 0 { throw ValidationError("\(flag) must be a positive number, not \(value)") }
        }
    }
}
