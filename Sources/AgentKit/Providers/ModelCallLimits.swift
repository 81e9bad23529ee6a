import Foundation

/// How much one model call may take: a server that streams forever, goes silent, or answers
/// with far more than a model turn ends in a clear `badResponse` instead of a hang or
/// unbounded memory.
public struct ModelCallLimits: Sendable, Equatable {
    /// The most bytes one answer may have, streamed or not. A model turn is kilobytes; 16 MiB
    /// leaves room for long answers and ends a server stuck in a loop.
    public var maxResponseBytes: Int
    /// For streams: the longest silence between two pieces of the stream. Real servers send
    /// keep-alive pings well inside this while a model thinks.
    public var idleTimeout: Duration
    /// For streams: the longest a whole stream may run, pings included.
    public var maxStreamDuration: Duration
    /// For answers that are not streamed: the longest wait for the whole answer. A slow model
    /// writing a long turn takes minutes, so this is far above HTTPKit's default for API calls.
    public var requestTimeout: Duration

    public init(maxResponseBytes: Int = 16 << 20, idleTimeout: Duration = .seconds(180),
                maxStreamDuration: Duration = .seconds(1800), requestTimeout: Duration = .seconds(900)) {
        self.maxResponseBytes = max(1024, maxResponseBytes)
        self.idleTimeout = idleTimeout
        self.maxStreamDuration = maxStreamDuration
        self.requestTimeout = requestTimeout
    }
}
