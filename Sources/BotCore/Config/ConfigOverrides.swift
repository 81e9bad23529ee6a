import AgentKit

/// The command-line flags that override `.codex-bot.yml` (DESIGN.md §1 "Common options").
/// Nil means "not given": the file's value, or the default, stays.
public struct ConfigOverrides: Sendable, Equatable {
    public var model: String?
    public var provider: ModelProviderKind?
    /// `--test-cmd`: replaces the whole `test` list.
    public var testCommand: String?
    /// `--build-cmd`: replaces the whole `build` list.
    public var buildCommand: String?
    public var maxIterations: Int?
    public var maxMinutes: Int?
    public var maxTokens: Int?
    public var branchPrefix: String?
    /// `--draft` sets true; without the flag pass nil, so the file's `draft: true` still counts.
    public var draft: Bool?

    public init(model: String? = nil, provider: ModelProviderKind? = nil, testCommand: String? = nil,
                buildCommand: String? = nil, maxIterations: Int? = nil, maxMinutes: Int? = nil,
                maxTokens: Int? = nil, branchPrefix: String? = nil, draft: Bool? = nil) {
        self.model = model
        self.provider = provider
        self.testCommand = testCommand
        self.buildCommand = buildCommand
        self.maxIterations = maxIterations
        self.maxMinutes = maxMinutes
        self.maxTokens = maxTokens
        self.branchPrefix = branchPrefix
        self.draft = draft
    }
}
