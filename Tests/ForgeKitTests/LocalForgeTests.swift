import Foundation
import Testing
@testable import ForgeKit
import CodexBotTestSupport

/// The local forge on real files in a temporary directory: records, numbers under concurrency,
/// crash leftovers, damaged files, comments, statuses.
@Suite("LocalForge")
struct LocalForgeTests {
    /// 2026-11-18T11:06:40Z: a fixed clock, so whole files can be compared.
    static let fixedTime = Date(timeIntervalSince1970: 1_795_000_000)

    static func forge(_ directory: TemporaryDirectory, user: String = "ada",
                      now: @escaping @Sendable () -> Date = { LocalForgeTests.fixedTime }) -> LocalForge {
        let facts = RepositoryFacts(path: RepositoryPath(owner: "local", name: "repository"), defaultBranch: "main",
                                    cloneURL: "file://\(directory.path)", webURL: "file://\(directory.path)", canPush: true)
        return LocalForge(recordsDirectory: URL(fileURLWithPath: directory.appending("codex-bot")), facts: facts,
                          user: user, now: now)
    }

    /// The error `body` throws; records an issue when it throws nothing or something else.
    static func forgeError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> ForgeError? {
        do {
            try await body()
            Testing.Issue.record("expected a ForgeError, nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as ForgeError {
            return error
        } catch {
            Testing.Issue.record("expected a ForgeError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func names(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    static func write(_ text: String, to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    // MARK: Pull requests

    @Test func openThenUpdateKeepsOneHumanReadableRecord() async throws {
        try await withTemporaryDirectory("local-open-update") { dir in
            let forge = Self.forge(dir)
            let draft = PullRequestDraft(title: "Fix the date parser", body: "Fixes #12\n\nDates before 1970 now parse.\n",
                                         head: "codex-bot/issue-12", base: "main", labels: ["codex-bot"])
            let first = try await forge.openOrUpdatePullRequest(draft)
            #expect(first.created)
            #expect(first.pullRequest.number == 1)
            #expect(first.pullRequest.webURL == forge.pullRequestFile(1).absoluteString)
            let text = try String(contentsOf: forge.pullRequestFile(1), encoding: .utf8)
            #expect(text == """
            ---
            number: 1
            title: "Fix the date parser"
            head: codex-bot/issue-12
            base: main
            draft: false
            state: open
            labels: ["codex-bot"]
            assignees: []
            created: 2026-11-18T11:06:40Z
            updated: 2026-11-18T11:06:40Z
            ---

            Fixes #12

            Dates before 1970 now parse.

            """)

            var changed = draft
            changed.title = "Fix the date parser (and times)"
            changed.body = "Fixes #12\n"
            let second = try await forge.openOrUpdatePullRequest(changed)
            #expect(!second.created)
            #expect(second.pullRequest.number == 1)
            #expect(second.pullRequest.title == "Fix the date parser (and times)")
            #expect(try Self.names(in: forge.pullsDirectory) == ["1.md"])
            let record = try forge.pullRequestRecord(1)
            #expect(record.title == changed.title)
            #expect(record.body == "Fixes #12\n")
            #expect(try await forge.findOpenPullRequest(head: "codex-bot/issue-12")?.number == 1)
            #expect(try await forge.findOpenPullRequest(head: "codex-bot/other") == nil)
        }
    }

    @Test func createRefusesASecondOpenRecordForTheBranchUntilItIsClosed() async throws {
        try await withTemporaryDirectory("local-duplicate") { dir in
            let forge = Self.forge(dir)
            let draft = PullRequestDraft(title: "One", body: "", head: "codex-bot/x", base: "main")
            _ = try await forge.createPullRequest(draft)
            let duplicate = await Self.forgeError { _ = try await forge.createPullRequest(draft) }
            #expect(duplicate?.code == .alreadyExists)
            #expect(duplicate?.message.contains("pull request #1 is already open for codex-bot/x") == true)
            #expect(try Self.names(in: forge.pullsDirectory) == ["1.md"])

            let closed = try await forge.closePullRequest(1)
            #expect(closed.state == "closed")
            #expect(try await forge.findOpenPullRequest(head: "codex-bot/x") == nil)
            let again = try await forge.openOrUpdatePullRequest(draft)
            #expect(again.created && again.pullRequest.number == 2)
            #expect(try forge.pullRequestRecords().records.map(\.state) == ["closed", "open"])
        }
    }

    @Test func pullRequestReadsOneRecordByNumberAndNamesTheMissingFile() async throws {
        try await withTemporaryDirectory("local-read-one") { dir in
            let forge = Self.forge(dir)
            let draft = PullRequestDraft(title: "Fix", body: "Fixes #1", head: "codex-bot/issue-1", base: "main", isDraft: true)
            let created = try await forge.createPullRequest(draft)
            let read = try await forge.pullRequest(created.number)
            #expect(read == created)
            #expect(read.head == "codex-bot/issue-1" && read.base == "main" && read.isDraft && read.state == "open")
            #expect(!read.isFromFork && read.webURL == forge.pullRequestFile(created.number).absoluteString)
            _ = try await forge.closePullRequest(created.number)
            #expect(try await forge.pullRequest(created.number).state == "closed")

            for number in [created.number + 1, 0] {
                let missing = await Self.forgeError { _ = try await forge.pullRequest(number) }
                #expect(missing?.code == .notFound)
                #expect(missing?.description.hasPrefix("local forge: read pull request #\(number) failed") == true)
                #expect(missing?.message.contains(forge.pullRequestFile(number).path) == true)
            }
            #expect(try await forge.gitCredential() == nil)  // nothing is pushed anywhere
        }
    }

    @Test func numbersFollowTheIssuesAndBadDraftsAreRefused() async throws {
        try await withTemporaryDirectory("local-numbers") { dir in
            let forge = Self.forge(dir)
            try Self.write("# Crash on empty input\n", to: forge.issueFile(5))
            let made = try await forge.createPullRequest(PullRequestDraft(title: "Fix", body: "Fixes #5", head: "b", base: "main"))
            #expect(made.number == 6)

            for bad in [PullRequestDraft(title: " \n", body: "", head: "a", base: "main"),
                        PullRequestDraft(title: "t", body: "", head: "main", base: "main"),
                        PullRequestDraft(title: "t", body: "", head: "has space", base: "main"),
                        PullRequestDraft(title: "t", body: "", head: "x\n---", base: "main")] {
                let error = await Self.forgeError { _ = try await forge.createPullRequest(bad) }
                #expect(error?.code == .rejected, "\(bad)")
            }
            let missing = await Self.forgeError {
                _ = try await forge.updatePullRequest(41, to: PullRequestDraft(title: "t", body: "", head: "a", base: "main"))
            }
            #expect(missing?.code == .notFound)
            #expect(missing?.message.contains("pulls/41.md does not exist") == true)
            #expect(try Self.names(in: forge.pullsDirectory) == ["6.md"])
        }
    }

    @Test func updateWithNothingNewWritesNothing() async throws {
        try await withTemporaryDirectory("local-idempotent") { dir in
            let clock = Clock(Self.fixedTime)
            let forge = Self.forge(dir, now: { clock.now })
            let draft = PullRequestDraft(title: "Same", body: "b", head: "h", base: "main")
            _ = try await forge.createPullRequest(draft)
            clock.now = Self.fixedTime.addingTimeInterval(3600)
            _ = try await forge.updatePullRequest(1, to: draft)
            #expect(try forge.pullRequestRecord(1).updated == Self.fixedTime)
            var changed = draft
            changed.labels = ["bug"]
            _ = try await forge.updatePullRequest(1, to: changed)
            let record = try forge.pullRequestRecord(1)
            #expect(record.updated == Self.fixedTime.addingTimeInterval(3600))
            #expect(record.created == Self.fixedTime)
            #expect(record.labels == ["bug"])
        }
    }

    @Test func concurrentCreatesFromManyTasksGetDistinctNumbers() async throws {
        try await withTemporaryDirectory("local-concurrent") { dir in
            let count = 40
            let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    // A forge value per task, as separate bot runs would have.
                    let forge = Self.forge(dir)
                    group.addTask {
                        try await forge.createPullRequest(PullRequestDraft(title: "Task \(index)", body: "", head: "b\(index)",
                                                                           base: "main")).number
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(numbers.sorted() == Array(1...count))
            let forge = Self.forge(dir)
            #expect(try Self.names(in: forge.pullsDirectory) == (1...count).map { "\($0).md" }.sorted())
            let listing = try forge.pullRequestRecords()
            #expect(listing.problems.isEmpty)
            #expect(Set(listing.records.map(\.head)).count == count)
        }
    }

    @Test func concurrentOpenOrUpdateForOneBranchMakesOneRecord() async throws {
        try await withTemporaryDirectory("local-concurrent-one") { dir in
            let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<16 {
                    let forge = Self.forge(dir)
                    group.addTask {
                        let result = try await forge.openOrUpdatePullRequest(
                            PullRequestDraft(title: "Run \(index)", body: "", head: "codex-bot/issue-3", base: "main"))
                        return (result.pullRequest.number, result.created)
                    }
                }
                return try await group.reduce(into: [(Int, Bool)]()) { $0.append($1) }
            }
            #expect(Set(results.map(\.0)) == [1])
            #expect(results.filter(\.1).count == 1)
            #expect(try Self.names(in: Self.forge(dir).pullsDirectory) == ["1.md"])
        }
    }

    // MARK: Damage and crashes

    @Test func leftoversOfACrashedWriterAreIgnoredAndRemoved() async throws {
        try await withTemporaryDirectory("local-leftovers") { dir in
            let forge = Self.forge(dir)
            let leftover = forge.pullsDirectory.appendingPathComponent(".1.md.1A2B3C4D.tmp")
            try Self.write("---\nnumber: 1\ntitle: \"half", to: leftover)
            let listing = try forge.pullRequestRecords()
            #expect(listing.records.isEmpty && listing.problems.isEmpty)
            let made = try await forge.createPullRequest(PullRequestDraft(title: "t", body: "", head: "h", base: "main"))
            #expect(made.number == 1)
            #expect(try Self.names(in: forge.pullsDirectory) == ["1.md"])
            // Nothing of ours is left beside the records after writes either.
            _ = try await forge.updatePullRequest(1, to: PullRequestDraft(title: "t2", body: "", head: "h", base: "main"))
            #expect(try Self.names(in: forge.recordsDirectory) == [".lock", "pulls"])
        }
    }

    /// Damaged or hand-mangled records, and the words the error must contain.
    static let damaged: [(name: String, text: String, expected: String)] = [
        ("truncated", "---\nnumber: 1\ntitle: \"Fix\"\nhead: h\nba", "has no closing '---' line"),
        ("empty", "", "is empty"),
        ("no front matter", "# Just a title\n", "line 1 is not '---'"),
        ("bad state", record(state: "reopened"), "state must be open, closed or merged, not \"reopened\""),
        ("wrong number", record(number: 2), "says number 2, but the file is named for #1"),
        ("unknown key", record().replacingOccurrences(of: "state: open", with: "stat: closed"), "line 7: unknown key 'stat'"),
        ("bad quoting", record().replacingOccurrences(of: "\"Fix\"", with: "\"Fix"), "line 3: the value of 'title' is not a string"),
        ("missing key", record().replacingOccurrences(of: "draft: false\n", with: ""), "no 'draft:' line"),
        ("bad date", record().replacingOccurrences(of: "created: 2026-11-18T11:06:40Z", with: "created: yesterday"),
         "'created' must be a date"),
        ("bad draft", record().replacingOccurrences(of: "draft: false", with: "draft: maybe"), "'draft' must be true or false"),
        ("bad branch", record().replacingOccurrences(of: "head: h", with: "head: \"a b\""), "'head' is not a branch name"),
        ("repeated key", record().replacingOccurrences(of: "base: main", with: "base: main\nbase: dev"), "repeats the key 'base'"),
        ("not text", "---\nnumber: 1\u{0}\u{0}\n", "is not UTF-8 text"),
    ]

    static func record(number: Int = 1, state: String = "open") -> String {
        "---\nnumber: \(number)\ntitle: \"Fix\"\nhead: h\nbase: main\ndraft: false\nstate: \(state)\nlabels: []\n"
            + "assignees: []\ncreated: 2026-11-18T11:06:40Z\nupdated: 2026-11-18T11:06:40Z\n---\n\nbody\n"
    }

    @Test(arguments: LocalForgeTests.damaged.indices)
    func aDamagedRecordIsAClearErrorNamingTheFile(index: Int) async throws {
        let damage = Self.damaged[index]
        try await withTemporaryDirectory("local-damaged") { dir in
            let forge = Self.forge(dir)
            let file = forge.pullRequestFile(1)
            try Self.write(damage.text, to: file)
            let error = await Self.forgeError { _ = try forge.pullRequestRecord(1) }
            #expect(error?.code == .badResponse, "\(damage.name)")
            #expect(error?.message.hasPrefix(file.path + ": ") == true, "\(damage.name): \(error?.message ?? "")")
            #expect(error?.message.contains(damage.expected) == true, "\(damage.name): \(error?.message ?? "")")
            #expect(error?.description.contains("Correct the file by hand") == true)

            // Listing goes on past it; finding and creating refuse to guess.
            let listing = try forge.pullRequestRecords()
            #expect(listing.records.isEmpty && listing.problems.count == 1)
            let find = await Self.forgeError { _ = try await forge.findOpenPullRequest(head: "h") }
            #expect(find?.code == .badResponse)
            let create = await Self.forgeError {
                _ = try await forge.createPullRequest(PullRequestDraft(title: "t", body: "", head: "h", base: "main"))
            }
            #expect(create?.code == .badResponse)
        }
    }

    @Test func theWellFormedRecordOfTheDamageTableReads() async throws {
        // The table's base record is valid, so each row tests exactly the damage it names.
        try await withTemporaryDirectory("local-valid") { dir in
            let forge = Self.forge(dir)
            try Self.write(Self.record(), to: forge.pullRequestFile(1))
            let record = try forge.pullRequestRecord(1)
            #expect(record.title == "Fix" && record.head == "h" && record.body == "body\n" && record.created == Self.fixedTime)
            // Hand edits in the other style read too: quoted words, plain lists, CRLF line ends.
            let edited = Self.record().replacingOccurrences(of: "state: open", with: "state: \"closed\"")
                .replacingOccurrences(of: "labels: []", with: "labels: bug, ui").replacingOccurrences(of: "\n", with: "\r\n")
            try Self.write(edited, to: forge.pullRequestFile(1))
            let reread = try forge.pullRequestRecord(1)
            #expect(reread.state == "closed" && reread.labels == ["bug", "ui"])
            #expect(reread.body == "body\r\n")
        }
    }

    @Test func aTitleWithNewlinesAndDashesRoundTrips() async throws {
        try await withTemporaryDirectory("local-escaping") { dir in
            let forge = Self.forge(dir)
            let title = "Fix\n---\nstate: closed\n\"quoted\" \\ back\tslash \u{1B}[31m"
            let body = "---\nnot: front matter\n---\n\n\nends without newline"
            let draft = PullRequestDraft(title: title, body: body, head: "codex-bot/ü-1", base: "release/1.0",
                                         isDraft: true, labels: ["a, b", "\"c\"", "true"], assignees: ["-x"])
            let made = try await forge.createPullRequest(draft)
            #expect(made.title == title)
            let record = try forge.pullRequestRecord(made.number)
            #expect(record.title == title)
            #expect(record.body == body)
            #expect(record.head == "codex-bot/ü-1" && record.base == "release/1.0")
            #expect(record.isDraft && record.state == "open")
            #expect(record.labels == draft.labels && record.assignees == draft.assignees)
            // The title stays on its own line: the block still has exactly 10 lines between its fences.
            let text = try String(contentsOf: forge.pullRequestFile(made.number), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "---" && lines[11] == "---")
            #expect(lines[2].hasPrefix("title: \"Fix\\n---\\nstate: closed\\n\\\"quoted\\\" \\\\ back\\tslash \\u001b"))
        }
    }

    // MARK: Issues and comments

    @Test func aHandWrittenIssueIsRead() async throws {
        try await withTemporaryDirectory("local-issue") { dir in
            let forge = Self.forge(dir)
            try Self.write("---\nauthor: grace\nlabels: [\"bug\", \"parser\"]\n---\n\n# Dates before 1970 parse as 1970  \n\n"
                           + "Steps:\n\n1. parse \"1969-07-20\"\n", to: forge.issueFile(12))
            let issue = try await forge.issue(12)
            #expect(issue.number == 12)
            #expect(issue.title == "Dates before 1970 parse as 1970")
            #expect(issue.body == "Steps:\n\n1. parse \"1969-07-20\"\n")
            #expect(issue.author == "grace")
            #expect(issue.labels == ["bug", "parser"])
            #expect(issue.state == "open" && !issue.isPullRequest)
            #expect(issue.webURL == forge.issueFile(12).absoluteString)

            try Self.write("# Plain\nno front matter", to: forge.issueFile(13))
            let plain = try await forge.issue(13)
            #expect(plain.author == "ada" && plain.title == "Plain" && plain.body == "no front matter")
        }
    }

    @Test func aMissingOrUntitledIssueSaysWhichFileToWrite() async throws {
        try await withTemporaryDirectory("local-issue-missing") { dir in
            let forge = Self.forge(dir)
            let missing = await Self.forgeError { _ = try await forge.issue(4) }
            #expect(missing?.code == .notFound)
            #expect(missing?.message == "there is no issue #4: \(forge.issueFile(4).path) does not exist")
            #expect(missing?.hint?.contains("a first line '# Title'") == true)

            try Self.write("---\nauthor: grace\n---\nTitle without a hash\n", to: forge.issueFile(4))
            let untitled = await Self.forgeError { _ = try await forge.issue(4) }
            #expect(untitled?.code == .badResponse)
            #expect(untitled?.message.contains("line 4 is \"Title without a hash\", but the issue must start with its title") == true)

            _ = try await forge.createPullRequest(PullRequestDraft(title: "A change", body: "", head: "h", base: "main"))
            let pull = try await forge.issue(5)
            #expect(pull.isPullRequest && pull.title == "A change")
        }
    }

    @Test func upsertCommentKeepsOneProgressComment() async throws {
        try await withTemporaryDirectory("local-comments") { dir in
            let forge = Self.forge(dir)
            try Self.write("# Something broke\n", to: forge.issueFile(7))
            let first = try await forge.upsertComment(onIssue: 7, marker: "task-7", body: "Working on it…")
            let second = try await forge.upsertComment(onIssue: 7, marker: "task-7", body: "Opened #8.")
            #expect(first.id == 1 && second.id == 1)
            #expect(second.body == "<!-- codex-bot:task-7 -->\nOpened #8.")
            #expect(second.author == "ada")
            let directory = forge.commentsDirectory(onIssue: 7)
            #expect(try Self.names(in: directory) == ["1.md"])
            let all = try await forge.comments(onIssue: 7).collect()
            #expect(all == [second])

            // Someone else's comment with the same marker is not taken over.
            try Self.write("---\nid: 2\nauthor: mallory\ncreated: 2026-11-18T11:06:40Z\nupdated: 2026-11-18T11:06:40Z\n---\n\n"
                           + "<!-- codex-bot:task-9 -->\nmine", to: directory.appendingPathComponent("2.md"))
            let own = try await forge.upsertComment(onIssue: 7, marker: "task-9", body: "progress")
            #expect(own.id == 3 && own.author == "ada")
            #expect(try await forge.comments(onIssue: 7).collect().map(\.id) == [1, 2, 3])

            let nowhere = await Self.forgeError { _ = try await forge.createComment(onIssue: 99, body: "x") }
            #expect(nowhere?.code == .notFound)
            let noComment = await Self.forgeError { _ = try await forge.editComment(42, onIssue: 7, body: "x") }
            #expect(noComment?.code == .notFound)

            try Self.write("---\nid: 1\nauthor: ada\n", to: directory.appendingPathComponent("1.md"))
            let damaged = await Self.forgeError { _ = try await forge.comments(onIssue: 7).collect() }
            #expect(damaged?.code == .badResponse)
            #expect(damaged?.message.contains("comments/1.md: ") == true)
        }
    }

    // MARK: The rest of the Forge API

    @Test func permissionViewerAndUnsupportedOperations() async throws {
        try await withTemporaryDirectory("local-misc") { dir in
            let forge = Self.forge(dir)
            let login = try await forge.viewerLogin()
            #expect(login == "ada")
            let permissions = [try await forge.permission(of: "ada"), try await forge.permission(of: "ADA"),
                               try await forge.permission(of: "mallory")]
            #expect(permissions == [.admin, .admin, Permission.none])
            #expect(try await forge.repository().defaultBranch == "main")
            #expect(forge.kind == .local)

            let jobs = await Self.forgeError { _ = try await forge.failedJobs(inRun: 12) }
            #expect(jobs?.code == .unsupported)
            #expect(jobs?.description.contains("use `codex-bot fix-tests --report FILE` locally") == true)
            let log = await Self.forgeError {
                _ = try await forge.jobLog(CIJob(id: 3, name: "test", conclusion: "failure"), maxBytes: 100)
            }
            #expect(log?.code == .unsupported)
            #expect(log?.description.hasPrefix("local forge: read the log of CI job 3 failed") == true)
        }
    }

    @Test func setStatusUpdatesByName() async throws {
        try await withTemporaryDirectory("local-status") { dir in
            let forge = Self.forge(dir)
            let sha = "0123456789ABCDEF0123456789abcdef01234567"
            try await forge.setStatus(CommitStatus(sha: sha, state: .running, summary: "building"))
            try await forge.setStatus(CommitStatus(sha: sha, state: .pending, name: "other", summary: "queued"))
            try await forge.setStatus(CommitStatus(sha: sha, state: .success, summary: "green", targetURL: "file:///x"))
            let statuses = try forge.statuses(of: sha)
            #expect(statuses.map(\.name) == ["codex-bot", "other"])
            #expect(statuses.first?.state == .success && statuses.first?.summary == "green")
            #expect(statuses.first?.targetURL == "file:///x")
            #expect(try Self.names(in: forge.statusesDirectory) == [sha.lowercased() + ".json"])
            #expect(try forge.statuses(of: "abcdef12").isEmpty)

            let badSHA = await Self.forgeError {
                try await forge.setStatus(CommitStatus(sha: "../../etc", state: .error, summary: "x"))
            }
            #expect(badSHA?.code == .rejected)
            try Self.write("{\"sha\": \"x\", \"statuses\": [{\"name\": \"a\"}]}", to: forge.statusesDirectory
                .appendingPathComponent(sha.lowercased() + ".json"))
            let damaged = await Self.forgeError { _ = try forge.statuses(of: sha) }
            #expect(damaged?.code == .badResponse)
            #expect(damaged?.message.contains("has no \"state\" at .statuses[0]") == true)
        }
    }

    @Test func recordsDirectoryIsUnderTheCommonGitDirectory() {
        #expect(LocalForge.recordsDirectory(commonGitDirectory: "/r/.git/").path == "/r/.git/codex-bot")
    }
}

/// A clock a test moves by hand.
private final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ start: Date) { value = start }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
