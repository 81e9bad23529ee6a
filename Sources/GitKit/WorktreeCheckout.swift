import Foundation
import Synchronization
internal import CGit2

/// Writes a commit's files into a new, empty work tree on several threads, then builds
/// the index from what was written.
///
/// libgit2's checkout runs on one thread and takes a lock for every pack access, so for
/// large trees it was slower than `git worktree add`. When no filter can apply (see
/// `Repository.checkoutNeedsFilters`), a file's bytes are exactly its blob, so the work
/// splits cleanly: each thread opens its own `git_repository` (libgit2 objects are not
/// shared between threads), reads its share of the blobs and writes them. The index is
/// then made from the tree with each file's `lstat` data, so `git status` finds it clean
/// without re-reading a single file. Symlinks and submodule directories are written as
/// git writes them.
struct WorktreeCheckout {
    /// One path of the tree: a file, a symlink or a submodule (gitlink).
    struct Entry {
        var path: String
        var mode: UInt32
        var id: git_oid
    }

    static let fileMode: UInt32 = 0o100644
    static let executableMode: UInt32 = 0o100755
    static let symlinkMode: UInt32 = 0o120000
    static let gitlinkMode: UInt32 = 0o160000

    let worktree: Repository
    let workDirectory: String

    /// Writes a tree's `entries` (from `entries(of:)`) into the empty work tree of `worktree`,
    /// and its index.
    static func run(_ worktree: Repository, entries: [Entry]) throws {
        guard let workDirectory = worktree.workingDirectory else {
            throw GitError(.worktreeAdd, .bareRepository, "the new worktree has no work tree")
        }
        try WorktreeCheckout(worktree: worktree, workDirectory: workDirectory).checkout(entries)
    }

    private func checkout(_ entries: [Entry]) throws {
        try makeDirectories(for: entries)
        let written = try writeInParallel(entries)
        try writeIndex(entries, written)
    }

    // MARK: Reading the tree

    /// Every file, symlink and submodule of `tree`, in the tree's (and the index's) order.
    static func entries(of tree: OpaquePointer) throws -> [Entry] {
        final class Collector { var entries: [Entry] = [] }
        let collector = Collector()
        let rc = withExtendedLifetime(collector) {
            git_tree_walk(tree, GIT_TREEWALK_PRE, { root, entry, payload in
                let collector = Unmanaged<Collector>.fromOpaque(payload!).takeUnretainedValue()
                guard let entry, git_tree_entry_type(entry) != GIT_OBJECT_TREE else { return 0 }
                let path = String(cString: root!) + String(cString: git_tree_entry_name(entry))
                collector.entries.append(Entry(path: path, mode: git_tree_entry_filemode(entry).rawValue,
                                               id: git_tree_entry_id(entry).pointee))
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        try check(rc, .worktreeAdd, context: "reading the tree")
        return collector.entries
    }

    // MARK: Writing files

    private func fullPath(_ entry: Entry) -> String { workDirectory + entry.path }

    /// Creates every directory the files need (and submodules' empty directories), parents first.
    private func makeDirectories(for entries: [Entry]) throws {
        var directories = Set<String>()
        for entry in entries {
            if entry.mode == Self.gitlinkMode { directories.insert(entry.path) }
            var path = Substring(entry.path)
            while let slash = path.lastIndex(of: "/") {
                path = path[..<slash]
                guard directories.insert(String(path)).inserted else { break }
            }
        }
        for directory in directories.sorted(by: { $0.utf8.count < $1.utf8.count }) {
            if mkdir(workDirectory + directory, 0o777) != 0 && errno != EEXIST {
                throw posixError("creating directory '\(directory)'")
            }
        }
    }

    /// Splits the files into one contiguous run per thread (neighbours in a tree are
    /// often neighbours in the pack) and writes them; returns `lstat` data by entry index.
    private func writeInParallel(_ entries: [Entry]) throws -> [stat?] {
        let files = entries.indices.filter { entries[$0].mode != Self.gitlinkMode }
        let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, files.count / 500))
        let results = Mutex<[Int: stat]>([:])
        let firstError = Mutex<GitError?>(nil)
        let done = DispatchGroup()
        let chunk = (files.count + threads - 1) / max(threads, 1)
        let gitDirectory = worktree.gitDirectory
        let shared = UncheckedSendable((self, entries))
        for start in stride(from: 0, to: files.count, by: max(chunk, 1)) {
            let share = Array(files[start..<min(start + chunk, files.count)])
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let stats = try shared.value.0.write(share, of: shared.value.1, repository: gitDirectory)
                    results.withLock { $0.merge(stats) { $1 } }
                } catch let error as GitError {
                    firstError.withLock { $0 = $0 ?? error }
                } catch {
                    firstError.withLock { $0 = $0 ?? GitError(.worktreeAdd, .libgit2, "\(error)") }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
        if let error = firstError.withLock({ $0 }) { throw error }
        let stats = results.withLock { $0 }
        return entries.indices.map { stats[$0] }
    }

    /// Writes the files at `indices`, reading blobs through a repository of this thread's own.
    private func write(_ indices: [Int], of entries: [Entry], repository gitDirectory: String) throws -> [Int: stat] {
        var repo: OpaquePointer?
        try check(git_repository_open(&repo, gitDirectory), .worktreeAdd, context: "'\(gitDirectory)'")
        defer { git_repository_free(repo) }
        var stats: [Int: stat] = [:]
        stats.reserveCapacity(indices.count)
        for index in indices {
            let entry = entries[index]
            var id = entry.id
            var blob: OpaquePointer?
            try check(git_blob_lookup(&blob, repo, &id), .worktreeAdd, context: "blob of '\(entry.path)'")
            defer { git_blob_free(blob) }
            let bytes = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
            let path = fullPath(entry)
            if entry.mode == Self.symlinkMode {
                let target = String(decoding: bytes, as: UTF8.self)
                if symlink(target, path) != 0 { throw posixError("creating symlink '\(entry.path)'") }
            } else {
                try writeFile(path, bytes, executable: entry.mode == Self.executableMode, name: entry.path)
            }
            var status = stat()
            if lstat(path, &status) != 0 { throw posixError("reading back '\(entry.path)'") }
            stats[index] = status
        }
        return stats
    }

    private func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer, executable: Bool, name: String) throws {
        // The umask trims these, as it does for git.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, executable ? 0o777 : 0o666)
        if fd < 0 { throw posixError("creating '\(name)'") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw posixError("writing '\(name)'")
            }
            offset += n
        }
    }

