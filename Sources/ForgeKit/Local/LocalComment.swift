import Foundation

/// A comment on the local forge, `issues/<number>.comments/<id>.md`: front matter with its id,
/// author and times, then the text.
struct LocalComment: Equatable {
    var id: Int64
    var author: String
    var created: Date
    var updated: Date
    var body: String

    static let keys: Set<String> = ["id", "author", "created", "updated"]

    init(id: Int64, author: String, created: Date, updated: Date, body: String) {
        self.id = id
        self.author = author
        self.created = created.wholeSeconds
        self.updated = updated.wholeSeconds
        self.body = body
    }

    init(parsing text: String, expectedID: Int64) throws(FrontMatter.Problem) {
        let matter = try FrontMatter.parse(text, required: true)
        try matter.refuseUnknownKeys(Self.keys)
        guard let id = try matter.integer("id") else { throw FrontMatter.Problem(message: "the front matter has no 'id:' line") }
        if Int64(id) != expectedID {
            throw FrontMatter.Problem(message: "line \(matter.field("id")?.line ?? 0) says id \(id), "
                                      + "but the file is named for comment \(expectedID)")
        }
        let author = try matter.requiredText("author")
        guard let created = try matter.date("created") else {
            throw FrontMatter.Problem(message: "the front matter has no 'created:' line")
        }
        guard let updated = try matter.date("updated") else {
            throw FrontMatter.Problem(message: "the front matter has no 'updated:' line")
        }
        self.init(id: Int64(id), author: author, created: created, updated: updated, body: matter.body)
    }

    func rendered() -> String {
        FrontMatter.render([
            ("id", .literal(String(id))),
            ("author", .text(author)),
            ("created", .literal(created.formatted(.iso8601))),
            ("updated", .literal(updated.formatted(.iso8601))),
        ], body: body)
    }

    func issueComment(file: URL) -> IssueComment {
        IssueComment(id: id, body: body, author: author, webURL: file.absoluteString)
    }
}
