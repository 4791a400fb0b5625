// What the multi-process tests share (MultiProcessTests, ProcessTreeTests): the pids the
// fixtures print, and the argument of work(), the function every process of them runs.
import Foundation
import XCTest

extension XCTestCase {
    /// The integer captured by `pattern` in `text` (a pid a fixture printed).
    func pid(_ pattern: String, in text: String) throws -> Int {
        let r = try NSRegularExpression(pattern: pattern)
        let m = try XCTUnwrap(r.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "\(pattern) in \(text)")
        return try XCTUnwrap(Range(m.range(at: 1), in: text).flatMap { Int(text[$0]) }, "\(pattern) in \(text)")
    }

    /// The value of argument `name` in the top frame of `tid`, which must be work().
    func argument(_ c: DAPClient, _ tid: Int, _ name: String) throws -> String? {
        let frame = try XCTUnwrap((try c.request("stackTrace", ["threadId": tid]).body["stackFrames"] as? [[String: Any]])?.first)
        XCTAssertEqual(frame["name"] as? String, "work")
        let scopes = try c.request("scopes", ["frameId": frame["id"] as? Int ?? 0]).body["scopes"] as? [[String: Any]] ?? []
        let ref = scopes.first { $0["name"] as? String == "Arguments" }?["variablesReference"] as? Int ?? 0
        let vars = try c.request("variables", ["variablesReference": ref]).body["variables"] as? [[String: Any]] ?? []
        return vars.first { $0["name"] as? String == name }?["value"] as? String
    }
}
