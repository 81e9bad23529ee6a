import Foundation
internal import COpenSSL

/// Why a GitHub App JWT could not be made. Never carries any part of the key.
public enum GitHubAppJWTError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public var errorDescription: String? { description }
    /// The text holds no PEM block at all.
    case notPEM
    /// A PEM block, but a public key or certificate rather than a private key.
    case notPrivateKey
    /// The private key is protected by a passphrase.
    case encrypted
    /// A private key, but not RSA (e.g. "EC"); GitHub Apps sign with RS256.
    case notRSA(keyType: String)
    /// An RSA key below the 2048 bits GitHub requires.
    case tooSmall(bits: Int)
    /// PEM-looking text that OpenSSL could not parse (`reason` is OpenSSL's, never key material).
    case unreadable(reason: String)
    /// The App ID is empty.
    case emptyAppID
    /// The lifetime or clock-drift allowance is outside what GitHub accepts.
    case invalidLifetime(String)
    /// OpenSSL failed to sign.
    case signingFailed(reason: String)

    static let advice = "CODEX_BOT_APP_PRIVATE_KEY should hold the whole PEM file downloaded from the GitHub App's "
        + "settings page (\"Private keys\" → \"Generate a private key\"), including its BEGIN and END lines"

    public var description: String {
        switch self {
        case .notPEM:
            return "the GitHub App private key is not in PEM format; \(Self.advice)"
        case .notPrivateKey:
            return "the GitHub App private key is a public key or certificate, not a private key; \(Self.advice)"
        case .encrypted:
            return "the GitHub App private key is encrypted with a passphrase, which is not supported; "
                + "decrypt it (openssl pkey -in key.pem -out plain.pem) or \(Self.advice)"
        case .notRSA(let type):
            return "the GitHub App private key is a \(type) key, but GitHub Apps sign with RSA (RS256); \(Self.advice)"
        case .tooSmall(let bits):
            return "the GitHub App private key has \(bits) bits; at least 2048 are required; \(Self.advice)"
        case .unreadable(let reason):
            return "the GitHub App private key could not be read (OpenSSL: \(reason)); \(Self.advice)"
        case .emptyAppID:
            return "the GitHub App ID is empty; it is shown as \"App ID\" on the App's settings page"
        case .invalidLifetime(let what):
            return "invalid GitHub App JWT timing: \(what)"
        case .signingFailed(let reason):
            return "signing the GitHub App JWT failed (OpenSSL: \(reason))"
        }
    }
}

/// The JSON Web Token a GitHub App authenticates as itself with (to list installations and
/// exchange for installation tokens): RS256 over `{"iat","exp","iss"}`.
///
/// See GitHub's "Generating a JSON Web Token (JWT) for a GitHub App":
/// https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
/// — `iat` "60 seconds in the past" is recommended there to allow for clock drift, and `exp`
/// must be "no more than 10 minutes into the future". We default to 30 s (as the issue asks);
/// pass `issuedAtSkew: 60` to follow the doc exactly.
public enum GitHubAppJWT {
    /// The most GitHub accepts for `exp - now`.
    public static let maximumLifetime = 600

    /// A signed JWT `header.payload.signature` (base64url, no padding) for `appID`.
    /// - Parameters:
    ///   - appID: the App ID (or client ID) from the App's settings page, used as `iss`.
    ///   - privateKeyPEM: PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted, ≥ 2048 bits.
    ///   - now: the current time; `iat = now - issuedAtSkew`, `exp = now + lifetime` (whole seconds).
    public static func make(appID: String, privateKeyPEM: String, now: Date = Date(),
                            issuedAtSkew: Int = 30, lifetime: Int = maximumLifetime) throws(GitHubAppJWTError) -> String {
        let iss = appID.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !iss.isEmpty else { throw .emptyAppID }
        guard issuedAtSkew >= 0, issuedAtSkew <= 300 else {
            throw .invalidLifetime("issuedAtSkew must be 0...300 seconds, got \(issuedAtSkew)")
        }
        guard lifetime > 0, lifetime <= maximumLifetime else {
            throw .invalidLifetime("lifetime must be 1...\(maximumLifetime) seconds, got \(lifetime)")
        }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let payload = #"{"iat":\#(seconds - issuedAtSkew),"exp":\#(seconds + lifetime),"iss":\#(jsonString(iss))}"#
        let signingInput = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        let signature = try withPrivateKey(privateKeyPEM) { key throws(GitHubAppJWTError) in
            try signRS256(Array(signingInput.utf8), key: key)
        }
        return signingInput + "." + base64URL(signature)
    }

    /// Checks that `privateKeyPEM` is a usable GitHub App key without signing anything (for `doctor`).
    public static func validate(privateKeyPEM: String) throws(GitHubAppJWTError) {
        try withPrivateKey(privateKeyPEM) { _ throws(GitHubAppJWTError) in }
    }

    /// base64url without padding (RFC 7515 §2).
    public static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    // MARK: - Internals

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Parses the key, checks it is an unencrypted RSA private key of ≥ 2048 bits and lends it to `body`.
    static func withPrivateKey<T>(_ pem: String,
                                  _ body: (OpaquePointer) throws(GitHubAppJWTError) -> T) throws(GitHubAppJWTError) -> T {
        var text = pem
        // Environment variables often carry the PEM with literal "\n" escapes instead of newlines.
        if !text.contains("\n"), text.contains("\\n") { text = text.replacingOccurrences(of: "\\n", with: "\n") }
        guard text.contains("-----BEGIN "), text.contains("-----END ") else { throw .notPEM }
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw .encrypted
        }
        guard text.contains("PRIVATE KEY-----") else { throw .notPrivateKey }

        ERR_clear_error()
        let bytes = Array(text.utf8)
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            // A callback that supplies no passphrase, so OpenSSL never prompts on the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let key = parsed else {
            let reason = openSSLReason()
            if reason.contains("bad decrypt") || reason.contains("bad password") || reason.contains("interrupted or cancelled") {
                throw .encrypted
            }
            throw .unreadable(reason: reason)
        }
        defer { EVP_PKEY_free(key) }
        let type = EVP_PKEY_get_base_id(key)
        guard type == EVP_PKEY_RSA else {
            let name: String
            switch type {
            case EVP_PKEY_EC: name = "EC"
            case EVP_PKEY_ED25519: name = "Ed25519"
            case EVP_PKEY_ED448: name = "Ed448"
            case EVP_PKEY_DSA: name = "DSA"
            case EVP_PKEY_RSA_PSS: name = "RSA-PSS"
            default: name = OBJ_nid2sn(type).map { String(cString: $0) } ?? "unknown"
            }
            throw .notRSA(keyType: name)
        }
        let bits = Int(EVP_PKEY_get_bits(key))
        guard bits >= 2048 else { throw .tooSmall(bits: bits) }
        return try body(key)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    static func signRS256(_ message: [UInt8], key: OpaquePointer) throws(GitHubAppJWTError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .signingFailed(reason: openSSLReason()) }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw .signingFailed(reason: openSSLReason())
        }
        var length = 0
        let sized = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(context, nil, &length, m.baseAddress, m.count)
        }
        guard sized == 1, length > 0 else { throw .signingFailed(reason: openSSLReason()) }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(context, &signature, &length, m.baseAddress, m.count)
        }
        guard signed == 1 else { throw .signingFailed(reason: openSSLReason()) }
        return Array(signature.prefix(length))
    }

    /// The reason of the earliest queued OpenSSL error (library text only), and clears the queue.
    static func openSSLReason() -> String {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return "unknown error" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        return "error \(code)"
    }
}
