// The debugging API over a replay (ReplayDebugger), forward direction, on Tests/Fixtures/gdb/loop.c.
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class ReplayDebuggerTests: DebuggerTestCase {
    func testBreakpointOnLoopBodyIsHitOncePerIterationThenTheEnd() throws {
        let (d, rec) = try start()
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        let iter = try GDBFixture.symbol("iter", in: rec.executable)
        let original = try d.readMemory(body, count: 4)
        try d.setBreakpoint(body)
        XCTAssertEqual(try d.readMemory(body, count: 4), original, "the int3 is hidden from memory reads")
        var lastEvent = -1
        for k in 0..<5 {
            let stop = try d.continueForward()
            XCTAssertEqual(stop.reason, .breakpoint(body), "iteration \(k)")
            XCTAssertEqual(try d.registers().rip, body)
            XCTAssertEqual(try d.int32(at: iter), Int32(k), "the loop variable at hit \(k)")
            XCTAssertGreaterThan(stop.event, lastEvent - 1)
            lastEvent = stop.event
            XCTAssertEqual(try d.eventNumber(), stop.event)
        }
        // The end: the program is held at the entry of its exit_group (as rr does), so it can
        // still be inspected; going on stays at the end.
        let end = try d.continueForward()
        XCTAssertEqual(end.reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
        let regs = try d.registers()
        XCTAssertEqual(regs.rax, 231, "exit_group's number")
        XCTAssertEqual(try d.readMemory(regs.rip, count: 2), [0x0f, 0x05], "at the syscall instruction")
        XCTAssertEqual(try d.int32(at: iter), 5)
        XCTAssertEqual(try d.continueForward().reason, end.reason)
        XCTAssertEqual(try d.registers(), regs)
    }

    func testWatchpointOnGlobalFiresAtEachWriteWithTheNewValue() throws {
        let (d, rec) = try start()
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        try d.setWatchpoint(address: counter, length: 8, kind: .write)
        for k in 0..<5 {
            let stop = try d.continueForward()
            XCTAssertEqual(stop.reason, .watchpoint(address: counter, kind: .write), "write \(k)")
            XCTAssertEqual(try d.int64(at: counter), Int64(k * 10 + 1))
        }
        try d.removeWatchpoint(address: counter, length: 8, kind: .write)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    /// The last watchpoint removed is disarmed in the task too: the writes after it do not trap
    /// (they did once, reported as a divergence, when nothing else was left to program).
    func testRemovingTheLastWatchpointDisarmsIt() throws {
        let (d, rec) = try start()
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        try d.setWatchpoint(address: counter, length: 8, kind: .write)
        for _ in 0..<2 { XCTAssertEqual(try d.continueForward().reason, .watchpoint(address: counter, kind: .write)) }
        try d.removeWatchpoint(address: counter, length: 8, kind: .write)
        try d.setBreakpoint(body)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
        XCTAssertEqual(try d.int64(at: counter), 11, "iteration 2 begins; its write is next")
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    func testAFifthHardwareWatchpointIsRefusedAndTheSessionStaysUsable() throws {
        let (d, rec) = try start()
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        for i in 0..<4 { try d.setWatchpoint(address: counter + UInt64(i) * 8, length: 8, kind: .readWrite) }
        XCTAssertThrowsError(try d.setWatchpoint(address: counter + 64, length: 8, kind: .write)) { error in
            XCTAssertTrue("\(error)".contains("DR0–DR3"), "\(error)")
        }
        XCTAssertThrowsError(try d.setWatchpoint(address: counter + 1, length: 8, kind: .write))
        try d.removeWatchpoint(address: counter + 8, length: 8, kind: .readWrite)
        try d.setWatchpoint(address: counter + 64, length: 8, kind: .write)
        XCTAssertEqual(try d.continueForward().reason, .watchpoint(address: counter, kind: .readWrite))
    }

    func testSingleStepGoesToTheNextInstruction() throws {
        let (d, rec) = try start()
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        try d.setBreakpoint(body)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
        let before = try d.registers()
        let step = try d.stepInstruction()
        XCTAssertEqual(step.reason, .step)
        let after = try d.registers()
        XCTAssertEqual(after.rip, try GDBFixture.nextInstruction(after: body, in: rec.executable))
        XCTAssertEqual(after.rsp, before.rsp)
        // The breakpoint is still there for the next iteration, and the replay still matches the
        // recording (it would stop with a divergence otherwise).
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    func testSteppingOverSyscallsReplaysThem() throws {
        let (d, _) = try start()
        // The first instructions of the dynamic loader: every step is one instruction or one
        // replayed syscall; the replay must stay in step with the recording.
        var regs = try d.registers()
        var syscalls = 0
        for _ in 0..<3000 {
            let before = try d.eventNumber()
            XCTAssertEqual(try d.stepInstruction().reason, .step)
            let now = try d.registers()
            // (A `rep` string instruction keeps rip for each of its iterations.)
            XCTAssertNotEqual(now, regs)
            regs = now
            if try d.eventNumber() != before { syscalls += 1 }
        }
        XCTAssertGreaterThan(syscalls, 0, "3000 instructions of ld.so make syscalls")
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    func testMemoryWritesAreRefusedAndStateIsListed() throws {
        let (d, rec) = try start()
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        XCTAssertThrowsError(try d.writeMemory(counter, [1])) { error in
            XCTAssertTrue("\(error)".contains("cannot write memory during a replay"), "\(error)")
        }
        let tasks = try d.tasks()
        XCTAssertEqual(tasks.count, 1)
        XCTAssertEqual(tasks.first?.state, .stopped)
        XCTAssertEqual(tasks.first?.tid, try d.currentTid())
        let fp = try d.floatingPointRegisters()
        XCTAssertEqual(fp.controlWord, 0x37f, "the x87 control word after exec")
        XCTAssertEqual(fp.mxcsr & 0xffff, 0x1f80)
    }
}
