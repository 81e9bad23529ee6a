import Foundation

/// The run's record, one JSON object per line (JSONL): requests, responses, tool calls and
/// their results, verifications, usage and timings, with secrets redacted. Written as it
/// happens, so a crashed run still leaves what happened up to the crash.
public final class Transcript: @unchecked Sendable {  // writes are serialized by `lock`
    private let handle: FileHandle?
    private let redactor: SecretRedactor
    private let started = ContinuousClock.now
    private let lock = NSLock()
    private var lines: [String] = []
    private let keepInMemory: Bool

    /// Appends to the file at `path` (made with its directory), or keeps the lines in memory when nil.
    public init(path: String?, redactor: SecretRedactor) throws {
        self.redactor = redactor
        if let path {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            handle = try FileHandle(forWritingTo: url)
            try handle?.seekToEnd()
            keepInMemory = false
        } else {
            handle = nil
            keepInMemory = true
        }
    }

    deinit { try? handle?.close() }

    /// Records one event: `type` and its fields; every string inside is redacted.
    public func record(_ type: String, _ fields: [String: JSONValue]) {
        var object = fields.mapValues { redacted($0) }
        object["type"] = .string(type)
        let elapsed = started.duration(to: .now)
        object["ms"] = .number(elapsed.transcriptMilliseconds)
        let line = JSONValue.object(object).jsonText
        lock.withLock {
            if keepInMemory { lines.append(line) }
            try? handle?.write(contentsOf: Data((line + "\n").utf8))
        }
    }

    /// The lines recorded so far, when kept in memory.
    public var recordedLines: [String] { lock.withLock { lines } }

    private func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(redactor.redact(text))
        case .array(let items): .array(items.map(redacted))
        case .object(let object): .object(object.mapValues(redacted))
        default: value
        }
    }
}

extension Duration {
    /// In milliseconds, fractions kept: for timings people read (the transcript, `timings_ms`).
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Whole milliseconds, as the transcript's timings are written.
    var transcriptMilliseconds: Double {
        milliseconds.rounded(.towardZero)
    }
}
