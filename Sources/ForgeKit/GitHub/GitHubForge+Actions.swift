import Foundation
import HTTPKit

extension GitHubForge {
    /// The conclusions of a job that point at its own failure. `cancelled` is left out on
    /// purpose: a matrix with fail-fast cancels the siblings of the job that failed, and those
    /// logs hold nothing to fix; a run someone cancelled has nothing to fix either.
    public static let failedConclusions: Set<String> = ["failure", "timed_out", "startup_failure"]

    /// GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs?filter=latest&per_page=100, every page.
    ///
    /// `filter=latest` keeps only the jobs of the run's latest attempt, so a job that failed and
    /// then passed on a re-run is not reported. Jobs still running (no conclusion) are skipped.
    public func failedJobs(inRun runID: Int64) async throws -> [CIJob] {
        let url = repoURL("/actions/runs/\(runID)/jobs", query: [("filter", "latest"), ("per_page", "100")])
        let jobs = http.wrappedPages(GitHubWire.JobList.self, url, operation: "list the jobs of workflow run \(runID)") { $0.jobs }
        var failed: [CIJob] = []
        for try await job in jobs {
            guard let conclusion = job.conclusion, Self.failedConclusions.contains(conclusion) else { continue }
            failed.append(CIJob(id: job.id, name: job.name, conclusion: conclusion, webURL: job.htmlURL))
        }
        return failed
    }

    /// GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs
    ///
    /// GitHub answers 302 with a short-lived signed URL on its blob storage, another host; the
    /// HTTP client follows it without the Authorization header (the URL's signature is the
    /// credential there). The log streams in and only its last `maxBytes` are kept, cut at a
    /// character boundary (`ForgeHTTP.logTail`); invalid UTF-8 is replaced, not refused.
    public func jobLog(_ job: CIJob, maxBytes: Int) async throws -> String {
        try await http.logTail(repoURL("/actions/jobs/\(job.id)/logs"), maxBytes: maxBytes,
                               operation: "download the log of job \(job.id) (\(job.name))")
    }
}
