// An HTTP client for tests that records the waits it asks for (backoff, Retry-After) instead of
// sleeping through them, so retry tests are exact and fast.
import Foundation
import HTTPKit

public final class RecordedSleeps: @unchecked Sendable {  // `waits` is guarded by `lock`
    private let lock = NSLock()
    private var waits: [Duration] = []

    public init() {}

    /// Every wait asked for so far, in order.
    public var recorded: [Duration] { lock.withLock { waits } }

    public func sleep(_ duration: Duration) async throws {
        lock.withLock { waits.append(duration) }
    }

    /// A client with no proxy, full (un-jittered) backoff, and its waits recorded here.
    public static func client(_ adjust: (inout HTTPClientConfiguration) -> Void = { _ in }) -> (HTTPClient, RecordedSleeps) {
        let sleeps = RecordedSleeps()
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .direct
        configuration.sleep = { try await sleeps.sleep($0) }
        configuration.random = { 1.0 }
        adjust(&configuration)
        return (HTTPClient(configuration: configuration), sleeps)
    }
}
