// The handler table and capabilities as data: every advertised capability is answered, every
// command has one handler, and the framing reader handles bad streams in process.
import Foundation
@testable import SwrrDAP
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class RegistryTests: XCTestCase {
    func testEveryCapabilityIsAnswered() {
        for c in InitializeHandler.capabilities {
            for command in c.requiredCommands {
                XCTAssertNotNil(HandlerRegistry.table[command], "\(c.name) makes clients send \(command)")
            }
            XCTAssertEqual(InitializeHandler.capabilitiesBody[c.name] as? Bool, true)
        }
    }

    func testOneHandlerPerCommand() {
        let commands = HandlerRegistry.handlers.map(\.command)
        XCTAssertEqual(commands.count, Set(commands).count, "a command registered twice")
        for command in ["initialize", "launch", "configurationDone", "threads", "continue", "pause", "restart",
                        "terminate", "disconnect", "setBreakpoints", "setFunctionBreakpoints",
                        "setInstructionBreakpoints", "setExceptionBreakpoints", "dataBreakpointInfo",
                        "setDataBreakpoints", "stackTrace", "scopes", "variables", "evaluate", "setVariable",
                        "source", "loadedSources", "modules", "readMemory", "disassemble", "next", "stepIn",
                        "stepOut", "reverseContinue", "stepBack", "goto", "gotoTargets"] {
            XCTAssertNotNil(HandlerRegistry.table[command], command)
        }
    }

    /// Writes `bytes` into a pipe, closes it, and returns every frame read.
    func frames(_ bytes: [UInt8], maximumBody: Int = 1 << 20) -> [Frame] {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let writer = Thread {
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                off += n
            }
            close(writeEnd)
        }
        writer.start()
        let reader = FrameReader(fd: readEnd, maximumBody: maximumBody)
        var out: [Frame] = []
        while true {
            let f = reader.next()
            out.append(f)
            if f == .end { break }
        }
        close(readEnd)
        return out
    }

    func testFraming() {
        let a = Array(#"{"a":1}"#.utf8)
        XCTAssertEqual(frames(Array("Content-Length: 7\r\n\r\n".utf8) + a), [.message(a), .end])
        // Case-insensitive header, other header lines, two messages back to back.
        XCTAssertEqual(frames(Array("content-length: 7\r\nX-Other: 1\r\n\r\n".utf8) + a
                              + Array("Content-Length: 7\r\n\r\n".utf8) + a),
                       [.message(a), .message(a), .end])
        // Another header line before Content-Length.
        XCTAssertEqual(frames(Array("Content-Type: application/json\r\nContent-Length: 7\r\n\r\n".utf8) + a),
                       [.message(a), .end])
        // Garbage first, then a message.
        let g = frames(Array("garbage!".utf8) + Array("Content-Length: 7\r\n\r\n".utf8) + a)
        XCTAssertEqual(g.count, 3)
        XCTAssertEqual(g[1], .message(a))
        // A bad length is skipped; the next message is read.
        let bad = frames(Array("Content-Length: x\r\n\r\nContent-Length: 7\r\n\r\n".utf8) + a)
        XCTAssertEqual(bad.last, .end)
        XCTAssertTrue(bad.contains(.message(a)))
        // Oversized: skipped without storing; the next one is read.
        let big = [UInt8](repeating: 32, count: 2000)
        let o = frames(Array("Content-Length: 2000\r\n\r\n".utf8) + big + Array("Content-Length: 7\r\n\r\n".utf8) + a,
                       maximumBody: 1000)
        XCTAssertEqual(o.count, 3)
        XCTAssertEqual(o[1], .message(a))
        // End of input in a header or a body.
        XCTAssertEqual(frames(Array("Content-Len".utf8)), [.end])
        XCTAssertEqual(frames(Array("Content-Length: 70\r\n\r\n{".utf8)), [.end])
        XCTAssertEqual(frames([]), [.end])
    }

    func testErrorResponsesAndSequenceFields() {
        let e = OutgoingMessage.error(requestSeq: 4, command: "x", message: "a {b}").object(seq: 9)
        XCTAssertEqual(e["seq"] as? Int, 9)
        XCTAssertEqual(e["request_seq"] as? Int, 4)
        XCTAssertEqual(e["success"] as? Bool, false)
        XCTAssertEqual(e["message"] as? String, "a {b}")
        XCTAssertEqual(((e["body"] as? [String: Any])?["error"] as? [String: Any])?["format"] as? String, "a {{b}}")
        guard case .unanswerable = IncomingMessage.parse(Array(#"{"seq":true,"type":"request","command":"x"}"#.utf8)) else {
            return XCTFail("a boolean seq is not a sequence number")
        }
    }
}
