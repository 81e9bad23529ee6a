/// Reads TAP, the Test Anything Protocol (versions 12, 13 and 14, and node-tap's buffered
/// subtests), streaming line by line.
///
/// Counting rules, chosen so that one failing assertion is one failure:
/// - Leaf test points are tests. A test point that closes a subtest (the `ok 1 - parent`
///   after an indented child block, or `ok 1 - parent {` … `}`) is not counted itself: its
///   children are. It counts as one failure only when it failed and none of its children
///   did (a child plan mismatch, a thrown error after the asserts): otherwise that failure
///   would be lost.
/// - `# SKIP` counts as skipped. `# TODO` is not a failure: `not ok … # TODO` counts as
///   skipped (an expected failure), `ok … # TODO` as passed.
/// - A failing subtest's failure is named `parent > child`; the suite is empty (TAP has no
///   notion of one), and the framework is unknown.
/// - A missing plan, a plan that disagrees with the test points, an unfinished subtest and
///   `Bail out!` (which stops reading) are warnings, never errors: the tests seen still count.
enum TAPParser {
    static func read(_ path: String) throws -> TestRun {
        let reader = try LineReader(path: path)
        var stream = Stream()
        let readingWarnings = try reader.readText(format: "TAP") { line in stream.consume(line) }
        let result = stream.finish()
        guard result.sawTAP else {
            throw ReportError(path: path, problem: "no TAP test lines (`ok`/`not ok`) or plan (`1..N`) found")
        }
        return TestRun(path: path, format: .tap, totals: result.totals, failures: result.failures.map(\.failingTest),
                       unlistedFailures: result.unlistedFailures, warnings: result.warnings + readingWarnings)
    }

    /// Whether a report that starts with `text` is TAP: a `TAP version` line, a plan or a
    /// test point first (after comments, pragmas and a little junk), or a plan anywhere
    /// near the top together with test points. Console logs seldom start with `ok 1`.
    static func looksLikeTAP(_ text: String) -> Bool {
        var meaningful = 0
        var sawPlan = false
        var sawPoint = false
        for raw in text.split(separator: "\n", maxSplits: 200, omittingEmptySubsequences: true) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty { continue }
            if Syntax.isVersion(content) { return true }
            let isIndented = content.startIndex != line.startIndex
            if !isIndented, Syntax.plan(content) != nil {
                if meaningful == 0 || sawPoint { return true }
                sawPlan = true
            } else if !isIndented, Syntax.testPoint(content) != nil, Self.hasTAPSpacing(content) {
                if meaningful == 0 || sawPlan { return true }
                sawPoint = true
            } else if content.hasPrefix("# ") || content.hasPrefix("pragma ") {
                continue  // TAP comments and pragmas may come first
            }
            meaningful += 1
            if meaningful > 20 { break }
        }
        return false
    }

    /// `ok`/`not ok` followed by the end of the line or one space and a word: go's package
    /// line `ok  \tpkg\t0.1s` is not a test point.
    private static func hasTAPSpacing(_ content: Substring) -> Bool {
        let rest = content.dropFirst(content.hasPrefix("not ok") ? 6 : 2)
        guard let first = rest.first else { return true }
        return first == " " && rest.dropFirst().first.map { $0 != " " && $0 != "\t" } == true
    }
}

// MARK: - The stream

extension TAPParser {
    /// A failure found in a (sub)test block, named relative to that block.
    struct Failure {
        var name: String
        var file: String?
        var line: Int?
        var message: String
        var details: String

        var failingTest: FailingTest {
            FailingTest(suite: "", name: name, file: file, line: line, outcome: .failed, message: message, details: details)
        }
    }

    /// What the test points of one block (the file, or a subtest) added up to.
    struct Tally {
        /// From a `# Subtest: name` header, used when no parent test point names the block.
        var header: String?
        var plan: Int?
        var points = 0
        var totals = Totals()
        /// In the order of the final list; all blocks together hold at most
        /// `TestRun.failureListLimit`.
        var failures: [Failure] = []
        /// Failures counted past the list limit, not listed.
        var unlisted = 0

        var failureCount: Int { failures.count + unlisted }
    }

