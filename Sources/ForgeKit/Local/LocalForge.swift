import Foundation

/// The forge that needs no server (`--forge local`, the default outside CI): the branch stays in
/// the local repository, and a pull request is a Markdown record under the records directory,
/// `<common git dir>/codex-bot` (shared by every worktree of the repository):
///
/// - `pulls/<number>.md`: a pull request (see `PullRequestRecord`).
/// - `issues/<number>.md`: an issue people write by hand: a first line `# Title`, then the text;
///   an optional front matter block may set `author`, `labels` (`[a, b]` or `a, b`) and `state`.
/// - `issues/<number>.comments/<id>.md`: a comment (front matter `id`, `author`, `created`,
///   `updated`, then the text); ids count per issue.
/// - `statuses/<sha>.json`: the commit statuses of a commit, one per name.
///
/// Writes take an exclusive flock(2) on `.lock` and replace whole files (temporary file, fsync,
/// rename), so two bot runs at once never get the same number and a crash never leaves half a
/// record. Reads check every file and name the file and line that is wrong.
///
/// The local user (`user`) is the repository's owner: `.admin`; anyone else, `.none`, so an
/// issue file whose `author` is somebody else is not acted on unless the task's minimum
/// permission is `none`.
public struct LocalForge: Forge {
    public let kind = ForgeKind.local
    public let recordsDirectory: URL
    public let facts: RepositoryFacts
    /// Who the local user is: the author of comments the bot writes and of issues without one.
    public let user: String
    private let now: @Sendable () -> Date

    /// The folder under the git common directory that holds the records.
    public static let recordsFolderName = "codex-bot"

    /// `<commonGitDirectory>/codex-bot`: pass the common directory (`git rev-parse
    /// --git-common-dir`), not a linked worktree's private gitdir, so every worktree sees the
    /// same records.
    public static func recordsDirectory(commonGitDirectory: String) -> URL {
        URL(fileURLWithPath: commonGitDirectory, isDirectory: true).appendingPathComponent(recordsFolderName, isDirectory: true)
    }

    /// `now` gives the times written into records (tests pass a fixed clock).
    public init(recordsDirectory: URL, facts: RepositoryFacts, user: String,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.recordsDirectory = recordsDirectory.standardizedFileURL
        self.facts = facts
        self.user = user
        self.now = now
    }

    public var repositoryPath: RepositoryPath { facts.path }

    public var pullsDirectory: URL { recordsDirectory.appendingPathComponent("pulls", isDirectory: true) }
    public var issuesDirectory: URL { recordsDirectory.appendingPathComponent("issues", isDirectory: true) }
    public var statusesDirectory: URL { recordsDirectory.appendingPathComponent("statuses", isDirectory: true) }

    public func pullRequestFile(_ number: Int) -> URL { pullsDirectory.appendingPathComponent("\(number).md") }
    public func issueFile(_ number: Int) -> URL { issuesDirectory.appendingPathComponent("\(number).md") }
    public func commentsDirectory(onIssue number: Int) -> URL {
        issuesDirectory.appendingPathComponent("\(number).comments", isDirectory: true)
    }

    // MARK: Forge

    public func repository() async throws -> RepositoryFacts { facts }

    public func viewerLogin() async throws -> String? { user }

    /// `.admin` for the local user, `.none` for anyone else.
    public func permission(of user: String) async throws -> Permission {
        user.caseInsensitiveCompare(self.user) == .orderedSame ? .admin : .none
    }

    /// Reads `issues/<number>.md`. A number that only a pull request record has is returned as
    /// an issue marked `isPullRequest`, as forges that list pull requests as issues do.
    public func issue(_ number: Int) async throws -> Issue {
        let operation = "read issue #\(number)"
        let file = issueFile(number)
        if number > 0, let text = try readText(file, maxBytes: PullRequestRecord.maxBytes, operation: operation) {
            do {
                return try LocalIssueFile.parse(text, number: number, file: file, defaultAuthor: user)
            } catch {
                throw corrupt(file, error.message, operation: operation)
            }
        }
        if number > 0, let record = try readPullRequestRecord(number, operation: operation) {
            return Issue(number: number, title: record.title, body: record.body, author: user, labels: record.labels,
                         state: record.isOpen ? "open" : "closed", webURL: record.file.absoluteString, isPullRequest: true)
        }
        throw ForgeError(.notFound, forge: kind, operation: operation,
                         message: "there is no issue #\(number): \(file.path) does not exist",
                         hint: "Write the issue in that file: a first line '# Title', then the text (README.md, \"Local forge\")")
    }

