import Foundation
import TestReports

/// Failing tests as the model sees them: each failure's message and details, fenced as data,
/// with the source lines its location points at, so the first turn need not go looking.
public enum FailureContext {
    /// A message describing `failures`, with up to `sourceLines` lines around each known location
    /// read from `worktree` (never outside it).
    public static func describe(_ failures: [FailingTest], worktree: URL, sourceLines: Int = 6,
                                limitPerFailure: Int = 4096, maxFailures: Int = 20) -> String {
        var parts: [String] = []
        for failure in failures.prefix(maxFailures) {
            var text = "Test: \(failure.id)"
            if let file = failure.file { text += "\nLocation: \(file)\(failure.line.map { ":\($0)" } ?? "")" }
            var data = failure.message
            if !failure.details.isEmpty { data += (data.isEmpty ? "" : "\n") + failure.details }
            text += "\n" + UntrustedData.fence(TextClip.headAndTail(data, limit: limitPerFailure), source: "test output of \(failure.id)")
            if let file = failure.file, let line = failure.line,
               let excerpt = sourceExcerpt(file: file, line: line, worktree: worktree, around: sourceLines) {
                text += "\nSource around \(file):\(line):\n" + UntrustedData.fence(excerpt, source: file)
            }
            parts.append(text)
        }
        if failures.count > maxFailures {
            parts.append("… and \(failures.count - maxFailures) more failing tests.")
        }
        return parts.joined(separator: "\n\n")
    }

    /// Numbered lines `line - around … line + around` of `file`, marking the line itself; nil when
    /// the file is not a regular file inside the worktree.
    static func sourceExcerpt(file: String, line: Int, worktree: URL, around: Int) -> String? {
        let root = worktree.standardizedFileURL.resolvingSymlinksInPath().path
        let path = file.hasPrefix("/") ? file : root + "/" + file
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(root + "/"), line > 0,
              let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
              attributes[.type] as? FileAttributeType == .typeRegular,
              (attributes[.size] as? Int ?? 0) < 8 << 20,
              let data = FileManager.default.contents(atPath: resolved)
        else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard line <= lines.count else { return nil }
        let range = max(1, line - around)...min(lines.count, line + around)
        return range.map { number in
            "\(number == line ? ">" : " ")\(String(number).leftPadded(to: 5)) | \(lines[number - 1].prefix(300))"
        }.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
