import Foundation
import Sandbox
import Testing

@Suite("Sandbox policy")
struct SandboxPolicyTests {
    @Test("network is off unless asked for")
    func defaults() {
        #expect(SandboxPolicy().network == .off)
        #expect(CommandRequest(arguments: ["true"], workingDirectory: URL(fileURLWithPath: "/w"),
                               worktree: URL(fileURLWithPath: "/w")).outputLimit == 64 * 1024)
    }
}
