// Any JSON value, for what a client sends that swrr-dap gives back as it came (a breakpoint's
// `source`) and the client's own fields it keeps (the `initialize` arguments).
import Foundation

public indirect enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    /// Integers from 2^63 to 2^64-1, which JSONSerialization gives as UInt64.
    case unsigned(UInt64)
    /// Numbers JSONSerialization gives as NSDecimalNumber (beyond 2^64, or too precise for a
    /// double): exact digits, as the client wrote them.
    case decimal(Decimal)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A value as JSONSerialization parsed it.
    init(_ any: Any?) {
        switch any {
        case let s as String: self = .string(s)
        case let d as NSDecimalNumber:
            self = .decimal(d.decimalValue)
        case let n as NSNumber:
            // Measured on swift-corelibs-foundation 6.3: integers up to 2^63-1 arrive as "q",
            // up to 2^64-1 as "Q", anything with a fraction or exponent as "d".
            switch String(cString: n.objCType) {
            case _ where IncomingMessage.isBoolean(n): self = .bool(n.boolValue)
            case "Q": self = .unsigned(n.uint64Value)
            case "d", "f": self = .number(n.doubleValue)
            default: self = .integer(n.intValue)
            }
        case let a as [Any]: self = .array(a.map(JSONValue.init))
        case let o as JSONObject: self = .object(o.mapValues(JSONValue.init))
        default: self = .null
        }
    }

    public init(from decoder: Decoder) throws {
        guard let d = decoder as? ValueDecoder else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "JSONValue is read by ArgumentDecoder only"))
        }
        self.init(d.value)
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .integer(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .unsigned(let u):
            var c = encoder.singleValueContainer()
            try c.encode(u)
        case .decimal(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .number(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        case .object(let o):
            var c = encoder.container(keyedBy: ArgumentKey.self)
            for (k, v) in o { try c.encode(v, forKey: ArgumentKey(stringValue: k)) }
        }
    }

    /// An integral number that fits an Int (an integral double too, as IncomingMessage.integer
    /// reads numbers everywhere else).
    var integer: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return IncomingMessage.integer(NSNumber(value: d))
        default: return nil
        }
    }
}