    public func comments(onIssue number: Int) -> Pages<IssueComment> {
        Pages { _ in Pages.Page(elements: try self.readComments(onIssue: number), next: nil) }
    }

    public func createComment(onIssue number: Int, body: String) async throws -> IssueComment {
        let operation = "comment on #\(number)"
        guard issueOrPullRequestExists(number) else {
            throw ForgeError(.notFound, forge: kind, operation: operation,
                             message: "there is no issue or pull request #\(number): neither \(issueFile(number).path) "
                                 + "nor \(pullRequestFile(number).path) exists")
        }
        let directory = commentsDirectory(onIssue: number)
        let time = now()
        return try await locked(operation) {
            RecordFiles.removeLeftovers(in: directory)
            let id = try (self.numberedEntries(in: directory, operation: operation).last ?? 0) + 1
            let comment = LocalComment(id: Int64(id), author: self.user, created: time, updated: time, body: body)
            try self.write(comment.rendered(), to: directory.appendingPathComponent("\(id).md"), operation: operation)
            return comment.issueComment(file: directory.appendingPathComponent("\(id).md"))
        }
    }

    /// Rewrites the comment's file in place: same id, same file, new body.
    public func editComment(_ id: Int64, onIssue number: Int, body: String) async throws -> IssueComment {
        let operation = "edit comment \(id) on #\(number)"
        let file = commentsDirectory(onIssue: number).appendingPathComponent("\(id).md")
        let time = now()
        return try await locked(operation) {
            guard id > 0, var comment = try self.readComment(file, id: id, operation: operation) else {
                throw ForgeError(.notFound, forge: self.kind, operation: operation,
                                 message: "there is no comment \(id) on #\(number): \(file.path) does not exist")
            }
            if comment.body != body {
                comment.body = body
                comment.updated = time.wholeSeconds
                try self.write(comment.rendered(), to: file, operation: operation)
            }
            return comment.issueComment(file: file)
        }
    }

    /// Reads `pulls/<number>.md`; `.notFound` when there is no such record. Never from a fork.
    public func pullRequest(_ number: Int) async throws -> PullRequest {
        try pullRequestRecord(number).pullRequest
    }

    public func findOpenPullRequest(head branch: String) async throws -> PullRequest? {
        try openRecord(head: branch)?.pullRequest
    }

    /// Writes `pulls/<next number>.md`. The number follows the highest pull request and issue
    /// number in use, so `Fixes #N` and `#M` never name the same thing when it is made.
    public func createPullRequest(_ draft: PullRequestDraft) async throws -> PullRequest {
        let operation = "create pull request for \(draft.head)"
        try check(draft, operation: operation)
        let time = now()
        return try await locked(operation) {
            RecordFiles.removeLeftovers(in: self.pullsDirectory)
            if let open = try self.openRecord(head: draft.head) {
                throw ForgeError(.alreadyExists, forge: self.kind, operation: operation,
                                 message: "pull request #\(open.number) is already open for \(draft.head) (\(open.file.path))",
                                 hint: "Update that one instead (openOrUpdatePullRequest does)")
            }
            let taken = try self.numberedEntries(in: self.pullsDirectory, operation: operation)
                + self.numberedEntries(in: self.issuesDirectory, operation: operation)
            let number = (taken.max() ?? 0) + 1
            let record = PullRequestRecord(number: number, title: draft.title, body: draft.body, head: draft.head,
                                           base: draft.base, isDraft: draft.isDraft, state: "open", labels: draft.labels,
                                           assignees: draft.assignees, created: time, updated: time,
                                           file: self.pullRequestFile(number))
            try self.write(record.rendered(), to: record.file, operation: operation)
            return record.pullRequest
        }
    }

    /// Brings the record to the draft's title, body, base, labels and assignees. As on the
    /// forges, the head branch and the draft flag stay what they are. Writes nothing when
    /// nothing changes.
    public func updatePullRequest(_ number: Int, to draft: PullRequestDraft) async throws -> PullRequest {
        let operation = "update pull request #\(number)"
        try check(draft, operation: operation)
        return try await modify(number, operation: operation) { record in
            record.title = draft.title
            record.body = draft.body
            record.base = draft.base
            record.labels = draft.labels
            record.assignees = draft.assignees
        }
    }

