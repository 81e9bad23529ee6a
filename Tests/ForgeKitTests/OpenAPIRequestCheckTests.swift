import CodexBotTestSupport
import Foundation
import Testing

/// The checker itself must catch what it is for, or the request-body tests would pass by accident.
@Suite("OpenAPIRequestCheck", .enabled(if: FileManager.default.fileExists(atPath: CorpusPaths.githubSubset)))
struct OpenAPIRequestCheckTests {
    @Test("a correct pull request body passes; a misspelt, mistyped or incomplete one does not")
    func githubPullRequestBodies() throws {
        let check = try OpenAPIRequestCheck(specPath: CorpusPaths.githubSubset)
        let path = "/repos/octo/demo/pulls"
        #expect(check.documents(method: "POST", path: path))
        #expect(check.violations(method: "POST", path: path,
                                 body: Array(#"{"title":"t","head":"b","base":"main","body":"x","draft":true}"#.utf8)) == [])
        let misspelt = check.violations(method: "POST", path: path, body: Array(#"{"head":"b","base":"main","titel":"t"}"#.utf8))
        #expect(misspelt.count == 1 && misspelt[0].contains("body.titel"))
        let mistyped = check.violations(method: "POST", path: path, body: Array(#"{"head":"b","base":"main","draft":"yes"}"#.utf8))
        #expect(mistyped.count == 1 && mistyped[0].contains("body.draft should be boolean"))
        let missing = check.violations(method: "POST", path: path, body: Array(#"{"base":"main"}"#.utf8))
        #expect(missing.contains { $0.contains("body.head is required") })
        #expect(!check.documents(method: "DELETE", path: path))
    }

    @Test("Swagger 2 body parameters with $ref are followed (Gitea)",
          .enabled(if: FileManager.default.fileExists(atPath: CorpusPaths.giteaSubset)))
    func giteaBodies() throws {
        let check = try OpenAPIRequestCheck(specPath: CorpusPaths.giteaSubset)
        let path = "/repos/octo/demo/pulls"
        #expect(check.violations(method: "POST", path: path,
                                 body: Array(#"{"title":"t","head":"b","base":"main","labels":[1,2]}"#.utf8)) == [])
        let wrong = check.violations(method: "POST", path: path, body: Array(#"{"title":"t","labels":["bug"]}"#.utf8))
        #expect(wrong.contains { $0.contains("body.labels[0] should be integer") })
    }
}

/// Where the shared corpora are: `<package root>/../shared/corpora`, the package root being
/// three levels up from this file. Suites that read them are enabled only when they exist.
enum CorpusPaths {
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpora").standardizedFileURL.path
    static func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + relative) }
    static let githubSubset = root + "/openapi/github/github-subset.json"
    static let giteaSubset = root + "/openapi/gitea/gitea-subset.json"
}
