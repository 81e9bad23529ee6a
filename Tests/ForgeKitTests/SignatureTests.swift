import Foundation
import Testing
@testable import ForgeKit
import CodexBotTestSupport

/// The `openssl` command-line tool: the independent witness ForgeKit's HMACs and JWT signatures are checked against.
enum OpenSSLCLI {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The `openssl` executable on PATH, or a failure naming the Debian package to install.
    static func executable() throws -> String {
        for directory in StartEnvironment.path.split(separator: ":") {
            let candidate = "\(directory)/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure(description: "the `openssl` command is not installed; install the Debian package `openssl` "
            + "(apt-get install openssl) to run the ForgeKit signature tests")
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: String, stdin: Data? = nil) throws -> ProcessRunner.Output {
        try ProcessRunner.run(try executable(), arguments, in: directory,
                              environment: ["PATH": StartEnvironment.path, "HOME": directory, "LC_ALL": "C"],
                              stdin: stdin)
    }

    /// Runs openssl and throws unless it exits 0; returns stdout.
    @discardableResult
    static func check(_ arguments: [String], in directory: String) throws -> String {
        let output = try run(arguments, in: directory)
        guard output.status == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
        }
        return output.stdout
    }

    /// `openssl dgst -sha256 -hmac SECRET` of `body`, as lower-case hex.
    static func hmacHex(secret: String, body: [UInt8], in directory: TemporaryDirectory) throws -> String {
        let file = directory.appending("body-\(UUID().uuidString.prefix(8)).bin")
        try Data(body).write(to: URL(fileURLWithPath: file))
        let out = try check(["dgst", "-sha256", "-hmac", secret, file], in: directory.path)
        // "HMAC-SHA2-256(/path/body.bin)= <hex>"
        guard let hex = out.split(whereSeparator: { $0 == " " || $0 == "\n" }).last.map(String.init), hex.count == 64 else {
            throw Failure(description: "unexpected openssl dgst output: \(out)")
        }
        return hex.lowercased()
    }

    /// Generates a key with `arguments` (which must not name an output) into `name` and returns its PEM text.
    static func generateKey(_ arguments: [String], name: String, in directory: TemporaryDirectory) throws -> String {
        let file = directory.appending(name)
        try check(arguments + ["-out", file], in: directory.path)
        return try String(contentsOfFile: file, encoding: .utf8)
    }
}

