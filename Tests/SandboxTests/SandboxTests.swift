import CodexBotTestSupport
import Foundation
import Glibc
@testable import Sandbox
import Testing

/// Whether bubblewrap works here; the isolation tests are skipped when it does not.
let isolationAvailable = Sandbox.isolation().isAvailable

@Suite("Sandbox: processes, timeouts, output")
struct SandboxProcessTests {
    @Test func exitCodeAndOutput() async throws {
        try await withScratch("exit-code") { scratch in
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", "echo hello; exit 3"]))
            #expect(result.exitCode == 3)
            #expect(result.signal == nil)
            #expect(!result.timedOut && !result.succeeded && !result.isolated)
            #expect(result.output == "hello\n")
            #expect(result.omittedBytes == 0)

            let success = try await plainSandbox().run(scratch.request(["true"]))
            #expect(success.succeeded)
            #expect(success.output.isEmpty)
        }
    }

    @Test func aSignalThatEndsTheCommandIsReported() async throws {
        try await withScratch("signal") { scratch in
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", "kill -KILL $$"]))
            #expect(result.exitCode == nil)
            #expect(result.signal == SIGKILL)
            #expect(!result.timedOut)
        }
    }

    @Test func stdoutAndStderrInterleaveAsWritten() async throws {
        try await withScratch("interleave") { scratch in
            let script = "echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf 'no newline' >&2"
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script]))
            #expect(result.output == "out1\nerr1\nout2\nerr2\nno newline")
        }
    }

    @Test func itRunsInTheWorkingDirectoryWithNothingOnStdin() async throws {
        try await withScratch("cwd") { scratch in
            let sub = scratch.worktree + "/sub"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            let request = scratch.request(["bash", "-c", "pwd; cat; echo end"], in: sub)
            let result = try await plainSandbox().run(request)
            #expect(result.output == "\(sub)\nend\n")
        }
    }

    // The upper time bounds below are far from the commands' own length (sleep 100, a 60 s
    // limit) so they tell a kill from no kill, yet leave room for a machine busy with other suites.
    @Test func timeoutKillsTheWholeProcessGroupAndReturnsPromptly() async throws {
        try await withScratch("timeout") { scratch in
            let script = "sleep 100 & echo $! > grandchild.pid; sleep 100"
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], timeout: .seconds(1)))
            let elapsed = started.duration(to: clock.now)
            #expect(result.timedOut)
            #expect(result.signal == SIGTERM)  // bash dies of the SIGTERM; no SIGKILL needed
            // The command's own duration, timed by the Sandbox's watcher thread: the test's clock
            // also counts the wait for a cooperative thread to resume this task, which other
            // suites' synchronous work can stretch to tens of seconds on two cores.
            #expect(elapsed >= .seconds(1) && result.duration >= .seconds(1) && result.duration < .seconds(30),
                    "took \(result.duration) (\(elapsed) until this task ran again)")
            let grandchild = try scratch.readPid("grandchild.pid")
            #expect(await processIsGone(grandchild), "the background sleep \(grandchild) survived the timeout")
        }
    }

    @Test func aCommandThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        try await withScratch("ignores-term") { scratch in
            let script = "trap '' TERM; sleep 100 & echo $! > grandchild.pid; sleep 100"
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], timeout: .milliseconds(500)))
            #expect(result.timedOut)
            #expect(result.signal == SIGKILL)
            #expect(result.duration >= .milliseconds(2400) && result.duration < .seconds(30), "took \(result.duration)")
            #expect(await processIsGone(try scratch.readPid("grandchild.pid")))
        }
    }

    @Test func theGracePeriodLetsACommandCleanUp() async throws {
        try await withScratch("grace") { scratch in
            let script = "trap 'echo cleaning up; exit 5' TERM; echo started; sleep 100 & wait"
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], timeout: .milliseconds(500)))
            #expect(result.timedOut)
            #expect(result.exitCode == 5)
            #expect(result.output == "started\ncleaning up\n")
        }
    }

    @Test func aBackgroundJobDoesNotOutliveTheCommandNorHoldItOpen() async throws {
        try await withScratch("background") { scratch in
            let script = "sleep 100 & echo $! > grandchild.pid; echo started"
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], timeout: .seconds(60)))
            #expect(result.succeeded)
            #expect(result.output == "started\n")
            #expect(result.duration < .seconds(30), "took \(result.duration)")
            #expect(await processIsGone(try scratch.readPid("grandchild.pid")))
        }
    }

    @Test func aProcessThatLeftTheGroupAndHoldsTheOutputDoesNotHangTheCall() async throws {
        try await withScratch("escaped") { scratch in
            // setsid: a new session, out of reach of the group kill; it keeps the pipe open for 100 s.
            let script = "setsid bash -c 'echo $$ > escaped.pid; exec sleep 100' & "
                + "while [ ! -s escaped.pid ]; do sleep 0.05; done; echo started"
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], timeout: .seconds(60)))
            let escaped = try scratch.readPid("escaped.pid")
            defer { kill(escaped, SIGKILL) }
            #expect(result.succeeded)
            #expect(result.output.hasPrefix("started\n"))
            #expect(result.output.contains("stopped reading"))
            #expect(result.duration < .seconds(30), "took \(result.duration)")
        }
    }

    @Test func cancellationKillsTheProcessGroup() async throws {
        try await withScratch("cancel") { scratch in
            let request = scratch.request(["bash", "-c", "echo $$ > child.pid; sleep 100 & echo $! > grandchild.pid; wait"])
            let sandbox = plainSandbox()
            let task = Task { try await sandbox.run(request) }
            let child = try await scratch.waitForPid("child.pid")
            let grandchild = try await scratch.waitForPid("grandchild.pid")
            let clock = ContinuousClock()
            let cancelled = clock.now
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(cancelled.duration(to: clock.now) < .seconds(30))
            #expect(await processIsGone(child))
            #expect(await processIsGone(grandchild))
        }
    }

    @Test func aMissingProgramIsExit127NotACrash() async throws {
        try await withScratch("missing") { scratch in
            let result = try await plainSandbox().run(scratch.request(["no-such-program-xyzzy", "--help"]))
            #expect(result.exitCode == 127)
            #expect(result.output == "command not found: no-such-program-xyzzy\n")

            let relative = try await plainSandbox().run(scratch.request(["./missing.sh"]))
            #expect(relative.exitCode == 127)

            try writeFile(scratch.worktree + "/data.txt", "x")
            let notExecutable = try await plainSandbox().run(scratch.request(["./data.txt"]))
            #expect(notExecutable.exitCode == 126)
            #expect(notExecutable.output.hasPrefix("permission denied: ./data.txt"))
        }
    }

    @Test func programsAreFoundInTheCommandsPATHAndRelativeToTheWorkingDirectory() async throws {
        try await withScratch("lookup") { scratch in
            let tools = scratch.worktree + "/tools"
            try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
            let script = tools + "/hello-tool"
            try writeFile(script, "#!/bin/sh\necho \"tool $1\"\n", executable: true)
            let viaPath = try await plainSandbox().run(scratch.request(["hello-tool", "a"],
                                                                       environment: ["PATH": "\(tools):/usr/bin:/bin"]))
            #expect(viaPath.output == "tool a\n")
            let relative = try await plainSandbox().run(scratch.request(["./tools/hello-tool", "b"]))
            #expect(relative.output == "tool b\n")
        }
    }
}

