import Foundation
import ForgeKit
import GitKit
import HTTPKit

extension Doctor {
    /// Whether the forge answers and what the credentials may do: one `repository()` call,
    /// with a short time limit and no waiting out rate limits. Only when a repository is named
    /// (by `--repo` or the CI environment): guessing one from a remote would send a token to a
    /// host nobody chose. A forge that does not answer is a warning, since `report` and
    /// `--dry-run` work without one.
    public static func forgeCheck(forge: ForgeKind?, repository: String?, environment: [String: String],
                                  directory: String, client: HTTPClient? = nil) async -> DoctorCheck {
        let settings: ForgeSettings
        do {
            settings = try ForgeSettings.resolve(forge: forge, repository: repository, environment: environment)
        } catch let error as ForgeError where error.message == "no repository given" {
            return DoctorCheck(name: "forge", status: .ok, detail: "\(error.forge): not checked, no repository named",
                               fix: nil)
        } catch {
            return DoctorCheck(name: "forge", status: .failure, detail: "\(error)", fix: nil)
        }
        if settings.kind == .local {
            guard let repo = try? Repository.discover(from: directory) else {
                return DoctorCheck(name: "forge", status: .warning, detail: "local forge: no repository to keep records in",
                                   fix: "Run inside a git checkout, or choose a forge with --forge")
            }
            let records = ForgeConnection.localForge(for: repo).recordsDirectory.path
            return DoctorCheck(name: "forge", status: .ok, detail: "local forge: pull requests are records under \(records)")
        }
        let http = client ?? HTTPClient(configuration: {
            var configuration = HTTPClientConfiguration()
            configuration.requestTimeout = .seconds(15)
            configuration.retry = RetryPolicy(maxAttempts: 2, maxRateLimitWait: .zero)
            return configuration
        }())
        do {
            let forge = try ForgeConnection.open(settings, client: http, repository: nil)
            let facts = try await forge.repository()
            let credentials = settings.app.map { "\($0)" } ?? settings.token.map { "token from \($0.origin)" } ?? "no token"
            let detail = "\(settings.kind) \(facts.path) at \(settings.apiURL.absoluteString): default branch \(facts.defaultBranch), "
                + "\(credentials) \(facts.canPush ? "may push" : "may not push")"
            if facts.canPush { return DoctorCheck(name: "forge", status: .ok, detail: detail) }
            return DoctorCheck(name: "forge", status: .warning, detail: detail,
                               fix: "Give the credentials write access to push branches and open pull requests")
        } catch let error as ForgeError {
            return DoctorCheck(name: "forge", status: .warning, detail: error.summary,
                               fix: error.hint ?? "Check the forge's address and the credentials")
        } catch {
            return DoctorCheck(name: "forge", status: .warning, detail: "\(error)", fix: nil)
        }
    }
}
