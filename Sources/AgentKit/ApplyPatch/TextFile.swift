import Foundation

/// A text file as bytes and line ranges, remembering what a rewrite must keep: each line's
/// own ending (so CRLF files stay CRLF, and mixed files keep their mix), whether the last line
/// ended with a newline, and a UTF-8 byte-order mark. Lines are byte ranges rather than
/// strings so that matching and rewriting a large file copy and compare bytes only.
struct TextFile {
    enum Ending: Equatable {
        case lf, crlf
        /// Only the last line of a file that does not end with a newline.
        case none
    }

    let bytes: [UInt8]
    /// Each line's bytes in `bytes`, without its ending.
    private(set) var lines: [Range<Int>] = []
    private(set) var endings: [Ending] = []
    private(set) var hasByteOrderMark = false
    /// The ending of most lines, given to added lines.
    private(set) var majorityEnding = Ending.lf
    /// False when the last line has no newline; an empty file counts as ending with one, so
    /// that lines added to it get newlines.
    private(set) var endsWithNewline = true

    /// Nil when `bytes` are not UTF-8 text.
    init?(_ bytes: [UInt8]) {
        self.bytes = bytes
        let valid = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
        guard valid else { return nil }
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            hasByteOrderMark = true
            start = 3
        }
        var crlf = 0
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            while start < buffer.count {
                guard let found = memchr(base + start, 0x0A, buffer.count - start) else {
                    // The last line, without a newline.
                    lines.append(start..<buffer.count)
                    endings.append(.none)
                    endsWithNewline = false
                    return
                }
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if newline > start, buffer[newline - 1] == 0x0D {
                    lines.append(start..<newline - 1)
                    endings.append(.crlf)
                    crlf += 1
                } else {
                    lines.append(start..<newline)
                    endings.append(.lf)
                }
                start = newline + 1
            }
        }
        let newlines = endsWithNewline ? lines.count : lines.count - 1
        majorityEnding = newlines > 0 && crlf * 2 > newlines ? .crlf : .lf
    }

    /// A line's text, for messages.
    func text(of line: Int) -> String {
        String(decoding: bytes[lines[line]], as: UTF8.self)
    }

    /// A piece of a new version: a run of this file's lines (which keep their endings), or a
    /// new line.
    enum OutputLine {
        case original(Range<Int>)
        case added(String)
    }

    /// The bytes of a new version made of `output`, keeping the original's endings, byte-order
    /// mark and final-newline state.
    func render(_ output: [OutputLine]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 8 + 64)
        if hasByteOrderMark { result.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        for (number, piece) in output.enumerated() {
            var ending: Ending
            switch piece {
            case .original(let run):
                guard let last = run.last else { continue }
                // All but the run's last line, endings included, are one slice of the file.
                result.append(contentsOf: bytes[lines[run.lowerBound].lowerBound..<lines[last].lowerBound])
                result.append(contentsOf: bytes[lines[last]])
                // A line that was last (no ending) and is no longer gets the file's usual ending.
                ending = endings[last] == .none ? majorityEnding : endings[last]
            case .added(let text):
                result.append(contentsOf: text.utf8)
                ending = majorityEnding
            }
            // The last line has a newline exactly when the original's last line had one.
            if number == output.count - 1, !endsWithNewline { ending = .none }
            switch ending {
            case .lf: result.append(0x0A)
            case .crlf: result.append(contentsOf: [0x0D, 0x0A])
            case .none: break
            }
        }
        return result
    }
}
