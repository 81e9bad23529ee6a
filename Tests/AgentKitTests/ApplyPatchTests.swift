@testable import AgentKit
import CodexBotTestSupport
import Foundation
import Testing

/// A temporary directory holding a worktree (`work/`) and, beside it, a directory the patch
/// must never reach (`outside/`), with helpers to write, read and snapshot both.
private struct Scratch {
    let directory: TemporaryDirectory
    var root: URL { URL(fileURLWithPath: directory.appending("work")) }
    var outside: String { directory.appending("outside") }

    init(_ name: String) throws {
        directory = try TemporaryDirectory(named: "apply-patch-\(name)")
        try FileManager.default.createDirectory(atPath: directory.appending("work"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("outside secret\n".utf8).write(to: URL(fileURLWithPath: outside + "/target.txt"))
    }

    func path(_ relative: String) -> String { root.path + "/" + relative }

    func write(_ relative: String, _ text: String, mode: Int? = nil) throws {
        try write(relative, Data(text.utf8), mode: mode)
    }

    func write(_ relative: String, _ data: Data, mode: Int? = nil) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path) }
    }

    func read(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path(relative))), as: UTF8.self)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func mode(_ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(relative))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Every entry under the scratch directory (worktree and outside): kind, permissions and
    /// content, without following symlinks. Equal snapshots mean nothing changed on disk.
    func snapshot() throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        func walk(_ relative: String) throws {
            let absolute = directory.path + relative
            for name in try manager.contentsOfDirectory(atPath: absolute) {
                let child = relative + "/" + name
                let attributes = try manager.attributesOfItem(atPath: directory.path + child)
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
                switch attributes[.type] as? FileAttributeType {
                case .typeSymbolicLink?:
                    result[child] = "link -> " + (try manager.destinationOfSymbolicLink(atPath: directory.path + child))
                case .typeDirectory?:
                    result[child] = "dir \(String(mode, radix: 8))"
                    try walk(child)
                default:
                    let data = try Data(contentsOf: URL(fileURLWithPath: directory.path + child))
                    result[child] = "file \(String(mode, radix: 8)) " + data.base64EncodedString()
                }
            }
        }
        try walk("")
        return result
    }

    func remove() { directory.remove() }
}

/// Wraps file sections in the envelope.
private func patch(_ body: String) -> String {
    "*** Begin Patch\n" + body + "*** End Patch\n"
}

@discardableResult
private func apply(_ text: String, in scratch: Scratch) throws -> PatchSummary {
    try ApplyPatch.apply(try ApplyPatch.parse(text), in: scratch.root)
}

