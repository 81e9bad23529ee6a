import Foundation

/// The timestamps forges write: RFC 3339 with `Z` or an offset, with or without fractions
/// ("2011-04-14T16:00:49Z" GitHub, "2016-01-04T15:31:51.081Z" GitLab, "2017-03-18T16:52:43+08:00"
/// Gitea). A field that does not parse is treated as absent, never as "now".
enum ForgeDates {
    static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
