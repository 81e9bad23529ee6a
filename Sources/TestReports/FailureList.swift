/// The failures of a text report, listed once per id and at most `TestRun.failureListLimit`
/// of them, for the parsers that meet a test's failure more than once (a progress line,
/// then its details; a test run twice).
///
/// Memory: the listed failures and their ids, and for each distinct failing id past the
/// limit one hash (8 bytes, not the id) so that a failure seen again is not counted again.
/// That set is the one thing that grows with the log; exact counting needs it. Two ids
/// past the limit with the same 64-bit hash would be counted once (with a million such
/// failures, a chance of about 1 in 30 million).
struct FailureList {
    private(set) var failures: [FailingTest] = []
    private var positions: [String: Int] = [:]
    private var unlistedIDs = Set<Int>()

    /// Distinct failing ids counted but not listed.
    var unlistedCount: Int { unlistedIDs.count }

    var isFull: Bool { failures.count >= TestRun.failureListLimit }

    /// Whether a failure with this id was added, listed or not.
    func contains(_ id: String) -> Bool { positions[id] != nil || unlistedIDs.contains(id.hashValue) }

    /// Whether a failure with this id is listed.
    func isListed(_ id: String) -> Bool { positions[id] != nil }

    /// Lists `failure` (or, past the limit, counts it) when its id is new; returns false
    /// when a failure with that id was already added.
    @discardableResult
    mutating func insert(_ failure: FailingTest) -> Bool {
        if positions[failure.id] != nil { return false }
        if isFull { return unlistedIDs.insert(failure.id.hashValue).inserted }
        positions[failure.id] = failures.count
        failures.append(failure)
        return true
    }

    /// Changes the listed failure with this id; false when none is listed.
    @discardableResult
    mutating func update(_ id: String, _ change: (inout FailingTest) -> Void) -> Bool {
        guard let position = positions[id] else { return false }
        change(&failures[position])
        return true
    }
}
