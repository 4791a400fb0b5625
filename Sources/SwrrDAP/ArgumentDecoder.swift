// Decodable request arguments from the `arguments` object as JSONSerialization parsed it. A field
// that is missing or of the wrong JSON type is an ArgumentError at its coding path, answered as
// "COMMAND CONTEXT: 'field' must be …" or "… the argument 'field' is required" (CONTEXT names the
// enclosing objects: "setBreakpoints breakpoints[0]: 'line' is required"), the messages clients
// and tests already see.
//
// Integers are read only through `decode(_:forKey:in:)`, which checks the range the use allows
// before any conversion: Swift traps on an Int32(...) of 2^31 or an overflowing +, and a trap
// ends swrr-dap (measured: threadId 2147483648 in stackTrace killed it with SIGILL).
// JSONSerialization's numbers are read as IncomingMessage.integer does (exact decimal text;
// booleans are not integers), so no Swift integer conversion of a client's number can trap.
import Foundation

/// A missing or ill-typed argument at `path`.
struct ArgumentError: Error {
    enum Problem { case missing, wrong(String) }
    let path: [CodingKey]
    let problem: Problem
}

public enum ArgumentDecoder {
    /// The arguments of `command` as `T`; a wrong field is a RequestError naming it.
    public static func decode<T: Decodable>(_ type: T.Type, from object: JSONObject, command: String) throws -> T {
        do {
            return try T(from: ValueDecoder(value: object, codingPath: [], inArray: false))
        } catch let e as ArgumentError {
            throw RequestError(message(e, command: command))
        } catch let e as DecodingError {
            // Only a Decodable written without this decoder's helpers gets here (a bug): still an answer.
            throw RequestError("\(command): \(e)")
        }
    }

    static func message(_ e: ArgumentError, command: String) -> String {
        var context = command
        var first = true
        for key in e.path.dropLast() {
            if let i = key.intValue { context += "[\(i)]" } else { context += (first ? " " : ".") + key.stringValue }
            first = false
        }
        let field = e.path.last?.stringValue ?? "arguments"
        switch e.problem {
        case .missing: return "\(context): the argument '\(field)' is required"
        case .wrong(let what): return "\(context): '\(field)' must be \(what)"
        }
    }
}

/// The ranges numeric arguments are checked against.
public enum ArgumentRange {
    /// Thread ids are Linux tids: positive 32-bit (pid_t).
    public static let threadID = 1...Int(Int32.max)
    /// Counts, indexes and line numbers: small enough that adding two never overflows.
    public static let count = 0...Int(Int32.max)
    /// Handles swrr-dap handed out (frames, variables, goto targets, events) and byte offsets,
    /// which are only compared, looked up or added with wrapping arithmetic.
    public static let any = Int.min...Int.max
}

struct ArgumentKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

/// A JSON value as JSONSerialization gives it; nil or NSNull is absent.
struct ValueDecoder: Decoder {
    let value: Any?
    let codingPath: [CodingKey]
    /// An element of an array: a wrong kind is reported on the array ("an array of objects").
    let inArray: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func wrong(_ what: String) -> ArgumentError {
        inArray ? ArgumentError(path: codingPath.dropLast(), problem: .wrong("an array of \(what)s"))
                : ArgumentError(path: codingPath, problem: .wrong("\(Self.article(what)) \(what)"))
    }

    static func article(_ what: String) -> String { "aeiou".contains(what.first ?? "x") ? "an" : "a" }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let object = value as? JSONObject else { throw wrong("object") }
        return KeyedDecodingContainer(ObjectContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        ArrayContainer(array: value as? [Any], codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { SingleValue(decoder: self) }

    var isNull: Bool { value == nil || value is NSNull }

    func string() throws -> String {
        guard let s = value as? String else { throw wrong("string") }
        return s
    }

    func bool() throws -> Bool {
        guard let n = value as? NSNumber, IncomingMessage.isBoolean(n) else {
            throw inArray ? wrong("boolean") : ArgumentError(path: codingPath, problem: .wrong("true or false"))
        }
        return n.boolValue
    }

    func integer(in range: ClosedRange<Int>) throws -> Int {
        guard let n = IncomingMessage.integer(value) else { throw wrong("integer") }
        guard range.contains(n) else {
            throw ArgumentError(path: codingPath,
                                problem: .wrong("an integer from \(range.lowerBound) to \(range.upperBound)"))
        }
        return n
    }
}

struct ObjectContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [CodingKey]
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        if let v = object[key.stringValue], !(v is NSNull) { return true }
        return false
    }

