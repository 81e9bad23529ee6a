import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

/// Records the waits the client asks for instead of sleeping through them.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var waits: [Duration] = []
    var recorded: [Duration] { lock.withLock { waits } }
    func sleep(_ duration: Duration) async throws { lock.withLock { waits.append(duration) } }
}

func testClient(_ adjust: (inout HTTPClientConfiguration) -> Void = { _ in }) -> (HTTPClient, SleepRecorder) {
    let recorder = SleepRecorder()
    var configuration = HTTPClientConfiguration()
    configuration.proxy = .direct
    configuration.sleep = { try await recorder.sleep($0) }
    configuration.random = { 1.0 }
    adjust(&configuration)
    return (HTTPClient(configuration: configuration), recorder)
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
