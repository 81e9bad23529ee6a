internal import COpenSSL

/// The OpenSSL that ForgeKit signs webhooks and GitHub App tokens with.
public enum OpenSSLRuntime {
    /// E.g. "OpenSSL 3.0.17 1 Jul 2025".
    public static var version: String {
        OpenSSL_version(Int32(OPENSSL_VERSION)).map { String(cString: $0) } ?? "unknown"
    }

    /// Whether the HMAC-SHA256 and RSA-SHA256 primitives the forge layer needs are available.
    public static var hasRequiredAlgorithms: Bool {
        EVP_get_digestbyname("SHA256") != nil
    }
}
