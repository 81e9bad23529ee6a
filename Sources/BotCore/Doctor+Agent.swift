import AgentKit
import Foundation
import HTTPKit
import Sandbox

extension Doctor {
    /// Whether commands can be isolated (bubblewrap), said plainly when they cannot.
    public static func sandboxCheck() -> DoctorCheck {
        let isolation = Sandbox.isolation()
        if let bubblewrap = isolation.bubblewrap {
            return DoctorCheck(name: "sandbox", status: .ok,
                               detail: "\(bubblewrap): with sandbox.network off, commands run without network and see only the worktree writable")
        }
        return DoctorCheck(name: "sandbox", status: .warning,
                           detail: "no isolation: \(isolation.problem ?? "bubblewrap is not available"). Commands still run with a filtered environment, time limits and output caps, but can reach the network and the whole filesystem",
                           fix: "apt-get install bubblewrap")
    }

    /// The model settings, and whether the server answers: one `GET …/models` with a short
    /// limit, when a model is configured. An unreachable model is a warning (report and doctor
    /// work without one); settings that cannot work are a failure.
    public static func modelCheck(provider: String?, model: String?, environment: [String: String],
                                  client: HTTPClient? = nil) async -> DoctorCheck {
        let configured = ["CODEX_BOT_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]
            .contains { !(environment[$0] ?? "").isEmpty } || model != nil || provider != nil
        guard configured else {
            return DoctorCheck(name: "model", status: .warning, detail: "no model configured",
                               fix: "Set CODEX_BOT_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) or ANTHROPIC_API_KEY")
        }
        let settings: ModelSettings
        do {
            settings = try ModelSettings.resolve(provider: provider, model: model, environment: environment)
        } catch {
            return DoctorCheck(name: "model", status: .failure, detail: "\(error)", fix: nil)
        }
        let http = client ?? HTTPClient(configuration: {
            var configuration = HTTPClientConfiguration()
            configuration.requestTimeout = .seconds(15)
            configuration.retry = RetryPolicy(maxAttempts: 2, maxRateLimitWait: .zero)
            return configuration
        }())
        let anthropic = settings.provider == .anthropic
        let url = settings.baseURL.appendingPathComponent(anthropic ? "v1/models" : "models")
        var request = HTTPRequest(.get, url, purpose: "model: list models")
        if let key = settings.apiKey {
            if anthropic {
                request.headers.set("x-api-key", key)
                request.headers.set("anthropic-version", "2023-06-01")
            } else {
                request.headers.set("Authorization", "Bearer \(key)")
            }
        }
        let redactor = SecretRedactor(secrets: [settings.apiKey].compactMap { $0 })
        let place = "\(settings.provider) at \(RedactedURL.string(settings.baseURL)), model \(settings.model)"
        do {
            let response = try await http.send(request)
            switch response.status {
            case 200..<300:
                let listed = JSONValue(data: response.body)?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                if listed.isEmpty || listed.contains(settings.model) {
                    return DoctorCheck(name: "model", status: .ok, detail: "\(place): reachable")
                }
                return DoctorCheck(name: "model", status: .warning, detail: "\(place): reachable, but the server does not list this model",
                                   fix: "Check the name (CODEX_BOT_MODEL or --model); the server lists \(listed.prefix(5).joined(separator: ", "))")
            case 401, 403:
                return DoctorCheck(name: "model", status: .warning, detail: "\(place): the key from \(settings.keyVariable) was refused (HTTP \(response.status))",
                                   fix: "Set a valid \(settings.keyVariable)")
            case 404:
                return DoctorCheck(name: "model", status: .ok, detail: "\(place): reachable (it has no model list to check the name against)")
            default:
                return DoctorCheck(name: "model", status: .warning,
                                   detail: "\(place): HTTP \(response.status): \(redactor.redact(response.bodySummary))",
                                   fix: "Check the server's address and state")
            }
        } catch {
            return DoctorCheck(name: "model", status: .warning, detail: "\(place): \(redactor.redact("\(error)"))",
                               fix: "Check that the model server is up and its address (OPENAI_BASE_URL / ANTHROPIC_BASE_URL)")
        }
    }
}
