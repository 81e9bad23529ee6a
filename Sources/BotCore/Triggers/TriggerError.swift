import Foundation

/// Why the CI environment or its event payload could not be turned into a trigger: which file,
/// which event, which field, and what to do. A usage/input error (exit code 2), never a crash.
public struct TriggerError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// A variable the CI system always sets is missing (`GITHUB_EVENT_PATH`, `CI_COMMIT_SHA`, …).
        public static let missingVariable = Code(name: "missing variable")
        /// The payload file could not be read.
        public static let unreadablePayload = Code(name: "unreadable payload")
        /// The payload file is not a JSON object.
        public static let malformedPayload = Code(name: "malformed payload")
        /// The payload lacks a field the event needs, or it has the wrong type.
        public static let missingField = Code(name: "missing field")
        /// No CI system that codex-bot knows set its variables.
        public static let unknownEnvironment = Code(name: "unknown environment")
    }

    public var code: Code
    /// The payload file or the variable the problem is in.
    public var file: String?
    /// The event name (`issue_comment`, `merge_request_event`, …) when it is known.
    public var event: String?
    /// The JSON path (`comment.user.login`) or variable name that is missing or wrong.
    public var field: String?
    public var message: String
    public var hint: String?

    public init(_ code: Code, file: String? = nil, event: String? = nil, field: String? = nil,
                message: String, hint: String? = nil) {
        self.code = code
        self.file = file
        self.event = event
        self.field = field
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "trigger"
        if let event { text += " (event \(event))" }
        text += ": \(message)"
        if let field { text += " [field \(field)]" }
        if let file { text += " in \(file)" }
        if let hint { text += ". \(hint)" }
        return text
    }
}
