/// Removes credentials from remote URLs before they reach a message, a log or a model.
public enum URLRedaction {
    /// `https://user:secret@host/x` → `https://user:***@host/x`, and a long bare user name
    /// (`https://TOKEN@host/x`, how tokens are often written) → `https://***@host/x`.
    /// SSH-style `git@host:path` and URLs with no user are returned unchanged.
    public static func redact(_ url: String) -> String {
        guard let scheme = url.range(of: "://"),
              let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let userInfo = url[scheme.upperBound..<at]
        if let colon = userInfo.firstIndex(of: ":") {
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
        return userInfo.count >= 20 ? String(url[..<scheme.upperBound]) + "***" + String(url[at...]) : url
    }
}

func redactedURL(_ url: String) -> String { URLRedaction.redact(url) }
