import Foundation
import HTTPKit

/// Commit statuses, and the failed jobs of a pipeline with their logs.
extension GitLabForge {
    /// POST /projects/:id/statuses/:sha {state, name, description, target_url} — one status per
    /// name and commit. GitLab refuses to "move" a status to the state it is already in (400
    /// "Cannot transition status via :run from :running"); that answer means the status is set,
    /// so it is not an error (the description then stays as it was). Sending the same status
    /// twice has the effect of sending it once, so a failed attempt may be retried.
    public func setStatus(_ status: CommitStatus) async throws {
        let state = GitLabForge.statusState(status.state)
        let operation = "set the commit status \"\(status.name)\" on \(status.sha.prefix(12))"
        let body = GitLabWire.StatusBody(state: state, name: status.name, description: String(status.summary.prefix(140)),
                                         targetURL: status.targetURL)
        do {
            _ = try await http.call(.post, projectURL("/statuses/\(ForgeHTTP.segment(status.sha))"),
                                    body: try ForgeHTTP.encode(body), operation: operation, retryable: true)
        } catch let error as ForgeError
                    where error.status == 400 && error.message.contains("Cannot transition status") && error.message.contains("from :\(state)") {
            return
        }
    }

    /// GitLab's states: pending, running, success, failed, canceled. An error of the bot's own is
    /// a failed status too: GitLab has no separate word for it.
    static func statusState(_ state: CommitStatus.State) -> String {
        switch state {
        case .pending: "pending"
        case .running: "running"
        case .success: "success"
        case .failure, .error: "failed"
        }
    }

    /// GET /projects/:id/pipelines/:pipeline_id/jobs?scope[]=failed&per_page=100 (all pages) —
    /// the jobs that failed the pipeline. Jobs with `allow_failure: true` are left out: their
    /// failure does not fail the pipeline (GitLab shows it as a warning), so they are not what
    /// the bot is asked to fix. Retried jobs are listed only by their latest attempt (GitLab's
    /// default), and jobs of child pipelines are not included (they belong to another pipeline).
    public func failedJobs(inRun runID: Int64) async throws -> [CIJob] {
        let url = projectURL("/pipelines/\(runID)/jobs", query: [("scope[]", "failed"), ("per_page", "100")])
        let jobs = pages(GitLabWire.Job.self, url, operation: "list the failed jobs of pipeline \(runID)") { jobs in
            jobs.filter { $0.status == "failed" && $0.allowFailure != true }
                .map { CIJob(id: $0.id, name: $0.name, conclusion: $0.status, webURL: $0.webURL) }
        }
        return try await jobs.collect()
    }

    /// GET /projects/:id/jobs/:job_id/trace — the log as plain text, streamed, keeping the end.
    public func jobLog(_ job: CIJob, maxBytes: Int) async throws -> String {
        try await http.logTail(projectURL("/jobs/\(job.id)/trace"), maxBytes: maxBytes,
                               operation: "read the log of job \(job.id) (\(job.name))")
    }
}
