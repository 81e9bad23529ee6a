import Foundation
internal import COpenSSL

/// Which forge sent a webhook delivery, for choosing how its signature is checked.
/// (ForgeKit had no `Forge` type when this was written; if one is added, this can become an alias.)
public enum WebhookForge: String, Sendable, CaseIterable {
    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
    case github
    /// `X-Gitlab-Token: <secret>` (GitLab does not sign the body).
    case gitlab
    /// Gitea and Forgejo: `X-Gitea-Signature` / `X-Forgejo-Signature: <hex HMAC-SHA256(secret, body)>`.
    case gitea
}

/// Why a webhook delivery was rejected. Never carries the secret or the received signature.
public enum WebhookSignatureError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public var errorDescription: String? { description }
    /// The webhook secret configured on our side is empty: nothing could be verified.
    case emptySecret
    /// None of the headers that carry the signature or token was present.
    case missingHeader([String])
    /// The signature header does not start with the expected prefix (e.g. `sha1=` instead of `sha256=`),
    /// or has a prefix where none is expected (`expected` is then empty).
    case wrongPrefix(header: String, expected: String)
    /// The digest contains characters other than hexadecimal digits.
    case notHex(header: String)
    /// The digest is hex but not the 64 digits of a SHA-256 HMAC.
    case wrongLength(header: String, expected: Int, actual: Int)
    /// Well-formed, but does not match the body and secret (wrong secret, or the body was altered).
    case mismatch(header: String)

    public var description: String {
        switch self {
        case .emptySecret:
            return "the webhook secret is empty; set the same secret here and in the forge's webhook settings"
        case .missingHeader(let names):
            return "the delivery has no \(names.joined(separator: " or ")) header; is a secret set in the forge's webhook settings?"
        case .wrongPrefix(let header, let expected):
            if expected.isEmpty {
                return "\(header) should be a bare hex HMAC-SHA256 digest with no prefix"
            }
            return "\(header) does not start with \"\(expected)\" (only HMAC-SHA256 signatures are accepted)"
        case .notHex(let header):
            return "\(header) is not a hexadecimal digest"
        case .wrongLength(let header, let expected, let actual):
            return "\(header) has \(actual) hex digits; an HMAC-SHA256 digest has \(expected)"
        case .mismatch(let header):
            return "\(header) does not match the body: the secret differs from the forge's, or the body was altered"
        }
    }
}

/// Verifies that webhook deliveries come from the forge that knows our secret.
public enum WebhookSignature {
    static let githubHeader = "X-Hub-Signature-256"
    static let giteaHeaders = ["X-Gitea-Signature", "X-Forgejo-Signature"]
    static let gitlabHeader = "X-Gitlab-Token"
    static let digestHexLength = 64

    /// Checks `body` (the raw bytes as received, before any JSON parsing) against the
    /// signature headers of `forge`. Header names are matched case-insensitively.
    public static func verify(forge: WebhookForge, headers: [String: String], body: [UInt8],
                              secret: String) -> Result<Void, WebhookSignatureError> {
        guard !secret.isEmpty else { return .failure(.emptySecret) }
        switch forge {
        case .github:
            guard let value = header(githubHeader, in: headers) else {
                return .failure(.missingHeader([githubHeader]))
            }
            let prefix = "sha256="
            guard value.count >= prefix.count, value.prefix(prefix.count).lowercased() == prefix else {
                return .failure(.wrongPrefix(header: githubHeader, expected: prefix))
            }
            return verifyHex(String(value.dropFirst(prefix.count)), header: githubHeader, body: body, secret: secret)
        case .gitea:
            for name in giteaHeaders {
                guard let value = header(name, in: headers) else { continue }
                if value.contains("=") { return .failure(.wrongPrefix(header: name, expected: "")) }
                return verifyHex(value, header: name, body: body, secret: secret)
            }
            return .failure(.missingHeader(giteaHeaders))
        case .gitlab:
            guard let token = header(gitlabHeader, in: headers) else {
                return .failure(.missingHeader([gitlabHeader]))
            }
            // Compare HMACs of both under a fresh random key: equal-length inputs to CRYPTO_memcmp,
            // so the time taken says nothing about the secret's length or a shared prefix.
            var key = [UInt8](repeating: 0, count: 32)
            guard RAND_bytes(&key, Int32(key.count)) == 1 else {
                ERR_clear_error()
                return .failure(.mismatch(header: gitlabHeader))
            }
            let expected = hmacSHA256(key: key, message: Array(secret.utf8))
            let received = hmacSHA256(key: key, message: Array(token.utf8))
            return constantTimeEqual(expected, received) ? .success(()) : .failure(.mismatch(header: gitlabHeader))
        }
    }

    /// `verify` for a `Data` body.
    public static func verify(forge: WebhookForge, headers: [String: String], body: Data,
                              secret: String) -> Result<Void, WebhookSignatureError> {
        verify(forge: forge, headers: headers, body: [UInt8](body), secret: secret)
    }

    /// HMAC-SHA256 of `message` under `key`, computed by OpenSSL's one-shot `HMAC()`.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // A non-nil pointer even for empty inputs: OpenSSL treats a NULL key specially.
        let keyBytes = key.isEmpty ? [0] : key
        let messageBytes = message.isEmpty ? [0] : message
        let ok = keyBytes.withUnsafeBufferPointer { k in
            messageBytes.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), m.baseAddress, message.count,
                     &digest, &length) != nil
            }
        }
        precondition(ok && length == 32, "OpenSSL HMAC-SHA256 failed")
        return Array(digest.prefix(Int(length)))
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Internals

    static func header(_ name: String, in headers: [String: String]) -> String? {
        if let exact = headers[name] { return exact.trimmingCharacters(in: .whitespaces) }
        let lowered = name.lowercased()
        for (key, value) in headers where key.lowercased() == lowered {
            return value.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func verifyHex(_ text: String, header: String, body: [UInt8],
                          secret: String) -> Result<Void, WebhookSignatureError> {
        guard let received = decodeHex(text) else {
            let utf8 = Array(text.utf8)
            if !utf8.isEmpty, utf8.allSatisfy({ hexValue($0) != nil }) {
                return .failure(.wrongLength(header: header, expected: digestHexLength, actual: utf8.count))
            }
            return .failure(.notHex(header: header))
        }
        guard received.count * 2 == digestHexLength else {
            return .failure(.wrongLength(header: header, expected: digestHexLength, actual: received.count * 2))
        }
        let expected = hmacSHA256(key: Array(secret.utf8), message: body)
        return constantTimeEqual(expected, received) ? .success(()) : .failure(.mismatch(header: header))
    }

    /// Bytes of an even-length hex string, or nil if it is odd-length, empty or has a non-hex digit.
    static func decodeHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `CRYPTO_memcmp` of two equal-length byte arrays; false (without comparing) for different lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }
}
