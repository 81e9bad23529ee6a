/// A reader for one XML report dialect, fed by `XMLScanner`.
protocol XMLReportReader: XMLEventHandler {
    init(path: String)
    /// The result, after the whole document was scanned.
    mutating func finish() throws -> TestRun
}

/// The XML formats: JUnit (and its many dialects), NUnit 2/3, xUnit.net and TRX. The
/// root element says which.
enum XMLReport {
    static func read(_ path: String, expected: ReportFormat) throws -> TestRun {
        let prefix = try FileChunks.prefix(of: path, count: Reports.detectionWindow)
        let format = formatOfRoot(rootElementName(prefix)) ?? expected
        switch format {
        case .nunit: return try scan(path, NUnitReader.self, format: .nunit)
        case .xunit: return try scan(path, XUnitReader.self, format: .xunit)
        case .trx: return try scan(path, TRXReader.self, format: .trx)
        default: return try scan(path, JUnitReader.self, format: .junit)
        }
    }

    private static func scan<R: XMLReportReader>(_ path: String, _ type: R.Type, format: ReportFormat) throws -> TestRun {
        var scanner = XMLScanner(path: path)
        var reader = R(path: path)
        try scanner.scan(&reader)
        var run = try reader.finish()
        run.warnings.insert(contentsOf: scanner.warnings, at: 0)
        run.sources = [TestRun.Source(path: path, format: format)]
        return run
    }

    /// The format a root element name stands for; nil when it is not a known report root.
    static func formatOfRoot(_ name: String?) -> ReportFormat? {
        switch name {
        case "testsuites", "testsuite", "testrun": .junit
        case "test-run", "test-results", "test-suite": .nunit
        case "assemblies", "assembly": .xunit
        case "TestRun": .trx
        default: nil
        }
    }

    /// The name of the first element in `bytes` after the prolog (declaration, comments,
    /// DOCTYPE), without any namespace prefix; nil when none is found there.
    static func rootElementName(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { buffer -> String? in
            var index = 0
            while let open = XMLScanner.find(60, in: buffer, from: index), open + 1 < buffer.count {
                let next = buffer[open + 1]
                if next == 63 || next == 33 {  // <? or <!: skip to its end
                    let close: Int?
                    if XMLScanner.matches(buffer, at: open, "<!--") {
                        close = XMLScanner.find([45, 45, 62], in: buffer, from: open + 4).map { $0 + 2 }
                    } else if XMLScanner.matches(buffer, at: open, "<!DOCTYPE") {
                        close = XMLScanner.doctypeEnd(buffer, from: open)
                    } else {
                        close = XMLScanner.find(62, in: buffer, from: open + 2)
                    }
                    guard let close else { return nil }
                    index = close + 1
                    continue
                }
                var end = open + 1
                while end < buffer.count, !XMLScanner.isSpace(buffer[end]), buffer[end] != 62, buffer[end] != 47 { end += 1 }
                let name = String(decoding: UnsafeBufferPointer(rebasing: buffer[(open + 1)..<end]), as: UTF8.self)
                return name.split(separator: ":").last.map(String.init)
            }
            return nil
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether these bytes spell `literal` (element names are ASCII).
    func equals(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard self.count == count else { return false }
        let pointer = literal.utf8Start
        for index in 0..<count where self[index] != pointer[index] { return false }
        return true
    }

    /// The name after any namespace prefix (`ns:testcase` → `testcase`).
    var localName: UnsafeBufferPointer<UInt8> {
        guard let colon = lastIndex(of: 58) else { return self }
        return UnsafeBufferPointer(rebasing: self[(colon + 1)...])
    }
}