extension Result where Success == Void {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

private func claims(of jwt: String) throws -> [String: Any] {
    let part = try #require(base64URLDecode(jwt.split(separator: ".")[1]))
    return try #require(try JSONSerialization.jsonObject(with: part) as? [String: Any])
}

private func base64URLDecode(_ text: Substring) -> Data? {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while s.count % 4 != 0 { s += "=" }
    return Data(base64Encoded: s)
}

@Suite("Webhook signatures match openssl and reject every malformed or wrong signature")
struct WebhookSignatureTests {
    static let secret = "s3cr3t-wébhook ✓"
    /// JSON with UTF-8, a NUL byte in the middle, and an empty body.
    static let bodies: [[UInt8]] = [
        Array(#"{"action":"opened","title":"héllo ✓ 🚀"}"#.utf8) + [0x00] + Array("tail\n".utf8),
        [],
        Array(repeating: 0xFF, count: 3) + [0x00, 0x00],
    ]

    @Test("HMAC-SHA256 hex equals `openssl dgst -sha256 -hmac`", arguments: 0..<bodies.count)
    func hmacMatchesOpenSSL(_ index: Int) async throws {
        try await withTemporaryDirectory("hmac-\(index)") { dir in
            let body = Self.bodies[index]
            for secret in [Self.secret, "k", String(repeating: "long-key-", count: 20)] {
                let ours = WebhookSignature.hex(WebhookSignature.hmacSHA256(key: Array(secret.utf8), message: body))
                let theirs = try OpenSSLCLI.hmacHex(secret: secret, body: body, in: dir)
                #expect(ours == theirs, "secret \(secret.count) chars, body \(body.count) bytes")
            }
        }
    }

    @Test("RFC 4231 test case 2 (a known answer independent of openssl)")
    func rfc4231() {
        let mac = WebhookSignature.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(WebhookSignature.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("GitHub: X-Hub-Signature-256 sha256=<hex>")
    func github() async throws {
        try await withTemporaryDirectory("github-sig") { dir in
            let body = Self.bodies[0]
            let hex = try OpenSSLCLI.hmacHex(secret: Self.secret, body: body, in: dir)
            func verify(_ headers: [String: String], body: [UInt8] = body, secret: String = Self.secret)
                -> WebhookSignatureError? {
                WebhookSignature.verify(forge: .github, headers: headers, body: body, secret: secret).error
            }
            let h = "X-Hub-Signature-256"
            #expect(verify([h: "sha256=" + hex]) == nil)
            #expect(verify(["x-hub-signature-256": "sha256=" + hex.uppercased()]) == nil)
            #expect(WebhookSignature.verify(forge: .github, headers: [h: "sha256=" + hex],
                                           body: Data(body), secret: Self.secret).error == nil)

            #expect(verify([h: "sha256=" + hex], secret: "other") == .mismatch(header: h))
            #expect(verify([:]) == .missingHeader([h]))
            #expect(verify(["X-Hub-Signature": "sha1=" + String(hex.prefix(40))]) == .missingHeader([h]))
            #expect(verify([h: "sha1=" + String(hex.prefix(40))]) == .wrongPrefix(header: h, expected: "sha256="))
            #expect(verify([h: hex]) == .wrongPrefix(header: h, expected: "sha256="))
            #expect(verify([h: "sha256=" + hex.dropLast()]) == .wrongLength(header: h, expected: 64, actual: 63))
            #expect(verify([h: "sha256=" + hex + "00"]) == .wrongLength(header: h, expected: 64, actual: 66))
            #expect(verify([h: "sha256="]) == .notHex(header: h))
            #expect(verify([h: "sha256=" + "g" + hex.dropFirst()]) == .notHex(header: h))
            var changed = body
            changed[5] ^= 0x01
            #expect(verify([h: "sha256=" + hex], body: changed) == .mismatch(header: h))
            #expect(verify([h: "sha256=" + hex], secret: "") == .emptySecret)
            // The reasons are distinct and say what was wrong, without echoing the secret.
            let reasons: [WebhookSignatureError] = [.missingHeader([h]), .wrongPrefix(header: h, expected: "sha256="),
                                                    .notHex(header: h), .wrongLength(header: h, expected: 64, actual: 63),
                                                    .mismatch(header: h)]
            #expect(Set(reasons.map(\.description)).count == reasons.count)
            for reason in reasons {
                #expect(!reason.description.contains(Self.secret))
                #expect((reason as Error).localizedDescription == reason.description)
            }
        }
    }

    @Test("Gitea/Forgejo: X-Gitea-Signature or X-Forgejo-Signature <hex>")
    func gitea() async throws {
        try await withTemporaryDirectory("gitea-sig") { dir in
            let body = Self.bodies[0]
            let hex = try OpenSSLCLI.hmacHex(secret: Self.secret, body: body, in: dir)
            func verify(_ headers: [String: String], body: [UInt8] = body, secret: String = Self.secret)
                -> WebhookSignatureError? {
                WebhookSignature.verify(forge: .gitea, headers: headers, body: body, secret: secret).error
            }
            let g = "X-Gitea-Signature", f = "X-Forgejo-Signature"
            #expect(verify([g: hex]) == nil)
            #expect(verify([f: hex]) == nil)
            #expect(verify(["x-forgejo-signature": hex, "X-GITEA-SIGNATURE": hex]) == nil)

            #expect(verify([g: hex], secret: "other") == .mismatch(header: g))
            #expect(verify([f: hex], secret: "other") == .mismatch(header: f))
            #expect(verify([:]) == .missingHeader([g, f]))
            #expect(verify([g: "sha1=" + String(hex.prefix(40))]) == .wrongPrefix(header: g, expected: ""))
            #expect(verify([g: "sha256=" + hex]) == .wrongPrefix(header: g, expected: ""))
            #expect(verify([g: String(hex.dropLast())]) == .wrongLength(header: g, expected: 64, actual: 63))
            #expect(verify([g: String(hex.prefix(40))]) == .wrongLength(header: g, expected: 64, actual: 40))
            #expect(verify([g: "z" + hex.dropFirst()]) == .notHex(header: g))
            var changed = body
            changed[changed.count - 1] ^= 0x80
            #expect(verify([g: hex], body: changed) == .mismatch(header: g))
        }
    }

    @Test("GitLab: X-Gitlab-Token equals the secret")
    func gitlab() {
        let t = "X-Gitlab-Token"
        func verify(_ headers: [String: String], secret: String = Self.secret) -> WebhookSignatureError? {
            WebhookSignature.verify(forge: .gitlab, headers: headers, body: Self.bodies[0], secret: secret).error
        }
        #expect(verify([t: Self.secret]) == nil)
        #expect(verify(["x-gitlab-token": Self.secret]) == nil)
        #expect(verify([:]) == .missingHeader([t]))
        #expect(verify([t: "wrong"]) == .mismatch(header: t))
        #expect(verify([t: String(Self.secret.dropLast())]) == .mismatch(header: t))
        #expect(verify([t: Self.secret + "x"]) == .mismatch(header: t))
        #expect(verify([t: "sha1=" + Self.secret]) == .mismatch(header: t))
        var changed = Array(Self.secret.utf8)
        changed[0] ^= 0x01
        #expect(verify([t: String(decoding: changed, as: UTF8.self)]) == .mismatch(header: t))
        #expect(verify([t: ""], secret: "") == .emptySecret)
        #expect(verify([t: ""]) == .mismatch(header: t))
    }
}

@Suite("GitHub App JWT: RS256 that openssl verifies, and clear errors for unusable keys")
struct GitHubAppJWTTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    enum KeyFormat: String, CaseIterable, Sendable {
        case pkcs8, pkcs1
        var arguments: [String] {
            switch self {
            case .pkcs8: return ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            case .pkcs1: return ["genrsa", "-traditional"]
            }
        }
        var firstLine: String {
            switch self {
            case .pkcs8: return "-----BEGIN PRIVATE KEY-----"
            case .pkcs1: return "-----BEGIN RSA PRIVATE KEY-----"
            }
        }
    }

