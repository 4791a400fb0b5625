// Breakpoints, positions and reverse execution inside a region of buffered syscalls (issue 7), on
// Tests/Fixtures/gdb/buffered.c: 200 one-byte preads of the program's own executable, which the
// preload library buffers, so the whole loop lies inside one event. Every stop must see the bytes
// the program read (checked against the file itself), and going back must reach each earlier stop
// with the registers it had going forward.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class BufferedRegionTests: DebuggerTestCase {

    func testBreakpointsAndReverseExecutionInsideBufferedSyscalls() throws {
        let rec = try GDBFixture.recording("buffered", status: 4)
        let d = try ReplayDebugger(traceDirectory: rec.trace)
        debugger = d
        let exe = try XCTUnwrap(FileManager.default.contents(atPath: rec.executable)).map { UInt8($0) }
        let iter = try GDBFixture.symbol("iter", in: rec.executable)
        let total = try GDBFixture.symbol("total", in: rec.executable)
        let afterRead = try GDBFixture.address(ofLine: try GDBFixture.line("after-read", in: "buffered"), in: rec.executable)
        // At the stop of iteration k the byte it read is not added yet: the first k bytes are.
        func expectedTotal(_ k: Int) -> Int64 { exe.prefix(k).reduce(Int64(0)) { $0 + Int64($1) } }
        func total64() throws -> Int64 { Int64(bitPattern: try d.readMemory(total, count: 8).loadU64(at: 0)) }

        try d.setBreakpoint(afterRead)
        var forward: [Registers] = []
        var events = Set<Int>()
        for k in 0..<40 {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(afterRead), "hit \(k)")
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            XCTAssertEqual(try total64(), expectedTotal(k), "iteration \(k)")
            forward.append(try d.registers())
            events.insert(try d.eventNumber())
        }
        XCTAssertEqual(events.count, 1, "the preads are buffered: every stop lies inside one event (\(events.sorted()))")
        let last = try d.position()
        XCTAssertFalse(last.isEventBoundary, "\(last)")

        // Backwards: each earlier iteration, with the registers it had.
        for k in stride(from: 38, through: 30, by: -1) {
            XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(afterRead), "reverse to \(k)")
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            XCTAssertEqual(try total64(), expectedTotal(k))
            XCTAssertEqual(try d.registers(), forward[k], "iteration \(k) going back")
        }
        // A position inside the buffered stretch is reached again exactly.
        XCTAssertEqual(try d.goToStart().reason, .startOfRecording)
        XCTAssertEqual(try d.goTo(last).reason, .jumped)
        XCTAssertEqual(try d.registers(), forward[39])
        XCTAssertEqual(try d.int32(at: iter), 39)

        try d.removeBreakpoint(afterRead)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(4))))
    }
}
