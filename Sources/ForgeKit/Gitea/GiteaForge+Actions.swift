import Foundation
import HTTPKit

/// Commit statuses, and Gitea Actions' failed jobs and their logs.
extension GiteaForge {
    /// POST /repos/{owner}/{repo}/statuses/{sha} {state, context, description, target_url} — Gitea
    /// shows the latest status of each context, so sending the same status again changes
    /// nothing visible, and a failed attempt may be retried.
    public func setStatus(_ status: CommitStatus) async throws {
        let body = GiteaWire.StatusBody(state: GiteaForge.statusState(status.state), context: status.name,
                                        description: String(status.summary.prefix(140)), targetURL: status.targetURL)
        _ = try await http.call(.post, repoURL("/statuses/\(ForgeHTTP.segment(status.sha))"), body: try ForgeHTTP.encode(body),
                                operation: "set the commit status \"\(status.name)\" on \(status.sha.prefix(12))", retryable: true)
    }

    /// Gitea's states: pending, success, error, failure, warning. It has no "running": a status
    /// in progress is pending.
    static func statusState(_ state: CommitStatus.State) -> String {
        switch state {
        case .pending, .running: "pending"
        case .success: "success"
        case .failure: "failure"
        case .error: "error"
        }
    }

    /// GET /repos/{owner}/{repo}/actions/runs/{run}/jobs?limit=50&page=N (all pages) — the jobs
    /// whose conclusion is "failure" (cancelled and skipped jobs are not failures to fix). The
    /// endpoint came with Gitea 1.25; an older server's 404 becomes an `.unsupported` error
    /// saying so. Pages follow `Link: rel="next"`, or `total_count` when no Link is sent.
    public func failedJobs(inRun runID: Int64) async throws -> [CIJob] {
        let operation = "list the failed jobs of Actions run \(runID)"
        let limit = [("limit", String(GiteaForge.pageSize))]
        var target: URL? = repoURL("/actions/runs/\(runID)/jobs", query: limit)
        var failed: [CIJob] = []
        var seen = 0
        var page = 1
        while let url = target, page <= 1000 {
            let response: HTTPResponse
            do {
                response = try await http.call(.get, url, operation: operation)
            } catch let error as ForgeError where error.code == .notFound {
                throw await requireVersion((1, 25), for: "the jobs of an Actions run", after: error)
            }
            let list = try http.decode(GiteaWire.JobList.self, from: response, operation: operation)
            let jobs = list.jobs ?? []
            seen += jobs.count
            failed += jobs.filter(GiteaForge.isFailure).map { CIJob(id: $0.id, name: $0.name, conclusion: "failure", webURL: $0.htmlURL) }
            page += 1
            if let next = response.nextPageURL {
                // A next link to another host would take our token there.
                target = HTTPClient.sameOrigin(next, http.baseURL) ? next : nil
            } else if !jobs.isEmpty, let total = list.totalCount, seen < total {
                target = repoURL("/actions/runs/\(runID)/jobs", query: limit + [("page", String(page))])
            } else {
                target = nil
            }
        }
        return failed
    }

    /// Gitea reports a finished job as status "completed" with a conclusion; a few versions
    /// put "failure" in `status` and leave `conclusion` empty.
    static func isFailure(_ job: GiteaWire.Job) -> Bool {
        if let conclusion = job.conclusion, !conclusion.isEmpty { return conclusion == "failure" }
        return job.status == "failure"
    }

    /// GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs — the log as plain text, streamed,
    /// keeping the end. The endpoint came with Gitea 1.24; an older server's 404 says so.
    public func jobLog(_ job: CIJob, maxBytes: Int) async throws -> String {
        do {
            return try await http.logTail(repoURL("/actions/jobs/\(job.id)/logs"), maxBytes: maxBytes,
                                          operation: "read the log of job \(job.id) (\(job.name))")
        } catch let error as ForgeError where error.code == .notFound {
            throw await requireVersion((1, 24), for: "Actions job logs", after: error)
        }
    }
}
