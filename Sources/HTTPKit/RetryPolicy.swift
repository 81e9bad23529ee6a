import Foundation

/// When and how long the client waits before sending a request again.
///
/// Transient failures (no connection, reset, timeout, 500/502/503/504) are retried with
/// exponential backoff and jitter, for requests that may be sent twice. Rate limits (429, and
/// 403 with GitHub's or GitLab's rate-limit signs) are retried for every method, since the
/// server refused the request without acting on it, after the wait the server asked for,
/// unless that wait is longer than `maxRateLimitWait`: then the call fails at once, saying when
/// the limit resets.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The first backoff; each next one doubles, up to `maxDelay`. Each is jittered down by up to half.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The longest rate-limit wait the client sits through.
    public var maxRateLimitWait: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8),
                maxRateLimitWait: Duration = .seconds(90)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRateLimitWait = maxRateLimitWait
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before attempt `attempt + 1`, after `attempt` failed attempts: "equal jitter".
    func backoff(after attempt: Int, random: Double) -> Duration {
        let exponent = min(attempt - 1, 20)
        let full = min(baseDelay * (1 << exponent), maxDelay)
        return full * (0.5 + 0.5 * min(max(random, 0), 1))
    }

    /// Statuses that say "try again soon" without a rate limit.
    static func isTransient(status: Int) -> Bool {
        [500, 502, 503, 504, 529].contains(status)  // 529: Anthropic "overloaded"
    }
}

/// What a response says about waiting: nil when it is not a rate limit.
struct RateLimitAdvice: Equatable {
    /// How long to wait before the next attempt.
    var wait: Duration
    var resetsAt: Date?
    /// Where the wait came from, for the error message.
    var source: String

    /// GitHub: 429, or 403 with `x-ratelimit-remaining: 0` (primary) or "secondary rate limit"
    /// in the body; `Retry-After` in seconds or as a date; `x-ratelimit-reset` as epoch seconds.
    /// GitLab: 429 with `RateLimit-Reset`. Gitea: 429 with `Retry-After`. A 503 with `Retry-After`
    /// is a server asking for patience and is treated the same way.
    static func from(status: Int, headers: HTTPHeaders, body: Data, now: Date) -> RateLimitAdvice? {
        let remainingZero = (headers["x-ratelimit-remaining"] ?? headers["ratelimit-remaining"])
            .map { $0.trimmingCharacters(in: .whitespaces) == "0" } ?? false
        let secondary = status == 403 && String(decoding: body.prefix(2048), as: UTF8.self)
            .lowercased().contains("secondary rate limit")
        let retryAfter = headers["Retry-After"].flatMap { parseRetryAfter($0, now: now) }
        guard status == 429 || (status == 403 && (remainingZero || secondary || retryAfter != nil))
                || (status == 503 && retryAfter != nil)
        else { return nil }

        if let retryAfter {
            return RateLimitAdvice(wait: retryAfter, resetsAt: now.addingTimeInterval(retryAfter.seconds),
                                   source: "Retry-After")
        }
        if remainingZero, let reset = (headers["x-ratelimit-reset"] ?? headers["ratelimit-reset"])
            .flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
            let date = Date(timeIntervalSince1970: reset)
            let seconds = max(0, date.timeIntervalSince(now)) + 1  // the reset second itself may still be limited
            return RateLimitAdvice(wait: .milliseconds(Int64(seconds * 1000)), resetsAt: date, source: "x-ratelimit-reset")
        }
        // GitHub's documented advice for a secondary limit without headers: wait at least a minute.
        let wait: Duration = secondary ? .seconds(60) : .seconds(1)
        return RateLimitAdvice(wait: wait, resetsAt: now.addingTimeInterval(wait.seconds),
                               source: secondary ? "secondary rate limit" : "429 without Retry-After")
    }

    /// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (RFC 9110 §10.2.3).
    static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// "45 s", "12 min", "2 h 5 min": how long a wait is, for people.
    var spoken: String {
        let total = Int(seconds.rounded(.up))
        if total < 120 { return "\(total) s" }
        if total < 7200 { return "\((total + 59) / 60) min" }
        return "\(total / 3600) h \((total % 3600 + 59) / 60) min"
    }
}
