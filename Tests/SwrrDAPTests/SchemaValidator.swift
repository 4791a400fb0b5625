// Validates DAP messages against the official schema (shared/dap/debugProtocol.json) with
// python3's jsonschema, choosing each message's definition the way shared/dap/schema_tap.py does.
import Foundation
import SwrrTestSupport

enum SchemaValidator {
    static let script = #"""
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1])); defs = schema["definitions"]
msgs = json.load(open(sys.argv[2]))
def definition_for(msg):
    t = msg.get("type")
    if t == "event":
        name = msg.get("event", ""); cand = name[:1].upper() + name[1:] + "Event"
    elif t == "request":
        c = msg.get("command", ""); cand = c[:1].upper() + c[1:] + "Request"
    elif t == "response":
        if not msg.get("success", False): cand = "ErrorResponse"
        else:
            c = msg.get("command", ""); cand = c[:1].upper() + c[1:] + "Response"
    else: cand = "ProtocolMessage"
    return cand if cand in defs else {"event": "Event", "request": "Request", "response": "Response"}.get(t, "ProtocolMessage")
validators = {}
for direction, msg in msgs:
    name = definition_for(msg)
    v = validators.get(name)
    if v is None:
        v = validators[name] = jsonschema.Draft4Validator({"$ref": "#/definitions/" + name, "definitions": defs})
    for e in v.iter_errors(msg):
        print(f"VIOLATION {direction} {name} at /{'/'.join(map(str, e.path))}: {e.message[:300]}")
print("CHECKED", len(msgs))
"""#

    static func violations(_ transcript: [(direction: String, message: [String: Any])]) throws -> [String] {
        guard FileManager.default.fileExists(atPath: DAPTestEnv.schema) else {
            throw ClientError(description: "the official DAP schema is not at \(DAPTestEnv.schema): the tests read it from shared/dap beside the repository (../shared/dap from its root) or from $SWRR_DAP_SHARED")
        }
        let dir = try TestDirectory.makeUnique(prefix: "schema")
        let msgs = dir + "/messages.json"
        let list: [[Any]] = transcript.map { [$0.direction, $0.message] }
        try JSONSerialization.data(withJSONObject: list).write(to: URL(fileURLWithPath: msgs))
        let r = try Subprocess.run([DAPTestEnv.python, "-c", script, DAPTestEnv.schema, msgs], mergingStderr: true,
                                   timeout: 300)
        let text = r.stdoutText
        guard r.status == 0, !r.timedOut, text.contains("CHECKED \(transcript.count)") else {
            throw ClientError(description: "the schema validator (\(DAPTestEnv.python) with jsonschema: apt-get install python3-jsonschema) failed: \(r)\n\(text)")
        }
        return text.split(separator: "\n").filter { $0.hasPrefix("VIOLATION") }.map(String.init)
    }
}
