extension ConsoleLogParser {
    /// `go test -v` text: `=== RUN`, `--- FAIL: TestX (0.00s)`, `    x_test.go:12: message`,
    /// and `FAIL\tpkg\t0.1s` / `ok  \tpkg\t0.1s`. The package line comes after its tests, so
    /// their results wait until it names their suite.
    struct GoVerbose {
        private struct Running {
            var output = BoundedText(limit: FailingTest.detailsLimit)
            var reason = GoTestJSONParser.FailureReason()
            var failedSubtests = 0
        }

        private var running: [String: Running] = [:]
        /// The test that `=== RUN/CONT/NAME` said is printing now.
        private var current: String?
        /// The test whose `--- FAIL` line came last: Go before 1.14 printed its log after it.
        private var lastFailure: String?
        private var pendingTotals = Totals()
        private var pendingFailures: [(name: String, test: Running)] = []
        /// Since the last package line, when go's lines were seen; else the last few lines.
        private var packageOutput = BoundedText(limit: FailingTest.detailsLimit)
        /// The last lines before go's first line (a package that panics in `init` prints no test).
        private var recentLines: [Substring] = []
        private var recentStart = 0
        private var active = false
        /// Compiler output after `# pkg`, kept until `FAIL pkg [build failed]`.
        private var buildOutput: [String: BoundedText] = [:]
        private var buildPackage: String?

        mutating func consume(_ line: Substring, _ collector: inout Collector) -> Bool {
            let content = line.droppingIndentation()
            guard let first = content.utf8.first else {
                buildPackage = nil
                return false
            }
            if first == UInt8(ascii: "="), content.begins(with: "=== "), marker(content) { return claim(&collector) }
            if first == UInt8(ascii: "-"), content.begins(with: "--- "), result(content) { return claim(&collector) }
            if content.startIndex == line.startIndex {
                if let package = Self.packageLine(content) {
                    buildPackage = nil
                    endPackage(package, &collector)
                    collector.recognized = true
                    return true
                }
                if active, content == "PASS" || content == "FAIL" || content.begins(with: "exit status ") { return true }
                if first == UInt8(ascii: "#"), let package = Self.buildHeader(content) {
                    buildPackage = package
                    return false
                }
            }
            if let package = buildPackage {
                if content.contains(".go:") || line.first == "\t" {
                    buildOutput[package, default: BoundedText(limit: FailingTest.detailsLimit)].appendLogLine(line)
                    return false
                }
                buildPackage = nil
            }
            output(line)
            return false
        }

        mutating func finish(_ collector: inout Collector) {
            guard active || !pendingFailures.isEmpty || pendingTotals.tests > 0 else { return }
            collector.warnings.append("go test -v: tests without a closing `ok`/`FAIL` package line (output cut short?)")
            endPackage(PackageLine(failed: !pendingFailures.isEmpty, package: "", rest: ""), &collector)
        }

        private mutating func claim(_ collector: inout Collector) -> Bool {
            active = true
            collector.recognized = true
            recentLines.removeAll()
            recentStart = 0
            buildPackage = nil
            return true
        }

        // MARK: Lines

        /// `=== RUN   TestX`, `=== CONT  TestX`, `=== PAUSE TestX`, `=== NAME  TestX`.
        private mutating func marker(_ content: Substring) -> Bool {
            let words = content.words(limit: 3)
            guard words.count == 3, ["RUN", "CONT", "PAUSE", "NAME"].contains(words[1]) else { return false }
            let name = String(words[2].trimmingSpaces())
            if words[1] == "RUN" { running[name] = Running() }
            current = name
            lastFailure = nil
            return true
        }

        /// `--- FAIL: TestX (0.01s)`, `--- PASS: …`, `--- SKIP: …`, at any indentation; a
        /// benchmark's has no time.
        private mutating func result(_ content: Substring) -> Bool {
            let outcome: Outcome
            if content.begins(with: "--- PASS: ") { outcome = .passed }
            else if content.begins(with: "--- FAIL: ") { outcome = .failed }
            else if content.begins(with: "--- SKIP: ") { outcome = .skipped }
            else { return content.begins(with: "--- BENCH: ") }
            var name = content.dropFirst(10)
            if let time = name.find(" (") { name = name[..<time.lowerBound] }
            let test = String(name.trimmingSpaces())
            let state = running.removeValue(forKey: test) ?? Running()
            if current == test { current = nil }
            lastFailure = nil
            pendingTotals.count(outcome)
            guard outcome == .failed else { return true }
            if let slash = test.lastIndex(of: "/") {
                let parent = String(test[..<slash])
                if let index = pendingFailures.lastIndex(where: { $0.name == parent }) {
                    pendingFailures[index].test.failedSubtests += 1
                } else {
                    running[parent]?.failedSubtests += 1
                }
            }
            var failed = state
            if pendingFailures.count >= TestRun.failureListLimit {  // only counted: no output kept (memory)
                failed.output = BoundedText(limit: FailingTest.detailsLimit)
            }
            pendingFailures.append((test, failed))
            lastFailure = test
            return true
        }

