// Writes made by syscalls through swrr-dap (SwrrReplay/SyscallWrites.swift), on
// Tests/Fixtures/dap/syscall_writes.c recorded without syscall buffering: `value` filled by
// read() (1111), stored (2222), filled by read() again (3333). A write data breakpoint stops at
// each forward (a read at its exit, the stop saying read() wrote it) and backwards (a read at
// its entry, before the write); `valueHistory` lists the three with their lines and the
// syscall. Every message is validated against the schema.
import Foundation
import XCTest

final class SyscallWriteDAPTests: XCTestCase {
    func testDataBreakpointAndValueHistorySeeTheReads() throws {
        let s = try DebugSession("syscall_writes", launch: ["exitedAtEnd": false], environment: ["SWRR_SYSCALLBUF": "0"])
        try s.setBreakpoints([["line": s.line("pipe")]])
        var stop = try s.start()
        _ = try s.whereStopped(stop)
        let frame = try s.frames()[0]["id"] as! Int
        let info = try s.client.request("dataBreakpointInfo", ["name": "value", "frameId": frame])
        let dataId = try XCTUnwrap(info.body["dataId"] as? String, "\(info.body)")
        try s.setBreakpoints([])
        let set = try s.client.request("setDataBreakpoints", ["breakpoints": [["dataId": dataId, "accessType": "write"]]])
        XCTAssertEqual((set.body["breakpoints"] as? [[String: Any]])?.first?["verified"] as? Bool, true, "\(set.body)")

        /// The line of the nearest frame in the fixture (a read stops in libc's read).
        func callerLine() throws -> Int? {
            try s.frames().first { ($0["source"] as? [String: Any])?["path"] as? String == s.source }?["line"] as? Int
        }
        var seen: [String] = []
        for (text, line) in [("value changed from 0 to 1111, written by read() (the kernel)", s.line("read1")),
                             ("value changed from 1111 to 2222", s.line("store") + 1),
                             ("value changed from 2222 to 3333, written by read() (the kernel)", s.line("read2"))] {
            stop = try s.resume("continue")
            XCTAssertEqual(stop["reason"] as? String, "data breakpoint", "\(stop)")
            _ = try s.whereStopped(stop)
            seen.append(stop["description"] as? String ?? "\(stop)")
            XCTAssertEqual(try callerLine(), line, text)
        }
        XCTAssertEqual(seen, ["value changed from 0 to 1111, written by read() (the kernel)",
                              "value changed from 1111 to 2222",
                              "value changed from 2222 to 3333, written by read() (the kernel)"])
        stop = try s.resume("continue")
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")

        // Backwards: the second read's entry, before the store, the first read's entry.
        seen = []
        var lines: [Int?] = []
        for _ in 0..<3 {
            stop = try s.resume("reverseContinue")
            _ = try s.whereStopped(stop)
            seen.append(stop["description"] as? String ?? "\(stop)")
            lines.append(try callerLine())
        }
        XCTAssertEqual(seen, ["value is 2222 here, just before read() (the kernel) writes it (found going backwards)",
                              "value is 1111 here, just before the write that changes it (found going backwards)",
                              "value is 0 here, just before read() (the kernel) writes it (found going backwards)"])
        XCTAssertEqual(lines, [s.line("read2"), s.line("store"), s.line("read1")])

        let h = try s.client.request("valueHistory", ["expression": "value"], timeout: 120)
        XCTAssertTrue(h.success, h.message)
        let entries = try XCTUnwrap(h.body["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["value"] as? String }, ["1111", "2222", "3333"])
        XCTAssertEqual(entries.map { $0["line"] as? Int }, [s.line("read1"), s.line("store"), s.line("read2")])
        XCTAssertEqual(entries.map { $0["syscall"] as? String }, ["read", nil, "read"])
        XCTAssertEqual(entries.map { $0["function"] as? String }, ["main", "main", "main"])
        try s.finish()
    }
}
