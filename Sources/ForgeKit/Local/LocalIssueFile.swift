import Foundation

/// An issue people write by hand for the local forge, `issues/<number>.md`:
///
/// ```
/// ---
/// author: ada
/// labels: bug, parser
/// ---
/// # Dates before 1970 parse as 1970
///
/// The text of the issue, in Markdown.
/// ```
///
/// The front matter block is optional (`author` defaults to the local user, `state` to open);
/// the first line that is not blank must be the title, written `# Title`.
enum LocalIssueFile {
    static let keys: Set<String> = ["author", "labels", "state"]

    static func parse(_ text: String, number: Int, file: URL, defaultAuthor: String) throws(FrontMatter.Problem) -> Issue {
        let matter = try FrontMatter.parse(text, required: false)
        try matter.refuseUnknownKeys(keys)
        let author = try matter.text("author") ?? defaultAuthor
        if author.isEmpty || author.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw FrontMatter.Problem(message: "line \(matter.field("author")?.line ?? 0): the author must be one login, "
                                      + "not \(FrontMatter.quoted(author))")
        }
        let state = try matter.text("state") ?? "open"
        guard state == "open" || state == "closed" else {
            throw FrontMatter.Problem(message: "line \(matter.field("state")?.line ?? 0): state must be open or closed, "
                                      + "not \(FrontMatter.quoted(state))")
        }
        var lines = matter.body.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        var lineNumber = matter.bodyLine
        while let first = lines.first, first.allSatisfy(\.isWhitespace) {
            lines.removeFirst()
            lineNumber += 1
        }
        guard let first = lines.first, first.hasPrefix("# ") else {
            let found = lines.first.map { "line \(lineNumber) is \(FrontMatter.quoted(String($0)))" } ?? "the file has no text"
            throw FrontMatter.Problem(message: "\(found), but the issue must start with its title, written '# Title'")
        }
        let title = first.dropFirst(2).trimmingCharacters(in: .whitespaces)
        if title.isEmpty { throw FrontMatter.Problem(message: "line \(lineNumber): the title after '# ' is empty") }
        lines.removeFirst()
        while let next = lines.first, next.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        return Issue(number: number, title: title, body: lines.joined(separator: "\n"), author: author,
                     labels: matter.list("labels") ?? [], state: state, webURL: file.absoluteString)
    }
}
