import Foundation
import Sandbox

/// Replaces secrets in text before it reaches the model, a transcript or a log: the values of
/// the environment's credential variables, and anything shaped like a well-known token.
public struct SecretRedactor: Sendable {
    private let values: [String]

    /// `secrets`: values to hide wherever they appear (shorter than 8 characters are ignored:
    /// they would match ordinary words).
    public init(secrets: [String]) {
        values = Set(secrets.filter { $0.count >= 8 }).sorted { $0.count > $1.count }
    }

    /// The values of the variables in `environment` whose names look like credentials.
    public init(environment: [String: String]) {
        self.init(secrets: environment.filter { SecretRedactor.isCredentialName($0.key) }.map(\.value))
    }

    /// Whether a variable of this name holds a credential (GITHUB_TOKEN, OPENAI_API_KEY, …): the
    /// Sandbox's rule, so what commands never see and what the model never sees are the same set.
    public static func isCredentialName(_ name: String) -> Bool {
        Sandbox.isCredentialName(name)
    }

    /// This redactor hiding `secrets` too (a token fetched at run time, such as an App's).
    public func adding(_ secrets: [String]) -> SecretRedactor {
        SecretRedactor(secrets: values + secrets)
    }

    /// The values hidden by name (not the token shapes): what the publish guards look for in a diff.
    public var secretValues: [String] { values }

    public func redact(_ text: String) -> String {
        var result = text
        for value in values where result.contains(value) {
            result = result.replacingOccurrences(of: value, with: "[redacted]")
        }
        return SecretRedactor.redactTokenShapes(result)
    }

    /// Token formats with a recognisable prefix: GitHub, GitLab, OpenAI, Anthropic, Slack, AWS keys.
    private static let shapes: [NSRegularExpression] = [
        #"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"#,
        #"\bglpat-[A-Za-z0-9_\-]{20,}"#,
        #"\bsk-(ant-)?[A-Za-z0-9_\-]{20,}"#,
        #"\bxox[abpr]-[A-Za-z0-9\-]{10,}"#,
        #"\bAKIA[0-9A-Z]{16}\b"#,
        #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    static func redactTokenShapes(_ text: String) -> String {
        guard text.contains(where: { $0 == "_" || $0 == "-" }) else { return text }
        var result = text
        for shape in shapes {
            let range = NSRange(result.startIndex..., in: result)
            result = shape.stringByReplacingMatches(in: result, range: range, withTemplate: "[redacted]")
        }
        return result
    }
}
