internal import CGit2

/// A git object name (SHA-1), kept as its 40-character lowercase hex form.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    /// Accepts a full 40-character hex object name; returns nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) })
        else { return nil }
        self.hex = hex.lowercased()
    }

    init(_ oid: git_oid) {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    init(_ pointer: UnsafePointer<git_oid>) { self.init(pointer.pointee) }

    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    /// All zeros: git's name for "no object", used for refs that do not exist.
    public static let zero = ObjectID(hex: String(repeating: "0", count: 40))!
    public var isZero: Bool { self == .zero }

    public var short: String { String(hex.prefix(10)) }
    public var description: String { hex }
}
