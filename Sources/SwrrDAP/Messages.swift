// DAP messages: a request from the client, and the responses and events the adapter sends. The
// envelope (seq, type, command, request_seq, success) is read and written as a JSONSerialization
// dictionary, so any well-formed message can be classified and unknown fields are kept out of the
// way; a request's `arguments` are decoded into its handler's type (ArgumentDecoder), and bodies
// are encoded from typed values (BodyEncoder).
import Foundation

public typealias JSONObject = [String: Any]

/// A request from the client, checked for the fields every request must have.
public struct Request {
    public let seq: Int
    public let command: String
    /// The `arguments` object (empty when absent).
    public let arguments: JSONObject
    /// The whole message as received.
    public let raw: JSONObject
}

public enum IncomingMessage {
    case request(Request)
    /// Not a request we must answer (an event from the client, which DAP does not define):
    /// ignored.
    case ignored(String)
    /// The client's response to a reverse request of the adapter's (`startDebugging`).
    case response(requestSeq: Int, command: String, success: Bool, message: String?)
    /// Cannot be answered: no usable `seq`. Reported to the user as an output event.
    case unanswerable(String)
    /// A request with a usable seq but something wrong; answered with an error response.
    case badRequest(seq: Int, command: String, message: String)

    /// Classifies a message body.
    public static func parse(_ body: [UInt8]) -> IncomingMessage {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            return .unanswerable("a message that is not valid JSON was ignored")
        }
        guard let msg = object as? JSONObject else {
            return .unanswerable("a message that is not a JSON object was ignored")
        }
        guard let type = msg["type"] as? String else {
            return .unanswerable("a message without a 'type' was ignored")
        }
        guard type == "request" else {
            if type == "response", let rs = integer(msg["request_seq"]) {
                return .response(requestSeq: rs, command: msg["command"] as? String ?? "",
                                 success: msg["success"] as? Bool ?? false, message: msg["message"] as? String)
            }
            if type == "response" || type == "event" {
                return .ignored("a \(type) from the client was ignored (a response needs a 'request_seq'; clients send no events)")
            }
            return .unanswerable("a message of unknown type '\(type.prefix(40))' was ignored")
        }
        // Any integer seq is answered (be liberal in what you accept): nvim-dap before December
        // 2023 starts at 0, and a client waits forever for the answer to a request ignored.
        guard let seq = integer(msg["seq"]) else {
            return .unanswerable("a request without a valid 'seq' (an integer) was ignored")
        }
        guard let command = msg["command"] as? String, !command.isEmpty else {
            return .badRequest(seq: seq, command: "", message: "the request has no 'command'")
        }
        var arguments: JSONObject = [:]
        if let a = msg["arguments"], !(a is NSNull) {
            guard let obj = a as? JSONObject else {
                return .badRequest(seq: seq, command: command, message: "'arguments' must be an object")
            }
            arguments = obj
        }
        return .request(Request(seq: seq, command: command, arguments: arguments, raw: msg))
    }

    /// An integral JSON number that fits an Int, exactly (JSONSerialization gives NSNumber;
    /// booleans are not integers). Measured on swift-corelibs-foundation 6.3: integers up to
    /// 2^63-1 arrive as Int64 ("q"), up to 2^64-1 as UInt64 ("Q"), larger ones as NSDecimalNumber,
    /// and 1.0 or 1e3 as a double; their decimal text is exact in each case.
    static func integer(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber, !isBoolean(n) else { return nil }
        if let i = Int(n.stringValue) { return i }
        // A double with an integral value ("1.0", "1e3"); beyond 2^53 a double is not exact.
        let d = n.doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) <= 9_007_199_254_740_992 else { return nil }
        return Int(d)
    }

    /// JSON `true`/`false` arrive as a boolean subclass of NSNumber (objCType "c").
    static func isBoolean(_ n: NSNumber) -> Bool {
        String(describing: type(of: n)).contains("Boolean")
    }
}

/// An outgoing message, serialized with the adapter's next sequence number.
public enum OutgoingMessage {
    case response(requestSeq: Int, command: String, body: JSONObject?)
    case error(requestSeq: Int, command: String, message: String)
    case event(String, body: JSONObject?)
    /// The response of a request `cancel` ended: success false and message "cancelled", as
    /// DAP's CancelRequest says, with no error for the client to show (the user asked for it).
    case cancelled(requestSeq: Int, command: String)
    /// A reverse request (adapter to client): `startDebugging`.
    case request(command: String, arguments: JSONObject)

    /// A typed event, its body encoded (BodyEncoder, the one place bodies are encoded).
    static func event<Body: EventBody>(_ body: Body) -> OutgoingMessage {
        do {
            return .event(Body.event, body: try BodyEncoder.object(body))
        } catch {
            // Only a body type that cannot be encoded could get here (a bug): say so rather than send nothing.
            return .event("output", body: ["category": "important",
                                           "output": "swrr-dap: internal error: the \(Body.event) event cannot be encoded: \(error)\n"])
        }
    }

    /// The JSON object for sequence number `seq`.
    public func object(seq: Int) -> JSONObject {
        switch self {
        case .response(let rs, let command, let body):
            var m: JSONObject = ["seq": seq, "type": "response", "request_seq": rs, "success": true,
                                 "command": command]
            if let body = body { m["body"] = body }
            return m
        case .error(let rs, let command, let message):
            // ErrorResponse requires a body; its `error` is the structured form of the message.
            return ["seq": seq, "type": "response", "request_seq": rs, "success": false,
                    "command": command, "message": message,
                    "body": ["error": ["id": 1, "format": Self.escapeFormat(message), "showUser": true]]]
        case .cancelled(let rs, let command):
            return ["seq": seq, "type": "response", "request_seq": rs, "success": false,
                    "command": command, "message": "cancelled", "body": [String: Any]()]
        case .request(let command, let arguments):
            return ["seq": seq, "type": "request", "command": command, "arguments": arguments]
        case .event(let name, let body):
            var m: JSONObject = ["seq": seq, "type": "event", "event": name]
            if let body = body { m["body"] = body }
            return m
        }
    }

    /// `Message.format` substitutes {name}: braces in the text are doubled so they print as is.
    static func escapeFormat(_ text: String) -> String {
        text.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
    }

    public static func serialize(_ object: JSONObject) -> [UInt8] {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            // Only non-JSON values could get here (a bug); say so rather than send nothing.
            return Array(#"{"seq":0,"type":"event","event":"output","body":{"category":"important","output":"swrr-dap: internal error: unserializable message\n"}}"#.utf8)
        }
        return Array(data)
    }
}
