import Foundation

/// The `---` block of `key: value` lines at the top of a local-forge record, and the Markdown
/// after it.
///
/// Written values are plain when they are a simple word (`main`, `codex-bot/issue-12`, `open`)
/// and JSON otherwise: a string in double quotes with `\n`, `\"` and control characters escaped,
/// a list as a JSON array. So a title holding a newline or a `---` line stays on its own line,
/// and the block is also valid YAML for other tools. Read values may be either form, so people
/// can edit a record by hand (`state: closed`).
struct FrontMatter: Equatable {
    /// One `key: value` line as read, with its 1-based line number for errors.
    struct Field: Equatable {
        var key: String
        var value: Value
        var line: Int
    }

    enum Value: Equatable {
        case text(String)
        case list([String])
        /// Written exactly as given (numbers, booleans, dates); read back as `.text`.
        case literal(String)
    }

    /// The fields in file order; keys are unique.
    var fields: [Field]
    /// Everything after the closing `---` line (one blank separator line removed).
    var body: String
    /// The 1-based line of the file where the body starts, for errors about it.
    var bodyLine = 1

    /// Why a record cannot be read, in words that name the line and what to do.
    struct Problem: Error, Equatable {
        var message: String
    }

    // MARK: Reading

    /// Splits `text` into front matter and body. `required`: the file must start with `---`;
    /// otherwise a file without a block is all body.
    static func parse(_ text: String, required: Bool) throws(Problem) -> FrontMatter {
        // Lines are split on "\n" by hand: the body is kept byte for byte, "\r\n" included.
        var rest = Substring(text)
        if text.hasPrefix("\u{FEFF}") { rest = rest.dropFirst() }
        let whole = rest
        guard let first = nextLine(&rest), isFence(first) else {
            if required {
                throw Problem(message: "line 1 is not '---': the record must start with its front matter block")
            }
            return FrontMatter(fields: [], body: String(whole), bodyLine: 1)
        }
        // The whole block first: a file cut inside it is reported as cut, not as its last bad line.
        var blockLines: [Substring] = []
        while true {
            guard let raw = nextLine(&rest) else {
                throw Problem(message: "the front matter block that starts on line 1 has no closing '---' line "
                              + "(the file is truncated or was cut while editing)")
            }
            if isFence(raw) { break }
            blockLines.append(raw.hasSuffix("\r") ? raw.dropLast() : raw)
        }
        var fields: [Field] = []
        for (offset, raw) in blockLines.enumerated() {
            let lineNumber = offset + 2
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw Problem(message: "line \(lineNumber) is not 'key: value': \(quoted(line))")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw Problem(message: "line \(lineNumber) has no valid key before ':': \(quoted(line))")
            }
            if fields.contains(where: { $0.key == key }) {
                throw Problem(message: "line \(lineNumber) repeats the key '\(key)'")
            }
            let valueText = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let value = try parseValue(valueText, key: key, line: lineNumber)
            fields.append(Field(key: key, value: value, line: lineNumber))
        }
        var body = rest
        var bodyLine = blockLines.count + 3
        if body.hasPrefix("\r\n") || body.hasPrefix("\n") {
            body = body.dropFirst()  // "\r\n" is one Character
            bodyLine += 1
        }
        return FrontMatter(fields: fields, body: String(body), bodyLine: bodyLine)
    }

    private static func isFence(_ line: Substring) -> Bool {
        (line.hasSuffix("\r") ? line.dropLast() : line).trimmingCharacters(in: .whitespaces) == "---"
    }

    /// Removes and returns the next line without its "\n"; nil at the end of the text.
    private static func nextLine(_ text: inout Substring) -> Substring? {
        guard !text.isEmpty else { return nil }
        // By bytes: as Characters, "\r\n" is one grapheme that is not "\n".
        guard let newline = text.utf8.firstIndex(of: UInt8(ascii: "\n")) else {
            defer { text = text[text.endIndex...] }
            return text
        }
        defer { text = text[text.utf8.index(after: newline)...] }
        return text[..<newline]
    }

    private static func parseValue(_ text: String, key: String, line: Int) throws(Problem) -> Value {
        guard let first = text.first, first == "\"" || first == "[" else { return .text(text) }
        do {
            if first == "\"" {
                return .text(try JSONDecoder().decode(String.self, from: Data(text.utf8)))
            }
            return .list(try JSONDecoder().decode([String].self, from: Data(text.utf8)))
        } catch {
            let what = first == "\"" ? "a string in double quotes (JSON escapes)" : "a list like [\"a\", \"b\"]"
            throw Problem(message: "line \(line): the value of '\(key)' is not \(what): \(quoted(text))")
        }
    }

    /// A line for an error message: quoted, cut at 120 characters, control characters escaped.
    static func quoted(_ text: String) -> String {
        let short = text.count > 120 ? String(text.prefix(120)) + "…" : text
        return (try? String(decoding: JSONEncoder().encode(short), as: UTF8.self)) ?? "\"\""
    }

    // MARK: Typed access

    func field(_ key: String) -> Field? { fields.first { $0.key == key } }

    /// The text of `key`; nil when absent. A list where text belongs is an error.
    func text(_ key: String) throws(Problem) -> String? {
        guard let field = field(key) else { return nil }
        switch field.value {
        case .text(let value), .literal(let value): return value
        case .list: throw Problem(message: "line \(field.line): '\(key)' must be one value, not a list")
        }
    }

    func requiredText(_ key: String) throws(Problem) -> String {
        guard let value = try text(key) else { throw Problem(message: "the front matter has no '\(key):' line") }
        return value
    }

    /// A list; a plain value is read as comma-separated words (`labels: bug, ui`).
    func list(_ key: String) -> [String]? {
        guard let field = field(key) else { return nil }
        switch field.value {
        case .list(let values): return values
        case .text(let value), .literal(let value):
            return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    func integer(_ key: String) throws(Problem) -> Int? {
        guard let value = try text(key) else { return nil }
        guard let number = Int(value), number > 0 else {
            throw Problem(message: "line \(field(key)?.line ?? 0): '\(key)' must be a positive whole number, not \(Self.quoted(value))")
        }
        return number
    }

    func bool(_ key: String) throws(Problem) -> Bool? {
        guard let value = try text(key) else { return nil }
        switch value.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            throw Problem(message: "line \(field(key)?.line ?? 0): '\(key)' must be true or false, not \(Self.quoted(value))")
        }
    }

    func date(_ key: String) throws(Problem) -> Date? {
        guard let value = try text(key) else { return nil }
        guard let date = try? Date(value, strategy: .iso8601) else {
            throw Problem(message: "line \(field(key)?.line ?? 0): '\(key)' must be a date like 2026-11-22T10:00:00Z, "
                          + "not \(Self.quoted(value))")
        }
        return date
    }

    /// Refuses keys the record does not know, so a typo (`stat: closed`) is not silently ignored.
    func refuseUnknownKeys(_ known: Set<String>) throws(Problem) {
        if let unknown = fields.first(where: { !known.contains($0.key) }) {
            throw Problem(message: "line \(unknown.line): unknown key '\(unknown.key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: Writing

    /// The block and the body, as written to disk: `---`, the lines, `---`, a blank line, the body.
    static func render(_ pairs: [(key: String, value: Value)], body: String) -> String {
        var text = "---\n"
        for (key, value) in pairs {
            switch value {
            case .text(let string): text += "\(key): \(encode(string))\n"
            case .literal(let string): text += "\(key): \(string)\n"
            case .list(let strings): text += "\(key): [\(strings.map(jsonString).joined(separator: ", "))]\n"
            }
        }
        return text + "---\n\n" + body
    }

    /// A value on one line: plain when it is a simple word, JSON-quoted otherwise.
    static func encode(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._/+@-".unicodeScalars.contains(scalar))
        }
        // A word starting with '-' or '.' could read as YAML syntax; "true"/"no" would read as booleans.
        let ambiguous = ["true", "false", "yes", "no", "null", "~"].contains(value.lowercased())
        if plain, let first = value.first, first != "-", first != ".", !ambiguous { return value }
        return jsonString(value)
    }

    static func jsonString(_ value: String) -> String {
        // JSONEncoder escapes '"', '\' and every control character (newlines included).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "\"\""
    }
}