    // MARK: The index

    /// Replaces the worktree's index with the tree's entries and the written files' stat data.
    private func writeIndex(_ entries: [Entry], _ written: [stat?]) throws {
        var index: OpaquePointer?
        try check(git_repository_index(&index, worktree.pointer), .worktreeAdd, context: "opening the index")
        defer { git_index_free(index) }
        try check(git_index_clear(index), .worktreeAdd, context: "clearing the index")
        for (position, entry) in entries.enumerated() {
            var indexEntry = git_index_entry()
            indexEntry.mode = entry.mode
            indexEntry.id = entry.id
            if let status = written[position] {
                // The index keeps 32-bit fields; git truncates the same way.
                indexEntry.ctime = git_index_time(seconds: Int32(truncatingIfNeeded: status.st_ctim.tv_sec),
                                                  nanoseconds: UInt32(truncatingIfNeeded: status.st_ctim.tv_nsec))
                indexEntry.mtime = git_index_time(seconds: Int32(truncatingIfNeeded: status.st_mtim.tv_sec),
                                                  nanoseconds: UInt32(truncatingIfNeeded: status.st_mtim.tv_nsec))
                indexEntry.dev = UInt32(truncatingIfNeeded: status.st_dev)
                indexEntry.ino = UInt32(truncatingIfNeeded: status.st_ino)
                indexEntry.uid = status.st_uid
                indexEntry.gid = status.st_gid
                indexEntry.file_size = UInt32(truncatingIfNeeded: status.st_size)
            }
            let rc = entry.path.withCString { path in
                indexEntry.path = path
                return git_index_add(index, &indexEntry)
            }
            try check(rc, .worktreeAdd, context: "adding '\(entry.path)' to the index")
        }
        try check(git_index_write(index), .worktreeAdd, context: "writing the index")
    }

    private func posixError(_ what: String) -> GitError {
        GitError(.worktreeAdd, .libgit2, "\(what): \(String(cString: strerror(errno)))",
                 hint: "Check the disk space and permissions of the worktree directory")
    }
}
