// The register-matching trap (SwrrReplay/PointSearch.swift) under the debugger, on
// Tests/Fixtures/busy_alarm.c: its SIGALRM is delivered in the middle of a 10^8-iteration loop,
// which only the trap can find in reasonable time. With nothing armed the debugger's replay uses
// it; a pause asked for during the search never shows the patch or the stub. Watchpoints stay
// armed during searches (with all four debug registers taken too), here and on threads.c spin,
// whose main thread is preempted at a position after storing a flag.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class PointSearchDebuggerTests: DebuggerTestCase {

    func testASignalInALongComputationIsFoundUnderTheDebugger() throws {
        let rec = try Self.recording()
        let out = Output()
        let d = try ReplayDebugger(traceDirectory: rec.trace) { fd, bytes in if fd == 1 { out.append(bytes) } }
        debugger = d
        let started = Date()
        var reasons: [StopReason] = []
        while reasons.count < 20 {
            let stop = try d.continueForward(stopAtTaskEvents: true)
            reasons.append(stop.reason)
            if case .end = stop.reason { break }
        }
        print("busy_alarm under the debugger: the end reached in " + String(format: "%.2f s", Date().timeIntervalSince(started)))
        XCTAssertTrue(reasons.contains(.signal(SIGALRM)), "\(reasons)")
        XCTAssertEqual(reasons.last, .end(.completed(waitStatus: WaitStatus.exited(0))), "\(reasons)")
        XCTAssertEqual(out.text, rec.stdout)
    }

    func testAPauseDuringTheSearchNeverShowsTheTrap() throws {
        let rec = try Self.recording()
        let main = try GDBFixture.symbol("main", in: rec.executable)
        let out = Output()
        let d = try ReplayDebugger(traceDirectory: rec.trace) { fd, bytes in if fd == 1 { out.append(bytes) } }
        debugger = d
        let code = try d.readMemory(main, count: 256)
        let finished = Flag()
        let pauser = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            while !finished.value {
                d.interrupt()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        pauser.start()
        let stop = try d.continueForward(stopAtTaskEvents: false)
        finished.value = true
        // The pause comes at the end of the search: where the signal is delivered (a signal
        // stop), or at the next boundary.
        XCTAssertTrue(stop.reason == .interrupted || stop.reason == .signal(SIGALRM), "\(stop)")
        XCTAssertEqual(try d.readMemory(main, count: 256), code, "the loop's code is the program's own")
        let rip = try d.registers().rip
        XCTAssertNoThrow(try d.readMemory(rip, count: 1), "rip 0x\(String(rip, radix: 16)) is in a mapping that stays")
        var end = try d.continueForward(stopAtTaskEvents: false)
        for _ in 0..<3 where end.reason == .interrupted { end = try d.continueForward(stopAtTaskEvents: false) }
        XCTAssertEqual(end.reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        XCTAssertEqual(out.text, rec.stdout)
    }

    /// With a breakpoint and a watchpoint armed the trap is supervised: the debugger's stops
    /// before and after the point are reported (forwards) or counted (silent replays going
    /// back), and the program's code reads back as its own at each of them. Before, the search
    /// fell back to one breakpoint stop per loop iteration (SWRR_SEARCH_LIMIT, minutes).
    func testASignalInALongComputationIsFoundWithABreakpointAndAWatchpointArmed() throws {
        let rec = try Self.recording()
        let handler = try GDBFixture.symbol("on_alarm", in: rec.executable)
        let flag = try GDBFixture.symbol("flag", in: rec.executable)
        let main = try GDBFixture.symbol("main", in: rec.executable)
        let out = Output()
        let d = try ReplayDebugger(traceDirectory: rec.trace) { fd, bytes in if fd == 1 { out.append(bytes) } }
        debugger = d
        let code = try d.readMemory(main, count: 256)
        try d.setBreakpoint(handler)
        try d.setWatchpoint(address: flag, length: 4, kind: .write)
        let started = Date()
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .signal(SIGALRM))
        print("busy_alarm with a breakpoint and a watchpoint armed: the signal found in " +
              String(format: "%.2f s", Date().timeIntervalSince(started)))
        XCTAssertEqual(try d.readMemory(main, count: 256), code, "the loop's code is the program's own")
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .breakpoint(handler))
        let inHandler = try d.registers()
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .watchpoint(address: flag, kind: .write))
        XCTAssertEqual(try d.int32(at: flag), 1)
        let afterWrite = try d.registers()
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        XCTAssertEqual(out.text, rec.stdout)
        // Another replay goes to the end silently, then back through the same search with both
        // armed: a scan finds the write (stopping before it) and the handler's entry.
        let back = try ReplayDebugger(traceDirectory: rec.trace, rememberForwardRuns: false)
        defer { back.kill() }
        try back.setBreakpoint(handler)
        try back.setWatchpoint(address: flag, length: 4, kind: .write)
        XCTAssertEqual(try back.goToEnd().reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        // The write is the handler's first instruction: stopped before it is the handler's entry.
        XCTAssertEqual(try back.reverseContinue().reason, .watchpoint(address: flag, kind: .write))
        XCTAssertEqual(try back.int32(at: flag), 0, "before the write")
        XCTAssertEqual(try back.registers(), inHandler)
        XCTAssertEqual(try back.reverseContinue().reason, .startOfRecording)
        // Forwards from the start: the same stops (a new replay, the search supervised again).
        XCTAssertEqual(try back.continueForward(stopAtTaskEvents: false).reason, .signal(SIGALRM))
        XCTAssertEqual(try back.continueForward(stopAtTaskEvents: false).reason, .breakpoint(handler))
        XCTAssertEqual(try back.stepInstruction().reason, .watchpoint(address: flag, kind: .write))
        XCTAssertEqual(try back.registers(), afterWrite)
        XCTAssertEqual(try back.readMemory(main, count: 256), code)
    }

    /// The debugger holds all four debug registers (the flag's watchpoint and three on main's
    /// code, never written), so the search has no DR0 for its breakpoint: it starts with the
    /// register-matching trap at once (supervised) and finds the recorded iteration, and the
    /// flag's watchpoint still stops in the handler. Before, the search wrote DR0 and DR7 = 1
    /// over the debugger's slots and the kernel refused it: "setting a hardware breakpoint in
    /// task …: Invalid argument" ended the replay at the signal's event.
    func testASignalInALongComputationIsFoundWithAllFourDebugRegistersTaken() throws {
        let rec = try Self.recording()
        let flag = try GDBFixture.symbol("flag", in: rec.executable)
        let main = try GDBFixture.symbol("main", in: rec.executable)
        let (atSignal, d, out) = try signalRegistersAndADebugger(rec)
        let code = try d.readMemory(main, count: 256)
        for offset: UInt64 in [0, 1, 2] { try d.setWatchpoint(address: main + offset, length: 1, kind: .write) }
        try d.setWatchpoint(address: flag, length: 4, kind: .write)
        XCTAssertThrowsError(try d.setWatchpoint(address: main + 3, length: 1, kind: .write), "all four slots are taken")
        let started = Date()
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .signal(SIGALRM))
        print("busy_alarm with all four debug registers taken: the signal found in " +
              String(format: "%.2f s", Date().timeIntervalSince(started)))
        XCTAssertEqual(try d.registers(), atSignal, "the signal at the recorded iteration")
        XCTAssertEqual(try d.readMemory(main, count: 256), code, "the loop's code is the program's own")
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .watchpoint(address: flag, kind: .write))
        XCTAssertEqual(try d.int32(at: flag), 1)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        XCTAssertEqual(out.text, rec.stdout)
    }

    /// threads.c spin: main stores go = 1 and spins until the spinner answers, so the recorder
    /// preempts main at a position and replay reaches it by a search from main's last syscall;
    /// the store of go lies on that stretch. Watchpoints on go and answer each stop once, in the
    /// writing thread, after the write; before, the store of go was missed (the search cleared
    /// DR7) and the first stop was answer's.
    func testWatchpointsStopOnStretchesReachedByAPreemptionSearch() throws {
        let exe = try FixtureCompiler.compile(FixtureCompiler.fixtures + "/threads.c", flags: ["-g", "-O0", "-no-pie", "-pthread"])
        let trace = try TestDirectory.makeUnique(prefix: "threads_spin") + "/trace"
        let rec = try GDBFixture.run([try GDBFixture.swrr(), "record", "-o", trace, "--", exe, "spin"])
        XCTAssertEqual(rec.status, 0, rec.output)
        let dump = try GDBFixture.run([try GDBFixture.swrr(), "dump", trace])
        XCTAssertTrue(dump.output.contains("switched away at the end of a slice"), "no preemption at a position: \(dump.output.suffix(1000))")
        let go = try GDBFixture.symbol("go", in: exe)
        let answer = try GDBFixture.symbol("answer", in: exe)
        let out = Output()
        let d = try ReplayDebugger(traceDirectory: trace) { fd, bytes in if fd == 1 { out.append(bytes) } }
        debugger = d
        try d.setWatchpoint(address: go, length: 4, kind: .write)
        try d.setWatchpoint(address: answer, length: 4, kind: .write)
        let first = try d.continueForward(stopAtTaskEvents: false)
        XCTAssertEqual(first.reason, .watchpoint(address: go, kind: .write))
        XCTAssertEqual(try d.int32(at: go), 1)
        XCTAssertEqual(try d.int32(at: answer), 0)
        let second = try d.continueForward(stopAtTaskEvents: false)
        XCTAssertEqual(second.reason, .watchpoint(address: answer, kind: .write))
        XCTAssertNotEqual(second.tid, first.tid, "the spinner writes answer, main writes go")
        XCTAssertEqual(try d.int32(at: answer), 1)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        XCTAssertEqual(out.text, "main: setting the flag\nmain: the spinner answered\njoined\n")
    }

    /// A client breakpoint at the very instruction the search looks for (the signal's recorded
    /// rip): the stub cannot patch over it, so the search uses a hardware breakpoint there, which
    /// traps before the int3 at every arrival. Resuming from the int3's stop must carry the task
    /// over both: before, the hardware breakpoint trapped again at the same arrival and the int3
    /// after it, so every continue stopped at the same iteration (the same x in the registers).
    func testABreakpointAtTheSearchedInstructionStopsOncePerIteration() throws {
        let rec = try Self.recording()
        let (atSignal, d, out) = try signalRegistersAndADebugger(rec)
        try d.setBreakpoint(atSignal.rip)
        var seen: [Registers] = []
        for _ in 0..<4 {
            XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .breakpoint(atSignal.rip))
            seen.append(try d.registers())
        }
        // x changes every iteration: four stops, four iterations.
        XCTAssertEqual(Set(seen.map(\.rip)), [atSignal.rip])
        let states = seen.map { r -> String in
            var plain = r
            plain.eflags = 0   // the resume flag aside
            return "\(plain)"
        }
        XCTAssertEqual(Set(states).count, 4, "each stop one iteration further: \(states)")
        try d.removeBreakpoint(atSignal.rip)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .signal(SIGALRM))
        XCTAssertEqual(try d.registers(), atSignal, "the signal at the recorded iteration")
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        XCTAssertEqual(out.text, rec.stdout)
    }

    /// The registers at the signal, from a first replay with nothing armed, and a new debugger
    /// (this test's) echoing the program's stdout.
    private func signalRegistersAndADebugger(_ rec: Recording) throws -> (Registers, ReplayDebugger, Output) {
        let first = try ReplayDebugger(traceDirectory: rec.trace)
        defer { first.kill() }
        XCTAssertEqual(try first.continueForward(stopAtTaskEvents: false).reason, .signal(SIGALRM))
        let atSignal = try first.registers()
        let out = Output()
        let d = try ReplayDebugger(traceDirectory: rec.trace) { fd, bytes in if fd == 1 { out.append(bytes) } }
        debugger = d
        return (atSignal, d, out)
    }

    // MARK: the recording

    struct Recording {
        var executable: String
        var trace: String
        var stdout: String
    }

    nonisolated(unsafe) private static var cached: Recording?

    /// busy_alarm compiled -O2 -no-pie and recorded once per test process; its SIGALRM must have
    /// been delivered in the loop, at a position (a state signature).
    static func recording() throws -> Recording {
        if let r = cached { return r }
        let exe = try FixtureCompiler.compile(FixtureCompiler.fixtures + "/busy_alarm.c", flags: ["-g", "-O2", "-no-pie"])
        let dir = try TestDirectory.makeUnique(prefix: "busy_alarm")
        let trace = dir + "/trace"
        let rec = try GDBFixture.run([try GDBFixture.swrr(), "record", "-o", trace, "--", exe])
        guard rec.status == 0, let line = rec.output.split(separator: "\n").first(where: { $0.hasPrefix("flag set after") }) else {
            throw GDBFixture.Failure(description: "recording failed (\(rec.status)): \(rec.output)")
        }
        let dump = try GDBFixture.run([try GDBFixture.swrr(), "dump", trace])
        guard dump.output.contains("signal SIGALRM code 128 at a position") else {
            throw GDBFixture.Failure(description: "SIGALRM not delivered in the loop: \(dump.output.suffix(1000))")
        }
        let r = Recording(executable: exe, trace: trace, stdout: line + "\n")
        cached = r
        return r
    }
}

/// The program's stdout as the replay echoes it (from the engine thread).
final class Output: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func append(_ b: [UInt8]) { lock.lock(); bytes += b; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: bytes, as: UTF8.self) }
}
