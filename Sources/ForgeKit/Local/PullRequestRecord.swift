import Foundation

/// A local forge's pull request: the file `pulls/<number>.md` under the records directory.
///
/// ```
/// ---
/// number: 3
/// title: "Fix the date parser"
/// head: codex-bot/issue-12
/// base: main
/// draft: false
/// state: open
/// labels: ["codex-bot"]
/// assignees: []
/// created: 2026-11-22T10:00:00Z
/// updated: 2026-11-22T10:05:00Z
/// ---
///
/// The body, in Markdown.
/// ```
///
/// The file is people's to read and edit (`state: closed` closes it); every read checks it and
/// says which line is wrong.
public struct PullRequestRecord: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var body: String
    /// The branch with the changes, and the branch they go into.
    public var head: String
    public var base: String
    public var isDraft: Bool
    /// "open", "closed" or "merged".
    public var state: String
    public var labels: [String]
    public var assignees: [String]
    /// Whole seconds: the file keeps no fractions.
    public var created: Date
    public var updated: Date
    /// Where the record is (or will be) on disk.
    public var file: URL

    /// The states a record may be in; "merged" is for people who merge by hand and say so.
    public static let states = ["open", "closed", "merged"]

    /// The largest record read: a Markdown pull request description is far smaller.
    static let maxBytes = 8 << 20

    static let keys: Set<String> = ["number", "title", "head", "base", "draft", "state", "labels", "assignees",
                                    "created", "updated"]

    public init(number: Int, title: String, body: String, head: String, base: String, isDraft: Bool, state: String,
                labels: [String], assignees: [String], created: Date, updated: Date, file: URL) {
        self.number = number
        self.title = title
        self.body = body
        self.head = head
        self.base = base
        self.isDraft = isDraft
        self.state = state
        self.labels = labels
        self.assignees = assignees
        self.created = created.wholeSeconds
        self.updated = updated.wholeSeconds
        self.file = file
    }

    public var isOpen: Bool { state == "open" }

    /// The record as the `Forge` API shows it; its web URL is the record's `file://` URL.
    public var pullRequest: PullRequest {
        PullRequest(number: number, title: title, body: body, head: head, base: base, isDraft: isDraft,
                    state: state, webURL: file.absoluteString)
    }

    /// The file's text: front matter, a blank line, the body.
    public func rendered() -> String {
        FrontMatter.render([
            ("number", .literal(String(number))),
            ("title", .text(title)),
            ("head", .text(head)),
            ("base", .text(base)),
            ("draft", .literal(isDraft ? "true" : "false")),
            ("state", .text(state)),
            ("labels", .list(labels)),
            ("assignees", .list(assignees)),
            ("created", .literal(created.formatted(.iso8601))),
            ("updated", .literal(updated.formatted(.iso8601))),
        ], body: body)
    }

    /// Reads and checks the text of `file`. `expectedNumber`: the number its name says it holds.
    /// Throws a description of the first thing that is wrong.
    init(parsing text: String, file: URL, expectedNumber: Int?) throws(FrontMatter.Problem) {
        let matter = try FrontMatter.parse(text, required: true)
        try matter.refuseUnknownKeys(Self.keys)
        guard let number = try matter.integer("number") else {
            throw FrontMatter.Problem(message: "the front matter has no 'number:' line")
        }
        if let expectedNumber, number != expectedNumber {
            throw FrontMatter.Problem(message: "line \(matter.field("number")?.line ?? 0) says number \(number), "
                                      + "but the file is named for #\(expectedNumber)")
        }
        let title = try matter.requiredText("title")
        if title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw FrontMatter.Problem(message: "line \(matter.field("title")?.line ?? 0): the title is empty")
        }
        let head = try Self.branch(matter, "head")
        let base = try Self.branch(matter, "base")
        guard let isDraft = try matter.bool("draft") else {
            throw FrontMatter.Problem(message: "the front matter has no 'draft:' line")
        }
        let state = try matter.requiredText("state")
        guard Self.states.contains(state) else {
            throw FrontMatter.Problem(message: "line \(matter.field("state")?.line ?? 0): state must be "
                                      + "open, closed or merged, not \(FrontMatter.quoted(state))")
        }
        guard let created = try matter.date("created") else {
            throw FrontMatter.Problem(message: "the front matter has no 'created:' line")
        }
        guard let updated = try matter.date("updated") else {
            throw FrontMatter.Problem(message: "the front matter has no 'updated:' line")
        }
        self.init(number: number, title: title, body: matter.body, head: head, base: base, isDraft: isDraft,
                  state: state, labels: matter.list("labels") ?? [], assignees: matter.list("assignees") ?? [],
                  created: created, updated: updated, file: file)
    }

    private static func branch(_ matter: FrontMatter, _ key: String) throws(FrontMatter.Problem) -> String {
        let name = try matter.requiredText(key)
        guard BranchName.isPlausible(name) else {
            throw FrontMatter.Problem(message: "line \(matter.field(key)?.line ?? 0): '\(key)' is not a branch name: "
                                      + FrontMatter.quoted(name))
        }
        return name
    }
}

/// A light check of branch names for ForgeKit, which does not link libgit2: what every forge
/// refuses (empty, spaces, control characters, `..`, a leading `-`). GitKit checks the full rules
/// before anything is pushed.
enum BranchName {
    static func isPlausible(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 250 && !name.hasPrefix("-") && !name.hasPrefix("/") && !name.hasSuffix("/")
            && !name.contains("..") && !name.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || "~^:?*[\\".unicodeScalars.contains($0)
            }
    }
}

extension Date {
    /// The date without fractions of a second, as the records store it.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
