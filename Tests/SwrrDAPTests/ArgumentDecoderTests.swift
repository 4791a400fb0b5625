// ArgumentDecoder alone: the error each wrong argument gets (its field named in context), the
// range checks, and the lenient forms clients rely on, on arguments as JSONSerialization parses
// them from the text a client sends.
import Foundation
@testable import SwrrDAP
import XCTest

final class ArgumentDecoderTests: XCTestCase {
    func decode<T: Decodable>(_ type: T.Type, _ json: String, _ command: String = "cmd") throws -> T {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! JSONObject
        return try ArgumentDecoder.decode(type, from: object, command: command)
    }

    func message<T: Decodable>(_ type: T.Type, _ json: String, _ command: String = "cmd") -> String? {
        do {
            _ = try decode(type, json, command)
            return nil
        } catch let e as RequestError {
            return e.message
        } catch {
            return "not a RequestError: \(error)"
        }
    }

    func testWrongFieldsAreNamedInTheirContext() {
        XCTAssertEqual(message(SetBreakpointsArguments.self, #"{"source":{"path":"/a.c"},"breakpoints":[{"line":3},{"column":1}]}"#,
                               "setBreakpoints"),
                       "setBreakpoints breakpoints[1]: the argument 'line' is required")
        XCTAssertEqual(message(SetBreakpointsArguments.self, #"{"source":{"path":7}}"#, "setBreakpoints"),
                       "setBreakpoints source: 'path' must be a string")
        XCTAssertEqual(message(SetBreakpointsArguments.self, #"{"source":"a.c"}"#, "setBreakpoints"),
                       "setBreakpoints: 'source' must be an object")
        XCTAssertEqual(message(SetBreakpointsArguments.self, #"{"source":{},"breakpoints":[1]}"#, "setBreakpoints"),
                       "setBreakpoints: 'breakpoints' must be an array of objects")
        XCTAssertEqual(message(SetFunctionBreakpointsArguments.self, #"{}"#, "setFunctionBreakpoints"),
                       "setFunctionBreakpoints: the argument 'breakpoints' is required")
        XCTAssertEqual(message(LaunchRequestArguments.self, #"{"args":"a b"}"#, "launch"),
                       "launch: 'args' must be an array of strings")
        XCTAssertEqual(message(LaunchRequestArguments.self, #"{"args":["a",1]}"#, "launch"),
                       "launch: 'args' must be an array of strings")
        XCTAssertEqual(message(LaunchRequestArguments.self, #"{"env":{"A":1}}"#, "launch"),
                       "launch: 'env' must be an object of strings")
        XCTAssertEqual(message(LaunchRequestArguments.self, #"{"stopOnEntry":1}"#, "launch"),
                       "launch: 'stopOnEntry' must be true or false")
        XCTAssertEqual(message(NextArguments.self, #"{"threadId":1,"granularity":"word"}"#, "next"),
                       "next: 'granularity' must be statement, line or instruction")
        XCTAssertEqual(message(VariablesArguments.self, #"{"variablesReference":1,"format":{"hex":"yes"}}"#, "variables"),
                       "variables format: 'hex' must be true or false")
    }

    func testNumbersAreRangeCheckedBeforeAnyConversion() throws {
        XCTAssertEqual(message(StackTraceArguments.self, #"{"threadId":2147483648}"#, "stackTrace"),
                       "stackTrace: 'threadId' must be an integer from 1 to 2147483647")
        XCTAssertEqual(message(StackTraceArguments.self, #"{"threadId":0}"#, "stackTrace"),
                       "stackTrace: 'threadId' must be an integer from 1 to 2147483647")
        XCTAssertEqual(message(StackTraceArguments.self, #"{"threadId":1.5}"#, "stackTrace"),
                       "stackTrace: 'threadId' must be an integer")
        XCTAssertEqual(message(StackTraceArguments.self, #"{"threadId":true}"#, "stackTrace"),
                       "stackTrace: 'threadId' must be an integer")
        XCTAssertEqual(message(StackTraceArguments.self, #"{"threadId":1,"levels":-1}"#, "stackTrace"),
                       "stackTrace: 'levels' must be an integer from 0 to 2147483647")
        XCTAssertEqual(message(ReadMemoryArguments.self, #"{"memoryReference":"0x10","count":16777217}"#, "readMemory"),
                       "readMemory: 'count' must be an integer from 0 to 16777216")
        XCTAssertEqual(message(ContinueArguments.self, #"{"threadId":99999999999999999999999}"#, "continue"),
                       "continue: 'threadId' must be an integer")
        // Handles and resume-every-thread ids take any Int, an integral double included.
        XCTAssertEqual(try decode(ContinueArguments.self, #"{"threadId":-9223372036854775808}"#).threadId, Int.min)
        XCTAssertEqual(try decode(ScopesArguments.self, #"{"frameId":1e3}"#).frameId, 1000)
        XCTAssertEqual(try decode(StackTraceArguments.self, #"{"threadId":2147483647,"startFrame":null}"#).threadId, Int32.max)
    }

    func testClientQuirksStayAccepted() throws {
        // nvim-dap's goto-at-cursor names the file by URI; the client's source comes back as sent.
        let s = try decode(SetBreakpointsArguments.self,
                           #"{"source":{"path":"file:///src/a%20b.c","x":[1,null]},"breakpoints":[{"line":4,"condition":"i>2"}]}"#)
        XCTAssertEqual(s.source.path, "/src/a b.c")
        XCTAssertEqual(s.source.raw, .object(["path": .string("file:///src/a%20b.c"), "x": .array([.integer(1), .null])]))
        XCTAssertEqual(s.breakpoints.map(\.line), [4])
        XCTAssertEqual(s.breakpoints.first?.condition, "i>2")
        // The deprecated `lines`, lenient: what is not a line is left out.
        let old = try decode(SetBreakpointsArguments.self, #"{"source":{"name":"a.c"},"lines":[3,"x",-1,5]}"#)
        XCTAssertEqual(old.breakpoints.map(\.line), [3, 5])
        // null unsets an environment variable.
        let launch = try decode(LaunchRequestArguments.self, #"{"program":"p","env":{"A":"1","B":null}}"#)
        XCTAssertEqual(launch.env?["A"], Optional(Optional("1")))
        XCTAssertEqual(launch.env?["B"], Optional(Optional<String>.none))
        XCTAssertEqual(launch.env?.count, 2)
        // A null argument is an absent one.
        XCTAssertNil(try decode(DisconnectArguments.self, #"{"restart":null}"#).restart)
    }

    func testLaunchArgumentsAreTheDeclaredAttributes() {
        XCTAssertEqual(Set(LaunchRequestArguments.CodingKeys.allCases.map(\.stringValue)),
                       Set(LaunchConfiguration.attributes.map(\.name)))
    }

    /// A client's source object goes back in breakpoints with its numbers as written: past 2^63
    /// (UInt64), past 2^64 and too precise for a double (Decimal). Measured against swrr-dap
    /// before typed messages, the one difference is a negative zero, which comes back as 0.
    func testEchoedValuesKeepTheirNumbers() throws {
        let numbers = "[18446744073709551615,99999999999999999999999,123456789012345678901234567890.5,-9223372036854775808,1.5,1e300,true,null,\"a/\\u00e9\"]"
        let s = try decode(SetBreakpointsArguments.self, #"{"source":{"n":"# + numbers + "}}")
        let out = OutgoingMessage.serialize(try BodyEncoder.object(SetBreakpointsResponseBody(
            breakpoints: [Breakpoint(verified: true, source: .client(s.source.raw))])))
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       #"{"breakpoints":[{"source":{"n":[18446744073709551615,99999999999999999999999,123456789012345678901234567890.5,-9223372036854775808,1.5,1e+300,true,null,"a\/é"]},"verified":true}]}"#)
    }
}
