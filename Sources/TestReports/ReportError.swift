/// Why a report could not be read: one line that names the file and the problem.
public struct ReportError: Error, Sendable, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "\(path): \(problem)" }
}