    /// The test points of one indentation level: the whole file, or one subtest.
    struct Block {
        /// Leading spaces of its lines; nil for a buffered block (`{`) whose first line is to come.
        var indent: Int?
        var tally = Tally()
        /// The test point that opened a buffered subtest (`ok 1 - name {`), committed at `}`.
        var owner: Point?

        var effectiveIndent: Int { indent ?? Int.max }
    }

    /// One `ok`/`not ok` line with its YAML diagnostics and, for a parent, the subtest it
    /// closes; kept until the next line that can't belong to it (YAML and a buffered `{`
    /// come after the point).
    struct Point {
        var syntax: Syntax.TestPoint
        var indent: Int
        var ordinal: Int
        var child: Tally?
        var diagnostics = BoundedText(limit: FailingTest.detailsLimit)

        var name: String {
            if !syntax.description.isEmpty { return syntax.description }
            return "test \(syntax.number ?? ordinal)"
        }
        var outcome: Outcome {
            switch syntax.directive {
            case .skip: return .skipped
            case .todo: return syntax.ok ? .passed : .skipped
            case .none: return syntax.ok ? .passed : .failed
            }
        }
    }

    struct Result {
        var totals: Totals
        var failures: [Failure]
        var unlistedFailures: Int
        var warnings: [String]
        var sawTAP: Bool
    }

    /// The parser's state: a stack of blocks by indentation, the pending test point, and
    /// whether a YAML block is open. Memory: the open blocks and the failures found.
    struct Stream {
        private var blocks = [Block(indent: 0)]
        private var pending: Point?
        /// Indentation of the open `---` line; nil outside YAML.
        private var yamlIndent: Int?
        /// `# Subtest:` headers not yet given to a block, outermost first.
        private var headers: [(indent: Int, name: String)] = []
        private var warnings: [String] = []
        private var bailedOut = false
        private var sawTAP = false

        /// Feeds one line; false once the stream bailed out.
        mutating func consume(_ rawLine: String) -> Bool {
            let line = Substring(rawLine).droppingByteOrderMark()
            let indent = Syntax.indentation(line)
            let content = line.droppingIndentation().trimmingTrailingSpaces()
            if yamlIndent != nil, consumeYAML(content, indent: indent) { return true }
            if content.isEmpty { return true }
            if content.begins(with: "Bail out!") {
                bailOut(reason: Syntax.unescape(content.dropFirst("Bail out!".count)).trimmingSpaces())
                return false
            }
            if Syntax.isVersion(content) || content.begins(with: "pragma ") { sawTAP = true; return true }
            if content == "---", let point = pending, indent > point.indent {
                yamlIndent = indent
                return true
            }
            if content == "{", let point = pending {
                pending = nil
                openBuffered(owner: point)
                return true
            }
            if content == "}" { closeBuffered(); return true }
            if let point = Syntax.testPoint(content) { testPoint(point, indent: indent); return true }
            if let plan = Syntax.plan(content) { self.plan(plan, text: content, indent: indent); return true }
            if content.hasPrefix("#") { comment(content, indent: indent) }
            return true  // anything else is output from the code under test
        }

        /// The totals and failures; closes what the file left open.
        mutating func finish() -> Result {
            commitPending()
            if !bailedOut && blocks.count > 1 { warnings.append("the file ends inside a subtest (output cut short?)") }
            while blocks.count > 1 { closeTop() }
            let root = blocks[0].tally
            if !bailedOut { checkPlan(of: root, isRoot: true) }
            return Result(totals: root.totals, failures: root.failures, unlistedFailures: root.unlisted, warnings: warnings,
                          sawTAP: sawTAP || root.points > 0 || root.plan != nil)
        }

        // MARK: Lines

        /// Adds a line to the open YAML block; false when the line ends it and must be read
        /// as TAP (a `...` as far left as the `---`, or a line indented less: broken YAML).
        private mutating func consumeYAML(_ content: Substring, indent: Int) -> Bool {
            guard let open = yamlIndent else { return false }
            if content == "..." && indent <= open {
                yamlIndent = nil
                return true
            }
            if content.isEmpty || indent >= open {
                let text = content.isEmpty ? "" : String(repeating: " ", count: indent - open) + content
                pending?.diagnostics.appendLogLine(text)
                return true
            }
            if content.hasPrefix("#") { return true }  // a comment in the middle of the YAML
            yamlIndent = nil
            return false
        }

