// TCP sockets on 127.0.0.1 for the loopback servers and the tests: the one place that
// spells out sockaddr_in.
import Foundation
import Glibc

/// A failed socket call on 127.0.0.1, with the system's reason.
public struct LoopbackError: Error, CustomStringConvertible {
    public var description: String
    init(_ what: String, errno code: Int32 = errno) {
        description = "\(what) on 127.0.0.1: \(String(cString: strerror(code)))"
    }
}

public enum Loopback {
    /// A close-on-exec TCP socket bound to 127.0.0.1 on a port the kernel picked, listening
    /// when `listening` (bound but not listening, the kernel refuses connections to it and no
    /// one else can take the port meanwhile).
    public static func bind(listening: Bool = true) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                Glibc.bind(fd, generic, length) == 0 && (!listening || listen(fd, 64) == 0)
                    && getsockname(fd, generic, &length) == 0
            }
        }
        guard ok else {
            let error = LoopbackError(listening ? "listen" : "bind")
            close(fd)
            throw error
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A port that was free a moment ago (bound, read back, closed): for servers that
    /// take a port number rather than a socket, and for "nothing listens here" tests.
    public static func unusedPort() throws -> Int {
        let (fd, port) = try bind(listening: false)
        close(fd)
        return port
    }

    /// A port where connections are refused, held until `body` returns: a socket is bound there
    /// but never listens. Unlike a port from `unusedPort()`, no other test's server can take it
    /// meanwhile and answer instead (the suites run side by side).
    public static func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        let (fd, port) = try bind(listening: false)
        defer { close(fd) }
        return try await body(port)
    }

    /// A blocking, close-on-exec TCP connection to 127.0.0.1:`port` with TCP_NODELAY;
    /// nil, with `errno` set, when nothing accepts there.
    public static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopbackAddress(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let error = errno
            close(fd)
            errno = error
            return nil
        }
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Whether something accepts connections on 127.0.0.1:`port` right now.
    public static func isListening(port: Int) -> Bool {
        guard let fd = connect(port: port) else { return false }
        close(fd)
        return true
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(INADDR_LOOPBACK).bigEndian
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        return address
    }
}