    /// Sets the record's state to closed (the local forge's "close pull request" button).
    public func closePullRequest(_ number: Int) async throws -> PullRequest {
        try await modify(number, operation: "close pull request #\(number)") { $0.state = "closed" }
    }

    /// Creates the status named `status.name` on the commit, or replaces it.
    public func setStatus(_ status: CommitStatus) async throws {
        let operation = "set status \(status.name) on \(status.sha)"
        let file = try statusFile(status.sha, operation: operation)
        let time = now()
        try await locked(operation) {
            RecordFiles.removeLeftovers(in: self.statusesDirectory)
            var entries = try self.readStatusEntries(file, operation: operation)
            let entry = LocalStatusEntry(status, updated: time)
            if let index = entries.firstIndex(where: { $0.name == status.name }) {
                entries[index] = entry
            } else {
                entries.append(entry)
            }
            try self.write(try LocalStatusEntry.render(sha: status.sha.lowercased(), entries), to: file, operation: operation)
        }
    }

    /// The statuses set on a commit, one per name, in the order they were first set.
    public func statuses(of sha: String) throws -> [CommitStatus] {
        let operation = "read statuses of \(sha)"
        let file = try statusFile(sha, operation: operation)
        return try readStatusEntries(file, operation: operation).map { $0.commitStatus(sha: sha.lowercased()) }
    }

    public func failedJobs(inRun runID: Int64) async throws -> [CIJob] {
        throw unsupported("list the failed jobs of CI run \(runID)")
    }

    public func jobLog(_ job: CIJob, maxBytes: Int) async throws -> String {
        throw unsupported("read the log of CI job \(job.id)")
    }

    /// Nil: the branch stays in the local repository, and nothing is pushed anywhere.
    public func gitCredential() async throws -> GitCredential? { nil }

    // MARK: Records

    /// Every pull request record, by number, and a `.badResponse` error for each file that
    /// cannot be read (the others are still listed). Throws only when the folder cannot be listed.
    public func pullRequestRecords() throws -> (records: [PullRequestRecord], problems: [ForgeError]) {
        var records: [PullRequestRecord] = []
        var problems: [ForgeError] = []
        for number in try numberedEntries(in: pullsDirectory, operation: "list pull requests") {
            do {
                if let record = try readPullRequestRecord(number, operation: "read pull request #\(number)") {
                    records.append(record)
                }
            } catch let error as ForgeError {
                problems.append(error)
            }
        }
        return (records, problems)
    }

    /// The record of pull request `number`; `.notFound` when there is none.
    public func pullRequestRecord(_ number: Int) throws -> PullRequestRecord {
        let operation = "read pull request #\(number)"
        guard number > 0, let record = try readPullRequestRecord(number, operation: operation) else {
            throw ForgeError(.notFound, forge: kind, operation: operation,
                             message: "there is no pull request #\(number): \(pullRequestFile(number).path) does not exist")
        }
        return record
    }

    // MARK: Private

    /// The open record for `branch` (the lowest number if people made two); a record that
    /// cannot be read is an error, since it might be that one.
    private func openRecord(head branch: String) throws -> PullRequestRecord? {
        let listing = try pullRequestRecords()
        if let problem = listing.problems.first { throw problem }
        return listing.records.first { $0.isOpen && $0.head == branch }
    }

    private func modify(_ number: Int, operation: String,
                        _ change: @escaping @Sendable (inout PullRequestRecord) -> Void) async throws -> PullRequest {
        let time = now()
        return try await locked(operation) {
            guard number > 0, let record = try self.readPullRequestRecord(number, operation: operation) else {
                throw ForgeError(.notFound, forge: self.kind, operation: operation,
                                 message: "there is no pull request #\(number): \(self.pullRequestFile(number).path) does not exist")
            }
            var changed = record
            change(&changed)
            if changed != record {
                changed.updated = time.wholeSeconds
                try self.write(changed.rendered(), to: changed.file, operation: operation)
            }
            return changed.pullRequest
        }
    }

    private func readPullRequestRecord(_ number: Int, operation: String) throws -> PullRequestRecord? {
        let file = pullRequestFile(number)
        guard let text = try readText(file, maxBytes: PullRequestRecord.maxBytes, operation: operation) else { return nil }
        do {
            return try PullRequestRecord(parsing: text, file: file, expectedNumber: number)
        } catch {
            throw corrupt(file, error.message, operation: operation)
        }
    }

