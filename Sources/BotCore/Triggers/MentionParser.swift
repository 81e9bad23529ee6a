import Foundation

/// Finds the bot's mention in a comment and the instruction that follows it. Only a mention
/// someone wrote to the bot counts: not one inside a code span or fenced block (an example), not
/// one in a `>` quote (someone else's words), not `@codex-bot2` or `a@codex-bot.io`.
public enum MentionParser {
    /// The text after the first real mention (the rest of its line and the lines below), trimmed;
    /// "" for a bare mention; nil when the comment does not address the bot.
    public static func instruction(in text: String, mention: String) -> String? {
        let needle = Array(mention.lowercased())
        guard !needle.isEmpty else { return nil }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var fence: (marker: Character, length: Int)?
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if let run = fenceRun(trimmed, leadingSpaces: line.count - trimmed.count) {
                if let open = fence {
                    if run.marker == open.marker && run.length >= open.length && run.rest.allSatisfy(\.isWhitespace) { fence = nil }
                } else {
                    fence = (run.marker, run.length)
                }
                continue
            }
            if fence != nil || trimmed.first == ">" { continue }
            let original = Array(line)
            let visible = maskingCodeSpans(original)
            guard let start = firstMention(of: needle, in: visible) else { continue }
            let rest = String(original[(start + needle.count)...]) + lines[(index + 1)...].map { "\n" + $0 }.joined()
            return cleaned(rest)
        }
        return nil
    }

    /// A line opening or closing a fenced block: three or more backticks or tildes, indented at most three spaces.
    static func fenceRun(_ trimmed: Substring, leadingSpaces: Int) -> (marker: Character, length: Int, rest: Substring)? {
        guard leadingSpaces <= 3, let marker = trimmed.first, marker == "`" || marker == "~" else { return nil }
        let length = trimmed.prefix(while: { $0 == marker }).count
        guard length >= 3 else { return nil }
        return (marker, length, trimmed.dropFirst(length))
    }

    /// The line with every closed code span's characters replaced by spaces, so positions still
    /// line up with the original. An unclosed run of backticks is literal text, as in CommonMark.
    static func maskingCodeSpans(_ line: [Character]) -> [Character] {
        var result = line
        var i = 0
        while i < line.count {
            guard line[i] == "`" else { i += 1; continue }
            let runLength = line[i...].prefix(while: { $0 == "`" }).count
            var j = i + runLength
            var closedAt: Int?
            while j < line.count {
                if line[j] == "`" {
                    let closing = line[j...].prefix(while: { $0 == "`" }).count
                    if closing == runLength { closedAt = j + closing; break }
                    j += closing
                } else {
                    j += 1
                }
            }
            guard let end = closedAt else { i += runLength; continue }
            for k in i..<end { result[k] = " " }
            i = end
        }
        return result
    }

    /// Where `needle` (lowercased) stands as a whole word in `line`.
    static func firstMention(of needle: [Character], in line: [Character]) -> Int? {
        guard line.count >= needle.count else { return nil }
        for start in 0...(line.count - needle.count) {
            guard zip(line[start..<(start + needle.count)], needle).allSatisfy({ $0.lowercased() == String($1) }) else { continue }
            // `a@codex-bot` is an address; `@codex-bot2` and `@codex-bot-dev` are other accounts.
            if start > 0, isNameCharacter(line[start - 1]) || line[start - 1] == "." || line[start - 1] == "/" { continue }
            let after = start + needle.count
            if after < line.count, isNameCharacter(line[after]) { continue }
            return start
        }
        return nil
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "-" || c == "_"
    }

    /// Drops the punctuation people put after a name ("@codex-bot: fix it", "@codex-bot, fix it").
    static func cleaned(_ text: String) -> String {
        var rest = Substring(text)
        if let first = rest.first, ":,;".contains(first) { rest = rest.dropFirst() }
        return rest.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
