import Foundation

/// Finds credentials in added diff lines: the bot's own secret values and well-known token
/// shapes. Reports only the kind of secret, never the matched text.
public enum SecretScanner {
    /// A token shape: a fixed prefix and a minimum run of the characters such tokens use.
    struct Shape: Sendable {
        var kind: String
        var prefix: String
        var alphabet: Alphabet
        var minimumLength: Int
        /// For prefixes that are also common words, the character before must not be a letter or digit.
        var needsBoundary = true
    }

    enum Alphabet: Sendable {
        case base62, base62Dash, upperDigits

        func contains(_ c: Character) -> Bool {
            guard c.isASCII else { return false }
            switch self {
            case .base62: return c.isLetter || c.isNumber
            case .base62Dash: return c.isLetter || c.isNumber || c == "_" || c == "-"
            case .upperDigits: return c.isUppercase || c.isNumber
            }
        }
    }

    // Longer prefixes first, so `sk-ant-` is named as Anthropic rather than OpenAI.
    static let shapes: [Shape] = [
        Shape(kind: "GitHub personal access token", prefix: "ghp_", alphabet: .base62, minimumLength: 30),
        Shape(kind: "GitHub OAuth token", prefix: "gho_", alphabet: .base62, minimumLength: 30),
        Shape(kind: "GitHub App token", prefix: "ghs_", alphabet: .base62, minimumLength: 30),
        Shape(kind: "GitHub user-to-server token", prefix: "ghu_", alphabet: .base62, minimumLength: 30),
        Shape(kind: "GitHub refresh token", prefix: "ghr_", alphabet: .base62, minimumLength: 30),
        Shape(kind: "GitHub fine-grained token", prefix: "github_pat_", alphabet: .base62Dash, minimumLength: 22),
        Shape(kind: "GitLab personal access token", prefix: "glpat-", alphabet: .base62Dash, minimumLength: 20),
        Shape(kind: "Anthropic API key", prefix: "sk-ant-", alphabet: .base62Dash, minimumLength: 20),
        Shape(kind: "OpenAI API key", prefix: "sk-", alphabet: .base62Dash, minimumLength: 20),
        Shape(kind: "AWS access key id", prefix: "AKIA", alphabet: .upperDigits, minimumLength: 16),
        Shape(kind: "AWS access key id", prefix: "ASIA", alphabet: .upperDigits, minimumLength: 16),
    ]

    /// The kind of secret in `line`, or nil. `secrets` are exact values; blank ones are ignored.
    public static func secretKind(in line: String, secrets: [String]) -> String? {
        for secret in secrets where !secret.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            if line.contains(secret) { return "a secret value the bot holds" }
        }
        if line.contains("-----BEGIN "), line.contains("PRIVATE KEY") { return "a PEM private key" }
        for shape in shapes where matches(shape, in: line) { return shape.kind }
        return nil
    }

    static func matches(_ shape: Shape, in line: String) -> Bool {
        var searchFrom = line.startIndex
        while let range = line.range(of: shape.prefix, range: searchFrom..<line.endIndex) {
            searchFrom = range.upperBound
            if shape.needsBoundary, range.lowerBound > line.startIndex {
                let before = line[line.index(before: range.lowerBound)]
                if before.isLetter || before.isNumber { continue }
            }
            let body = line[range.upperBound...].prefix(while: shape.alphabet.contains)
            if body.count >= shape.minimumLength { return true }
        }
        return false
    }
}
