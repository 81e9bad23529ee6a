import AgentKit
import ForgeKit
import Yams

/// Turns the composed YAML of `.codex-bot.yml` into a `BotConfig`, checking every key and value.
/// Reads the nodes' text rather than Yams' typed values: YAML 1.1 would turn `off` into false and
/// `0755` into 493, and the messages should quote what the user wrote.
struct ConfigDecoder {
    let file: String

    static let topLevelKeys = [
        "setup", "build", "test", "test_reports", "model", "provider", "max_iterations", "max_minutes",
        "max_tokens", "max_diff_lines", "protected_paths", "allow_test_edits", "trigger", "branch_prefix",
        "draft", "labels", "sandbox", "bot",
    ]
    static let sectionKeys: [String: [String]] = [
        "trigger": ["label", "mention", "min_permission", "allowed_bots"],
        "sandbox": ["network", "pass_env"],
        "bot": ["name", "email"],
    ]

    /// Variables codex-bot reads credentials from: commands never see them (DESIGN.md §4).
    static let secretVariables: Set<String> = [
        "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
        "CODEX_BOT_APP_PRIVATE_KEY", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "CI_JOB_TOKEN",
    ]

    /// A mapping's entry: the key's text and line, and its value.
    struct Entry {
        var key: String
        var path: String
        var line: Int?
        var value: Node
    }

    func decode(_ root: Node?) throws -> BotConfig {
        var config = BotConfig()
        // An empty file, or one with only comments, is a file with every default.
        guard let root else { return config }
        if isNull(root) { return config }
        for entry in try entries(of: root, section: nil) {
            try decodeTopLevel(entry, into: &config)
        }
        // Whatever the user's list says, the config files stay protected.
        for path in BotConfig.alwaysProtectedPaths where !config.protectedPaths.contains(path) {
            config.protectedPaths.append(path)
        }
        return config
    }

    private func decodeTopLevel(_ entry: Entry, into config: inout BotConfig) throws {
        switch entry.key {
        case "setup": config.setup = try commands(entry)
        case "build": config.build = try commands(entry)
        case "test": config.test = try commands(entry)
        case "test_reports": config.testReports = try strings(entry, check: relativePath)
        case "model":
            config.model = try string(entry, check: { $0.contains(where: \.isWhitespace) ? "a model name without spaces" : nil })
        case "provider":
            let text = try string(entry)
            guard let provider = ModelProviderKind(rawValue: text) else {
                throw bad(entry, "'provider' must be openai, openai-chat or anthropic, not '\(text)'",
                          hint: suggestion(for: text, among: ModelProviderKind.allCases.map(\.rawValue)))
            }
            config.provider = provider
        case "max_iterations": config.maxIterations = try wholeNumber(entry, upTo: 1000)
        case "max_minutes": config.maxMinutes = try wholeNumber(entry, upTo: 10_080)
        case "max_tokens": config.maxTokens = try wholeNumber(entry, upTo: 1_000_000_000)
        case "max_diff_lines": config.maxDiffLines = try wholeNumber(entry, upTo: 1_000_000)
        case "protected_paths": config.protectedPaths = try strings(entry, check: glob)
        case "allow_test_edits": config.allowTestEdits = try bool(entry)
        case "branch_prefix": config.branchPrefix = try string(entry, check: branchPrefix)
        case "draft": config.draft = try bool(entry)
        case "labels": config.labels = try strings(entry, check: singleLine)
        case "trigger":
            for item in try entries(of: entry.value, section: entry) {
                switch item.key {
                case "label": config.trigger.label = try string(item, check: singleLine)
                case "mention":
                    config.trigger.mention = try string(item, check: {
                        $0.hasPrefix("@") && $0.count > 1 && !$0.contains(where: \.isWhitespace)
                            ? nil : "an @name, in quotes (\"@codex-bot\"): YAML reads a bare @ as reserved"
                    })
                case "min_permission":
                    let text = try string(item)
                    guard let permission = Permission(name: text), permission != .none else {
                        throw bad(item, "'trigger.min_permission' must be read, triage, write, maintain or admin, not '\(text)'")
                    }
                    config.trigger.minPermission = permission
                default: config.trigger.allowedBots = try strings(item, check: singleLine)
                }
            }
        case "sandbox":
            for item in try entries(of: entry.value, section: entry) {
                switch item.key {
                case "network":
                    // `off` and `on` are YAML 1.1 booleans, so accept the other spellings of them too.
                    switch try string(item).lowercased() {
                    case "off", "false", "no": config.sandbox.network = .off
                    case "on", "true", "yes": config.sandbox.network = .on
                    case let text: throw bad(item, "'sandbox.network' must be off or on, not '\(text)'")
                    }
                default: config.sandbox.passEnv = try strings(item, check: variableName)
                }
            }
        case "bot":
            for item in try entries(of: entry.value, section: entry) {
                if item.key == "name" {
                    config.bot.name = try string(item, check: { $0.contains(where: { "<>\n\r".contains($0) }) ? "a name without <, > or line breaks" : nil })
                } else {
                    config.bot.email = try string(item, check: {
                        $0.contains("@") && !$0.contains(where: { $0.isWhitespace || "<>".contains($0) })
                            ? nil : "an email address such as codex-bot@users.noreply.github.com"
                    })
                }
            }
        default:
            break // entries(of:section:) lets only known keys through

        }
    }