    private func readComments(onIssue number: Int) throws -> [IssueComment] {
        let operation = "list the comments on #\(number)"
        let directory = commentsDirectory(onIssue: number)
        return try numberedEntries(in: directory, operation: operation).compactMap { id in
            let file = directory.appendingPathComponent("\(id).md")
            return try readComment(file, id: Int64(id), operation: operation)?.issueComment(file: file)
        }
    }

    private func readComment(_ file: URL, id: Int64, operation: String) throws -> LocalComment? {
        guard let text = try readText(file, maxBytes: PullRequestRecord.maxBytes, operation: operation) else { return nil }
        do {
            return try LocalComment(parsing: text, expectedID: id)
        } catch {
            throw corrupt(file, error.message, operation: operation)
        }
    }

    private func issueOrPullRequestExists(_ number: Int) -> Bool {
        guard number > 0 else { return false }
        return FileManager.default.fileExists(atPath: issueFile(number).path)
            || FileManager.default.fileExists(atPath: pullRequestFile(number).path)
    }

    private func statusFile(_ sha: String, operation: String) throws -> URL {
        guard (4...64).contains(sha.count), sha.allSatisfy(\.isHexDigit) else {
            throw ForgeError(.rejected, forge: kind, operation: operation,
                             message: "\(FrontMatter.quoted(sha)) is not a commit id (4 to 64 hexadecimal digits)")
        }
        return statusesDirectory.appendingPathComponent("\(sha.lowercased()).json")
    }

    private func readStatusEntries(_ file: URL, operation: String) throws -> [LocalStatusEntry] {
        guard let text = try readText(file, maxBytes: PullRequestRecord.maxBytes, operation: operation) else { return [] }
        do {
            return try LocalStatusEntry.parse(text)
        } catch {
            throw corrupt(file, error.message, operation: operation)
        }
    }

    private func check(_ draft: PullRequestDraft, operation: String) throws {
        func refuse(_ message: String) -> ForgeError {
            ForgeError(.rejected, forge: kind, operation: operation, message: message)
        }
        if draft.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw refuse("the title is empty") }
        for (role, name) in [("head", draft.head), ("base", draft.base)] where !BranchName.isPlausible(name) {
            throw refuse("the \(role) \(FrontMatter.quoted(name)) is not a branch name")
        }
        if draft.head == draft.base { throw refuse("head and base are the same branch, \(draft.head)") }
    }

    private func numberedEntries(in directory: URL, operation: String) throws -> [Int] {
        do {
            return try RecordFiles.numberedEntries(in: directory, suffix: ".md")
        } catch let failure as RecordFiles.Failure {
            throw ForgeError(.unavailable, forge: kind, operation: operation, message: "\(failure.path) \(failure.message)")
        }
    }

    private func readText(_ file: URL, maxBytes: Int, operation: String) throws -> String? {
        do {
            return try RecordFiles.readText(file, maxBytes: maxBytes)
        } catch let failure as RecordFiles.Failure {
            throw corrupt(file, failure.message, operation: operation)
        }
    }

    private func write(_ text: String, to file: URL, operation: String) throws {
        do {
            try RecordFiles.writeAtomically(text, to: file)
        } catch let failure as RecordFiles.Failure {
            throw ForgeError(.unavailable, forge: kind, operation: operation, message: "\(failure.path): \(failure.message)",
                             hint: "Check that \(recordsDirectory.path) is writable")
        }
    }

    private func locked<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await RecordFiles.withLock(in: recordsDirectory, body)
        } catch let failure as RecordFiles.Failure {
            throw ForgeError(.unavailable, forge: kind, operation: operation, message: "\(failure.path): \(failure.message)",
                             hint: "Check that \(recordsDirectory.path) is writable")
        }
    }

    private func corrupt(_ file: URL, _ problem: String, operation: String) -> ForgeError {
        ForgeError(.badResponse, forge: kind, operation: operation, message: "\(file.path): \(problem)",
                   hint: "Correct the file by hand (README.md, \"Local forge\", shows the layout) or move it away")
    }

    private func unsupported(_ operation: String) -> ForgeError {
        ForgeError(.unsupported, forge: kind, operation: operation,
                   message: "the local forge has no CI runs or job logs",
                   hint: "Run the tests yourself and pass the report: use `codex-bot fix-tests --report FILE` locally")
    }
}
