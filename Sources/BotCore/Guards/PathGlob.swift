/// A path pattern for `protected_paths`, matched against repository-relative paths.
///
/// The rules, kept small so a reader of `.codex-bot.yml` can predict them:
/// - Patterns are anchored at the repository root (a leading `/` is ignored); write
///   `**/name` to match a name at any depth.
/// - `*` matches any characters inside one path segment (never `/`), `?` one character
///   other than `/`, and a segment that is exactly `**` matches zero or more segments.
/// - A pattern that matches a leading part of a path protects everything beneath it, so
///   `.github/workflows`, `.github/workflows/` and `.github/workflows/**` mean the same:
///   protecting a directory has to protect its contents, or the rule is trivially dodged.
/// - There are no character classes or negations; an empty pattern matches nothing.
public struct PathGlob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let segments: [String]

    public init(_ pattern: String) {
        self.pattern = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    public var description: String { pattern }

    /// Whether `path` (relative, `/`-separated) is the pattern's match or lies beneath one.
    public func matches(_ path: String) -> Bool {
        guard !segments.isEmpty else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty else { return false }
        return Self.match(segments[...], parts[...])
    }

    /// Segment-wise match where running out of pattern early means "a directory above the path matched".
    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return true }
        if first == "**" {
            let rest = pattern.dropFirst()
            // `**` at the end matches whatever is left, including nothing below a matched directory.
            if rest.isEmpty { return true }
            var remaining = path
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let segment = path.first, segmentMatches(Array(first), Array(segment)) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` and `?` inside one segment, by the usual backtracking over the last star.
    static func segmentMatches(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var starAt: Int?, starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t], pattern[p] != "*" {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                starAt = p
                starText = t
                p += 1
            } else if let star = starAt {
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
