import Foundation

/// Reads test reports and CI logs into one `TestRun`.
public enum Reports {
    /// Reads every file and merges them into one run. `format` nil means: detect each
    /// file's format from its content.
    public static func read(_ paths: [String], format: ReportFormat? = nil) throws -> TestRun {
        var run = TestRun()
        for path in paths { run.merge(try read(path, format: format)) }
        return run
    }

    /// Reads one report file. `format` nil means: detect it from the content.
    public static func read(_ path: String, format: ReportFormat? = nil) throws -> TestRun {
        let chosen = try format ?? detectFormat(of: path)
        switch chosen {
        case .junit, .nunit, .xunit, .trx: return try XMLReport.read(path, expected: chosen)
        case .tap: return try TAPParser.read(path)
        case .goJSON: return try GoTestJSONParser.read(path)
        case .log: return try ConsoleLogParser.read(path)
        }
    }

    /// Reads a report held in memory (a command's output, a CI log downloaded from a forge).
    /// `name` stands for the file in errors and in the run's sources.
    public static func read(text: String, name: String, format: ReportFormat? = nil) throws -> TestRun {
        let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("codex-bot-report-\(UUID().uuidString).txt")
        do {
            try Data(text.utf8).write(to: file)
        } catch {
            throw ReportError(path: name, problem: "cannot be put in a temporary file to read: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            var run = try read(file.path, format: format)
            for index in run.sources.indices where run.sources[index].path == file.path { run.sources[index].path = name }
            return run
        } catch let error as ReportError {
            throw ReportError(path: name, problem: error.problem)
        }
    }

    /// How many bytes of a file format detection looks at.
    static let detectionWindow = 64 * 1024

    /// The format of the file at `path`, judged from its first bytes, never its name.
    public static func detectFormat(of path: String) throws -> ReportFormat {
        let prefix = try FileChunks.prefix(of: path, count: detectionWindow)
        guard let format = detectFormat(prefix) else {
            throw ReportError(path: path, problem: prefix.isEmpty ? "the file is empty"
                                                                 : "does not look like a test report or log (binary data)")
        }
        return format
    }

    /// The format of a report that starts with `prefix`; nil for empty or binary input.
    public static func detectFormat(_ prefix: [UInt8]) -> ReportFormat? {
        var bytes = prefix[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }  // UTF-8 byte order mark
        let content = bytes.drop { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
        guard let first = content.first else { return nil }
        if isBinary(content) { return nil }
        if first == UInt8(ascii: "<") {
            return XMLReport.formatOfRoot(XMLReport.rootElementName(Array(content))) ?? .junit
        }
        let text = String(decoding: content, as: UTF8.self)
        if first == UInt8(ascii: "{") && text.contains("\"Action\"") { return .goJSON }
        if TAPParser.looksLikeTAP(text) { return .tap }
        return .log
    }

    /// NUL bytes, or many control characters, do not occur in reports or logs.
    private static func isBinary(_ bytes: ArraySlice<UInt8>) -> Bool {
        var control = 0
        for byte in bytes.prefix(8192) {
            if byte == 0 { return true }
            if byte < 32 && byte != 9 && byte != 10 && byte != 13 && byte != 27 && byte != 12 { control += 1 }
        }
        return control * 20 > min(bytes.count, 8192)
    }
}
