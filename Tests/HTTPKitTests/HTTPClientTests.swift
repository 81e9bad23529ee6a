import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

/// A client whose waits are recorded, not slept (see RecordedSleeps).
func testClient(_ adjust: (inout HTTPClientConfiguration) -> Void = { _ in }) -> (HTTPClient, RecordedSleeps) {
    RecordedSleeps.client(adjust)
}

@Suite("HTTPClient basics")
struct HTTPClientBasicsTests {
    @Test("GET returns status, headers and body; the connection is reused")
    func getAndReuse() async throws {
        let server = try LoopbackHTTPServer { request in
            .json(200, ["path": request.path, "n": request.indexOnConnection], headers: [("X-Seen", "yes")])
        }
        defer { server.stop() }
        let (client, _) = testClient()
        for _ in 0..<3 {
            let response = try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/a/b")!))
            #expect(response.status == 200)
            #expect(response.headers["x-seen"] == "yes")
            #expect(response.text.contains("\"path\":\"/a/b\""))
        }
        #expect(server.requests.map(\.indexOnConnection) == [1, 2, 3])
        #expect(server.connectionCount == 1)
    }
}

/// A counter the server's handler can bump from its connection threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
    var count: Int { lock.withLock { value } }
}

extension HTTPClientBasicsTests {
    @Test("bodies go out with their method; PUT and PATCH without a body send Content-Length: 0")
    func methodsAndBodies() async throws {
        let server = try LoopbackHTTPServer { request in
            .json(200, ["method": request.method, "body": request.bodyText,
                        "length": request.header("Content-Length") ?? "none", "type": request.header("Content-Type") ?? "none"])
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let url = URL(string: server.baseURL + "/x")!
        struct Payload: Encodable { var title: String }
        let post = try await client.send(try .json(.post, url, Payload(title: "a/b")))
        #expect(post.text == #"{"body":"{\"title\":\"a/b\"}","length":"15","method":"POST","type":"application/json"}"#)
        for method in [HTTPMethod.put, .patch] {
            let response = try await client.send(HTTPRequest(method, url))
            #expect(response.text.contains("\"length\":\"0\"") && response.text.contains("\"method\":\"\(method)\""))
        }
        let delete = try await client.send(HTTPRequest(.delete, url))
        #expect(delete.text.contains("\"method\":\"DELETE\""))
        let head = try await client.send(HTTPRequest(.head, url))
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test("many requests at once all complete")
    func concurrentRequests() async throws {
        let server = try LoopbackHTTPServer { request in .text(200, request.path) }
        defer { server.stop() }
        let (client, _) = testClient()
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<24 {
                group.addTask { try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/\(index)")!)).text }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(bodies == Set((0..<24).map { "/\($0)" }))
    }

    @Test("gzip bodies are decoded, and the client says it accepts them")
    func gzip() async throws {
        let plain = String(repeating: "codex-bot gzip line\n", count: 500)
        let compressed = try gzipped(Array(plain.utf8))
        #expect(compressed.count < plain.utf8.count / 10)
        let server = try LoopbackHTTPServer { request in
            guard request.header("Accept-Encoding")?.contains("gzip") == true else { return .text(400, "no gzip offered") }
            return LoopbackHTTPResponse(status: 200, headers: [("Content-Encoding", "gzip")], body: compressed)
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let response = try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/log")!))
        #expect(response.status == 200)
        #expect(response.text == plain)
    }

    @Test("URLs other than http(s), and headers with line breaks, are refused before anything is sent")
    func invalidRequests() async throws {
        let (client, _) = testClient()
        await #expect { try await client.send(HTTPRequest(.get, URL(string: "ftp://127.0.0.1/x")!)) } throws: { error in
            (error as? HTTPError)?.code == .invalidRequest
        }
        var request = HTTPRequest(.get, URL(string: "http://127.0.0.1:1/x")!)
        request.headers.set("X-Evil", "a\r\nInjected: yes")
        await #expect { try await client.send(request) } throws: { error in
            (error as? HTTPError)?.code == .invalidRequest && "\(error)".contains("X-Evil")
        }
    }
}

/// `gzip -c` of `bytes`, made by the real gzip program.
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let directory = try TemporaryDirectory(named: "gzip")
    defer { directory.remove() }
    let input = directory.appending("in")
    try Data(bytes).write(to: URL(fileURLWithPath: input))
    let result = try ProcessRunner.run("/bin/sh", ["-c", "gzip -c in > in.gz"], in: directory.path,
                                       environment: ["PATH": StartEnvironment.path])
    guard result.status == 0 else { throw TestFailure("gzip: \(result.stderr)") }
    return Array(try Data(contentsOf: URL(fileURLWithPath: input + ".gz")))
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