        /// A line of test output: to the test printing, else the package.
        private mutating func output(_ line: Substring) {
            if let name = current, running[name] != nil {
                running[name]?.output.appendLogLine(line)
                running[name]?.reason.read(line)
            } else if let name = lastFailure, line.first == "\t" || line.begins(with: "    "),
                      let index = pendingFailures.lastIndex(where: { $0.name == name }) {
                if index < TestRun.failureListLimit { pendingFailures[index].test.output.appendLogLine(line) }
                pendingFailures[index].test.reason.read(line)
            } else if active {
                packageOutput.appendLogLine(line)
            } else {
                if recentLines.count < 40 {
                    recentLines.append(line)
                } else {  // a ring: the oldest line is at recentStart
                    recentLines[recentStart] = line
                    recentStart = (recentStart + 1) % recentLines.count
                }
            }
        }

        // MARK: Packages

        struct PackageLine {
            var failed: Bool
            var package: String
            var rest: Substring
        }

        /// `ok  \tpkg\t0.1s`, `ok  \tpkg\t(cached)`, `FAIL\tpkg\t0.1s`, `FAIL\tpkg [build failed]`
        /// (tabs or, in older logs, spaces); `?   \tpkg\t[no test files]` is a package without tests.
        static func packageLine(_ content: Substring) -> PackageLine? {
            let failed: Bool
            var rest: Substring
            if content.begins(with: "ok ") || content.begins(with: "ok\t") {
                failed = false
                rest = content.dropFirst(2)
            } else if content.begins(with: "FAIL ") || content.begins(with: "FAIL\t") {
                failed = true
                rest = content.dropFirst(4)
            } else if content.begins(with: "?   ") || content.begins(with: "?\t") {
                failed = false
                rest = content.dropFirst(1)
            } else {
                return nil
            }
            let tabbed = rest.first == "\t" || rest.contains("\t")
            rest = rest.droppingIndentation()
            let token = rest.prefix { $0 != " " && $0 != "\t" }
            let after = rest.dropFirst(token.count).droppingIndentation()
            guard !token.isEmpty, token.first!.isLetter || token.first == "_" || token.first == ".",
                  !ConsoleLogParser.isJavaScriptFile(token) else { return nil }
            guard let next = after.first else { return tabbed ? PackageLine(failed: failed, package: String(token), rest: after) : nil }
            guard next.isNumber || next == "(" || next == "[" || after.begins(with: "coverage:") else { return nil }
            return PackageLine(failed: failed, package: String(token), rest: after)
        }

        /// `# example.com/pkg` or `# example.com/pkg [example.com/pkg.test]`: go's build output header.
        static func buildHeader(_ content: Substring) -> String? {
            guard content.begins(with: "# ") else { return nil }
            let words = content.dropFirst(2).split(separator: " ")
            guard let first = words.first, words.count == 1 || words.count == 2 && words[1].hasPrefix("["),
                  first.contains("/") || first.contains(".") || first.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else { return nil }
            return GoTestJSONParser.Stream.packageKey(String(first))
        }

        private mutating func endPackage(_ line: PackageLine, _ collector: inout Collector) {
            var failures = pendingFailures
            var totals = pendingTotals
            for name in running.keys.sorted() {
                guard line.failed, var test = running[name] else { totals.count(.passed); continue }
                totals.count(.failed)
                if test.reason.message == nil { test.reason.message = "the test did not finish (a panic or a timeout?)" }
                failures.append((name, test))
            }
            collector.totals.add(totals)
            for (name, test) in failures {
                var message = test.reason.message ?? ""
                if message.isEmpty && test.failedSubtests > 0 { message = "\(test.failedSubtests) subtest(s) failed" }
                collector.add(FailingTest(suite: line.package, name: name, file: test.reason.file, line: test.reason.line,
                                          outcome: .failed, message: message, details: test.output.text,
                                          framework: .goTest))
            }
            if line.failed && failures.isEmpty && !line.rest.contains("[no test files]") {
                addPackageFailure(line, &collector)
            }
            running.removeAll()
            pendingFailures.removeAll()
            pendingTotals = Totals()
            packageOutput = BoundedText(limit: FailingTest.detailsLimit)
            recentLines.removeAll()
            recentStart = 0
            current = nil
            lastFailure = nil
            active = false
        }

        private mutating func addPackageFailure(_ line: PackageLine, _ collector: inout Collector) {
            let build = (buildOutput.removeValue(forKey: line.package)
                ?? buildOutput.removeValue(forKey: line.package + "_test"))?.text ?? ""
            let recent = recentLines[recentStart...] + recentLines[..<recentStart]
            var output = active ? packageOutput.text : recent.joined(separator: "\n")
            output += (output.isEmpty ? "" : "\n") + "FAIL\t\(line.package) \(line.rest)"
            let reason = GoTestJSONParser.PackageFailureReason(buildOutput: build, packageOutput: output)
            var details = BoundedText(limit: FailingTest.detailsLimit)
            if !build.isEmpty { details.appendLogLine(build) }
            details.appendLogLine(output)
            collector.totals.count(.errored)
            collector.add(FailingTest(suite: line.package, name: GoTestJSONParser.packageTestName, file: reason.file,
                                      line: reason.line, outcome: .errored, message: reason.message,
                                      details: details.text, framework: .goTest))
        }
    }
}
