import Foundation

/// Which proxy a request goes through, read from the usual variables once, when the client is
/// made (reading them per request would race with code that changes the environment).
///
/// The names follow curl's rules: `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`
/// (lowercase only: a CGI server sets `HTTP_PROXY` from a request header) for http URLs,
/// `all_proxy`/`ALL_PROXY` for both, and `no_proxy`/`NO_PROXY` for hosts reached directly.
public struct ProxySettings: Sendable, Equatable {
    public var httpProxy: String?
    public var httpsProxy: String?
    /// libcurl's `CURLOPT_NOPROXY` list: host names, domains, IP addresses, "*" for all.
    public var noProxy: String?

    public init(httpProxy: String? = nil, httpsProxy: String? = nil, noProxy: String? = nil) {
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
    }

    public static let direct = ProxySettings()

    public static func fromEnvironment(_ environment: [String: String] = HTTPClientConfiguration.startEnvironment) -> ProxySettings {
        func first(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        let all = first("all_proxy", "ALL_PROXY")
        return ProxySettings(httpProxy: first("http_proxy") ?? all,
                             httpsProxy: first("https_proxy", "HTTPS_PROXY") ?? all,
                             noProxy: first("no_proxy", "NO_PROXY"))
    }

    /// The proxy for `url`, or "" for none (an empty CURLOPT_PROXY stops libcurl from reading the environment itself).
    func proxy(for url: URL) -> String {
        (url.scheme?.lowercased() == "https" ? httpsProxy : httpProxy) ?? ""
    }
}

/// The client's limits and defaults; each request may override the time and size limits.
public struct HTTPClientConfiguration: Sendable {
    public var connectTimeout: Duration = .seconds(10)
    /// The longest a whole exchange (not a stream) may take.
    public var requestTimeout: Duration = .seconds(60)
    /// For streams: the longest silence before the stream is given up.
    public var streamIdleTimeout: Duration = .seconds(120)
    public var maxResponseBytes = 32 << 20
    public var maxRedirects = 5
    public var retry = RetryPolicy()
    public var proxy = ProxySettings.fromEnvironment()
    /// A PEM bundle of trusted CAs instead of the system's (default: `SSL_CERT_FILE`, as GitKit
    /// uses); nil uses libcurl's built-in bundle.
    public var caFile: String? = HTTPClientConfiguration.startEnvironment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    /// A directory of hashed CA certificates (default: `SSL_CERT_DIR`).
    public var caDirectory: String? = HTTPClientConfiguration.startEnvironment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    public var userAgent = "codex-bot"
    /// How the client waits between attempts; tests replace it to record the waits.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// Random numbers in 0...1 for the jitter.
    public var random: @Sendable () -> Double = { Double.random(in: 0...1) }
    /// The current time, for `x-ratelimit-reset` and HTTP dates.
    public var now: @Sendable () -> Date = { Date() }

    public init() {}

    /// The environment as the process started, read once: reading it while another thread
    /// calls setenv (tests swapping HOME do) is a data race in libc.
    public static let startEnvironment: [String: String] = ProcessInfo.processInfo.environment
}