    @Test("the JWT verifies with `openssl dgst -sha256 -verify` and has the right claims", arguments: KeyFormat.allCases)
    func signsVerifiably(_ format: KeyFormat) async throws {
        try await withTemporaryDirectory("jwt-\(format.rawValue)") { dir in
            // genrsa takes the bit count last.
            let args = format == .pkcs1 ? format.arguments + ["-out", dir.appending("key.pem"), "2048"]
                                        : format.arguments + ["-out", dir.appending("key.pem")]
            try OpenSSLCLI.check(args, in: dir.path)
            let pem = try String(contentsOfFile: dir.appending("key.pem"), encoding: .utf8)
            #expect(pem.hasPrefix(format.firstLine))
            try OpenSSLCLI.check(["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"], in: dir.path)

            let jwt = try GitHubAppJWT.make(appID: "123456", privateKeyPEM: pem, now: Self.now)
            let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
            try #require(parts.count == 3)
            #expect(!jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"))

            let header = try #require(base64URLDecode(parts[0]))
            let headerJSON = try #require(try JSONSerialization.jsonObject(with: header) as? [String: String])
            #expect(headerJSON == ["alg": "RS256", "typ": "JWT"])
            let payload = try #require(base64URLDecode(parts[1]))
            let payloadClaims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            #expect(payloadClaims.count == 3)
            #expect(payloadClaims["iat"] as? Int == 1_700_000_000 - 30)
            #expect(payloadClaims["exp"] as? Int == 1_700_000_000 + 600)
            #expect(payloadClaims["iss"] as? String == "123456")

            let signature = try #require(base64URLDecode(parts[2]))
            #expect(signature.count == 256)
            try Data("\(parts[0]).\(parts[1])".utf8).write(to: URL(fileURLWithPath: dir.appending("input.txt")))
            try signature.write(to: URL(fileURLWithPath: dir.appending("sig.bin")))
            let verified = try OpenSSLCLI.run(["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "input.txt"],
                                              in: dir.path)
            #expect(verified.status == 0 && verified.stdout.contains("Verified OK"), "\(verified.stdout)\(verified.stderr)")

            // PKCS#1 v1.5 is deterministic: openssl's own signature is byte-for-byte ours.
            try OpenSSLCLI.check(["dgst", "-sha256", "-sign", "key.pem", "-out", "their-sig.bin", "input.txt"], in: dir.path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.appending("their-sig.bin"))) == signature)

            // A changed payload no longer verifies (the check can fail).
            try Data("\(parts[0]).\(parts[1])x".utf8).write(to: URL(fileURLWithPath: dir.appending("input.txt")))
            let tampered = try OpenSSLCLI.run(["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "input.txt"],
                                              in: dir.path)
            #expect(tampered.status != 0)

            // The clock-drift allowance is a parameter (GitHub's docs recommend 60 s).
            let drift = try GitHubAppJWT.make(appID: "123456", privateKeyPEM: pem, now: Self.now, issuedAtSkew: 60)
            let driftClaims = try claims(of: drift)
            #expect(driftClaims["iat"] as? Int == 1_700_000_000 - 60)
            #expect(driftClaims["exp"] as? Int == 1_700_000_000 + 600)

            // A PEM pasted into an environment variable with literal "\n" escapes still works.
            let escaped = pem.replacingOccurrences(of: "\n", with: "\\n")
            #expect(try GitHubAppJWT.make(appID: "123456", privateKeyPEM: escaped, now: Self.now) == jwt)
            try GitHubAppJWT.validate(privateKeyPEM: pem)
        }
    }