@Suite("Sandbox: the output cap")
struct SandboxOutputTests {
    @Test func fiftyMegabytesKeepHeadAndTailWithinTheLimit() async throws {
        try await withScratch("output-cap") { scratch in
            let script = "echo HEAD-MARK; head -c 50000000 /dev/zero | tr '\\0' x; echo; echo TAIL-MARK"
            let limit = 64 * 1024
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], outputLimit: limit))
            #expect(result.succeeded)
            let total = "HEAD-MARK\n".utf8.count + 50_000_000 + 1 + "TAIL-MARK\n".utf8.count
            #expect(result.omittedBytes == total - limit)
            #expect(result.output.hasPrefix("HEAD-MARK\nxxxx"))
            #expect(result.output.hasSuffix("xxxx\nTAIL-MARK\n"))
            #expect(result.output.contains("\n[… \(total - limit) bytes omitted …]\n"))
            #expect(result.output.utf8.count <= limit + 64)
        }
    }

    @Test func aCommandThatPrintsWithoutEndStillTimesOut() async throws {
        try await withScratch("endless-output") { scratch in
            let result = try await plainSandbox().run(scratch.request(["yes", "y"], timeout: .seconds(1), outputLimit: 1000))
            #expect(result.timedOut)
            #expect(result.duration < .seconds(30), "took \(result.duration)")
            #expect(result.omittedBytes > 1_000_000)
            #expect(result.output.hasPrefix("y\ny\n") && result.output.hasSuffix("y\n"))
        }
    }

    @Test func theCutNeverSplitsACharacter() async throws {
        try await withScratch("utf8-cut") { scratch in
            // 100 × "é" (2 bytes each); a limit of 9 keeps 4 bytes of head and 5 of tail, whose
            // first byte is the second half of an "é".
            let script = "for i in $(seq 100); do printf '\\303\\251'; done"
            let result = try await plainSandbox().run(scratch.request(["bash", "-c", script], outputLimit: 9))
            #expect(result.output == "éé\n[… 192 bytes omitted …]\néé")
            #expect(result.omittedBytes == 192)
            #expect(!result.output.contains("\u{FFFD}"))

            // A limit of 11 keeps 5 bytes of head, the last one the first half of an "é".
            let headCut = try await plainSandbox().run(scratch.request(["bash", "-c", script], outputLimit: 11))
            #expect(headCut.output == "éé\n[… 190 bytes omitted …]\nééé")
            #expect(headCut.omittedBytes == 190)

            let whole = try await plainSandbox().run(scratch.request(["bash", "-c", script], outputLimit: 200))
            #expect(whole.output == String(repeating: "é", count: 100))
            #expect(whole.omittedBytes == 0)
        }
    }

    @Test func collectorKeepsHeadAndTailAcrossChunkShapes() {
        let input = Array((0..<10_000).map { UInt8(truncatingIfNeeded: $0 % 26 + 97) })
        for chunk in [1, 7, 100, 3000, 10_000] {
            var collector = OutputCollector(limit: 1000)
            var offset = 0
            while offset < input.count {
                let end = min(offset + chunk, input.count)
                input[offset..<end].withUnsafeBufferPointer { collector.append($0) }
                offset = end
            }
            let (text, omitted) = collector.finish()
            let expected = String(decoding: input[..<500], as: UTF8.self) + "\n[… 9000 bytes omitted …]\n"
                + String(decoding: input[9500...], as: UTF8.self)
            #expect(text == expected, "chunks of \(chunk)")
            #expect(omitted == 9000)
        }
        var nothingKept = OutputCollector(limit: 0)
        input.withUnsafeBufferPointer { nothingKept.append($0) }
        let (text, omitted) = nothingKept.finish()
        #expect(text == "[… 10000 bytes omitted …]\n")
        #expect(omitted == 10_000)
    }
}

