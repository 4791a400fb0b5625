// Typed access to a request's `arguments`: a missing required field or one of the wrong JSON type
// is a RequestError naming the field, which the adapter answers with `success: false`.
//
// Every number a client sends is checked here against the range its use allows (`Range`), before
// any conversion or arithmetic: Swift traps on an Int32(...) of 2^31 or an overflowing +, and a
// trap ends swrr-dap (measured: threadId 2147483648 in stackTrace killed it with SIGILL). So
// handlers read numbers only through the range-taking accessors and may then convert and add
// without checks of their own.
import Foundation

/// An error answered to the client as `success: false` with this message.
public struct RequestError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct Arguments {
    public let object: JSONObject
    /// The command, for messages ("launch: 'program' must be a string").
    let command: String

    public init(_ object: JSONObject, command: String) {
        self.object = object
        self.command = command
    }

    public func has(_ key: String) -> Bool {
        if let v = object[key], !(v is NSNull) { return true }
        return false
    }

    private func wrong(_ key: String, _ what: String) -> RequestError {
        RequestError("\(command): '\(key)' must be \(what)")
    }

    private func missing(_ key: String) -> RequestError {
        RequestError("\(command): the argument '\(key)' is required")
    }

    public func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = object[key] as? String else { throw wrong(key, "a string") }
        return s
    }

    /// A source path, a `file://` URI accepted too (Sources.localPath).
    public func sourcePath(_ key: String = "path") throws -> String? {
        try string(key).map(Sources.localPath)
    }

    public func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw missing(key) }
        return s
    }

    public func bool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let n = object[key] as? NSNumber, IncomingMessage.isBoolean(n) else {
            throw wrong(key, "true or false")
        }
        return n.boolValue
    }

    /// The ranges numeric arguments are checked against.
    public enum Range {
        /// Thread ids are Linux tids: positive 32-bit (pid_t).
        public static let threadID = 1...Int(Int32.max)
        /// Counts, indexes and line numbers: small enough that adding two never overflows.
        public static let count = 0...Int(Int32.max)
        /// Handles swrr-dap handed out (frames, variables, goto targets, events) and byte
        /// offsets, which are only compared, looked up or added with wrapping arithmetic.
        public static let any = Int.min...Int.max
    }

    /// An integer within `range`; a value outside it is an error naming the range.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard has(key) else { return nil }
        guard let n = IncomingMessage.integer(object[key]) else { throw wrong(key, "an integer") }
        guard range.contains(n) else { throw wrong(key, "an integer from \(range.lowerBound) to \(range.upperBound)") }
        return n
    }

    public func requiredInteger(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let n = try integer(key, in: range) else { throw missing(key) }
        return n
    }

    /// A required thread id, as the tid type the replay uses.
    public func threadID(_ key: String = "threadId") throws -> Int32 {
        Int32(try requiredInteger(key, in: Range.threadID))   // in range: cannot trap
    }

    public func strings(_ key: String) throws -> [String]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any], let s = a as? [String], s.count == a.count else {
            throw wrong(key, "an array of strings")
        }
        return s
    }

    public func objects(_ key: String) throws -> [JSONObject]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any], let o = a as? [JSONObject], o.count == a.count else {
            throw wrong(key, "an array of objects")
        }
        return o
    }

    public func object(_ key: String) throws -> JSONObject? {
        guard has(key) else { return nil }
        guard let o = object[key] as? JSONObject else { throw wrong(key, "an object") }
        return o
    }

    public func requiredObject(_ key: String) throws -> JSONObject {
        guard let o = try object(key) else { throw missing(key) }
        return o
    }

    /// An object whose values are strings (or null, which DAP uses to unset a variable).
    public func stringMap(_ key: String) throws -> [String: String?]? {
        guard let o = try object(key) else { return nil }
        var out: [String: String?] = [:]
        for (k, v) in o {
            if v is NSNull { out[k] = .some(nil); continue }
            guard let s = v as? String else { throw wrong(key, "an object of strings") }
            out[k] = s
        }
        return out
    }
}