    // MARK: Mappings and keys

    /// The entries of a mapping, each key known (else an error with a did-you-mean), none twice.
    private func entries(of node: Node, section: Entry?) throws -> [Entry] {
        try refuseAnchor(node, path: section?.path)
        guard case .mapping(let mapping) = node else {
            if let section {
                let keys = (Self.sectionKeys[section.key] ?? []).joined(separator: ", ")
                throw ConfigError(.notAMapping, file: file, line: line(of: node) ?? section.line, key: section.path,
                                  message: "'\(section.path)' must be a mapping of keys (\(keys)), not \(kind(of: node))",
                                  hint: "write the keys indented on the lines below '\(section.key):'")
            }
            throw ConfigError(.notAMapping, file: file, line: line(of: node),
                              message: "the file must be a mapping of keys such as 'test: make test', not \(kind(of: node))",
                              hint: "see the example in codex-bot's README")
        }
        let known = section.map { Self.sectionKeys[$0.key] ?? [] } ?? Self.topLevelKeys
        var seen: [String: Int?] = [:]
        var result: [Entry] = []
        for (keyNode, value) in mapping {
            try refuseAnchor(keyNode, path: section?.path)
            guard case .scalar(let scalar) = keyNode else {
                throw ConfigError(.wrongType, file: file, line: line(of: keyNode), key: section?.path,
                                  message: "a key must be a plain word, not \(kind(of: keyNode))")
            }
            let key = scalar.string
            let path = section.map { "\($0.path).\(key)" } ?? key
            let keyLine = line(of: keyNode)
            guard known.contains(key) else {
                throw ConfigError(.unknownKey, file: file, line: keyLine, key: path,
                                  message: "unknown key '\(key)'" + (section.map { " in '\($0.path)'" } ?? ""),
                                  hint: unknownKeyHint(key, known: known, section: section?.key))
            }
            if let first = seen[key] {
                throw ConfigError(.duplicateKey, file: file, line: keyLine, key: path,
                                  message: "'\(path)' is given twice" + (first.map { " (first on line \($0))" } ?? ""),
                                  hint: "keep one of them")
            }
            seen[key] = keyLine
            result.append(Entry(key: key, path: path, line: keyLine, value: value))
        }
        return result
    }

    private func unknownKeyHint(_ key: String, known: [String], section: String?) -> String {
        if let section, Self.topLevelKeys.contains(key) {
            return "'\(key)' is a top-level key: move it out of '\(section):'"
        }
        if section == nil, let home = Self.sectionKeys.first(where: { $0.value.contains(key) })?.key {
            return "'\(key)' belongs under '\(home):'"
        }
        return suggestion(for: key, among: known) ?? "the known keys are " + known.joined(separator: ", ")
    }

    // MARK: Values

    private func commands(_ entry: Entry) throws -> [String] {
        let list = try strings(entry, check: { $0.allSatisfy(\.isWhitespace) ? "a command, not an empty line" : nil })
        if list.isEmpty {
            throw bad(entry, "'\(entry.path)' has no commands",
                      hint: "give a command (\(entry.key): make \(entry.key)) or a list of them, or remove the key")
        }
        return list
    }

    /// A list of strings; one string is taken as a list of one.
    private func strings(_ entry: Entry, check: (String) -> String? = { _ in nil }) throws -> [String] {
        try refuseAnchor(entry.value, path: entry.path)
        switch entry.value {
        case .scalar:
            return [try string(entry, check: check)]
        case .sequence(let sequence):
            return try sequence.map { item in
                try string(Entry(key: entry.key, path: entry.path, line: line(of: item) ?? entry.line, value: item),
                           inList: true, check: check)
            }
        default:
            throw wrongType(entry, "must be a string or a list of strings")
        }
    }

