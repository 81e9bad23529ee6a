import Foundation

/// Runs blocking work (a child process waited for, a git command) on a thread of its own, so
/// that an async test does not hold one of Swift's few cooperative threads meanwhile. On a
/// 2-core machine the pool has two: two tests blocking them for seconds stall every other
/// suite's async work, and hang bounds elsewhere trip.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
