extension ConsoleLogParser {
    /// What every tool's recognizer adds to: the totals and the failures, listed once per id.
    struct Collector {
        var totals = Totals()
        var warnings: [String] = []
        /// Whether any line was a test tool's.
        var recognized = false
        private var list = FailureList()
        /// Distinct failures added, listed or not, by framework.
        private var failureCounts: [Framework: Int] = [:]

        /// The listed failures: at most `TestRun.failureListLimit`.
        var failures: [FailingTest] { list.failures }
        /// Failures added past `TestRun.failureListLimit`: counted once per id, not listed.
        var unlistedFailures: Int { list.unlistedCount }

        /// Whether a failure with this id was added (listed or only counted).
        func contains(_ id: String) -> Bool { list.contains(id) }

        /// Whether a failure with this id is listed, so that details for it are kept.
        func isListed(_ id: String) -> Bool { list.isListed(id) }

        /// Whether further new failures will only be counted.
        var isFull: Bool { list.isFull }

        /// How many distinct failures of `framework` were added, listed or not.
        func failureCount(of framework: Framework) -> Int { failureCounts[framework] ?? 0 }

        /// Adds `failure`, or completes the one with the same id with what it lacks (and
        /// with its message, when `preferringMessage`). Past the list limit a new id is
        /// only counted.
        mutating func add(_ failure: FailingTest, preferringMessage: Bool = false) {
            if list.insert(failure) {
                if let framework = failure.framework { failureCounts[framework, default: 0] += 1 }
                return
            }
            list.update(failure.id) { known in
                if known.message.isEmpty || preferringMessage && !failure.message.isEmpty { known.message = failure.message }
                if known.file == nil { known.file = failure.file }
                if known.line == nil { known.line = failure.line }
                if failure.details.utf8.count > known.details.utf8.count { known.details = failure.details }
                if known.framework == nil { known.framework = failure.framework }
            }
        }

        /// Adds details, file, line and message to a failure already listed; false if none is.
        @discardableResult
        mutating func complete(id: String, message: String?, file: String?, line: Int?, details: String) -> Bool {
            list.update(id) { known in
                if let message, !message.isEmpty, known.message.isEmpty { known.message = message }
                if known.file == nil { known.file = file }
                if known.line == nil { known.line = line }
                if details.utf8.count > known.details.utf8.count { known.details = FailingTest.truncate(details) }
            }
        }
    }

    /// One run of one tool: the tests counted from per-test lines, and its summary line's.
    struct RunCounts {
        var fromLines = Totals()
        var fromSummary: Totals?
        /// vitest: the summary is complete where the per-test lines are not.
        var preferSummary = false

        var isEmpty: Bool { fromLines.tests == 0 && fromSummary == nil }

        /// Adds the run's totals (per-test lines, else summary) and starts a new run.
        mutating func flush(into collector: inout Collector) {
            if preferSummary, let summary = fromSummary {
                collector.totals.add(summary)
            } else if fromLines.tests > 0 {
                collector.totals.add(fromLines)
            } else if let summary = fromSummary {
                collector.totals.add(summary)
            }
            self = RunCounts(preferSummary: preferSummary)
        }
    }

    struct Result {
        var totals: Totals
        var failures: [FailingTest]
        var unlistedFailures: Int
        var warnings: [String]
        var recognized: Bool
    }
}
