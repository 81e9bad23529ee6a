// glibc calls that Swift's Glibc module hides: <spawn.h> and <unistd.h> declare them only under
// _GNU_SOURCE, so they are looked up by name.
import Glibc

enum GNU {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                 UnsafePointer<CChar>?) -> Int32
    private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// `POSIX_SPAWN_SETSID` (0x80 in <spawn.h>, glibc 2.26 and later): the child calls setsid().
    static let spawnSetSession: Int32 = 0x80

    /// A pipe whose two ends are close-on-exec, set atomically: a child spawned by another thread
    /// in between must not inherit it, or the reader would never see EOF. `flags` may add O_NONBLOCK.
    static func pipe(flags: Int32 = 0) -> (read: Int32, write: Int32)? {
        guard let address = symbol("pipe2") else { return nil }
        let pipe2 = unsafeBitCast(address, to: Pipe2.self)
        var ends: [Int32] = [-1, -1]
        return pipe2(&ends, O_CLOEXEC | flags) == 0 ? (ends[0], ends[1]) : nil
    }

    /// Adds a chdir to the child's file actions (glibc 2.29 and later): 0 when added, an error
    /// number when refused, nil when this glibc lacks the call.
    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ path: String) -> Int32? {
        guard let address = symbol("posix_spawn_file_actions_addchdir_np") else { return nil }
        let addChdir = unsafeBitCast(address, to: AddChdir.self)
        return path.withCString { addChdir(&actions, $0) }
    }

    /// Closes every descriptor from `lowest` up in the child (glibc 2.34 and later): descriptors
    /// that other code in the bot opened without O_CLOEXEC must not reach a command. Returns
    /// false on an older glibc, where only the close-on-exec flags protect them.
    @discardableResult
    static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Bool {
        guard let address = symbol("posix_spawn_file_actions_addclosefrom_np") else { return false }
        let addClosefrom = unsafeBitCast(address, to: AddClosefrom.self)
        return addClosefrom(&actions, lowest) == 0
    }

    /// A glibc function by name; a nil handle is RTLD_DEFAULT (the process's global scope).
    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(nil, name)
    }
}