@Suite("Sandbox: environment and working directory")
struct SandboxEnvironmentTests {
    static let botEnvironment = [
        "PATH": StartEnvironment.path, "HOME": StartEnvironment.home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "CODEX_BOT_TEST_SECRET_TOKEN": "canary-123", "MY_API_KEY": "canary-key-456",
        "GITHUB_TOKEN": "ghp_canary789", "SSH_AUTH_SOCK": "/tmp/canary-agent.sock",
        // An allowed name whose value is a secret.
        "USER": "canary-123", "LOGNAME": "someone",
        "UNLISTED_VARIABLE": "not-passed", "PASS_ME": "passed", "GIT_AUTHOR_NAME": "Codex Bot",
        "MIRROR_URL": "https://user:canary-pw@example.invalid/repo.git",
    ]

    @Test(arguments: [false, true])
    func secretsNeverReachTheCommand(isolated: Bool) async throws {
        guard !isolated || isolationAvailable else { return }
        try await withScratch("env") { scratch in
            let policy = SandboxPolicy(network: isolated ? .off : .on,
                                       passEnvironment: ["MY_API_KEY", "GITHUB_TOKEN", "PASS_ME", "GIT_AUTHOR_NAME", "MIRROR_URL"])
            let sandbox = Sandbox(policy: policy, environment: Self.botEnvironment)
            let request = scratch.request(["env"], environment: [
                "EXTRA": "1", "REQUEST_SECRET_TOKEN": "canary-request", "CONTAINS_SECRET": "prefix-canary-key-456-suffix",
            ])
            let result = try await sandbox.run(request)
            #expect(result.isolated == isolated)
            let variables = Set(result.output.split(separator: "\n").map(String.init))
            #expect(!result.output.contains("canary"), "\(result.output)")
            #expect(variables.contains("PASS_ME=passed"))
            #expect(variables.contains("GIT_AUTHOR_NAME=Codex Bot"))
            #expect(variables.contains("EXTRA=1"))
            #expect(variables.contains("LANG=C.UTF-8") && variables.contains("LC_ALL=C.UTF-8"))
            #expect(variables.contains("LOGNAME=someone"))
            #expect(variables.contains("PATH=\(StartEnvironment.path)"))
            #expect(!result.output.contains("UNLISTED_VARIABLE"))
            #expect(!result.output.contains("USER="))
            #expect(!result.output.contains("SSH_AUTH_SOCK"))
        }
    }

