import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations under the local forge: an exclusive lock, whole-file writes, checked reads.
/// All writes happen while the lock is held, so a temporary file seen by the lock holder was left
/// by a writer that crashed, and is removed.
enum RecordFiles {
    /// Why a file operation failed, with the path and the system's reason.
    struct Failure: Error {
        var path: String
        var message: String
    }

    static let lockName = ".lock"
    static let temporarySuffix = ".tmp"

    /// Runs `body` holding the exclusive flock(2) on `<directory>/.lock`, on a thread of its own
    /// (waiting for the lock must not block Swift's cooperative pool). The lock is released when
    /// its descriptor closes, also when the process dies.
    static func withLock<T: Sendable>(in directory: URL, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try makeDirectory(directory)
                    let path = directory.appendingPathComponent(lockName).path
                    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                    guard fd >= 0 else { throw Failure(path: path, message: "cannot open the lock file: \(systemError())") }
                    defer { close(fd) }
                    while flock(fd, LOCK_EX) != 0 {
                        guard errno == EINTR else { throw Failure(path: path, message: "cannot lock: \(systemError())") }
                    }
                    return try body()
                })
            }
        }
    }

    static func makeDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(path: directory.path, message: "cannot create the directory: \(error.localizedDescription)")
        }
    }

    /// Writes `text` to a temporary file beside `file`, flushes it to disk and renames it over
    /// `file`: readers see the old record or the new one, never half of one.
    static func writeAtomically(_ text: String, to file: URL) throws {
        let directory = file.deletingLastPathComponent()
        try makeDirectory(directory)
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString.prefix(8))\(temporarySuffix)")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(path: temporary.path, message: "cannot create: \(systemError())") }
        var renamed = false
        defer { if !renamed { unlink(temporary.path) } }
        do {
            defer { close(fd) }
            var bytes = Array(text.utf8)
            var written = 0
            try bytes.withUnsafeMutableBytes { buffer in
                guard let start = buffer.baseAddress else { return }
                while written < buffer.count {
                    let count = write(fd, start.advanced(by: written), buffer.count - written)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { throw Failure(path: temporary.path, message: "cannot write: \(systemError())") }
                    written += count
                }
            }
            guard fsync(fd) == 0 else { throw Failure(path: temporary.path, message: "cannot flush: \(systemError())") }
        }
        guard rename(temporary.path, file.path) == 0 else {
            throw Failure(path: file.path, message: "cannot replace: \(systemError())")
        }
        renamed = true
        // The rename itself reaches the disk when the directory is flushed.
        let directoryFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Removes temporary files a crashed writer left in `directory`. Call only with the lock held.
    static func removeLeftovers(in directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(temporarySuffix) {
            unlink(directory.appendingPathComponent(name).path)
        }
    }

    /// The text of `file`, checked to be a UTF-8 text file of at most `maxBytes`; nil when
    /// there is no such file.
    static func readText(_ file: URL, maxBytes: Int) throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { throw Failure(path: file.path, message: "is a directory, not a record file") }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            throw Failure(path: file.path, message: "cannot be read: \(error.localizedDescription)")
        }
        if data.count > maxBytes {
            throw Failure(path: file.path, message: "is larger than \(maxBytes >> 20) MB: not a record")
        }
        if data.isEmpty { throw Failure(path: file.path, message: "is empty (a record was cut or blanked)") }
        guard !data.contains(0), let text = String(validating: data, as: UTF8.self) else {
            throw Failure(path: file.path, message: "is not UTF-8 text")
        }
        return text
    }

    /// The numbers `N` of the files `N<suffix>` in `directory` (`3.md` → 3), ascending; other
    /// names (temporary files, notes people leave) are ignored. Empty when there is no directory.
    static func numberedEntries(in directory: URL, suffix: String) throws -> [Int] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw Failure(path: directory.path, message: "cannot be listed: \(error.localizedDescription)")
        }
        return names.compactMap { name -> Int? in
            guard name.hasSuffix(suffix) else { return nil }
            let digits = name.dropLast(suffix.count)
            guard let first = digits.first, first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits), number > 0 else {
                return nil
            }
            return number
        }.sorted()
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}