    @Test("the App ID is escaped in JSON, must be present, and exp stays within 10 minutes")
    func claimsValidation() async throws {
        try await withTemporaryDirectory("jwt-claims") { dir in
            let pem = try OpenSSLCLI.generateKey(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                                                 name: "key.pem", in: dir)
            let jwt = try GitHubAppJWT.make(appID: #"Iv1."quoted"\x"#, privateKeyPEM: pem, now: Self.now)
            let escapedClaims = try claims(of: jwt)
            #expect(escapedClaims["iss"] as? String == #"Iv1."quoted"\x"#)
            #expect(throws: GitHubAppJWTError.emptyAppID) { try GitHubAppJWT.make(appID: " ", privateKeyPEM: pem) }
            #expect(throws: GitHubAppJWTError.self) { try GitHubAppJWT.make(appID: "1", privateKeyPEM: pem, lifetime: 601) }
            #expect(throws: GitHubAppJWTError.self) { try GitHubAppJWT.make(appID: "1", privateKeyPEM: pem, issuedAtSkew: -1) }
        }
    }

    @Test("unusable keys give a clear error that names the setting and quotes no line of the key")
    func badKeys() async throws {
        try await withTemporaryDirectory("jwt-bad-keys") { dir in
            let rsa1024 = try OpenSSLCLI.generateKey(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
                                                     name: "small.pem", in: dir)
            let ec = try OpenSSLCLI.generateKey(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                                                name: "ec.pem", in: dir)
            let encrypted8 = try OpenSSLCLI.generateKey(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                                         "-aes-256-cbc", "-pass", "pass:hunter2"],
                                                        name: "enc8.pem", in: dir)
            try OpenSSLCLI.check(["genrsa", "-traditional", "-aes128", "-passout", "pass:hunter2",
                                  "-out", "enc1.pem", "2048"], in: dir.path)
            let encrypted1 = try String(contentsOfFile: dir.appending("enc1.pem"), encoding: .utf8)
            try OpenSSLCLI.check(["pkey", "-in", "small.pem", "-pubout", "-out", "pub.pem"], in: dir.path)
            let publicKey = try String(contentsOfFile: dir.appending("pub.pem"), encoding: .utf8)
            let corrupt = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC!!!!notbase64@@@@\n-----END PRIVATE KEY-----\n"
            let garbage = "this is not a key, just a pasted App ID 123456 and some text\nsecond line of garbage\n"

            let cases: [(name: String, pem: String, expected: GitHubAppJWTError?)] = [
                ("garbage", garbage, .notPEM),
                ("empty", "", .notPEM),
                ("EC", ec, .notRSA(keyType: "EC")),
                ("1024-bit RSA", rsa1024, .tooSmall(bits: 1024)),
                ("encrypted PKCS#8", encrypted8, .encrypted),
                ("encrypted PKCS#1", encrypted1, .encrypted),
                ("public key", publicKey, .notPrivateKey),
                ("corrupt PEM", corrupt, nil),
            ]
            for (name, pem, expected) in cases {
                var caught: GitHubAppJWTError?
                do {
                    _ = try GitHubAppJWT.make(appID: "123456", privateKeyPEM: pem, now: Self.now)
                } catch let error as GitHubAppJWTError {
                    caught = error
                }
                let error = try #require(caught, "\(name): a JWT was made from an unusable key")
                if let expected {
                    #expect(error == expected, "\(name)")
                } else if case .unreadable = error {} else {
                    Issue.record("\(name): expected .unreadable, got \(error)")
                }
                #expect(throws: GitHubAppJWTError.self) { try GitHubAppJWT.validate(privateKeyPEM: pem) }
                let texts = [error.description, String(describing: error), String(reflecting: error),
                             (error as Error).localizedDescription]
                for text in texts {
                    #expect(text.contains("CODEX_BOT_APP_PRIVATE_KEY"), "\(name): \(text)")
                    // Lines shorter than 12 characters (a base64 tail such as "Aw==") could match by chance.
                    for line in pem.split(separator: "\n") where line.count >= 12 {
                        #expect(!text.contains(line), "\(name): the error quotes a line of the key")
                    }
                }
            }
        }
    }
}
