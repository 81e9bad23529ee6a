// codex-bot-bench http: HTTPKit against the curl program, 100 sequential small API calls.
//
//   swift run -c release codex-bot-bench http [--calls 100] [--rounds 5]
//
// One loopback server (CodexBotTestSupport.LoopbackHTTPServer) answers a small JSON body, as
// a forge API does. Each round, alternating the order, times:
//   1. HTTPClient.send, N calls one after another (what a forge client does);
//   2. one `curl` process fetching the N URLs (curl reuses its connection: the fast case);
//   3. N `curl` processes, one per call (what a shell script in a CI step does).
// Every call carries an Authorization header and an Accept header, as forge calls do.
// Prints the median wall time of each and the ratios HTTPKit / curl.
import CodexBotTestSupport
import Foundation
import HTTPKit

enum HTTPBench {
    static func run(_ arguments: ArraySlice<String>) throws {
        var calls = 100
        var rounds = 5
        var rest = arguments
        while let flag = rest.popFirst() {
            switch flag {
            case "--calls": calls = try Options.number(rest.popFirst(), flag)
            case "--rounds": rounds = try Options.number(rest.popFirst(), flag)
            default: throw BenchError("usage: codex-bot-bench http [--calls N] [--rounds N]")
            }
        }
        let body: [String: Any] = ["id": 1, "number": 42, "title": "Tests fail on main", "state": "open",
                                   "user": ["login": "octocat", "type": "User"], "labels": [["name": "codex-bot"]],
                                   "body": String(repeating: "A failing test report. ", count: 12)]
        let answer = LoopbackHTTPResponse.json(200, body)
        let server = try LoopbackHTTPServer { request in
            request.header("Authorization") == "Bearer bench-token" ? answer : .json(401, ["message": "Bad credentials"])
        }
        defer { server.stop() }
        let urls = (0..<calls).map { "\(server.baseURL)/repos/o/r/issues/\($0)" }
        guard let curl = ["/usr/bin/curl", "/bin/curl"].first(where: FileManager.default.isExecutableFile) else {
            throw BenchError("curl is not installed (apt-get install curl)")
        }
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .direct
        let client = HTTPClient(configuration: configuration)

        func ours() throws -> Double {
            try measure { try blocking { try await sequentialCalls(client, urls) } }
        }
        func curlOneProcess() throws -> Double {
            try measure { try runCurl(curl, urls) }
        }
        func curlPerCall() throws -> Double {
            try measure { for url in urls { try runCurl(curl, [url]) } }
        }
        // Warm up (the loop thread, the page cache for curl) and count the connections each opens.
        var before = server.connectionCount
        _ = try ours()
        let oursConnections = server.connectionCount - before
        before = server.connectionCount
        _ = try curlOneProcess()
        let curlConnections = server.connectionCount - before
        var timings: [[Double]] = [[], [], []]
        for round in 0..<rounds {
            let order = round % 2 == 0 ? [0, 1, 2] : [2, 1, 0]
            for index in order {
                timings[index].append(try [ours, curlOneProcess, curlPerCall][index]())
            }
        }
        let medians = timings.map(median)
        print("\ncodex-bot-bench http: \(calls) sequential GETs to a loopback JSON API, median of \(rounds) rounds")
        print("client                                  total ms   per call µs")
        for (name, ms) in zip(["HTTPKit HTTPClient.send", "curl, one process, \(calls) URLs", "curl, one process per call"], medians) {
            print(name.padding(toLength: 38, withPad: " ", startingAt: 0)
                  + String(format: "%10.1f %13.0f", ms, ms * 1000 / Double(calls)))
        }
        print(String(format: "HTTPKit / curl (one process): %.2fx    HTTPKit / curl (per call): %.3fx",
                     medians[0] / medians[1], medians[0] / medians[2]))
        print("connections opened for \(calls) calls: HTTPKit \(oursConnections), curl (one process) \(curlConnections)")
    }

    static func sequentialCalls(_ client: HTTPClient, _ urls: [String]) async throws {
        for url in urls {
            var request = HTTPRequest(.get, URL(string: url)!)
            request.headers.set("Authorization", "Bearer bench-token")
            request.headers.set("Accept", "application/vnd.github+json")
            let response = try await client.send(request)
            guard response.status == 200, !response.body.isEmpty else { throw BenchError("HTTPKit got \(response.status)") }
        }
    }

    static func runCurl(_ curl: String, _ urls: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: curl)
        process.arguments = ["-s", "-f", "-H", "Authorization: Bearer bench-token", "-H", "Accept: application/vnd.github+json"] + urls
        process.standardOutput = FileHandle.nullDevice
        process.environment = ["PATH": "/usr/bin:/bin"]  // no proxy variables
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("curl exited \(process.terminationStatus)") }
    }

    /// Runs async work to completion from the benchmark's synchronous top level.
    static func blocking(_ work: @escaping @Sendable () async throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = ErrorBox()
        Task {
            do { try await work() } catch { failure.error = error }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
    }

    final class ErrorBox: @unchecked Sendable {  // written before the semaphore signals, read after
        var error: (any Error)?
    }
}
