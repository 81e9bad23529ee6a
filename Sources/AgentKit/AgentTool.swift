import Foundation

/// A tool the agent can call. Tools never throw: whatever goes wrong becomes an error result
/// the model reads and can react to.
public protocol AgentTool: Sendable {
    var definition: ToolDefinition { get }
    func run(arguments: JSONValue, context: ToolContext) async -> ToolOutput
}

/// What a tool returns to the model.
public struct ToolOutput: Sendable, Equatable {
    public var text: String
    public var isError: Bool

    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }

    public static func error(_ text: String) -> ToolOutput { ToolOutput(text, isError: true) }
}

/// Where tools act: the worktree, which nothing may leave.
public struct ToolContext: Sendable {
    /// The worktree's root, absolute and with symlinks resolved.
    public var worktree: URL

    public init(worktree: URL) {
        self.worktree = worktree
    }
}
