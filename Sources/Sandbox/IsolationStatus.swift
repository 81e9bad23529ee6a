/// Whether commands can run isolated with bubblewrap (no network, read-only outside the
/// worktree) and, when they cannot, why in plain words with what to do. From `Sandbox.isolation()`.
public struct IsolationStatus: Sendable, Equatable, CustomStringConvertible {
    /// The `bwrap` executable that passed the self-test; nil when isolation is unavailable.
    public let bubblewrap: String?
    /// Why isolation is unavailable ("bubblewrap is not installed: apt-get install bubblewrap");
    /// nil when it is available.
    public let problem: String?

    public var isAvailable: Bool { bubblewrap != nil }

    public static func available(bubblewrap: String) -> IsolationStatus {
        IsolationStatus(bubblewrap: bubblewrap, problem: nil)
    }

    public static func unavailable(_ problem: String) -> IsolationStatus {
        IsolationStatus(bubblewrap: nil, problem: problem)
    }

    private init(bubblewrap: String?, problem: String?) {
        self.bubblewrap = bubblewrap
        self.problem = problem
    }

    public var description: String {
        if let bubblewrap {
            return "commands run isolated by bubblewrap (\(bubblewrap)): no network, read-only outside the worktree"
        }
        return "commands run without isolation: \(problem ?? "bubblewrap is unavailable")"
    }
}
