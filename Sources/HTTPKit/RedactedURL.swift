import Foundation

/// URLs as they may appear in errors and logs: no user or password, and no value of a query
/// parameter that carries a credential or a signature (pre-signed log download URLs carry both).
public enum RedactedURL {
    public static func string(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return "[unparsable URL]" }
        if parts.user != nil || parts.password != nil {
            parts.user = nil
            parts.password = nil
        }
        if let items = parts.queryItems, !items.isEmpty {
            parts.queryItems = items.map { item in
                isSecret(item.name) ? URLQueryItem(name: item.name, value: "[redacted]") : item
            }
        }
        return (parts.string ?? "[unparsable URL]").replacingOccurrences(of: "%5Bredacted%5D", with: "[redacted]")
    }

    static func isSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        return secretNames.contains(lower) || lower.hasPrefix("x-amz-") || lower.contains("token")
            || lower.contains("secret") || lower.contains("signature") || lower.contains("password")
    }

    private static let secretNames: Set<String> = ["key", "api_key", "apikey", "sig", "se", "skoid", "sktid", "code", "access_key"]
}
