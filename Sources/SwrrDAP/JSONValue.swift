// Any JSON value, for what a client sends that swrr-dap gives back as it came (a breakpoint's
// `source`) and the client's own fields it keeps (the `initialize` arguments).
import Foundation

public indirect enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A value as JSONSerialization parsed it.
    init(_ any: Any?) {
        switch any {
        case let s as String: self = .string(s)
        case let n as NSNumber:
            if IncomingMessage.isBoolean(n) { self = .bool(n.boolValue) }
            else if let i = IncomingMessage.integer(n) { self = .integer(i) }
            else { self = .number(n.doubleValue) }
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
}
