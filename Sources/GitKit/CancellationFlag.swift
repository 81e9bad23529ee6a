import Synchronization

/// A flag that a blocking libgit2 call polls from its progress callbacks: setting it
/// from any thread makes the call stop at its next callback with a `cancelled` error.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
