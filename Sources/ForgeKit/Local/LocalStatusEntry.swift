import Foundation

/// One commit status in `statuses/<sha>.json`, which holds `{"sha": …, "statuses": [ … ]}`.
struct LocalStatusEntry: Codable, Equatable {
    var name: String
    var state: CommitStatus.State
    var summary: String
    var targetURL: String?
    /// ISO 8601, whole seconds.
    var updated: String

    enum CodingKeys: String, CodingKey {
        case name, state, summary, updated
        case targetURL = "target_url"
    }

    private struct File: Codable {
        var sha: String
        var statuses: [LocalStatusEntry]
    }

    init(_ status: CommitStatus, updated: Date) {
        name = status.name
        state = status.state
        summary = status.summary
        targetURL = status.targetURL
        self.updated = updated.wholeSeconds.formatted(.iso8601)
    }

    func commitStatus(sha: String) -> CommitStatus {
        CommitStatus(sha: sha, state: state, name: name, summary: summary, targetURL: targetURL)
    }

    static func parse(_ text: String) throws(FrontMatter.Problem) -> [LocalStatusEntry] {
        do {
            return try JSONDecoder().decode(File.self, from: Data(text.utf8)).statuses
        } catch let DecodingError.dataCorrupted(context) {
            throw FrontMatter.Problem(message: "is not valid JSON: \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw FrontMatter.Problem(message: "has no \"\(key.stringValue)\" at \(path(context))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw FrontMatter.Problem(message: "has a wrong value at \(path(context)): \(context.debugDescription)")
        } catch {
            throw FrontMatter.Problem(message: "is not a status file: \(error.localizedDescription)")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return keys.isEmpty ? "the top level" : keys
    }

    static func render(sha: String, _ entries: [LocalStatusEntry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(File(sha: sha, statuses: entries)), as: UTF8.self) + "\n"
    }
}
