/// Finds YAML anchors (`&a`) and aliases (`*a`) in the text before Yams composes it.
///
/// Why before: Yams shares an aliased node instead of copying it, so a billion-laughs file
/// composes cheaply, but Yams hashes every mapping key to find duplicates, and a key that is an
/// alias of nested aliases (`? *lol9 : x`) is hashed node by node: 9^9 nodes, minutes of CPU.
/// The decoder refuses anchors exactly afterwards; this scan only has to stop such files first.
///
/// It follows libyaml's scanner only as far as that needs: an `&` or `*` where a token starts
/// (line start, after `- `, `? `, `: `, `[`, `{`, `,`), outside quotes, comments and block
/// scalars. `make && make test` is one plain scalar and passes; `- *.snap` is an alias in YAML
/// too, and the error says to quote it.
enum YAMLAliasScan {
    struct Finding: Equatable {
        var line: Int
        /// "*name" or "&name".
        var token: String
    }

    static func firstAnchorOrAlias(in text: String) -> Finding? {
        var quote: Character?
        var blockParentIndent: Int?
        var flowDepth = 0
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Array(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            let indent = line.prefix(while: { $0 == " " }).count
            if let parent = blockParentIndent {
                if line.allSatisfy(\.isWhitespace) || indent > parent { continue }
                blockParentIndent = nil
            }
            var tokenStart = quote == nil
            var index = 0
            while index < line.count {
                let char = line[index]
                let next: Character? = index + 1 < line.count ? line[index + 1] : nil
                let previousIsBlank = index == 0 || line[index - 1] == " " || line[index - 1] == "\t"
                let nextIsBlank = next == nil || next == " " || next == "\t"
                defer { index += 1 }
                if let open = quote {
                    if char == "\\" && open == "\"" {
                        index += 1
                    } else if char == open {
                        if open == "'" && next == "'" { index += 1 } else { quote = nil }
                    }
                    continue
                }
                if char == " " || char == "\t" { continue }
                if char == "#" && previousIsBlank { break }
                if tokenStart {
                    switch char {
                    case "&", "*":
                        let name = line[index...].prefix(while: { !$0.isWhitespace && !",[]{}".contains($0) })
                        return Finding(line: lineNumber, token: String(name))
                    case "\"", "'":
                        quote = char
                        tokenStart = false
                    case "-", "?", ":":
                        // An indicator when a blank follows; else the start of a plain scalar ("-x").
                        tokenStart = nextIsBlank
                    case "[", "{":
                        flowDepth += 1
                    case "]", "}":
                        flowDepth = max(0, flowDepth - 1)
                        tokenStart = false
                    case ",":
                        tokenStart = true
                    case "|", ">":
                        // A block scalar: the lines indented deeper than this one are its text.
                        blockParentIndent = indent
                        index = line.count
                    case "!":
                        // A tag precedes the node; the node's own token starts after it.
                        while index + 1 < line.count && !line[index + 1].isWhitespace { index += 1 }
                    case "%" where index == 0:
                        index = line.count
                    default:
                        tokenStart = false // a plain scalar
                    }
                } else if char == ":" && (nextIsBlank || (flowDepth > 0 && next.map { ",[]{}".contains($0) } == true)) {
                    tokenStart = true
                } else if flowDepth > 0 {
                    switch char {
                    case ",", "[", "{":
                        if char != "," { flowDepth += 1 }
                        tokenStart = true
                    case "]", "}":
                        flowDepth = max(0, flowDepth - 1)
                    default:
                        break
                    }
                }
            }
        }
        return nil
    }
}
