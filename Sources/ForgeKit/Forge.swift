import Foundation

/// What codex-bot asks of a forge. One implementation per API (GitHubForge, GitLabForge,
/// GiteaForge) plus LocalForge, which needs no server. Every method names the call it makes in
/// its errors (`ForgeError`), and none writes anything twice when retried.
public protocol Forge: Sendable {
    var kind: ForgeKind { get }
    /// The repository this forge value works on.
    var repositoryPath: RepositoryPath { get }

    /// Default branch, clone URL, and whether these credentials may push.
    func repository() async throws -> RepositoryFacts

    /// The login the credentials act as, to recognise the bot's own comments and events;
    /// nil when the forge cannot say (e.g. an Actions token that may not read `/user`).
    func viewerLogin() async throws -> String?

    func issue(_ number: Int) async throws -> Issue

    /// The issue's comments, oldest first, fetched a page at a time as they are read.
    func comments(onIssue number: Int) -> Pages<IssueComment>

    func createComment(onIssue number: Int, body: String) async throws -> IssueComment

    func editComment(_ id: Int64, onIssue number: Int, body: String) async throws -> IssueComment

    /// The user's role on the repository; `.none` for a user without one.
    func permission(of user: String) async throws -> Permission

    /// Pull request `number` (GitLab: merge request iid) in any state, with its head and base
    /// branches and whether the head is a fork's; `.notFound` when there is none.
    func pullRequest(_ number: Int) async throws -> PullRequest

    /// The open pull request whose head is `branch` (in this repository), if there is one.
    func findOpenPullRequest(head branch: String) async throws -> PullRequest?

    /// Opens a pull request; throws `.alreadyExists` when one is open for the branch.
    func createPullRequest(_ draft: PullRequestDraft) async throws -> PullRequest

    /// Brings pull request `number` to the draft's title, body, base, labels and assignees.
    func updatePullRequest(_ number: Int, to draft: PullRequestDraft) async throws -> PullRequest

    /// Shows progress on a commit: creates the status or check named `status.name`, or updates it.
    func setStatus(_ status: CommitStatus) async throws

    /// The failed jobs of CI run `runID` (GitHub/Gitea workflow run, GitLab pipeline).
    func failedJobs(inRun runID: Int64) async throws -> [CIJob]

    /// A job's log, at most `maxBytes` of it (the end, where failures are, if it is longer).
    func jobLog(_ job: CIJob, maxBytes: Int) async throws -> String

    /// The username and password git pushes with over HTTPS (the clone URL from `repository()`)
    /// to act with these credentials; nil when there is no token (the local forge, anonymous reads).
    func gitCredential() async throws -> GitCredential?
}

extension Forge {
    /// Creates the comment that carries `marker`, or edits it in place if the issue has one
    /// already: one progress comment per task, however often the bot reports. The marker is an
    /// HTML comment, invisible on the page. Only the bot's own comments are edited, when the
    /// forge can tell which are the bot's.
    public func upsertComment(onIssue number: Int, marker: String, body: String) async throws -> IssueComment {
        let hidden = ProgressMarker.html(marker)
        let text = body.contains(hidden) ? body : hidden + "\n" + body
        let me = try await viewerLogin()
        for try await comment in comments(onIssue: number)
        where comment.body.contains(hidden) && (me == nil || comment.author.caseInsensitiveCompare(me!) == .orderedSame) {
            if comment.body == text { return comment }
            return try await editComment(comment.id, onIssue: number, body: text)
        }
        return try await createComment(onIssue: number, body: text)
    }

    /// Opens the pull request for `draft.head`, or updates the one already open: one pull request
    /// per branch, never two. A create refused as a duplicate (a race with another run) is
    /// resolved by finding and updating the one that won. A create that fails with a server
    /// error (a 502 from a proxy, say) may still have made the pull request, and is not retried
    /// blindly: the bot looks for it first, and creates once more only when it is not there.
    public func openOrUpdatePullRequest(_ draft: PullRequestDraft) async throws -> (pullRequest: PullRequest, created: Bool) {
        if let existing = try await findOpenPullRequest(head: draft.head) {
            return (try await updatePullRequest(existing.number, to: draft), false)
        }
        var attempts = 0
        while true {
            attempts += 1
            do {
                return (try await createPullRequest(draft), true)
            } catch let error as ForgeError where error.code == .alreadyExists || (error.code == .unavailable && attempts < 2) {
                if let existing = try await findOpenPullRequest(head: draft.head) {
                    return (try await updatePullRequest(existing.number, to: draft), false)
                }
                if error.code == .alreadyExists { throw error }
            }
        }
    }
}

/// The hidden marker that finds the bot's progress comment again.
public enum ProgressMarker {
    /// `<!-- codex-bot:KEY -->`; the key is reduced to characters that cannot end the comment.
    public static func html(_ key: String) -> String {
        let safe = key.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || "-_:./#".unicodeScalars.contains($0) }
        return "<!-- codex-bot:\(String(String.UnicodeScalarView(safe))) -->"
    }
}