    @Test func credentialLookingNames() {
        for name in ["GITHUB_TOKEN", "GH_TOKEN", "CI_JOB_TOKEN", "CI_JOB_JWT_V2", "OPENAI_API_KEY", "aws_secret_access_key",
                     "PGPASSWORD", "SSH_AUTH_SOCK", "HTTP_AUTHORIZATION", "GH_PAT", "GIT_ASKPASS", "XDG_SESSION_ID",
                     "CODEX_BOT_APP_PRIVATE_KEY", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_VALUE_0", "SIGNING_PEM"] {
            #expect(ChildEnvironment.looksLikeCredential(name), "\(name)")
        }
        for name in ["PATH", "HOME", "LANG", "LC_ALL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "PATCH_LEVEL", "TERM", "CI"] {
            #expect(!ChildEnvironment.looksLikeCredential(name), "\(name)")
        }
        #expect(ChildEnvironment.containsURLPassword("https://x-access-token:abc@github.com/o/r"))
        #expect(!ChildEnvironment.containsURLPassword("https://github.com/o/r"))
        #expect(!ChildEnvironment.containsURLPassword("ssh://git@github.com/o/r"))
    }

    @Test func aMissingPATHGetsTheDefaultAndPythonWritesNoBytecode() {
        let sandbox = Sandbox(policy: SandboxPolicy(network: .on), environment: [:])
        let environment = sandbox.environment(for: CommandRequest(arguments: ["true"], workingDirectory: URL(fileURLWithPath: "/"),
                                                                  worktree: URL(fileURLWithPath: "/")))
        #expect(environment == ["PATH": ChildEnvironment.defaultPath, "PYTHONDONTWRITEBYTECODE": "1"])
        let chosen = sandbox.environment(for: CommandRequest(arguments: ["true"], workingDirectory: URL(fileURLWithPath: "/"),
                                                             worktree: URL(fileURLWithPath: "/"), environment: ["PYTHONDONTWRITEBYTECODE": ""]))
        #expect(chosen["PYTHONDONTWRITEBYTECODE"] == "")
    }

