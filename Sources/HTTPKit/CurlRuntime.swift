internal import CCurl

/// libcurl's process-wide set-up (`curl_global_init`, once) and what it was built with.
public enum CurlRuntime {
    public struct Info: Sendable {
        public var version: String
        /// The TLS library libcurl uses, e.g. "OpenSSL/3.0.17"; nil when built without TLS.
        public var tlsBackend: String?
        public var http2: Bool
        public var protocols: [String]
    }

    private static let setUp: Info = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let data = curl_version_info(CURLversion(rawValue: CURLVERSION_LAST.rawValue - 1))?.pointee else {
            return Info(version: "unknown", tlsBackend: nil, http2: false, protocols: [])
        }
        var protocols: [String] = []
        if var cursor = data.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        return Info(version: String(cString: data.version),
                    tlsBackend: data.ssl_version.map { String(cString: $0) },
                    http2: data.features & CURL_VERSION_HTTP2 != 0,
                    protocols: protocols)
    }()

    /// Initializes libcurl on first use; cheap afterwards.
    @discardableResult
    public static func ensureInitialized() -> Info { setUp }
}
