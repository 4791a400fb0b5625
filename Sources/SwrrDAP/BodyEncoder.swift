// The one place typed response and event bodies become JSON: encoded by JSONEncoder and read back
// as the JSONSerialization object the adapter writes (OutgoingMessage.serialize, sorted keys), so
// a typed body goes out byte for byte as the dictionary it replaces did. Optional fields that are
// nil are left out, as DAP's optional properties are.
import Foundation

public enum BodyEncoder {
    public static func object<Body: Encodable>(_ body: Body) throws -> JSONObject {
        let data = try JSONEncoder().encode(body)
        guard let object = try JSONSerialization.jsonObject(with: data, options: []) as? JSONObject else {
            // Only a body type that is not a struct could get here (a bug in swrr-dap).
            throw RequestError("internal error: the response body of \(Body.self) is not a JSON object")
        }
        return object
    }
}

/// Arguments of a request that has none swrr-dap reads (any `arguments` object is accepted).
public struct NoArguments: Decodable {}

/// The body of a response that has none.
public struct NoBody: Encodable {}
