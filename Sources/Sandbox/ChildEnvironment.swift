import Foundation

/// The allow-list and the credential filter behind `Sandbox.environment(for:)`, whose
/// documentation gives the rules; keep the two in step.
enum ChildEnvironment {
    static let safeNames: Set<String> = ["PATH", "HOME", "LANG", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL"]
    static let safePrefixes = ["LC_"]
    static let credentialFragments = ["TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL",
                                      "SESSION", "COOKIE", "PRIVATE", "JWT", "ASKPASS"]
    static let credentialWords: Set<Substring> = ["PAT", "PEM"]
    /// Words that contain AUTH and name a person, not a credential.
    static let authorWords: Set<Substring> = ["AUTHOR", "AUTHORS"]
    static let credentialNames: Set<String> = ["GIT_CONFIG_PARAMETERS"]
    static let credentialPrefixes = ["GIT_CONFIG_VALUE_"]
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Shorter secrets are only matched whole: a 3-character "secret" would match everywhere.
    static let minimumContainedSecretLength = 8

    /// The environment for one command.
    static func make(from botEnvironment: [String: String], passing extraNames: [String],
                     adding requested: [String: String]) -> [String: String] {
        let secrets = knownSecrets(in: botEnvironment)
        let passed = Set(extraNames)
        var result: [String: String] = [:]
        for (name, value) in botEnvironment
        where (isSafe(name) || passed.contains(name)) && isAllowed(name: name, value: value, secrets: secrets) {
            result[name] = value
        }
        for (name, value) in requested where isAllowed(name: name, value: value, secrets: secrets) {
            result[name] = value
        }
        // Always a PATH: the program lookup before the spawn and bwrap's execvp inside must agree.
        if result["PATH"] == nil {
            result["PATH"] = defaultPath
        }
        // CPython trusts __pycache__ by whole-second modification time and size: an edit of the
        // same size in the same second as the last test run would be tested as the old code.
        // The bot runs tests again seconds after each edit, so no bytecode is cached.
        if result["PYTHONDONTWRITEBYTECODE"] == nil {
            result["PYTHONDONTWRITEBYTECODE"] = "1"
        }
        return result
    }

    static func isSafe(_ name: String) -> Bool {
        safeNames.contains(name) || safePrefixes.contains { name.hasPrefix($0) }
    }

    /// Whether `name` looks like it holds a credential (see the type's documentation).
    static func looksLikeCredential(_ name: String) -> Bool {
        let upper = name.uppercased()
        if credentialNames.contains(upper) || credentialPrefixes.contains(where: { upper.hasPrefix($0) }) {
            return true
        }
        if credentialFragments.contains(where: { upper.contains($0) }) {
            return true
        }
        let words = upper.split { !$0.isLetter && !$0.isNumber }
        return words.contains { word in
            credentialWords.contains(word) || (word.contains("AUTH") && !authorWords.contains(word))
        }
    }

    /// The values of the bot's credential-looking variables, the ones no command may see.
    static func knownSecrets(in environment: [String: String]) -> [String] {
        environment.compactMap { name, value in
            looksLikeCredential(name) && !value.isEmpty ? value : nil
        }
    }

    static func isAllowed(name: String, value: String, secrets: [String]) -> Bool {
        guard !looksLikeCredential(name), !containsURLPassword(value) else { return false }
        return !secrets.contains { secret in
            value == secret || (secret.utf8.count >= minimumContainedSecretLength && value.contains(secret))
        }
    }

    /// `scheme://user:password@host`: a URL that carries its own credentials.
    static func containsURLPassword(_ value: String) -> Bool {
        var rest = Substring(value)
        while let scheme = rest.range(of: "://") {
            let authority = rest[scheme.upperBound...].prefix { !"/?#".contains($0) && !$0.isWhitespace }
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
                return true
            }
            rest = rest[scheme.upperBound...]
        }
        return false
    }
}
