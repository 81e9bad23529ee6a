import Foundation

/// A complete response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    /// The URL that answered: the request's, or where redirects led.
    public var url: URL
    /// The request that produced this response, as sent last (after redirects).
    public var request: HTTPRequest

    public init(status: Int, headers: HTTPHeaders, body: Data, url: URL, request: HTTPRequest) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
        self.request = request
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The media type without parameters, lowercased ("application/json").
    public var mediaType: String? {
        headers["Content-Type"].map { $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The first line of the body, shortened, with HTML reduced to its title: for error messages.
    public var bodySummary: String {
        HTTPResponse.summarize(body, mediaType: mediaType)
    }

    static func summarize(_ body: Data, mediaType: String?) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        if mediaType == "text/html" || text.lowercased().contains("<html") {
            if let start = text.range(of: "<title>", options: .caseInsensitive),
               let end = text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex) {
                return "an HTML page titled \"\(text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines))\""
            }
            return "an HTML page"
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if line.isEmpty { return body.isEmpty ? "an empty body" : "a blank body" }
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// The URL of the `rel="next"` page from the `Link` header (RFC 8288), if any.
    public var nextPageURL: URL? {
        LinkHeader.url(for: "next", in: headers.values("Link"), relativeTo: url)
    }
}

/// Reads `Link: <https://…?page=2>; rel="next", <…>; rel="last"`.
public enum LinkHeader {
    public static func url(for relation: String, in values: [String], relativeTo base: URL) -> URL? {
        for value in values {
            var rest = Substring(value)
            while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
                let target = rest[rest.index(after: open)..<close]
                let paramsEnd = rest[close...].firstIndex(of: ",").map { $0 } ?? rest.endIndex
                let params = rest[rest.index(after: close)..<paramsEnd]
                let relations = params.split(separator: ";").compactMap { param -> [String]? in
                    let parts = param.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "rel" else { return nil }
                    return parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).lowercased()
                        .split(separator: " ").map(String.init)
                }.flatMap { $0 }
                if relations.contains(relation.lowercased()) {
                    return URL(string: String(target), relativeTo: base)?.absoluteURL
                }
                rest = paramsEnd < rest.endIndex ? rest[rest.index(after: paramsEnd)...] : ""
            }
        }
        return nil
    }
}