        private mutating func testPoint(_ syntax: Syntax.TestPoint, indent: Int) {
            sawTAP = true
            commitPending()
            adoptIndent(indent)
            var child = closeBlocks(deeperThan: indent)
            openBlockIfDeeper(indent)
            headers.removeAll { $0.indent >= indent }
            if syntax.opensBuffer, let orphan = child {
                fold(orphan)
                child = nil
            }
            let point = Point(syntax: syntax, indent: indent, ordinal: blocks[blocks.count - 1].tally.points + 1, child: child)
            if syntax.opensBuffer {
                openBuffered(owner: point)
            } else {
                pending = point
            }
        }

        private mutating func plan(_ plan: Syntax.Plan, text: Substring, indent: Int) {
            sawTAP = true
            commitPending()
            adoptIndent(indent)
            if let orphan = closeBlocks(deeperThan: indent) { fold(orphan) }
            openBlockIfDeeper(indent)
            let top = blocks.count - 1
            guard plan.isValid else {
                warnings.append("invalid plan `\(text)` ignored")
                return
            }
            if blocks[top].tally.plan != nil { warnings.append("more than one plan (`\(text)`)") }
            blocks[top].tally.plan = plan.count
        }

        private mutating func comment(_ content: Substring, indent: Int) {
            let body = content.dropFirst().trimmingSpaces()
            guard body.hasPrefix("Subtest") else { return }
            var name = body.dropFirst("Subtest".count)
            if name.hasPrefix(":") { name = name.dropFirst() }
            headers.append((indent, Syntax.unescape(name.trimmingSpaces())))
        }

        private mutating func bailOut(reason: String) {
            bailedOut = true
            sawTAP = true
            commitPending()
            let root = blocks[0].tally
            var text = "bailed out"
            if let plan = root.plan { text += " after \(root.points) of \(plan) planned tests" }
            warnings.append(reason.isEmpty ? text : "\(text): \(reason)")
        }

        // MARK: Blocks

        /// A buffered block takes the indentation of its first line.
        private mutating func adoptIndent(_ indent: Int) {
            let top = blocks.count - 1
            if blocks[top].indent == nil { blocks[top].indent = indent }
        }

        private mutating func openBlockIfDeeper(_ indent: Int) {
            let parent = blocks[blocks.count - 1].effectiveIndent
            guard indent > parent else { return }
            blocks.append(Block(indent: indent, tally: Tally(header: takeHeader(outside: parent))))
        }

        /// The outermost pending `# Subtest:` header inside the enclosing block: node's
        /// runner puts a header before every test, at the parent's indentation, so the
        /// outermost one names the block being opened.
        private mutating func takeHeader(outside parentIndent: Int) -> String? {
            guard let index = headers.firstIndex(where: { $0.indent >= parentIndent }) else { return nil }
            let name = headers[index].name
            headers.removeSubrange(...index)
            return name
        }

        private mutating func openBuffered(owner: Point) {
            blocks.append(Block(indent: nil, tally: Tally(header: owner.name), owner: owner))
        }

        /// A `}` ends the innermost buffered block (and anything left open inside it).
        private mutating func closeBuffered() {
            commitPending()
            guard let index = blocks.lastIndex(where: { $0.owner != nil }), index > 0 else {
                return  // a stray brace is output, not TAP
            }
            while blocks.count > index { closeTop() }
        }

        /// Pops the blocks indented deeper than `indent` and returns the outermost of them:
        /// the child of a test point at `indent`. Deeper ones, whose own parent point never
        /// came, fold into their enclosing block; buffered ones commit their owner.
        private mutating func closeBlocks(deeperThan indent: Int) -> Tally? {
            var child: Tally?
            while blocks.count > 1, blocks[blocks.count - 1].effectiveIndent > indent {
                if let orphan = child { fold(orphan) }
                child = nil
                if blocks[blocks.count - 1].owner != nil {
                    closeTop()
                } else {
                    child = blocks.removeLast().tally
                }
            }
            return child
        }

