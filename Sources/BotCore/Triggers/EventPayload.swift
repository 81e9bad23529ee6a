import AgentKit
import Foundation

/// A webhook-style JSON payload with typed reads that fail as a `TriggerError` naming the file,
/// the event and the dotted field path, so a bad payload says exactly what is wrong.
struct EventPayload {
    let root: JSONValue
    let file: String
    let event: String

    init(data: Data, file: String, event: String) throws {
        self.file = file
        self.event = event
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw TriggerError(.malformedPayload, file: file, event: event,
                               message: data.isEmpty ? "the event payload is empty" : "the event payload is not valid JSON",
                               hint: "The CI system writes this file; check that GITHUB_EVENT_PATH points at the event's JSON")
        }
        guard value.objectValue != nil else {
            throw TriggerError(.malformedPayload, file: file, event: event, message: "the event payload is not a JSON object",
                               hint: "The CI system writes this file; check that GITHUB_EVENT_PATH points at the event's JSON")
        }
        root = value
    }

    /// The value at `path`; nil when it or any parent is absent or JSON null.
    func value(_ path: String) -> JSONValue? {
        var current: JSONValue? = root
        for key in path.split(separator: ".") {
            current = current?[String(key)]
        }
        if case .null? = current { return nil }
        return current
    }

    func has(_ path: String) -> Bool { value(path) != nil }

    func optionalString(_ path: String) -> String? { value(path)?.stringValue }

    func string(_ path: String) throws -> String {
        guard let text = optionalString(path) else { throw missing(path, expected: "a string") }
        return text
    }

    /// A whole number; payloads carry ids as JSON numbers, which must be integral and in range.
    func optionalInt64(_ path: String) -> Int64? {
        guard let number = value(path)?.numberValue, number.rounded() == number,
              abs(number) < 9_007_199_254_740_992 else { return nil }
        return Int64(number)
    }

    func int64(_ path: String) throws -> Int64 {
        guard let number = optionalInt64(path) else { throw missing(path, expected: "a whole number") }
        return number
    }

    func int(_ path: String) throws -> Int {
        guard let number = optionalInt64(path), let small = Int(exactly: number) else { throw missing(path, expected: "a whole number") }
        return small
    }

    func optionalInt(_ path: String) -> Int? { optionalInt64(path).flatMap { Int(exactly: $0) } }

    func optionalDate(_ path: String) -> Date? { optionalString(path).flatMap(TimestampParser.parse) }

    func missing(_ path: String, expected: String) -> TriggerError {
        let found = value(path) == nil ? "is missing" : "is not \(expected)"
        return TriggerError(.missingField, file: file, event: event, field: path,
                            message: "the payload's field \(path) \(found)",
                            hint: "codex-bot needs it for \(event) events; check that the workflow runs on the event it expects")
    }
}

/// ISO 8601 timestamps as forges write them: with or without fractional seconds, `Z` or an offset.
enum TimestampParser {
    static func parse(_ text: String) -> Date? {
        // A formatter per call: ISO8601DateFormatter is not Sendable, and these parses are few.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
