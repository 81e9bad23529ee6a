// Two glibc calls that Swift's Glibc module hides: they are declared only under _GNU_SOURCE.
import Glibc

/// `accept4(2)` and `pipe2(2)`, looked up by name (every glibc has them). Both set O_CLOEXEC
/// atomically: a child spawned by another thread in between must not inherit the descriptor, or the
/// connection or pipe it holds would never see EOF (and a "dead" server would still look alive).
enum GNU {
    private typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32

    /// Accepts a connection whose descriptor is close-on-exec.
    static func acceptCloseOnExec(_ listener: Int32) -> Int32 {
        let accept4 = unsafeBitCast(symbol("accept4"), to: Accept4.self)
        return accept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
    }

    /// A pipe whose two ends are close-on-exec: `[read, write]`, or nil on failure.
    static func pipeCloseOnExec() -> [Int32]? {
        let pipe2 = unsafeBitCast(symbol("pipe2"), to: Pipe2.self)
        var ends: [Int32] = [-1, -1]
        return pipe2(&ends, O_CLOEXEC) == 0 ? ends : nil
    }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer {
        guard let address = dlsym(dlopen(nil, RTLD_NOW), name) else {
            fatalError("glibc without \(name)")
        }
        return address
    }
}