        /// Closes the innermost block: a buffered one commits its owner, a plain one folds.
        private mutating func closeTop() {
            let block = blocks.removeLast()
            if var owner = block.owner {
                owner.child = block.tally
                commit(owner)
            } else {
                fold(block.tally)
            }
        }

        /// Adds a block whose parent test point never came to the enclosing block.
        private mutating func fold(_ block: Tally) {
            checkPlan(of: block, isRoot: false)
            let prefix = block.header ?? "(unnamed subtest)"
            let top = blocks.count - 1
            blocks[top].tally.totals.add(block.totals)
            blocks[top].tally.failures += block.failures.map { renamed($0, under: prefix) }
            blocks[top].tally.unlisted += block.unlisted
        }

        // MARK: Counting

        private mutating func commitPending() {
            yamlIndent = nil
            guard let point = pending else { return }
            pending = nil
            commit(point)
        }

        /// Counts `point` in the innermost block: as a leaf, or through its child block.
        private mutating func commit(_ point: Point) {
            let top = blocks.count - 1
            blocks[top].tally.points += 1
            if let child = point.child, child.totals.tests > 0 || child.failureCount > 0 {
                checkPlan(of: child, isRoot: false)
                blocks[top].tally.totals.add(child.totals)
                blocks[top].tally.failures += child.failures.map { renamed($0, under: point.name) }
                blocks[top].tally.unlisted += child.unlisted
                if point.outcome == .failed && child.failureCount == 0 {
                    blocks[top].tally.totals.count(.failed)
                    list(failure(for: point))
                }
                return
            }
            blocks[top].tally.totals.count(point.outcome)
            if point.outcome == .failed { list(failure(for: point)) }
        }

        /// Adds a new failure to the innermost block, or only counts it once the blocks
        /// hold `TestRun.failureListLimit`. The open blocks, outermost first, are in the
        /// order of the final list (a block's failures join its parent's after those
        /// already there), so the failures kept are the first ones of that list.
        private mutating func list(_ failure: Failure) {
            let top = blocks.count - 1
            let held = blocks.reduce(pending?.child?.failures.count ?? 0) { $0 + $1.tally.failures.count }
            if held < TestRun.failureListLimit {
                blocks[top].tally.failures.append(failure)
            } else {
                blocks[top].tally.unlisted += 1
            }
        }

        private func failure(for point: Point) -> Failure {
            let yaml = point.diagnostics.text
            let fields = Diagnostics(yaml: yaml)
            return Failure(name: point.name, file: fields.file, line: fields.line,
                           message: fields.message ?? "", details: yaml)
        }

        private func renamed(_ failure: Failure, under parent: String) -> Failure {
            var copy = failure
            copy.name = parent + " > " + failure.name
            return copy
        }

        private mutating func checkPlan(of block: Tally, isRoot: Bool) {
            guard let plan = block.plan else {
                if isRoot && block.points > 0 { warnings.append("no plan line (1..N): the output may be incomplete") }
                return
            }
            if plan != block.points {
                let label = isRoot ? "" : " of subtest \"\(block.header ?? "?")\""
                warnings.append("the plan\(label) says \(plan) test(s) but \(block.points) ran")
            }
        }
    }
}

// MARK: - Line syntax

extension TAPParser {
    /// Recognizers for single TAP lines, on their text without indentation.
    enum Syntax {
        enum Directive { case none, skip, todo }

        struct TestPoint {
            var ok: Bool
            var number: Int?
            /// Unescaped, without the directive and node-tap's `# time=…`.
            var description: String
            var directive: Directive
            /// `ok 1 - name {`: node-tap's buffered subtest follows.
            var opensBuffer: Bool
        }

        struct Plan {
            var start: Int
            var end: Int
            var isValid: Bool { start == 1 }
            var count: Int { max(0, end - start + 1) }
        }

        static func indentation(_ line: Substring) -> Int {
            var count = 0
            for byte in line.utf8 {
                if byte == 32 { count += 1 } else if byte == 9 { count += 4 - count % 4 } else { break }
            }
            return count
        }

