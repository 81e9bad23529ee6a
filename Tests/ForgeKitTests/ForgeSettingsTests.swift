import Foundation
import Testing
@testable import ForgeKit

@Suite("ForgeSettings from flags and the CI environment")
struct ForgeSettingsTests {
    @Test("GitHub Actions: base URLs, repository and token come from the GITHUB_* variables")
    func githubActions() throws {
        let settings = try ForgeSettings.resolve(forge: nil, repository: nil, environment: [
            "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/demo", "GITHUB_TOKEN": "ghs_secret",
            "GITHUB_API_URL": "https://ghe.example/api/v3/", "GITHUB_SERVER_URL": "https://ghe.example",
        ])
        #expect(settings.kind == .github)
        #expect(settings.apiURL.absoluteString == "https://ghe.example/api/v3")
        #expect(settings.repository == RepositoryPath(owner: "octo", name: "demo"))
        #expect(settings.token?.origin == "GITHUB_TOKEN")
        #expect(!settings.description.contains("ghs_secret"))
    }

    @Test("defaults are github.com; GH_TOKEN is the fallback; --repo wins over the environment")
    func githubDefaults() throws {
        let settings = try ForgeSettings.resolve(forge: .github, repository: "me/tool",
                                                 environment: ["GH_TOKEN": "x", "GITHUB_REPOSITORY": "other/repo"])
        #expect(settings.apiURL.absoluteString == "https://api.github.com")
        #expect(settings.repository.description == "me/tool")
        #expect(settings.token?.origin == "GH_TOKEN")
    }

    @Test("GitLab CI: CI_API_V4_URL, CI_PROJECT_PATH with subgroups, GITLAB_TOKEN before CI_JOB_TOKEN")
    func gitlab() async throws {
        var environment = ["GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example", "CI_PROJECT_PATH": "group/sub/project",
                           "CI_JOB_TOKEN": "job"]
        var settings = try ForgeSettings.resolve(forge: nil, repository: nil, environment: environment)
        #expect(settings.kind == .gitlab)
        #expect(settings.apiURL.absoluteString == "https://gitlab.example/api/v4")
        #expect(settings.repository.owner == "group/sub" && settings.repository.name == "project")
        #expect(try await settings.token?.authorization()?.name == "JOB-TOKEN")
        environment["GITLAB_TOKEN"] = "glpat"
        settings = try ForgeSettings.resolve(forge: nil, repository: nil, environment: environment)
        #expect(try await settings.token?.authorization()?.name == "PRIVATE-TOKEN")
    }

    @Test("Gitea/Forgejo Actions set the GITHUB_* names; GITEA_TOKEN is sent as `token`")
    func gitea() async throws {
        let settings = try ForgeSettings.resolve(forge: nil, repository: nil, environment: [
            "GITEA_ACTIONS": "true", "GITHUB_SERVER_URL": "https://codeberg.example", "GITHUB_REPOSITORY": "o/r",
            "GITEA_TOKEN": "abc",
        ])
        #expect(settings.kind == .gitea)
        #expect(settings.apiURL.absoluteString == "https://codeberg.example/api/v1")
        #expect(try await settings.token?.authorization()?.value == "token abc")
    }

    @Test("with nothing set the local forge is chosen and needs no repository")
    func local() throws {
        let settings = try ForgeSettings.resolve(forge: nil, repository: nil, environment: ["PATH": "/usr/bin"])
        #expect(settings.kind == .local && settings.token == nil)
    }