    @Test func aWorkingDirectoryOutsideTheWorktreeIsRefused() async throws {
        try await withScratch("outside") { scratch in
            let sandbox = plainSandbox()
            let outside = scratch.request(["true"], in: scratch.outside)
            let error = await #expect(throws: SandboxError.self) { try await sandbox.run(outside) }
            #expect(error?.code == .outsideWorktree)
            #expect(error?.description.contains("outside the worktree") == true)

            let climbing = scratch.request(["true"], in: scratch.worktree + "/../outside")
            await #expect(throws: SandboxError.self) { try await sandbox.run(climbing) }

            let link = scratch.worktree + "/escape"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scratch.outside)
            let throughLink = await #expect(throws: SandboxError.self) { try await sandbox.run(scratch.request(["true"], in: link)) }
            #expect(throughLink?.code == .outsideWorktree)

            let missing = await #expect(throws: SandboxError.self) {
                try await sandbox.run(scratch.request(["true"], in: scratch.worktree + "/nope"))
            }
            #expect(missing?.code == .missingDirectory)

            let empty = await #expect(throws: SandboxError.self) { try await sandbox.run(scratch.request([])) }
            #expect(empty?.code == .invalidRequest)
        }
    }
}

@Suite("Sandbox: isolation with bubblewrap", .enabled(if: isolationAvailable))
struct SandboxIsolationTests {
    @Test func onlyTheWorktreeIsWritable() async throws {
        try await withScratch("isolation-write") { scratch in
            let script = """
                [ -z "$(ls -A /run)" ] && echo run-empty
                touch inside.txt && echo inside-ok
                touch \(scratch.outside)/outside.txt 2>/dev/null || echo outside-refused
                mount -o remount,rw / 2>/dev/null; touch \(scratch.outside)/remounted.txt 2>/dev/null || echo remount-refused
                echo private > /tmp/codex-bot-sandbox-private-\(scratch.tag) && echo tmp-ok
                """
            let result = try await isolatedSandbox().run(scratch.request(["bash", "-c", script]))
            #expect(result.isolated)
            #expect(result.output == "run-empty\ninside-ok\noutside-refused\nremount-refused\ntmp-ok\n")
            let files = FileManager.default
            #expect(files.fileExists(atPath: scratch.worktree + "/inside.txt"))
            #expect(!files.fileExists(atPath: scratch.outside + "/outside.txt"))
            #expect(!files.fileExists(atPath: scratch.outside + "/remounted.txt"))
            #expect(!files.fileExists(atPath: "/tmp/codex-bot-sandbox-private-\(scratch.tag)"))
        }
    }

    @Test func aWorktreeUnderTmpIsStillVisibleAndWritable() async throws {
        try await withTemporaryDirectory("sandbox-under-tmp") { directory in
            let request = CommandRequest(arguments: ["bash", "-c", "echo ok > file && cat file"],
                                         workingDirectory: URL(fileURLWithPath: directory.path),
                                         worktree: URL(fileURLWithPath: directory.path), timeout: .seconds(30))
            let result = try await isolatedSandbox().run(request)
            #expect(result.output == "ok\n")
            #expect(FileManager.default.fileExists(atPath: directory.appending("file")))
        }
    }

