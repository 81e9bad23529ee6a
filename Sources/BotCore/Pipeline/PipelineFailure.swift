import AgentKit
import ForgeKit
import Foundation
import GitKit
import HTTPKit
import Sandbox
import TestReports

/// A stop the pipeline decides on itself: a policy refusal (exit 3), bad input (exit 2), or a
/// broken outside service (exit 4). Errors from the Kits are sorted into the same classes by
/// `PipelineFailure.classify`.
public struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    public var status: RunResult.Status
    public var exitCode: Int32
    public var message: String

    public init(status: RunResult.Status, exitCode: Int32, message: String) {
        self.status = status
        self.exitCode = exitCode
        self.message = message
    }

    public var description: String { message }

    /// Refused by policy (DESIGN.md exit code 3): the message names the rule.
    public static func refused(_ message: String) -> PipelineFailure {
        PipelineFailure(status: .refused, exitCode: 3, message: message)
    }

    /// A usage, configuration or input error (exit code 2).
    public static func input(_ message: String) -> PipelineFailure {
        PipelineFailure(status: .error, exitCode: 2, message: message)
    }

    /// The forge, the model or the git remote failed after retries (exit code 4).
    public static func infrastructure(_ message: String) -> PipelineFailure {
        PipelineFailure(status: .error, exitCode: 4, message: message)
    }

    /// The exit class of any error the pipeline meets. Configuration and credentials that are
    /// plainly wrong are the user's to fix (2); a service that fails is infrastructure (4).
    public static func classify(_ error: any Error) -> PipelineFailure {
        switch error {
        case let failure as PipelineFailure:
            return failure
        case let error as ConfigError:
            return .input("\(error)")
        case let error as TriggerError:
            return .input("\(error)")
        case let error as ReportError:
            return .input("\(error)")
        case let error as ForgeError:
            return error.code == .configuration ? .input("\(error)") : .infrastructure("\(error)")
        case let error as ModelError:
            return [.configuration, .unauthorized, .modelNotFound].contains(error.code) ? .input("\(error)") : .infrastructure("\(error)")
        case let error as GitError:
            if error.code == .cancelled { return cancelled(nil) }
            return [.notARepository, .bareRepository, .unbornBranch, .invalidName].contains(error.code) ? .input("\(error)") : .infrastructure("\(error)")
        case let error as SandboxError:
            return .infrastructure("\(error)")
        case let error as HTTPError:
            return .infrastructure("\(error)")
        case is CancellationError:
            return cancelled(nil)
        default:
            return .infrastructure("\(error)")
        }
    }

    /// A run stopped by a signal or its caller: not green, nothing pushed.
    public static func cancelled(_ signal: String?) -> PipelineFailure {
        PipelineFailure(status: .notGreen, exitCode: 1,
                        message: "cancelled\(signal.map { " by \($0)" } ?? "") before the work was done; nothing was pushed")
    }
}
