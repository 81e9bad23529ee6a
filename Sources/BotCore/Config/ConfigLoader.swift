import Foundation
import Yams

/// Finds, reads and checks `.codex-bot.yml` (DESIGN.md §1 "Repository configuration").
/// Every failure is a `ConfigError` naming the file, line and key; no input crashes or hangs it.
public enum ConfigLoader {
    /// Where the file is looked for, in order, relative to the repository root.
    public static let fileNames = [".codex-bot.yml", ".github/codex-bot.yml"]
    /// A config file is a page of settings; more is a mistake or an attack on the parser.
    public static let maxFileSize = 256 * 1024

    /// The configuration and where it came from.
    public struct Loaded: Sendable, Equatable {
        public var config: BotConfig
        /// The file as the user knows it (".codex-bot.yml"); nil when there is none.
        public var file: String?
        /// Things the user should know that do not stop the run.
        public var warnings: [String]
    }

    /// The repository's configuration: `configFile` (`--config`, relative to the current
    /// directory) when given, which must exist; else the first of `fileNames` under
    /// `repositoryRoot`; else the defaults.
    public static func load(repositoryRoot: URL, configFile: String? = nil) throws -> Loaded {
        if let configFile {
            let url = URL(fileURLWithPath: configFile)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ConfigError(.notFound, file: configFile, message: "no such file",
                                  hint: "check the path given to --config")
            }
            return Loaded(config: try parse(try read(url, shownAs: configFile), file: configFile), file: configFile, warnings: [])
        }
        let present = fileNames.filter {
            FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent($0).path)
        }
        guard let name = present.first else { return Loaded(config: BotConfig(), file: nil, warnings: []) }
        var warnings: [String] = []
        if present.count > 1 {
            warnings.append("both \(present.joined(separator: " and ")) exist; using \(name) and ignoring the other: delete one")
        }
        let data = try read(repositoryRoot.appendingPathComponent(name), shownAs: name)
        return Loaded(config: try parse(data, file: name), file: name, warnings: warnings)
    }

    /// Checks the bytes of a config file; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> BotConfig {
        guard data.count <= maxFileSize else { throw tooLarge(file, size: data.count) }
        guard var text = String(data: data, encoding: .utf8) else {
            let line = firstInvalidUTF8Line(data)
            throw ConfigError(.encoding, file: file, line: line, message: "the file is not UTF-8 text",
                              hint: "save it as UTF-8")
        }
        // A byte-order mark is legal in YAML, but spares the parser a special case.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return try parse(text, file: file)
    }

    /// Checks the text of a config file; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> BotConfig {
        guard text.utf8.count <= maxFileSize else { throw tooLarge(file, size: text.utf8.count) }
        if let found = YAMLAliasScan.firstAnchorOrAlias(in: text) {
            throw ConfigError(.unsupported, file: file, line: found.line,
                              message: "'\(found.token)' is a YAML \(found.token.hasPrefix("&") ? "anchor" : "alias"), which codex-bot does not support",
                              hint: "write values out in full; if it is text (a glob such as *.snap), put it in quotes")
        }
        // libyaml stops at 1000 levels of nesting, but Yams composes (and frees) nodes
        // recursively: on a small thread stack 1000 levels can overflow before that limit.
        let result = onLargeStack { () -> Result<BotConfig, ConfigError> in
            do {
                let root = try Yams.compose(yaml: text)
                return .success(try ConfigDecoder(file: file).decode(root))
            } catch let error as ConfigError {
                return .failure(error)
            } catch let error as YamlError {
                return .failure(configError(error, text: text, file: file))
            } catch {
                return .failure(ConfigError(.syntax, file: file, message: "cannot read the YAML: \(error)"))
            }
        }
        return try result.get()
    }

    // MARK: Reading

    private static func read(_ url: URL, shownAs name: String) throws -> Data {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigError(.unreadable, file: name, message: "this is a directory, not a file")
        }
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            // Read one byte past the limit rather than trusting the size: a FIFO or /dev/zero has none.
            let data = try handle.read(upToCount: maxFileSize + 1) ?? Data()
            guard data.count <= maxFileSize else { throw tooLarge(name, size: nil) }
            return data
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(.unreadable, file: name, message: "cannot read the file: \(error.localizedDescription)",
                              hint: "check that it is a readable file")
        }
    }

    private static func tooLarge(_ file: String, size: Int?) -> ConfigError {
        ConfigError(.tooLarge, file: file,
                    message: "the file is \(size.map { "\($0) bytes" } ?? "larger than that"); the limit is \(maxFileSize / 1024) KB",
                    hint: "a config file holds a few settings: check that this is the right file")
    }

    /// The line of the first byte that is not UTF-8, for the error.
    private static func firstInvalidUTF8Line(_ data: Data) -> Int? {
        var line = 1
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: return nil
            case .error: return line
            }
        }
    }

    // MARK: Yams' errors

    private static func configError(_ error: YamlError, text: String, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "not valid YAML: \(problem)"
            if let context { message += " (\(context.text) on line \(context.mark.line))" }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let lineText = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1] : ""
            var code = ConfigError.Code.syntax
            var hint = "check the indentation and the quotes around line \(mark.line)"
            if lineText.contains("\t") || problem.contains("tab") {
                hint = "YAML indents with spaces, not tabs"
            } else if problem.contains("another document") {
                code = .unsupported
                message = "the file holds more than one YAML document"
                hint = "keep one: remove the '---' or '...' line"
            } else if problem.contains("nesting level") {
                message = "the YAML is nested more than 1000 levels deep"
                hint = "a config file needs two levels of keys"
            } else if problem.contains("cannot start any token") {
                hint = "a value that starts with @ or ` must be in quotes (mention: \"@codex-bot\")"
            } else if problem.contains("expected ',' or ']'") || problem.contains("expected ',' or '}'") {
                hint = "inside [ ] and { }, put values that contain [ ] { } , or : in quotes"
            }
            return ConfigError(code, file: file, line: mark.line, message: message, hint: hint)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in 1 + text.utf8.prefix(max(0, offset)).filter { $0 == UInt8(ascii: "\n") }.count }
            return ConfigError(.encoding, file: file, line: line, message: "not valid YAML text: \(problem)",
                               hint: "remove control characters; quote them as escapes (\"\\t\") if they are meant")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first of the keys; the second is the one to point at.
            let key = duplicates.first ?? ""
            let first = context.mark.line > 0 ? context.mark.line : nil
            let second = first.flatMap { secondOccurrence(of: key, after: $0, in: text) }
            return ConfigError(.duplicateKey, file: file, line: second ?? first, key: key,
                               message: "'\(key)' is given twice" + (second != nil ? first.map { " (first on line \($0))" } ?? "" : ""),
                               hint: "keep one of them")
        case .memory:
            return ConfigError(.tooLarge, file: file, message: "the YAML parser ran out of memory")
        default:
            return ConfigError(.syntax, file: file, message: "cannot read the YAML: \(error)")
        }
    }

    /// The line after `line` where `key:` starts a line at the same indentation as on `line`.
    private static func secondOccurrence(of key: String, after line: Int, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard line >= 1, line <= lines.count, !key.isEmpty else { return nil }
        let indent = lines[line - 1].prefix(while: { $0 == " " })
        for number in line..<lines.count {
            let candidate = lines[number]
            guard candidate.hasPrefix(indent) else { continue }
            let rest = candidate.dropFirst(indent.count)
            if rest.hasPrefix(key) && rest.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") {
                return number + 1
            }
        }
        return nil
    }

    // MARK: A thread with room

    private final class ResultBox: @unchecked Sendable {
        // Written by the parsing thread before it signals, read by the caller after: the
        // semaphore orders the two.
        var result: Result<BotConfig, ConfigError>?
    }

    /// Runs `body` on a thread with a 64 MB stack and waits for it. Parsing takes milliseconds,
    /// so blocking the caller's thread is cheaper than handing the work around.
    private static func onLargeStack(_ body: @escaping @Sendable () -> Result<BotConfig, ConfigError>) -> Result<BotConfig, ConfigError> {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = body()
            done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        return box.result ?? .failure(ConfigError(.syntax, file: "", message: "the YAML parser stopped without an answer"))
    }
}