    @Test func noConnectionToTheHostsLoopback() async throws {
        let listener = try Loopback.bind()
        defer { close(listener.fd) }
        try await withScratch("isolation-net") { scratch in
            let connect = scratch.request(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(listener.port) && echo connected"])
            let isolated = try await isolatedSandbox().run(connect)
            #expect(isolated.isolated)
            #expect(isolated.exitCode != 0)
            #expect(!isolated.output.contains("connected"))

            // The same command reaches the listener when the network is on: the test can fail.
            let open = try await plainSandbox().run(connect)
            #expect(open.exitCode == 0, "\(open.output)")
            #expect(open.output == "connected\n")
        }
    }

    @Test func theHostsProcessesAreOutOfSight() async throws {
        try await withScratch("isolation-pid") { scratch in
            let me = getpid()
            let script = "kill -0 \(me) 2>/dev/null && echo can-signal; [ -e /proc/\(me)/environ ] && echo can-read; echo $$"
            let result = try await isolatedSandbox().run(scratch.request(["bash", "-c", script]))
            #expect(!result.output.contains("can-"), "\(result.output)")
            // Its own pid namespace: bwrap is pid 1 there, the command one of the next few.
            let ownPid = try #require(Int32(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(ownPid < 10)
        }
    }

    @Test func credentialFilesInHomeAreHidden() async throws {
        try await withScratch("isolation-home") { scratch in
            let home = scratch.root + "/home"
            try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
            try writeFile(home + "/.ssh/id_ed25519", "canary-ssh-key")
            try writeFile(home + "/.git-credentials", "https://u:canary-cred@h")
            try writeFile(home + "/.profile", "visible")
            let sandbox = Sandbox(policy: SandboxPolicy(network: .off), environment: ["PATH": StartEnvironment.path, "HOME": home])
            let script = "cat ~/.ssh/* ~/.git-credentials ~/.profile 2>&1; echo; ls -A ~/.ssh | wc -l"
            let result = try await sandbox.run(scratch.request(["bash", "-c", script]))
            #expect(!result.output.contains("canary"), "\(result.output)")
            #expect(result.output.contains("visible"))
            #expect(result.output.hasSuffix("\n0\n"))
        }
    }

    @Test func aTimeoutStillGivesTheGracePeriodInsideBubblewrap() async throws {
        try await withScratch("isolation-grace") { scratch in
            let script = "trap 'echo cleaning up; exit 5' TERM; echo started; sleep 100 & wait"
            let result = try await isolatedSandbox().run(scratch.request(["bash", "-c", script], timeout: .milliseconds(500)))
            #expect(result.timedOut)
            #expect(result.output == "started\ncleaning up\n")
            #expect(result.exitCode == 5)
            #expect(result.duration < .seconds(30))
        }
    }

    @Test func nothingStartedInsideOutlivesTheCommandNotEvenAfterSetsid() async throws {
        try await withScratch("isolation-escape") { scratch in
            let marker = "4242.\(Int.random(in: 100...999))"
            let script = "setsid sleep \(marker) & sleep \(marker) & echo started"
            let result = try await isolatedSandbox().run(scratch.request(["bash", "-c", script], timeout: .seconds(60)))
            #expect(result.output == "started\n")
            #expect(result.duration < .seconds(30), "took \(result.duration)")
            #expect(await noProcess(hasArgument: marker))
        }
    }

    @Test func aTimeoutKillsWhatTheCommandStartedInside() async throws {
        try await withScratch("isolation-timeout") { scratch in
            let marker = "4343.\(Int.random(in: 100...999))"
            let script = "sleep \(marker) & sleep \(marker)"
            let result = try await isolatedSandbox().run(scratch.request(["bash", "-c", script], timeout: .seconds(1)))
            #expect(result.timedOut)
            #expect(result.duration < .seconds(30))
            #expect(await noProcess(hasArgument: marker))
        }
    }

    @Test func withoutBubblewrapCommandsStillRunAndSaySo() async throws {
        try await withScratch("isolation-fallback") { scratch in
            let sandbox = Sandbox(policy: SandboxPolicy(network: .off), environment: ["PATH": StartEnvironment.path],
                                  isolation: .unavailable("bubblewrap is not installed: apt-get install bubblewrap"))
            #expect(!sandbox.isolates)
            let result = try await sandbox.run(scratch.request(["bash", "-c", "touch \(scratch.outside)/written && echo ran"]))
            #expect(!result.isolated)
            #expect(result.output == "ran\n")
        }
    }
}

@Suite("Sandbox.isolation()")
struct IsolationStatusTests {
    @Test func aMissingBwrapSaysHowToInstallIt() {
        let status = Bubblewrap.probe(installPaths: ["/nonexistent/bwrap"])
        #expect(!status.isAvailable)
        #expect(status.problem == "bubblewrap is not installed: apt-get install bubblewrap")
    }