/// Applies `text`, expects it to fail with a message holding every fragment, and checks that
/// nothing changed on disk, inside the worktree or outside it.
private func expectRefusal(_ text: String, in scratch: Scratch, code: ApplyPatchError.Code? = nil, _ fragments: [String],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = try scratch.snapshot()
    do {
        try apply(text, in: scratch)
        Issue.record("the patch applied, but it should have failed with \(fragments)", sourceLocation: sourceLocation)
    } catch let error as ApplyPatchError {
        for fragment in fragments {
            #expect(error.description.contains(fragment), "'\(fragment)' is not in: \(error.description)", sourceLocation: sourceLocation)
        }
        if let code { #expect(error.code == code, "\(error.code) for \(error)", sourceLocation: sourceLocation) }
    }
    #expect(try scratch.snapshot() == before, "the failed patch changed files on disk", sourceLocation: sourceLocation)
}

@Suite("apply_patch: operations")
struct ApplyPatchOperationTests {
    @Test("Add, Update, Delete and Move in one patch, with Codex's summary")
    func everyOperation() throws {
        let scratch = try Scratch("every-operation")
        defer { scratch.remove() }
        try scratch.write("src/old.swift", "let a = 1\nlet b = 2\nlet c = 3\n")
        try scratch.write("src/edit.txt", "one\ntwo\nthree\n")
        try scratch.write("gone.txt", "bye\n")

        let summary = try apply(patch("""
        *** Add File: new/dir/hello.txt
        +Hello
        +world
        *** Update File: src/edit.txt
        @@
         one
        -two
        +TWO
         three
        *** Update File: src/old.swift
        *** Move to: lib/renamed.swift
        @@
         let a = 1
        -let b = 2
        +let b = 20
        *** Delete File: gone.txt

        """), in: scratch)

        #expect(try scratch.read("new/dir/hello.txt") == "Hello\nworld\n")
        #expect(try scratch.read("src/edit.txt") == "one\nTWO\nthree\n")
        #expect(try scratch.read("lib/renamed.swift") == "let a = 1\nlet b = 20\nlet c = 3\n")
        #expect(!scratch.exists("src/old.swift"))
        #expect(!scratch.exists("gone.txt"))
        #expect(summary.added == ["new/dir/hello.txt"])
        #expect(summary.updated == ["src/edit.txt", "lib/renamed.swift"])
        #expect(summary.deleted == ["gone.txt"])
        #expect(summary.moved == [.init(from: "src/old.swift", to: "lib/renamed.swift")])
        #expect(summary.linesAdded == 4 && summary.linesRemoved == 3)
        #expect(summary.codexText == "Success. Updated the following files:\nA new/dir/hello.txt\nM src/edit.txt\nM lib/renamed.swift\nD gone.txt\n")
    }

    @Test("several hunks in one file, applied in order; an added line after its context")
    func multipleHunks() throws {
        let scratch = try Scratch("multiple-hunks")
        defer { scratch.remove() }
        let original = (1...30).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try scratch.write("f.txt", original)
        try apply(patch("""
        *** Update File: f.txt
        @@
         line 2
        -line 3
        +line three
         line 4
        @@
         line 15
        +line 15.5
         line 16
        @@
         line 28
        -line 29
         line 30

        """), in: scratch)
        var expected = (1...30).map { "line \($0)" }
        expected[2] = "line three"
        expected.remove(at: 28)
        expected.insert("line 15.5", at: 15)
        #expect(try scratch.read("f.txt") == expected.joined(separator: "\n") + "\n")
    }

    @Test("@@ anchors pick the right one of identical blocks, nested anchors narrow further")
    func anchors() throws {
        let scratch = try Scratch("anchors")
        defer { scratch.remove() }
        let source = """
        struct A {
            func run() {
                let x = 1
                print(x)
            }
        }
        struct B {
            func setup() {
                let x = 1
                print(x)
            }
            func run() {
                let x = 1
                print(x)
            }
        }

        """
        try scratch.write("S.swift", source)
        try apply(patch("""
        *** Update File: S.swift
        @@ struct B {
        @@     func run() {
        -        let x = 1
        +        let x = 2
                 print(x)

        """), in: scratch)
        // Only B.run changed: A.run and B.setup, with the same lines, kept theirs.
        #expect(try scratch.read("S.swift") == """
        struct A {
            func run() {
                let x = 1
                print(x)
            }
        }
        struct B {
            func setup() {
                let x = 1
                print(x)
            }
            func run() {
                let x = 2
                print(x)
            }
        }

        """)

        // A single anchor, shortened as models do, and a hunk of added lines only: inserted after it.
        try apply(patch("""
        *** Update File: S.swift
        @@ func setup
        +        setUpCalled = true

        """), in: scratch)
        #expect(try scratch.read("S.swift").contains("    func setup() {\n        setUpCalled = true\n        let x = 1\n"))

        // The anchor line repeated as the hunk's first context line still matches.
        try apply(patch("*** Update File: S.swift\n@@ struct A {\n struct A {\n-    func run() {\n+    func start() {\n"), in: scratch)
        #expect(try scratch.read("S.swift").hasPrefix("struct A {\n    func start() {\n"))

        // A shortened anchor that fits several lines is not guessed.
        try expectRefusal(patch("*** Update File: S.swift\n@@ func\n-        print(x)\n"), in: scratch, code: .hunkNotFound,
                          ["the anchor '@@ func' is not in the file as a whole line, and it is part of several lines (2, 8, 13): write the whole line"])
    }

    @Test("*** End of File anchors a hunk at the end; added lines only are appended")
    func endOfFile() throws {
        let scratch = try Scratch("end-of-file")
        defer { scratch.remove() }
        try scratch.write("f.txt", "}\nmiddle\n}\n")
        try apply(patch("""
        *** Update File: f.txt
        @@
        -}
        +} // end
        *** End of File

        """), in: scratch)
        #expect(try scratch.read("f.txt") == "}\nmiddle\n} // end\n")

        try apply(patch("""
        *** Update File: f.txt
        @@
        +appended
        *** End of File

        """), in: scratch)
        #expect(try scratch.read("f.txt") == "}\nmiddle\n} // end\nappended\n")

        // Added lines only, then a blank separator line: still appended, not put at a blank line.
        try scratch.write("g.txt", "a\n\nb\n")
        try apply(patch("*** Update File: g.txt\n@@\n+c\n\n"), in: scratch)
        #expect(try scratch.read("g.txt") == "a\n\nb\nc\n")

        // Lines that exist, but not at the end, do not match an end-of-file hunk.
        try expectRefusal(patch("""
        *** Update File: f.txt
        @@
        -middle
        *** End of File

        """), in: scratch, code: .hunkNotFound, ["not at the end of the file", "they are at line 2"])
    }

    @Test("a Move without hunks renames the file and keeps its bytes and mode")
    func pureRename() throws {
        let scratch = try Scratch("pure-rename")
        defer { scratch.remove() }
        try scratch.write("run.sh", Data([0x23, 0x21, 0x00, 0xFF, 0x0A]), mode: 0o755)
        let summary = try apply(patch("*** Update File: run.sh\n*** Move to: bin/run.sh\n"), in: scratch)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("bin/run.sh"))) == Data([0x23, 0x21, 0x00, 0xFF, 0x0A]))
        #expect(try scratch.mode("bin/run.sh") == 0o755)
        #expect(!scratch.exists("run.sh"))
        #expect(summary.codexText == "Success. Updated the following files:\nM bin/run.sh\n")
    }

    @Test("an edit that keeps the size gets a later modification time, so mtime-keyed caches (.pyc) see it")
    func modificationTimeMovesOn() throws {
        let scratch = try Scratch("mtime")
        defer { scratch.remove() }
        try scratch.write("calc.py", Data("return a - b\n".utf8))
        // The last write is stamped a little ahead, as a same-second write looks to a cache keyed on seconds.
        let stamped = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 5).rounded(.down))
        try FileManager.default.setAttributes([.modificationDate: stamped], ofItemAtPath: scratch.path("calc.py"))
        try apply(patch("*** Update File: calc.py\n@@\n-return a - b\n+return a + b\n"), in: scratch)
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.path("calc.py"))
        let modified = try #require(attributes[.modificationDate] as? Date)
        #expect(modified.timeIntervalSince1970.rounded(.down) >= stamped.timeIntervalSince1970 + 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("calc.py"))) == Data("return a + b\n".utf8))
    }

    @Test("operations see earlier ones: Add then Update, Delete then Add")
    func sequentialOperations() throws {
        let scratch = try Scratch("sequential")
        defer { scratch.remove() }
        try scratch.write("old.txt", "old\n")
        let summary = try apply(patch("""
        *** Add File: a.txt
        +first
        *** Update File: a.txt
        @@
        -first
        +second
        *** Delete File: old.txt
        *** Add File: old.txt
        +replaced

        """), in: scratch)
        #expect(try scratch.read("a.txt") == "second\n")
        #expect(try scratch.read("old.txt") == "replaced\n")
        #expect(summary.added == ["a.txt"] && summary.updated == ["old.txt"] && summary.deleted.isEmpty)
    }
}

@Suite("apply_patch: matching and file formats")
struct ApplyPatchMatchingTests {
    @Test("trailing whitespace, then indentation, are ignored when the exact lines are not found; context keeps the file's text")
    func whitespaceFuzz() throws {
        let scratch = try Scratch("whitespace-fuzz")
        defer { scratch.remove() }
        try scratch.write("f.py", "def f():\n\tx = 1   \n\treturn x\n")
        let summary = try apply(patch("""
        *** Update File: f.py
        @@ def f():
        -\tx = 1
        +\tx = 2
         \treturn x

        """), in: scratch)
        #expect(try scratch.read("f.py") == "def f():\n\tx = 2\n\treturn x\n")
        #expect(summary.fuzzyMatches == ["f.py hunk 1: matched ignoring trailing whitespace"])

        // Spaces in the patch where the file has tabs: the context line stays a tab.
        let second = try apply(patch("""
        *** Update File: f.py
        @@
         def f():
        -    x = 2
        +    x = 3
             return x

        """), in: scratch)
        #expect(try scratch.read("f.py") == "def f():\n    x = 3\n\treturn x\n")
        #expect(second.fuzzyMatches == ["f.py hunk 1: matched ignoring leading and trailing whitespace"])
    }

    @Test("ASCII quotes, dashes and spaces in the patch match typographic ones in the file")
    func unicodePunctuation() throws {
        let scratch = try Scratch("unicode-punctuation")
        defer { scratch.remove() }
        try scratch.write("doc.md", "Title\n“Smart” quotes — and it’s\u{00A0}here\nend\n")
        let summary = try apply(patch("""
        *** Update File: doc.md
        @@
         Title
        -"Smart" quotes - and it's here
        +Plain text
         end

        """), in: scratch)
        #expect(try scratch.read("doc.md") == "Title\nPlain text\nend\n")
        #expect(summary.fuzzyMatches.first?.contains("Unicode punctuation") == true)

        // The loose level never wins over an exact match further down.
        try scratch.write("two.txt", "a – b\na - b\n")
        try apply(patch("*** Update File: two.txt\n@@\n-a - b\n+exact\n"), in: scratch)
        #expect(try scratch.read("two.txt") == "a – b\nexact\n")
    }

    @Test("CRLF files stay CRLF, added lines included; mixed files keep each line's ending")
    func crlf() throws {
        let scratch = try Scratch("crlf")
        defer { scratch.remove() }
        try scratch.write("win.txt", "one\r\ntwo\r\nthree\r\n")
        try apply(patch("*** Update File: win.txt\n@@\n one\n-two\n+TWO\n+two and a half\n three\n"), in: scratch)
        #expect(try scratch.read("win.txt") == "one\r\nTWO\r\ntwo and a half\r\nthree\r\n")

        try scratch.write("mixed.txt", "a\r\nb\nc\r\nd\r\n")
        try apply(patch("*** Update File: mixed.txt\n@@\n a\n b\n-c\n+C\n"), in: scratch)
        #expect(try scratch.read("mixed.txt") == "a\r\nb\nC\r\nd\r\n")
    }

    @Test("a file without a final newline keeps it that way; a BOM stays")
    func noFinalNewline() throws {
        let scratch = try Scratch("no-final-newline")
        defer { scratch.remove() }
        try scratch.write("f.txt", "a\nb")
        try apply(patch("*** Update File: f.txt\n@@\n a\n-b\n+B\n"), in: scratch)
        #expect(try scratch.read("f.txt") == "a\nB")
        try apply(patch("*** Update File: f.txt\n@@\n+c\n*** End of File\n"), in: scratch)
        #expect(try scratch.read("f.txt") == "a\nB\nc")

        try scratch.write("bom.txt", "\u{FEFF}first\nsecond\n")
        try apply(patch("*** Update File: bom.txt\n@@\n-first\n+FIRST\n"), in: scratch)
        #expect(try scratch.read("bom.txt") == "\u{FEFF}FIRST\nsecond\n")
    }

    @Test("the executable bit survives an update and a move")
    func permissionsKept() throws {
        let scratch = try Scratch("permissions")
        defer { scratch.remove() }
        try scratch.write("tool.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        try scratch.write("private.txt", "secret\n", mode: 0o600)
        try apply(patch("""
        *** Update File: tool.sh
        @@
        -echo hi
        +echo hello
        *** Update File: private.txt
        *** Move to: moved/private.txt
        @@
        -secret
        +still secret

        """), in: scratch)
        #expect(try scratch.read("tool.sh") == "#!/bin/sh\necho hello\n")
        #expect(try scratch.mode("tool.sh") == 0o755)
        #expect(try scratch.mode("moved/private.txt") == 0o600)
    }

    @Test("binary files cannot be updated, but can be deleted")
    func binaryFiles() throws {
        let scratch = try Scratch("binary")
        defer { scratch.remove() }
        try scratch.write("image.bin", Data([0x50, 0x4E, 0x47, 0x00, 0x0A, 0x01]))
        try expectRefusal(patch("*** Update File: image.bin\n@@\n-PNG\n+GIF\n"), in: scratch, code: .notTextFile,
                          ["image.bin", "binary file", "NUL bytes"])
        try scratch.write("latin1.txt", Data([0x63, 0x61, 0x66, 0xE9, 0x0A]))
        try expectRefusal(patch("*** Update File: latin1.txt\n@@\n-café\n+cafe\n"), in: scratch, code: .notTextFile, ["not UTF-8 text"])
        try apply(patch("*** Delete File: image.bin\n"), in: scratch)
        #expect(!scratch.exists("image.bin"))
    }

    @Test("the result is the one git apply gives for the same change as a unified diff")
    func sameAsGitApply() throws {
        let scratch = try Scratch("git-apply")
        defer { scratch.remove() }
        let original = (1...20).map { "row \($0)" }.joined(separator: "\n") + "\n"
        try scratch.write("ours/f.txt", original)
        try scratch.write("theirs/f.txt", original)
        try apply(patch("""
        *** Update File: ours/f.txt
        @@
         row 3
        -row 4
        +row four
         row 5
        @@
         row 19
         row 20
        +row 21
        *** End of File

        """), in: scratch)
        let diff = """
        --- a/f.txt
        +++ b/f.txt
        @@ -3,3 +3,3 @@
         row 3
        -row 4
        +row four
         row 5
        @@ -19,2 +19,3 @@
         row 19
         row 20
        +row 21

        """
        try scratch.write("change.diff", diff)
        try GitCLI.check(["apply", "--directory=theirs", scratch.path("change.diff")], in: scratch.root.path)
        #expect(try scratch.read("ours/f.txt") == scratch.read("theirs/f.txt"))
    }
}

@Suite("apply_patch: failures change nothing")
struct ApplyPatchFailureTests {
    @Test("missing envelope lines and bad hunk lines are parse errors with the line number")
    func parseErrors() throws {
        let scratch = try Scratch("parse-errors")
        defer { scratch.remove() }
        try scratch.write("f.txt", "a\nb\n")
        try expectRefusal("*** Update File: f.txt\n@@\n-a\n+A\n*** End Patch\n", in: scratch, code: .invalidPatch,
                          ["line 1: expected '*** Begin Patch' as the first line, got '*** Update File: f.txt'"])
        try expectRefusal("*** Begin Patch\n*** Update File: f.txt\n@@\n-a\n+A\n", in: scratch, code: .invalidPatch,
                          ["line 5: expected '*** End Patch' as the last line", "cut off"])
        try expectRefusal(patch("*** Update File: f.txt\n@@\n-a\noops\n+A\n"), in: scratch, code: .invalidPatch,
                          ["line 5: expected a hunk line starting with ' ', '-' or '+', got 'oops'"])
        try expectRefusal(patch("*** Add File: g.txt\n+x\nno plus\n"), in: scratch, code: .invalidPatch,
                          ["line 4: expected a line of the new file starting with '+', got 'no plus'"])
        try expectRefusal(patch("*** Update File: f.txt\n"), in: scratch, code: .invalidPatch, ["line 2:", "has no hunks"])
        try expectRefusal(patch("*** Frobnicate File: f.txt\n"), in: scratch, code: .invalidPatch,
                          ["line 2: expected a file operation"])
        try expectRefusal("", in: scratch, code: .invalidPatch, ["the patch is empty"])
        try expectRefusal("*** Begin Patch\n*** End Patch", in: scratch, code: .invalidPatch, ["line 2: the patch has no file operations"])
    }

    @Test("a hunk that does not match names the file, the hunk, its first lines and the closest lines; earlier sections are not written")
    func hunkNotFound() throws {
        let scratch = try Scratch("hunk-not-found")
        defer { scratch.remove() }
        try scratch.write("a.txt", "alpha\n")
        try scratch.write("src/main.swift", "func main() {\n    let x = 1\n    print(x)\n}\n")
        try expectRefusal(patch("""
        *** Add File: created.txt
        +new
        *** Update File: a.txt
        @@
        -alpha
        +ALPHA
        *** Update File: src/main.swift
        @@
         func main() {
        -    let x = 1
        +    let x = 2
        @@
         func main() {
             let x = 1
        -    print(y)
        +    print(x + 1)

        """), in: scratch, code: .hunkNotFound, [
            "src/main.swift:", "hunk 2 (patch line 13, starting ' func main() {')", "does not match",
            "    print(y)", "Closest: line 1 of the file matches its first 2 lines, but line 3 is '    print(x)' where the hunk expects '    print(y)'",
        ])
        #expect(!scratch.exists("created.txt"))
        #expect(try scratch.read("a.txt") == "alpha\n")

        try expectRefusal(patch("*** Update File: src/main.swift\n@@ func other()\n-    let x = 1\n"), in: scratch,
                          code: .hunkNotFound, ["the anchor '@@ func other()' is not in the file"])
    }

    @Test("Update or Delete of a missing file, Add of an existing one, Move onto an existing one")
    func existenceErrors() throws {
        let scratch = try Scratch("existence")
        defer { scratch.remove() }
        try scratch.write("here.txt", "here\n")
        try scratch.write("other.txt", "other\n")
        try scratch.write("dir/inside.txt", "x\n")
        try expectRefusal(patch("*** Update File: missing.txt\n@@\n-a\n+b\n"), in: scratch, code: .fileNotFound,
                          ["missing.txt", "the file does not exist", "*** Add File: missing.txt"])
        try expectRefusal(patch("*** Delete File: missing.txt\n"), in: scratch, code: .fileNotFound, ["does not exist"])
        try expectRefusal(patch("*** Add File: here.txt\n+again\n"), in: scratch, code: .fileExists,
                          ["here.txt", "already exists", "*** Update File: here.txt"])
        try expectRefusal(patch("*** Update File: here.txt\n*** Move to: other.txt\n@@\n-here\n+moved\n"), in: scratch,
                          code: .fileExists, ["other.txt", "cannot move here.txt there", "already exists"])
        try expectRefusal(patch("*** Delete File: dir\n"), in: scratch, code: .notTextFile, ["it is a directory"])
        try expectRefusal(patch("*** Delete File: here.txt\n*** Update File: here.txt\n@@\n-here\n+x\n"), in: scratch,
                          code: .fileNotFound, ["an earlier section of this patch deleted or moved it"])
    }

    @Test("a write that fails midway is undone: written files restored, new files and directories removed")
    func rollbackAfterInjectedFailure() throws {
        let scratch = try Scratch("rollback-injected")
        defer { scratch.remove() }
        try scratch.write("one.txt", "one\n", mode: 0o755)
        try scratch.write("two.txt", "two\n")
        try scratch.write("three.txt", "three\n")
        let text = patch("""
        *** Update File: one.txt
        @@
        -one
        +ONE
        *** Add File: fresh/dir/new.txt
        +new
        *** Update File: two.txt
        @@
        -two
        +TWO
        *** Delete File: three.txt

        """)
        let parsed = try ApplyPatch.parse(text)
        for step in 0..<4 {
            let before = try scratch.snapshot()
            #expect {
                _ = try ApplyPatch.apply(parsed, in: scratch.root, faults: CommitFaults(failBeforeStep: step))
            } throws: { error in
                "\(error)".contains("injected failure") && "\(error)".contains("Nothing was changed: the files already written were restored")
            }
            #expect(try scratch.snapshot() == before, "failing before step \(step) left changes")
        }
        // And with no fault, the same patch applies.
        _ = try ApplyPatch.apply(parsed, in: scratch.root)
        #expect(try scratch.read("one.txt") == "ONE\n" && scratch.read("fresh/dir/new.txt") == "new\n" && !scratch.exists("three.txt"))
    }

    @Test("a real write failure midway (a directory where a file was just written) is undone")
    func rollbackAfterRealFailure() throws {
        let scratch = try Scratch("rollback-real")
        defer { scratch.remove() }
        try scratch.write("a.txt", "a\n")
        // `d` is written as a file, then `d/e.txt` needs `d` to be a directory: mkdir fails.
        try expectRefusal(patch("""
        *** Update File: a.txt
        @@
        -a
        +A
        *** Add File: d
        +file
        *** Add File: d/e.txt
        +nested

        """), in: scratch, code: .io, ["cannot create the directory", "Nothing was changed"])
    }

    @Test("patches over 10 MB and files over 50 MB are refused")
    func limits() throws {
        let scratch = try Scratch("limits")
        defer { scratch.remove() }
        let huge = patch("*** Add File: big.txt\n" + String(repeating: "+0123456789abcdef\n", count: 600_000))
        #expect(huge.utf8.count > ApplyPatch.maxPatchBytes)
        #expect { try ApplyPatch.parse(huge) } throws: { error in
            (error as? ApplyPatchError)?.code == .tooLarge && "\(error)".contains("10 MB limit")
        }
        // A sparse 51 MB file: big on paper, cheap to make.
        let path = scratch.path("large.log")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("first\n".utf8)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(51 * 1024 * 1024))
        try handle.close()
        try expectRefusal(patch("*** Update File: large.log\n@@\n-first\n+second\n"), in: scratch, code: .tooLarge,
                          ["large.log", "over the 50 MB limit"])
    }
}

@Suite("apply_patch: paths stay in the worktree")
struct ApplyPatchConfinementTests {
    @Test("'..', absolute paths and .git/ are refused; '..' that stays inside is fine")
    func lexicalEscapes() throws {
        let scratch = try Scratch("lexical-escapes")
        defer { scratch.remove() }
        try scratch.write(".git/config", "[core]\n")
        try scratch.write("sub/keep.txt", "keep\n")
        try expectRefusal(patch("*** Add File: ../outside/evil.txt\n+x\n"), in: scratch, code: .pathRefused, ["'..' leaves the worktree"])
        try expectRefusal(patch("*** Add File: sub/../../evil.txt\n+x\n"), in: scratch, code: .pathRefused, ["leaves the worktree"])
        try expectRefusal(patch("*** Update File: /etc/passwd\n@@\n-root\n+evil\n"), in: scratch, code: .pathRefused,
                          ["/etc/passwd", "absolute paths are not allowed"])
        try expectRefusal(patch("*** Update File: \(scratch.outside)/target.txt\n@@\n-outside secret\n+x\n"), in: scratch,
                          code: .pathRefused, ["absolute paths"])
        try expectRefusal(patch("*** Update File: .git/config\n@@\n-[core]\n+[evil]\n"), in: scratch, code: .pathRefused, ["inside .git/"])
        try expectRefusal(patch("*** Add File: sub/.GIT/hooks/pre-commit\n+x\n"), in: scratch, code: .pathRefused, ["inside .git/"])
        try expectRefusal(patch("*** Update File: sub/keep.txt\n*** Move to: ../moved.txt\n"), in: scratch, code: .pathRefused, ["leaves the worktree"])

        try apply(patch("*** Add File: sub/./x/../ok.txt\n+ok\n"), in: scratch)
        #expect(try scratch.read("sub/ok.txt") == "ok\n")
    }

    @Test("symlinks: a directory pointing outside, a symlinked file and a link into .git are refused; a link inside is followed")
    func symlinkEscapes() throws {
        let scratch = try Scratch("symlink-escapes")
        defer { scratch.remove() }
        let manager = FileManager.default
        try scratch.write(".git/HEAD", "ref: refs/heads/main\n")
        try scratch.write("real/inner.txt", "inner\n")
        try manager.createSymbolicLink(atPath: scratch.path("out"), withDestinationPath: scratch.outside)
        try manager.createSymbolicLink(atPath: scratch.path("secret.txt"), withDestinationPath: scratch.outside + "/target.txt")
        try manager.createSymbolicLink(atPath: scratch.path("g"), withDestinationPath: ".git")
        try manager.createSymbolicLink(atPath: scratch.path("alias"), withDestinationPath: "real")
        try manager.createSymbolicLink(atPath: scratch.path("dangling"), withDestinationPath: "nowhere")

        try expectRefusal(patch("*** Add File: out/evil.txt\n+x\n"), in: scratch, code: .pathRefused,
                          ["'out' is a symbolic link to", "outside the worktree"])
        try expectRefusal(patch("*** Update File: out/target.txt\n@@\n-outside secret\n+pwned\n"), in: scratch,
                          code: .pathRefused, ["outside the worktree"])
        try expectRefusal(patch("*** Update File: secret.txt\n@@\n-outside secret\n+pwned\n"), in: scratch, code: .pathRefused,
                          ["'secret.txt' is a symbolic link; apply_patch does not write through links"])
        try expectRefusal(patch("*** Delete File: secret.txt\n"), in: scratch, code: .pathRefused, ["symbolic link"])
        try expectRefusal(patch("*** Add File: g/hooks/pre-commit\n+x\n"), in: scratch, code: .pathRefused, ["into .git/"])
        try expectRefusal(patch("*** Add File: dangling/x.txt\n+x\n"), in: scratch, code: .pathRefused, ["target does not exist"])
        try expectRefusal(patch("*** Update File: real/inner.txt\n*** Move to: out/moved.txt\n"), in: scratch,
                          code: .pathRefused, ["outside the worktree"])
        #expect(try String(contentsOfFile: scratch.outside + "/target.txt", encoding: .utf8) == "outside secret\n")

        // A link to a directory inside the worktree is followed to its real place.
        let summary = try apply(patch("*** Update File: alias/inner.txt\n@@\n-inner\n+INNER\n"), in: scratch)
        #expect(try scratch.read("real/inner.txt") == "INNER\n")
        #expect(summary.updated == ["alias/inner.txt"])
    }
}

@Suite("apply_patch: parsing")
struct ApplyPatchParsingTests {
    @Test("the parsed structure: anchors, nested anchors, unified-diff headers, empty context lines, End of File")
    func structure() throws {
        let parsed = try ApplyPatch.parse("""
        *** Begin Patch
        *** Update File: a.swift
         first context without @@
        -old
        @@ class A
        @@     func f()
         keep

        +new
        @@ -10,4 +10,5 @@ func g()
        -x
        *** End of File
        *** Add File: b.txt
        +one

        +three

        *** Delete File: c.txt
        *** End Patch
        """)
        #expect(parsed.operations.count == 3)
        guard case .update(nil, let hunks) = parsed.operations[0].kind else {
            Issue.record("not an update: \(parsed.operations[0])")
            return
        }
        #expect(hunks == [
            Patch.Hunk(anchors: [], lines: [.context("first context without @@"), .removed("old")], line: 3),
            Patch.Hunk(anchors: ["class A", "    func f()"], lines: [.context("keep"), .context(""), .added("new")], line: 5),
            Patch.Hunk(anchors: ["func g()"], lines: [.removed("x")], isEndOfFile: true, line: 10),
        ])
        #expect(parsed.operations[1] == Patch.FileOperation(path: "b.txt", kind: .add(lines: ["one", "", "three"]), line: 13))
        #expect(parsed.operations[2] == Patch.FileOperation(path: "c.txt", kind: .delete, line: 18))

        // Markers padded with whitespace, and CRLF line breaks, as Codex accepts them.
        let padded = try ApplyPatch.parse(" *** Begin Patch \r\n  *** Update File: f.txt\r\n@@\r\n-a\r\n+b\r\n *** End Patch \r\n")
        #expect(padded.operations == [Patch.FileOperation(path: "f.txt", kind: .update(moveTo: nil, hunks: [
            Patch.Hunk(lines: [.removed("a"), .added("b")], line: 3),
        ]), line: 2)])
    }

    @Test("heredoc, apply_patch command, cd DIR && and Markdown fence wrappings are taken off")
    func wrappers() throws {
        let scratch = try Scratch("wrappers")
        defer { scratch.remove() }
        try scratch.write("sub/f.txt", "v0\n")
        let body = "*** Begin Patch\n*** Update File: f.txt\n@@\n-v0\n+v1\n*** End Patch\n"
        try apply("cd sub && apply_patch <<'EOF'\n" + body + "EOF\n", in: scratch)
        #expect(try scratch.read("sub/f.txt") == "v1\n")

        let next = "*** Begin Patch\n*** Update File: sub/f.txt\n@@\n-v1\n+v2\n*** End Patch"
        try apply("<<'EOF'\n\(next)\nEOF", in: scratch)
        try apply("apply_patch <<\"PATCH\"\n\(next.replacingOccurrences(of: "v1", with: "v2").replacingOccurrences(of: "+v2", with: "+v3"))\nPATCH\n", in: scratch)
        try apply("```\napplypatch <<EOF\n\(next.replacingOccurrences(of: "v1", with: "v3").replacingOccurrences(of: "+v2", with: "+v4"))\nEOF\n```\n", in: scratch)
        #expect(try scratch.read("sub/f.txt") == "v4\n")

        // Line numbers in errors count the wrapper's lines too.
        #expect { try ApplyPatch.parse("apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: f\n@@\nbad\n*** End Patch\nEOF\n") } throws: { error in
            "\(error)".hasPrefix("line 5: expected a hunk line")
        }
        #expect { try ApplyPatch.parse("<<'EOF'\n*** Begin Patch\n*** End Patch\n") } throws: { error in
            "\(error)".contains("the heredoc opened at line 1 is not closed")
        }
        // A `cd` out of the worktree is refused like any path.
        try expectRefusal("cd .. && apply_patch <<'EOF'\n\(body)EOF\n", in: scratch, code: .pathRefused, ["leaves the worktree"])
    }
}

@Suite("apply_patch: the tool")
struct ApplyPatchToolTests {
    @Test("Codex's name and schema; success answers like Codex")
    func definitionAndSuccess() async throws {
        let scratch = try Scratch("tool-success")
        defer { scratch.remove() }
        let tool = ApplyPatchTool()
        #expect(tool.definition.name == "apply_patch")
        #expect(tool.definition.parameters.jsonText
                == #"{"additionalProperties":false,"properties":{"input":{"description":"The entire contents of the apply_patch command","type":"string"}},"required":["input"],"type":"object"}"#)
        #expect(tool.definition.description.hasPrefix("Use the `apply_patch` tool to edit files."))

        let context = ToolContext(worktree: scratch.root)
        let output = await tool.run(arguments: ["input": .string(patch("*** Add File: hi.txt\n+hi\n"))], context: context)
        #expect(output == ToolOutput("Success. Updated the following files:\nA hi.txt\n"))
        // A freeform call sends the patch text itself.
        let freeform = await tool.run(arguments: .string(patch("*** Delete File: hi.txt\n")), context: context)
        #expect(freeform == ToolOutput("Success. Updated the following files:\nD hi.txt\n"))
    }

    @Test("malformed arguments and failed patches are error results, never crashes")
    func errors() async throws {
        let scratch = try Scratch("tool-errors")
        defer { scratch.remove() }
        let tool = ApplyPatchTool()
        let context = ToolContext(worktree: scratch.root)
        let cases: [(JSONValue, String)] = [
            ([:], "needs the argument 'input'"),
            (["patch": "*** Begin Patch"], "got 'patch'"),
            (["input": 42], "'input' must be a string"),
            (["input": ["a", "b"]], "'input' must be a string"),
            (.null, "needs a JSON object"),
            ([1, 2], "needs a JSON object"),
            (["input": "not a patch"], "line 1: expected '*** Begin Patch'"),
        ]
        for (arguments, fragment) in cases {
            let output = await tool.run(arguments: arguments, context: context)
            #expect(output.isError, "\(arguments) gave \(output)")
            #expect(output.text.contains(fragment), "\(arguments) gave \(output.text)")
        }
        let failed = await tool.run(arguments: ["input": .string(patch("*** Update File: nope.txt\n@@\n-a\n+b\n"))], context: context)
        #expect(failed.isError)
        #expect(failed.text.hasPrefix("apply_patch failed: nope.txt: cannot update it (patch line 2): the file does not exist"))
        #expect(failed.text.hasSuffix("No file was changed; fix the patch and send all of it again."))
    }
}
