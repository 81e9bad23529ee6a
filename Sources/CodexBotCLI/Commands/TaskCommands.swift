import ArgumentParser

/// `codex-bot run`: the CI entry point.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CI entry point: infer the task from the CI environment and do it.",
        discussion: """
        Reads GitHub Actions and Gitea/Forgejo Actions (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH: \
        issues, issue_comment, pull_request_review_comment, workflow_run, workflow_dispatch) \
        and GitLab CI (CI_* variables).
        """)
    @OptionGroup var common: CommonOptions
    func run() async throws { try notBuiltYet("run") }
}

/// `codex-bot issue N`: issue → branch → pull request.
struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Turn issue N into a branch and a pull request that says 'Fixes #N'.")
    @Argument(help: "The issue number.") var number: Int
    @OptionGroup var common: CommonOptions
    func run() async throws { try notBuiltYet("issue") }
}

/// `codex-bot fix-tests`: failing tests → fix → pull request.
struct FixTests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix-tests",
        abstract: "Fix failing tests and open a pull request.",
        discussion: "With no --report, runs the test command to find the failures.")
    @Option(name: .customLong("report"), help: "A test report or CI log (repeatable).") var reports: [String] = []
    @OptionGroup var common: CommonOptions
    func run() async throws { try notBuiltYet("fix-tests") }
}

/// `codex-bot serve`: the webhook receiver.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive forge webhooks (HMAC-verified, deduplicated, durable queue, bounded concurrency).")
    @Option(help: "Address to listen on.") var listen: String = "127.0.0.1:8080"
    func run() async throws { try notBuiltYet("serve") }
}