    @Test func aBwrapThatCannotCreateNamespacesSaysWhatItPrinted() async throws {
        try await withScratch("fake-bwrap") { scratch in
            let fake = scratch.root + "/bwrap"
            let script = "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
            try writeFile(fake, script, executable: true)
            let status = Bubblewrap.probe(installPaths: [fake])
            #expect(!status.isAvailable)
            #expect(status.problem?.hasPrefix("bwrap cannot create namespaces here: bwrap: No permissions to creating new namespace") == true,
                    "\(status)")
        }
    }

    @Test func theRealProbeIsCachedAndConsistent() {
        let first = Sandbox.isolation()
        #expect(first == Sandbox.isolation())
        #expect(first.isAvailable == (first.problem == nil))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") == false {
            #expect(!first.isAvailable)
        }
    }
}

// MARK: - Helpers

func plainSandbox() -> Sandbox {
    Sandbox(policy: SandboxPolicy(network: .on), environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home])
}

func isolatedSandbox() -> Sandbox {
    Sandbox(policy: SandboxPolicy(network: .off), environment: ["PATH": StartEnvironment.path, "HOME": StartEnvironment.home])
}

/// A worktree and a sibling folder outside it, under /var/tmp rather than /tmp: inside bubblewrap
/// /tmp is private, so a write "outside the worktree" under /tmp would fail for the wrong reason.
struct Scratch {
    let root: String
    let tag: String
    var worktree: String { root + "/worktree" }
    var outside: String { root + "/outside" }

    func request(_ arguments: [String], in directory: String? = nil, timeout: Duration = .seconds(30),
                 outputLimit: Int = 64 * 1024, environment: [String: String] = [:]) -> CommandRequest {
        CommandRequest(arguments: arguments, workingDirectory: URL(fileURLWithPath: directory ?? worktree),
                       worktree: URL(fileURLWithPath: worktree), timeout: timeout, outputLimit: outputLimit,
                       environment: environment)
    }

    func readPid(_ name: String) throws -> pid_t {
        let text = try String(contentsOfFile: worktree + "/" + name, encoding: .utf8)
        return try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), "no pid in \(name): \(text)")
    }

    func waitForPid(_ name: String) async throws -> pid_t {
        for _ in 0..<200 {
            if let pid = try? readPid(name) { return pid }
            try await Task.sleep(for: .milliseconds(25))
        }
        return try readPid(name)
    }
}

func withScratch(_ name: String, _ body: (Scratch) async throws -> Void) async throws {
    let base = access("/var/tmp", W_OK) == 0 ? "/var/tmp" : NSTemporaryDirectory()
    let tag = "\(name)-\(UUID().uuidString.prefix(8))"
    let root = try #require(Bubblewrap.resolvedPath(base)) + "/codex-bot-sandbox-\(tag)"
    let scratch = Scratch(root: root, tag: tag)
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: scratch.worktree, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: scratch.outside, withIntermediateDirectories: true)
    try await body(scratch)
}

func writeFile(_ path: String, _ text: String, executable: Bool = false) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    if executable {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
}

/// Whether `pid` is gone (or a zombie waiting for whoever adopted it), waiting up to 3 s for the
/// kernel to finish a kill.
func processIsGone(_ pid: pid_t) async -> Bool {
    for _ in 0..<120 {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        if processState(pid) == "Z" { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return false
}

/// Whether no living process has `argument` among its arguments, waiting up to 3 s. For processes
/// inside bubblewrap, whose pids the test cannot know.
func noProcess(hasArgument argument: String) async -> Bool {
    for _ in 0..<120 {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let living = entries.compactMap(pid_t.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == argument }
                && processState(pid) != "Z"
        }
        if living.isEmpty { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return false
}

func processState(_ pid: pid_t) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: end)...].first { !$0.isWhitespace }
}