    /// The text of a scalar. `check` returns what the value should be, or nil when it is fine.
    private func string(_ entry: Entry, inList: Bool = false, check: (String) -> String? = { _ in nil }) throws -> String {
        try refuseAnchor(entry.value, path: entry.path)
        guard case .scalar(let scalar) = entry.value else {
            if inList {
                throw ConfigError(.wrongType, file: file, line: line(of: entry.value) ?? entry.line, key: entry.path,
                                  message: "'\(entry.path)' must be a list of strings, and this item is \(kind(of: entry.value))")
            }
            throw wrongType(entry, "must be a string")
        }
        if isNull(entry.value) {
            throw bad(entry, "'\(entry.path)' has no value", hint: "give one after the colon, or remove the key")
        }
        let text = scalar.string
        if text.isEmpty || text.contains("\0") {
            throw bad(entry, "'\(entry.path)' must not be \(text.isEmpty ? "empty" : "text with a NUL character")")
        }
        if let wanted = check(text) {
            throw bad(entry, "'\(entry.path)' must be \(wanted), not '\(excerpt(text))'")
        }
        return text
    }

    private func wholeNumber(_ entry: Entry, upTo limit: Int) throws -> Int {
        let problem = "'\(entry.path)' must be a whole number from 1 to \(limit)"
        guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
            throw wrongType(entry, "must be a whole number from 1 to \(limit)")
        }
        try refuseAnchor(entry.value, path: entry.path)
        // YAML allows 2_000_000; Int() alone would refuse it. Int() returns nil on overflow.
        let digits = scalar.string.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits), (1...limit).contains(value) else {
            throw bad(entry, "\(problem), not '\(excerpt(scalar.string))'")
        }
        return value
    }

    private func bool(_ entry: Entry) throws -> Bool {
        guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
            throw wrongType(entry, "must be true or false")
        }
        try refuseAnchor(entry.value, path: entry.path)
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw bad(entry, "'\(entry.path)' must be true or false, not '\(excerpt(scalar.string))'")
        }
    }

    // MARK: Checks of single values (nil: fine; else what the value should be)

    private func singleLine(_ text: String) -> String? {
        text.contains(where: \.isNewline) || text.allSatisfy(\.isWhitespace) ? "one line of text" : nil
    }

    private func relativePath(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        return text.hasPrefix("/") || parts.contains("..") || text.contains(where: \.isNewline)
            ? "a path inside the repository, relative to its root" : nil
    }

    private func glob(_ text: String) -> String? {
        relativePath(text) == nil ? nil : "a pattern relative to the repository root, such as .github/workflows/**"
    }

    /// What git allows in a branch name (git-check-ref-format), for the part before the task's name.
    private func branchPrefix(_ text: String) -> String? {
        let forbidden = text.contains(where: { $0.isWhitespace || "~^:?*[\\".contains($0) || $0.asciiValue.map { $0 < 32 || $0 == 127 } == true })
        let bad = forbidden || text.hasPrefix("/") || text.hasPrefix("-") || text.hasPrefix(".") || text.contains("..")
            || text.contains("//") || text.contains("@{") || text.contains("/.") || text.hasSuffix(".lock")
        return bad ? "a valid start of a git branch name, such as codex-bot/" : nil
    }

    private func variableName(_ text: String) -> String? {
        let valid = text.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        if !valid { return "a variable name (letters, digits and _)" }
        return Self.secretVariables.contains(text)
            ? "a variable that holds no credential (codex-bot never passes its tokens to commands)" : nil
    }

    // MARK: Helpers

    /// Anchors and aliases are refused: a composed alias is the anchored node itself, so a node
    /// with an anchor is either. They are how a few lines expand into gigabytes (billion laughs).
    private func refuseAnchor(_ node: Node, path: String?) throws {
        guard let anchor = node.anchor else { return }
        throw ConfigError(.unsupported, file: file, line: line(of: node), key: path,
                          message: "YAML anchors and aliases (&\(anchor.rawValue), *\(anchor.rawValue)) are not supported",
                          hint: "write the value out in full")
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private func line(of node: Node) -> Int? { node.mark?.line }

    private func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): return isNull(node) ? "nothing" : "'\(excerpt(scalar.string))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private func excerpt(_ text: String) -> String {
        let line = text.prefix(while: { !$0.isNewline })
        return line.count > 60 || line.count < text.count ? line.prefix(60) + "…" : String(line)
    }

    private func wrongType(_ entry: Entry, _ wanted: String) -> ConfigError {
        ConfigError(.wrongType, file: file, line: line(of: entry.value) ?? entry.line, key: entry.path,
                    message: "'\(entry.path)' \(wanted), not \(kind(of: entry.value))")
    }

    private func bad(_ entry: Entry, _ message: String, hint: String? = nil) -> ConfigError {
        ConfigError(.badValue, file: file, line: line(of: entry.value) ?? entry.line, key: entry.path,
                    message: message, hint: hint)
    }
}

/// "did you mean 'test'?" when a known word is close to `word`, else nil.
func suggestion(for word: String, among known: [String]) -> String? {
    let scored = known.map { ($0, editDistance(word.lowercased(), $0)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, best.0.count / 3) else { return nil }
    return "did you mean '\(best.0)'?"
}

/// Levenshtein distance, counting in characters; inputs are short keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.prefix(100)), b = Array(b.prefix(100))
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