        static func isVersion(_ content: Substring) -> Bool {
            guard let first = content.utf8.first, first | 0x20 == UInt8(ascii: "t") else { return false }
            return content.utf8.count >= 11 && content.prefix(11).lowercased() == "tap version"
        }

        /// `1..N`, optionally followed by whitespace and a comment (`1..0 # SKIP why`).
        static func plan(_ content: Substring) -> Plan? {
            guard let first = content.utf8.first, first >= 48 && first <= 57, let dots = content.find("..") else { return nil }
            let head = content[..<dots.lowerBound]
            let rest = content[dots.upperBound...]
            let second = rest.prefix { $0.isASCII && $0.isNumber }
            guard head.allSatisfy({ $0.isASCII && $0.isNumber }), !second.isEmpty,
                  let start = Int(head), let end = Int(second) else { return nil }
            let tail = rest.dropFirst(second.count)
            guard tail.isEmpty || tail.first == " " || tail.first == "\t" || tail.first == "#" else { return nil }
            return Plan(start: start, end: end)
        }

        /// `ok`/`not ok`, an optional number, an optional `-`, the description and directive.
        static func testPoint(_ content: Substring) -> TestPoint? {
            let ok: Bool
            if content.begins(with: "ok") { ok = true } else if content.begins(with: "not ok") { ok = false } else { return nil }
            // Byte offsets: where the number and the description start, where the text ends.
            let parts = content.withBytes { bytes -> (number: Range<Int>, text: Range<Int>, opensBuffer: Bool)? in
                let isBlank: (UInt8) -> Bool = { $0 == 32 || $0 == 9 }
                var index = ok ? 2 : 6
                guard index == bytes.count || isBlank(bytes[index]) else { return nil }
                while index < bytes.count && isBlank(bytes[index]) { index += 1 }
                let numberStart = index
                while index < bytes.count && bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
                var number = numberStart..<index
                if index < bytes.count && !isBlank(bytes[index]) { number = numberStart..<numberStart; index = numberStart }
                while index < bytes.count && isBlank(bytes[index]) { index += 1 }
                if index < bytes.count && bytes[index] == UInt8(ascii: "-") && (index + 1 == bytes.count || isBlank(bytes[index + 1])) {
                    index += 1
                    while index < bytes.count && isBlank(bytes[index]) { index += 1 }
                }
                var end = bytes.count
                let opensBuffer = end > index && bytes[end - 1] == UInt8(ascii: "{") && (end - 1 == index || isBlank(bytes[end - 2]))
                if opensBuffer {
                    end -= 1
                    while end > index && isBlank(bytes[end - 1]) { end -= 1 }
                }
                return (number, index..<end, opensBuffer)
            }
            guard let parts else { return nil }
            let number = parts.number.isEmpty ? nil
                : Int(content[content.index(atByteOffset: parts.number.lowerBound)..<content.index(atByteOffset: parts.number.upperBound)])
            let text = content[content.index(atByteOffset: parts.text.lowerBound)..<content.index(atByteOffset: parts.text.upperBound)]
            let (description, directive) = splitDirective(text)
            return TestPoint(ok: ok, number: number, description: description, directive: directive, opensBuffer: parts.opensBuffer)
        }

        /// Splits `desc # SKIP why` at the first unescaped `#` that starts the description or
        /// follows whitespace and introduces a directive (or node-tap's `time=`); `\#` and
        /// `\\` are escapes.
        static func splitDirective(_ text: Substring) -> (String, Directive) {
            let cut = text.withBytes { bytes -> (end: Int, directive: Directive)? in
                let isBlank: (UInt8) -> Bool = { $0 == 32 || $0 == 9 }
                var escaped = false
                for index in bytes.indices {
                    let byte = bytes[index]
                    if escaped { escaped = false; continue }
                    if byte == UInt8(ascii: "\\") { escaped = true; continue }
                    guard byte == UInt8(ascii: "#"), index == 0 || isBlank(bytes[index - 1]) else { continue }
                    var start = index + 1
                    while start < bytes.count && isBlank(bytes[start]) { start += 1 }
                    let word = String(decoding: bytes[start..<Swift.min(start + 5, bytes.count)], as: UTF8.self).lowercased()
                    if word.hasPrefix("skip") { return (index, .skip) }
                    if word.hasPrefix("todo") { return (index, .todo) }
                    if word == "time=" { return (index, .none) }
                }
                return nil
            }
            let kept = cut.map { text[..<text.index(atByteOffset: $0.end)] } ?? text
            return (unescape(kept.trimmingSpaces()), cut?.directive ?? .none)
        }