    func field(_ key: Key) -> ValueDecoder {
        ValueDecoder(value: object[key.stringValue], codingPath: codingPath + [key], inArray: false)
    }

    func present(_ key: Key) throws -> ValueDecoder {
        guard contains(key) else { throw ArgumentError(path: codingPath + [key], problem: .missing) }
        return field(key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try present(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try present(key).string() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try present(key).integer(in: ArgumentRange.any) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { throw unsupported(key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw unsupported(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { throw unsupported(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { throw unsupported(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { throw unsupported(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { throw unsupported(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { throw unsupported(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { throw unsupported(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { throw unsupported(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { throw unsupported(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { throw unsupported(key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: try present(key)) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> { try present(key).container(keyedBy: type) }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try present(key).unkeyedContainer() }
    func superDecoder() throws -> Decoder { ValueDecoder(value: object, codingPath: codingPath, inArray: false) }
    func superDecoder(forKey key: Key) throws -> Decoder { field(key) }

    /// Other number types would bypass the range check: arguments use `decode(_:forKey:in:)`.
    private func unsupported(_ key: Key) -> ArgumentError {
        ArgumentError(path: codingPath + [key], problem: .wrong("an integer read with a range (swrr-dap bug)"))
    }
}

/// An array's elements. A value that is not an array fails at the first element read, where the
/// element type says what was expected ("'args' must be an array of strings").
struct ArrayContainer: UnkeyedDecodingContainer {
    let array: [Any]?
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(array: [Any]?, codingPath: [CodingKey]) {
        self.array = array
        self.codingPath = codingPath
    }

    var count: Int? { array?.count }
    var isAtEnd: Bool { array.map { currentIndex >= $0.count } ?? false }

    mutating func next() -> ValueDecoder {
        defer { currentIndex += 1 }
        let v: Any? = array.flatMap { currentIndex < $0.count ? $0[currentIndex] : nil }
        // Not an array: the "element" reports the array as of the wrong kind.
        return ValueDecoder(value: array == nil ? nil : (v ?? NSNull()),
                            codingPath: codingPath + [ArgumentKey(intValue: currentIndex)], inArray: true)
    }

    mutating func decodeNil() throws -> Bool {
        guard let a = array, currentIndex < a.count, a[currentIndex] is NSNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: String.Type) throws -> String { try next().string() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(in: ArgumentRange.any) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> { try next().container(keyedBy: type) }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> Decoder { next() }
}

struct SingleValue: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
    func decode(_ type: String.Type) throws -> String { try decoder.string() }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(in: ArgumentRange.any) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}

extension KeyedDecodingContainer {
    /// An integer within `range` (absent: nil); a value outside it is an error naming the range.
    func decodeIfPresent(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decode(key, in: range)
    }

    /// A required integer within `range`.
    func decode(_ key: Key, in range: ClosedRange<Int>) throws -> Int {
        let d = try superDecoder(forKey: key)
        guard let v = d as? ValueDecoder else { return try decode(Int.self, forKey: key) }
        guard !v.isNull else { throw ArgumentError(path: codingPath + [key], problem: .missing) }
        return try v.integer(in: range)
    }

    /// A required thread id, as the tid type the replay uses.
    func decodeThreadID(_ key: Key) throws -> Int32 {
        Int32(try decode(key, in: ArgumentRange.threadID))   // in range: cannot trap
    }

    /// A value whose field is wrong in a way only its reader knows ("'granularity' must be
    /// statement, line or instruction").
    func wrong(_ key: Key, _ what: String) -> Error {
        ArgumentError(path: codingPath + [key], problem: .wrong(what))
    }
}

/// A source path, a `file://` URI accepted too (Sources.localPath).
struct SourcePath: Decodable {
    let path: String
    init(from decoder: Decoder) throws {
        path = Sources.localPath(try decoder.singleValueContainer().decode(String.self))
    }
}

/// A JSON object kept as it came (a `source` echoed back in breakpoints).
struct RawObject: Decodable {
    let object: JSONObject
    init(from decoder: Decoder) throws {
        guard let d = decoder as? ValueDecoder, let o = d.value as? JSONObject else {
            _ = try decoder.container(keyedBy: ArgumentKey.self)   // the "must be an object" error
            throw ArgumentError(path: decoder.codingPath, problem: .wrong("an object"))
        }
        object = o
    }
}