    @Test("bad settings are refused with the variable's name and what to do")
    func refusals() throws {
        func failure(_ forge: ForgeKind?, _ repo: String?, _ environment: [String: String]) -> ForgeError? {
            do {
                _ = try ForgeSettings.resolve(forge: forge, repository: repo, environment: environment)
                return nil
            } catch { return error as? ForgeError }
        }
        let noRepo = try #require(failure(.github, nil, ["GITHUB_TOKEN": "t"]))
        #expect(noRepo.code == .configuration && "\(noRepo)".contains("--repo OWNER/NAME or set GITHUB_REPOSITORY"))
        #expect(failure(.github, "just-a-name", [:])?.code == .configuration)
        #expect(failure(.github, "a/b/c", [:])?.code == .configuration)  // subgroups are GitLab's alone
        #expect(failure(.gitlab, "a/b/c", [:]) == nil)
        #expect(failure(.github, "../x", [:])?.code == .configuration)
        let badURL = try #require(failure(.github, "o/r", ["GITHUB_API_URL": "ftp://x"]))
        #expect("\(badURL)".contains("GITHUB_API_URL"))
        let withCredentials = try #require(failure(.github, "o/r", ["GITHUB_API_URL": "https://user:pw@ghe.example"]))
        #expect(!"\(withCredentials)".contains("pw@") || "\(withCredentials)".contains("without credentials"))
        // A token must not cross the network in clear; loopback is fine.
        let plain = try #require(failure(.gitea, "o/r", ["GITHUB_API_URL": "http://gitea.example/api/v1", "GITEA_TOKEN": "t"]))
        #expect("\(plain)".contains("plain http"))
        #expect(failure(.gitea, "o/r", ["GITHUB_API_URL": "http://127.0.0.1:3000/api/v1", "GITEA_TOKEN": "t"]) == nil)
        #expect(failure(.github, "o/r", ["CODEX_BOT_APP_ID": "12", "CODEX_BOT_APP_PRIVATE_KEY": "not a key"])?.code == .configuration)
    }

    @Test("repository paths: owner/name, GitLab namespaces, and nothing that could escape a URL path")
    func repositoryPaths() {
        #expect(RepositoryPath("o/r")?.description == "o/r")
        #expect(RepositoryPath(" g/s/p ")?.owner == "g/s")
        for bad in ["", "o", "o/", "/r", "o//r", "o/../r", "o/r?x", "o/r#x", "o/r%2F", "o/ r"] {
            #expect(RepositoryPath(bad) == nil, "\(bad)")
        }
    }
}

@Suite("ForgeHTTP: the REST plumbing the forges share")
struct ForgeHTTPTests {
    @Test("server messages are read from the GitHub, GitLab and Gitea error shapes")
    func serverMessages() {
        func message(_ json: String) -> String? { ForgeHTTP.serverMessage(Data(json.utf8)) }
        #expect(message(#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for o:b."}]}"#)
                == "Validation Failed: A pull request already exists for o:b.")
        #expect(message(#"{"message":["Another open merge request already exists for this source branch: !7"]}"#)
                == "Another open merge request already exists for this source branch: !7")
        #expect(message(#"{"message":{"title":["can't be blank"]}}"#) == "title can't be blank")
        #expect(message(#"{"error":"invalid_token","error_description":"Token was revoked."}"#) == "invalid_token: Token was revoked.")
        #expect(message("<html><title>502</title></html>") == nil)
    }

    @Test("decode failures say which field is missing or wrong, and an HTML page is named as such")
    func decodeErrors() throws {
        struct Issue: Decodable { var number: Int; var title: String }
        let forge = ForgeHTTP(kind: .github, baseURL: URL(string: "https://api.example")!, client: HTTPKitClient.shared, tokens: NoToken())
        func failure(_ body: String, type: String = "application/json") -> String {
            let request = HTTPRequest(.get, URL(string: "https://api.example/repos/o/r/issues/1?access_token=zzz")!)
            let response = HTTPResponse(status: 200, headers: ["Content-Type": type], body: Data(body.utf8), url: request.url, request: request)
            switch Result(catching: { try forge.decode(Issue.self, from: response, operation: "read issue #1") }) {
            case .success: return "decoded"
            case .failure(let error): return "\(error)"
            }
        }
        #expect(failure(#"{"number":1}"#).contains(#"the field "title" is missing"#))
        #expect(failure(#"{"number":"1","title":"t"}"#).contains("number is not an integer"))
        #expect(failure(#"{"number":1,"ti"#).contains("not valid JSON"))
        #expect(failure("").contains("the body is empty"))
        let html = failure("<!DOCTYPE html><html><head><title>Sign in · GitHub</title></head></html>", type: "text/html")
        #expect(html.contains(#"an HTML page titled "Sign in · GitHub""#) && html.contains("GITHUB_API_URL"))
        #expect(!html.contains("zzz") && html.hasPrefix("GitHub: read issue #1"))
    }
}

