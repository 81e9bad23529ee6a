import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

@Suite("HTTPClient streams and cancellation")
struct StreamingTests {
    @Test("server-sent events arrive one by one while the server is still sending")
    func serverSentEvents() async throws {
        var chunks: [[UInt8]] = [
            ": keep-alive\r\n\r\nevent: response.created\r\ndata: {\"a\":1}\r\n\r\n",
            "data: first line\ndata: second", " line\n\n",
        ].map { Array($0.utf8) }
        // "é" is C3 A9 in UTF-8: split across two chunks.
        chunks += [Array("data: {\"text\":\"caf".utf8) + [0xC3], [0xA9] + Array("\"}\n\n".utf8), Array("data: [DONE]\n\n".utf8)]
        let pieces = chunks
        // The server sends the last piece only once the client has seen the first event. The wait is
        // long because other suites may hold the cooperative threads that hand events over.
        let firstSeen = DispatchSemaphore(value: 0)
        let waitedInVain = Counter()
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPResponse(status: 200, headers: [("Content-Type", "text/event-stream")], delivery: .writer { send in
                for piece in pieces.dropLast() { try send(piece) }
                if firstSeen.wait(timeout: .now() + 120) == .timedOut { _ = waitedInVain.next() }
                try send(pieces.last!)
            })
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let response = try await client.stream(HTTPRequest(.post, URL(string: server.baseURL + "/v1/responses")!, body: Data("{}".utf8)))
        #expect(response.status == 200 && response.headers["Content-Type"] == "text/event-stream")
        var events: [ServerSentEvent] = []
        for try await event in response.serverSentEvents() {
            if events.isEmpty { firstSeen.signal() }
            events.append(event)
        }
        #expect(events == [
            ServerSentEvent(event: "response.created", data: "{\"a\":1}"),
            ServerSentEvent(data: "first line\nsecond line"),
            ServerSentEvent(data: "{\"text\":\"café\"}"),
            ServerSentEvent(data: "[DONE]"),
        ])
        // Had the client waited for the whole body, the server would have waited in vain.
        #expect(waitedInVain.count == 0)
    }

    @Test("the event-stream parser follows the standard's field rules")
    func parserRules() throws {
        var splitter = LineSplitter()
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        let text = "id: 7\rdata\r\ndata:x\n\nretry: 10\nunknown: y\n\nevent: done\ndata: end"
        for line in try splitter.push(Data(text.utf8)) {
            if let event = parser.push(line: line) { events.append(event) }
        }
        if let line = splitter.finish(), let event = parser.push(line: line) { events.append(event) }
        if let event = parser.finish() { events.append(event) }
        #expect(events == [ServerSentEvent(data: "\nx", id: "7"), ServerSentEvent(event: "done", data: "end", id: "7")])
    }

    @Test("a line longer than the limit is an error, not unbounded memory")
    func longLine() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "a"), count: 100_000))
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let response = try await client.stream(HTTPRequest(.get, URL(string: server.baseURL + "/")!))
        await #expect(throws: HTTPError.self) {
            for try await _ in response.lines(maxLineBytes: 10_000) {}
        }
    }

    @Test("a stream that breaks midway throws to its reader")
    func brokenStream() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPResponse(status: 200, body: Array("data: one\n\ndata: two\n\n".utf8), delivery: .truncated(afterBytes: 12))
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let response = try await client.stream(HTTPRequest(.get, URL(string: server.baseURL + "/")!))
        var seen: [String] = []
        let error = try await #require(throws: HTTPError.self) {
            for try await event in response.serverSentEvents() { seen.append(event.data) }
        }
        #expect(seen == ["one"] && error.code == .truncated)
    }

    @Test("cancelling a task ends a request to a silent server, long before its time limit")
    func cancelSend() async throws {
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPResponse(status: 200, delivery: .stall) }
        defer { server.stop() }
        let (client, _) = testClient()
        let task = Task {
            var request = HTTPRequest(.get, URL(string: server.baseURL + "/")!)
            request.timeout = .seconds(600)
            return try await client.send(request)
        }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // Not a speed check: without cancellation this would take the 600 s time limit.
        #expect(started.duration(to: .now) < .seconds(120))
    }

    @Test("cancelling a stream's reader ends the transfer: the server sees the client leave")
    func cancelStream() async throws {
        // The server streams events until a write fails, which happens once the client has closed the connection.
        let clientLeft = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPResponse(status: 200, delivery: .writer { send in
                defer { clientLeft.signal() }
                for number in 0..<100_000 {
                    try send(Array("data: \(number)\n\n".utf8))
                    Thread.sleep(forTimeInterval: 0.01)
                }
            })
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let response = try await client.stream(HTTPRequest(.get, URL(string: server.baseURL + "/")!))
        let threeSeen = AsyncStream<Void>.makeStream()
        let task = Task {
            var count = 0
            for try await _ in response.serverSentEvents() {
                count += 1
                if count == 3 { threeSeen.continuation.yield() }
            }
            return count
        }
        for await _ in threeSeen.stream { break }
        task.cancel()
        // The reader ends either way: the sequence stops, or throws CancellationError.
        switch await task.result {
        case .success(let count): #expect(count >= 3 && count < 100_000)
        case .failure(let error): #expect(error is CancellationError)
        }
        // A bound against hanging, not a speed check: the write after the close fails within moments.
        #expect(clientLeft.wait(timeout: .now() + 30) == .success)
    }

    @Test("a stream that goes silent longer than its idle limit fails with a timeout")
    func idleTimeout() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPResponse(status: 200, delivery: .chunks([Array("data: a\n\n".utf8), Array("data: b\n\n".utf8)],
                                                                 interval: .seconds(3)))
        }
        defer { server.stop() }
        let (client, _) = testClient()
        var request = HTTPRequest(.get, URL(string: server.baseURL + "/")!)
        request.timeout = .seconds(1)
        let response = try await client.stream(request)
        let error = try await #require(throws: HTTPError.self) {
            for try await _ in response.serverSentEvents() {}
        }
        #expect(error.code == .timeout)
    }
}
