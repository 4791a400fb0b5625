// Reverse execution across the boundaries a replay is made of, on Tests/Fixtures/gdb/crossings.c:
// a syscall, a signal handler, a thread switch and a fork, each followed by a write to `stage`.
// Backwards, a watchpoint must find every write in reverse order, in the thread and on the line
// that made it (with the old value in memory, as gdb expects); breakpoints after each crossing
// must be reached again with the registers they had going forward.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class ReverseCrossingTests: DebuggerTestCase {
    /// The fixture's source line of an address (addr2line).
    private func line(of address: UInt64, in exe: String) throws -> Int {
        let r = try GDBFixture.run(["addr2line", "-e", exe, "0x" + String(address, radix: 16)])
        guard let colon = r.output.lastIndex(of: ":"),
              let n = Int(r.output[r.output.index(after: colon)...].prefix { $0.isNumber }) else {
            throw GDBFixture.Failure(description: "addr2line: \(r.output)")
        }
        return n
    }

    private func mark(_ name: String) throws -> Int { try GDBFixture.line(name, in: "crossings") }

    /// Forward to the next stop that is not a signal about to be delivered (SIGUSR1 and the
    /// child's SIGCHLD stop the replay as they would stop gdb).
    private func resume(_ d: ReplayDebugger) throws -> DebugStop {
        while true {
            let stop = try d.continueForward(stopAtTaskEvents: false)
            if case .signal = stop.reason { continue }
            return stop
        }
    }

    func testAWatchpointFindsEveryEarlierWriteAcrossASyscallASignalAThreadAndAFork() throws {
        let (d, rec) = try start("crossings", status: 0)
        let stage = try GDBFixture.symbol("stage", in: rec.executable)
        let end = try resume(d)
        XCTAssertEqual(end.reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        let mainTid = end.tid
        try d.setWatchpoint(address: stage, length: 8, kind: .write)
        // (value before the write, line of the write, written by the main thread?)
        let expected: [(Int64, String, Bool)] = [
            (123_456, "after-fork", true), (12_345, "after-thread", true), (1_234, "thread", false),
            (123, "after-signal", true), (12, "handler", true), (1, "after-syscall", true), (0, "first", true),
        ]
        var threadTid: Int32?
        for (old, name, inMain) in expected {
            let t0 = Date()
            let stop = try d.reverseContinue()
            print("reverse-continue to the write on \(name): \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
            XCTAssertEqual(stop.reason, .watchpoint(address: stage, kind: .write), "the write on \(name)")
            XCTAssertEqual(try d.int64(at: stage), old, "the value before the write on \(name)")
            XCTAssertEqual(try line(of: try d.registers().rip, in: rec.executable), try mark(name), "the line of the write on \(name)")
            if inMain {
                XCTAssertEqual(stop.tid, mainTid, "\(name) is written by the main thread")
            } else {
                XCTAssertNotEqual(stop.tid, mainTid, "\(name) is written by the second thread")
                threadTid = stop.tid
            }
        }
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
        // Forward again: the thread's write comes from the same thread as before.
        let first = try resume(d)
        XCTAssertEqual(first.reason, .watchpoint(address: stage, kind: .write))
        XCTAssertEqual(try d.int64(at: stage), 1)
        for _ in 0..<3 { _ = try resume(d) }
        let threadWrite = try resume(d)
        XCTAssertEqual(threadWrite.reason, .watchpoint(address: stage, kind: .write))
        XCTAssertEqual(try d.int64(at: stage), 12_345)
        XCTAssertEqual(threadWrite.tid, threadTid)
    }

    func testBreakpointsAfterEachCrossingAreReachedBackwardsWithTheirForwardRegisters() throws {
        let (d, rec) = try start("crossings", status: 0)
        let stage = try GDBFixture.symbol("stage", in: rec.executable)
        let names = ["after-syscall", "handler", "after-signal", "thread", "after-thread", "after-fork"]
        var addresses: [UInt64] = []
        for n in names {
            let a = try GDBFixture.address(ofLine: try mark(n), in: rec.executable)
            addresses.append(a)
            try d.setBreakpoint(a)
        }
        var forward: [(DebugStop, Registers, Int64)] = []
        for (n, a) in zip(names, addresses) {
            let stop = try resume(d)
            XCTAssertEqual(stop.reason, .breakpoint(a), "forward to \(n)")
            forward.append((stop, try d.registers(), try d.int64(at: stage)))
        }
        XCTAssertEqual(forward.map(\.2), [1, 12, 123, 1_234, 12_345, 123_456])
        XCTAssertEqual(try resume(d).reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        for (i, n) in names.enumerated().reversed() {
            let stop = try d.reverseContinue()
            XCTAssertEqual(stop.reason, .breakpoint(addresses[i]), "backwards to \(n)")
            XCTAssertEqual(stop.tid, forward[i].0.tid, "the same thread at \(n)")
            XCTAssertEqual(stop.event, forward[i].0.event, "the same event at \(n)")
            XCTAssertEqual(try d.registers(), forward[i].1, "the registers at \(n)")
            XCTAssertEqual(try d.int64(at: stage), forward[i].2, "stage at \(n)")
        }
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
    }

    func testReverseStepiBacksOutOfTheSyscallWithTheRegistersOfTheForwardStep() throws {
        let (d, rec) = try start("crossings", status: 0)
        let after = try GDBFixture.address(ofLine: try mark("after-syscall"), in: rec.executable)
        try d.setBreakpoint(after)
        _ = try resume(d)
        try d.removeBreakpoint(after)
        let pid = try d.registers().rax
        // Back through getpid()'s return into libc until the syscall instruction itself.
        var back = 0
        while back < 40 {
            XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
            back += 1
            let rip = try d.registers().rip
            if try d.readMemory(rip, count: 2) == [0x0f, 0x05] { break }
        }
        XCTAssertLessThan(back, 40, "getpid's syscall instruction is a few instructions back")
        let atSyscall = try d.registers()
        XCTAssertEqual(atSyscall.rax, 39, "getpid's number, before the syscall ran")
        // Forward over it: the recorded result again, then back to where we were.
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        XCTAssertEqual(try d.registers().rax, pid, "the syscall's recorded result, replayed")
        for _ in 1..<back { _ = try d.stepInstruction() }
        XCTAssertEqual(try d.registers().rip, after)
        XCTAssertEqual(try d.registers().rax, pid, "getpid's recorded result")
        XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        XCTAssertEqual(try d.registers().rip, after)
    }
}