        /// `\#` → `#` and `\\` → `\` (TAP 14's escapes, used in descriptions and bail-out reasons).
        static func unescape(_ text: Substring) -> String {
            guard text.withBytes({ $0.contains(UInt8(ascii: "\\")) }) else { return String(text) }
            var out = ""
            var escaped = false
            for character in text {
                if escaped {
                    if character != "#" && character != "\\" { out.append("\\") }
                    out.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    out.append(character)
                }
            }
            if escaped { out.append("\\") }
            return out
        }
    }
}

// MARK: - YAML diagnostics

extension TAPParser {
    /// The few fields of a YAML diagnostics block that say why and where: `message`
    /// (node-tap, TAP 13) or `error` (node's runner); `at` (a mapping with `file`/`line`, or
    /// a `file:line:col` string), `location`, `file` and `line`. Only top-level keys and
    /// their direct children are read; this is not a YAML parser.
    struct Diagnostics {
        var message: String?
        var file: String?
        var line: Int?

        init(yaml: String) {
            guard !yaml.isEmpty else { return }
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            var index = 0
            while index < lines.count {
                let entry = lines[index]
                index += 1
                guard let colon = entry.firstIndex(of: ":"), !entry.hasPrefix(" ") else { continue }
                let key = entry[..<colon]
                let value = entry[entry.index(after: colon)...].trimmingSpaces()
                switch key {
                case "message", "error":
                    if message == nil { message = Self.scalar(value, continuation: lines, from: &index) }
                case "at", "location":
                    if value.isEmpty {
                        readMapping(lines, from: &index)
                    } else {
                        setLocation(Self.unquote(value))
                    }
                case "file":
                    if file == nil { file = Self.unquote(value) }
                case "line":
                    if line == nil { line = Int(value) }
                default:
                    break
                }
            }
        }

        /// `file:` and `line:` nested under `at:`.
        private mutating func readMapping(_ lines: [Substring], from index: inout Int) {
            while index < lines.count, lines[index].hasPrefix(" ") {
                let entry = lines[index].trimmingSpaces()
                index += 1
                if entry.hasPrefix("file:") && file == nil { file = Self.unquote(entry.dropFirst(5).trimmingSpaces()) }
                if entry.hasPrefix("line:") && line == nil { line = Int(entry.dropFirst(5).trimmingSpaces()) }
            }
        }

        /// `path/to/file.js:12:5`, possibly inside `Object.<anonymous> (…)`.
        private mutating func setLocation(_ value: String) {
            var text = Substring(value)
            if text.hasSuffix(")"), let open = text.lastIndex(of: "(") {
                text = text[text.index(after: open)..<text.index(before: text.endIndex)]
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2 else { return }
            let numeric = parts.reversed().prefix { Int($0) != nil }
            guard let lineText = numeric.reversed().first, let number = Int(lineText) else { return }
            let fileParts = parts.dropLast(numeric.count)
            guard !fileParts.isEmpty else { return }
            if file == nil { file = fileParts.joined(separator: ":") }
            if line == nil { line = number }
        }

        /// A one-line scalar, or the first non-empty line of a block scalar (`|`, `|-`, `>`).
        private static func scalar(_ value: Substring, continuation lines: [Substring], from index: inout Int) -> String {
            if value.first == "|" || value.first == ">" {
                var first: String?
                while index < lines.count, lines[index].isEmpty || lines[index].hasPrefix(" ") {
                    let text = lines[index].trimmingSpaces()
                    if first == nil && !text.isEmpty { first = String(text) }
                    index += 1
                }
                return first ?? ""
            }
            return unquote(value)
        }

        static func unquote(_ value: Substring) -> String {
            if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
                let inner = value.dropFirst().dropLast()
                return first == "'" ? inner.replacingOccurrences(of: "''", with: "'") : String(inner)
            }
            return String(value)
        }
    }
}