import HTTPKit

enum HTTPKitClient {
    static let shared = HTTPClient()
}

import CodexBotTestSupport

@Suite("Pages: lazy Link pagination")
struct PagesTests {
    @Test("pages are fetched only as they are read; a next link to another host is refused; a circle ends")
    func pagination() async throws {
        let elsewhere = try LoopbackHTTPServer { _ in .json(200, [["id": 99]]) }
        defer { elsewhere.stop() }
        let server = try LoopbackHTTPServer { request in
            let page = Int(request.queryItems["page"] ?? "1") ?? 1
            let next: String
            switch request.path {
            case "/circle": next = "</circle?page=\(page == 2 ? 1 : 2)>; rel=\"next\""
            case "/escape": next = "<\(elsewhere.baseURL)/steal?page=2>; rel=\"next\""
            default: next = page < 3 ? "</items?page=\(page + 1)&per_page=2>; rel=\"next\"" : ""
            }
            let items = [["id": page * 10], ["id": page * 10 + 1]]
            return .json(200, items, headers: next.isEmpty ? [] : [("Link", next)])
        }
        defer { server.stop() }
        struct Item: Decodable, Sendable { var id: Int }
        let forge = ForgeHTTP(kind: .gitea, baseURL: URL(string: server.baseURL)!, client: HTTPKitClient.shared,
                              tokens: StaticToken("tok", style: .token, origin: "GITEA_TOKEN"))

        var firstThree: [Int] = []
        for try await item in forge.pages(Item.self, forge.url("/items"), operation: "list items") {
            firstThree.append(item.id)
            if firstThree.count == 3 { break }
        }
        #expect(firstThree == [10, 11, 20])
        #expect(server.requests.count == 2)  // the third page was never asked for
        let all = try await forge.pages(Item.self, forge.url("/items"), operation: "list items").collect().map(\.id)
        #expect(all == [10, 11, 20, 21, 30, 31])

        let circle = try await forge.pages(Item.self, forge.url("/circle"), operation: "list items").collect().map(\.id)
        #expect(circle == [10, 11, 20, 21, 10, 11])  // page 1 again via its link, then the loop is seen and ends

        let error = try await #require(throws: ForgeError.self) {
            _ = try await forge.pages(Item.self, forge.url("/escape"), operation: "list items").collect()
        }
        #expect(error.code == .badResponse && "\(error)".contains("another host"))
        #expect(elsewhere.requests.isEmpty)
    }
}

@Suite("ForgeDates")
struct ForgeDatesTests {
    @Test("the three forges' timestamp forms parse; anything else is absent, never now")
    func forms() {
        #expect(ForgeDates.parse("2011-04-14T16:00:49Z") == Date(timeIntervalSince1970: 1_302_796_849))
        #expect(ForgeDates.parse("2016-01-04T15:31:51.081Z")?.timeIntervalSince1970 ?? 0 > 1_451_921_511)
        #expect(ForgeDates.parse("2017-03-18T16:52:43+08:00") == Date(timeIntervalSince1970: 1_489_827_163))
        #expect(ForgeDates.parse("yesterday") == nil && ForgeDates.parse("") == nil && ForgeDates.parse(nil) == nil)
    }
}
