import Foundation
import HTTPKit

extension ForgeHTTP {
    /// GETs a CI job's log and keeps only its last `maxBytes` bytes, where failures are.
    ///
    /// The body is streamed rather than collected: logs of long jobs run to hundreds of MiB,
    /// far past what a JSON call accepts, and only the end is wanted. The cut never splits a
    /// UTF-8 sequence. Credentials, the 401 refresh and error mapping are those of `call`.
    func logTail(_ url: URL, maxBytes: Int, operation: String) async throws -> String {
        var refreshed = false
        while true {
            var request = HTTPRequest(.get, url, headers: defaultHeaders, purpose: "\(kind): \(operation)")
            request.headers.set("Accept", "text/plain, */*")
            // The limit counts every byte that streams past, kept or not.
            request.maxResponseBytes = max(maxBytes, JobLogTail.downloadLimit)
            if let (name, value) = try await tokens.authorization() { request.headers.set(name, value) }
            let response: HTTPStreamingResponse
            do {
                response = try await client.stream(request)
            } catch let error as HTTPError {
                throw ForgeHTTP.forgeError(error, kind: kind, operation: operation)
            }
            if response.status == 401, !refreshed, await tokens.invalidate() {
                refreshed = true
                continue
            }
            let label = response.request.redactedDescription
            guard response.isSuccess else {
                let body = (try? await response.collect(upTo: 64 << 10)) ?? Data()
                throw failure(HTTPResponse(status: response.status, headers: response.headers, body: body,
                                           url: response.url, request: response.request), operation: operation)
            }
            var tail = JobLogTail(limit: maxBytes)
            do {
                for try await piece in response.body { tail.append(piece) }
            } catch let error as HTTPError {
                throw ForgeHTTP.forgeError(error, kind: kind, operation: operation)
            }
            // A sign-in page from a proxy, or a web URL where the API was meant, is no log.
            if response.headers["Content-Type"].map({ $0.lowercased().hasPrefix("text/html") }) == true {
                throw ForgeError(.badResponse, forge: kind, operation: operation, request: label, status: response.status,
                                 message: "the answer is an HTML page, not a job log",
                                 hint: "Is the API base URL right? (\(ForgeHTTP.baseHint(kind)))")
            }
            return tail.text
        }
    }
}

/// The last `limit` bytes of a stream, in bounded memory.
struct JobLogTail {
    /// The most a log download may stream through (its end is kept, the rest dropped on the way).
    static let downloadLimit = 1 << 30

    private let limit: Int
    private var buffer = Data()
    private(set) var droppedBytes = 0

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    mutating func append(_ piece: Data) {
        buffer.append(piece)
        // Trim only once the buffer holds twice the limit, so each byte is copied O(1) times.
        if buffer.count > 2 * limit + 64 * 1024 { trim() }
    }

    /// The kept bytes as text, starting at a UTF-8 character boundary.
    var text: String {
        var copy = self
        copy.trim()
        var bytes = copy.buffer[...]
        if copy.droppedBytes > 0 {
            // A cut inside a multi-byte character leaves its continuation bytes (10xxxxxx) first.
            while let first = bytes.first, first & 0xC0 == 0x80 { bytes = bytes.dropFirst() }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func trim() {
        guard buffer.count > limit else { return }
        let excess = buffer.count - limit
        buffer = Data(buffer.suffix(limit))
        droppedBytes += excess
    }
}
