import CodexBotTestSupport
import Foundation
import HTTPKit
import Testing

@Suite("HTTPClient redirects and proxies")
struct RedirectAndProxyTests {
    @Test("a redirect to another host never carries the credentials; one on the same host keeps them")
    func credentialsStayHome() async throws {
        // Another port on 127.0.0.1 is another origin, as blob storage is for GitHub's log downloads.
        let storage = try LoopbackHTTPServer { request in
            let leaked = request.headers.filter { HTTPHeaders.isCredential($0.name) }.map(\.name)
            return leaked.isEmpty ? .text(200, "log line\n") : .text(400, "credentials leaked: \(leaked)")
        }
        defer { storage.stop() }
        let api = try LoopbackHTTPServer { request in
            switch request.path {
            case "/logs": .text(302, "", headers: [("Location", storage.baseURL + "/blob?sig=abc&se=2030")])
            case "/moved": .text(301, "", headers: [("Location", "/here")])
            default: .text(200, "auth=\(request.header("Authorization") ?? "none")")
            }
        }
        defer { api.stop() }
        let (client, _) = testClient()
        var logs = HTTPRequest(.get, URL(string: api.baseURL + "/logs")!)
        logs.headers.set("Authorization", "Bearer t0ken")
        logs.headers.set("PRIVATE-TOKEN", "t0ken")
        let log = try await client.send(logs)
        #expect(log.status == 200 && log.text == "log line\n")
        #expect(log.url.absoluteString.hasPrefix(storage.baseURL))
        #expect(storage.requests.count == 1)

        var moved = HTTPRequest(.get, URL(string: api.baseURL + "/moved")!)
        moved.headers.set("Authorization", "Bearer t0ken")
        #expect(try await client.send(moved).text == "auth=Bearer t0ken")
    }

    @Test("303 turns a POST into a GET without its body; 307 keeps both")
    func redirectMethods() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/see-other": .text(303, "", headers: [("Location", "/result")])
            case "/temporary": .text(307, "", headers: [("Location", "/result")])
            default: .text(200, "\(request.method) \(request.bodyText)")
            }
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let body = Data("payload".utf8)
        #expect(try await client.send(HTTPRequest(.post, URL(string: server.baseURL + "/see-other")!, body: body)).text == "GET ")
        #expect(try await client.send(HTTPRequest(.post, URL(string: server.baseURL + "/temporary")!, body: body)).text == "POST payload")
    }

    @Test("a redirect loop ends with a clear error")
    func redirectLoop() async throws {
        let server = try LoopbackHTTPServer { request in .text(302, "", headers: [("Location", request.path == "/a" ? "/b" : "/a")]) }
        defer { server.stop() }
        let (client, _) = testClient()
        let error = try await #require(throws: HTTPError.self) {
            try await client.send(HTTPRequest(.get, URL(string: server.baseURL + "/a")!))
        }
        #expect(error.code == .tooManyRedirects)
        #expect(server.requests.count == 6)
    }

    @Test("requests go through the proxy the settings name, except to NO_PROXY hosts")
    func proxy() async throws {
        let proxy = try LoopbackHTTPServer { request in .text(200, "proxied \(request.path)") }
        defer { proxy.stop() }
        let origin = try LoopbackHTTPServer { request in .text(200, "direct \(request.path)") }
        defer { origin.stop() }
        let settings = ProxySettings.fromEnvironment(["http_proxy": proxy.baseURL, "NO_PROXY": "localhost"])
        let (client, _) = testClient { $0.proxy = settings }
        // The name does not resolve; only a proxy can answer for it.
        let viaProxy = try await client.send(HTTPRequest(.get, URL(string: "http://forge.invalid/api/x")!))
        #expect(viaProxy.text == "proxied http://forge.invalid/api/x")
        let direct = try await client.send(HTTPRequest(.get, URL(string: "http://localhost:\(origin.port)/y")!))
        #expect(direct.text == "direct /y")
    }

    @Test("proxy variables follow curl's names: lowercase http_proxy only, HTTPS_PROXY either case, ALL_PROXY as fallback")
    func proxyVariables() {
        #expect(ProxySettings.fromEnvironment(["HTTP_PROXY": "http://evil:1"]).httpProxy == nil)
        #expect(ProxySettings.fromEnvironment(["http_proxy": "http://p:1"]).httpProxy == "http://p:1")
        #expect(ProxySettings.fromEnvironment(["HTTPS_PROXY": "http://p:2"]).httpsProxy == "http://p:2")
        let all = ProxySettings.fromEnvironment(["ALL_PROXY": "http://p:3", "no_proxy": "*.corp"])
        #expect(all.httpProxy == "http://p:3" && all.httpsProxy == "http://p:3" && all.noProxy == "*.corp")
        #expect(ProxySettings.fromEnvironment([:]) == .direct)
    }
}

@Suite("HTTPClient over TLS")
struct TLSTests {
    @Test("HTTPS works with the CA the settings trust, and an unknown CA is a TLS error with a hint")
    func certificates() async throws {
        let directory = try TemporaryDirectory(named: "http-tls")
        defer { directory.remove() }
        let authority = try TestCertificateAuthority(in: directory.appending("ca"))
        let stranger = try TestCertificateAuthority(in: directory.appending("other"), name: "someone else")
        let backend = try LoopbackHTTPServer { request in .json(200, ["secure": true, "path": request.path]) }
        defer { backend.stop() }
        let proxy = try TLSProxy(certificateChainPath: authority.serverCertificatePath, privateKeyPath: authority.serverKeyPath,
                                 backendPort: backend.port)
        defer { proxy.stop() }
        let url = URL(string: "https://localhost:\(proxy.port)/api")!

        let (trusting, _) = testClient { $0.caFile = authority.certificatePath; $0.caDirectory = nil }
        let response = try await trusting.send(HTTPRequest(.get, url))
        #expect(response.status == 200 && response.text.contains("\"secure\":true"))

        let (doubting, _) = testClient { $0.caFile = stranger.certificatePath; $0.caDirectory = nil; $0.retry = .none }
        let error = try await #require(throws: HTTPError.self) { try await doubting.send(HTTPRequest(.get, url)) }
        #expect(error.code == .tls && "\(error)".contains("SSL_CERT_FILE"))
    }

    @Test("a stream can be redirected, and the redirect's own body is dropped")
    func streamRedirect() async throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/old"
                ? .text(307, "moved", headers: [("Location", "/new")])
                : LoopbackHTTPResponse(status: 200, delivery: .chunks([Array("data: hi\n\n".utf8)], interval: .zero))
        }
        defer { server.stop() }
        let (client, _) = testClient()
        let response = try await client.stream(HTTPRequest(.post, URL(string: server.baseURL + "/old")!, body: Data("{}".utf8)))
        var events: [String] = []
        for try await event in response.serverSentEvents() { events.append(event.data) }
        #expect(response.status == 200 && events == ["hi"])
        #expect(server.requests.map(\.path) == ["/old", "/new"] && server.requests[1].bodyText == "{}")
    }
}
