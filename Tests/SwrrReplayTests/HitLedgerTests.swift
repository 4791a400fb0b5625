// Reverse-continue to hits the client's forward runs already stopped at (HitLedger.swift): no
// scanning replay is needed, and the answer is the one a scan gives. On
// Tests/Fixtures/gdb/loop.c, where `body` runs once per iteration and `twice` after it.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class HitLedgerTests: DebuggerTestCase {
    func testBreakpointHitsSeenForwardAreReachedBackwardsWithoutScanning() throws {
        let (d, rec) = try start()
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        let iter = try GDBFixture.symbol("iter", in: rec.executable)
        try d.setBreakpoint(body)
        var forward: [Registers] = []
        for k in 0..<5 {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            forward.append(try d.registers())
        }
        // A few instructions back, then reverse-continue: still no scan (those instructions
        // lie inside the run that stopped at iteration 4).
        for _ in 0..<2 { XCTAssertEqual(try d.reverseStepInstruction().reason, .step) }
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(body))
        XCTAssertEqual(try d.int32(at: iter), 3)
        XCTAssertEqual(try d.registers(), forward[3])
        XCTAssertEqual(try d.scanCount(), 0)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
        XCTAssertEqual(try d.registers(), forward[4])
        // On to the end of the recording, then back over every iteration.
        let end = ReplayOutcome.completed(waitStatus: WaitStatus.exited(3))
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(end))
        for k in stride(from: 4, through: 0, by: -1) {
            XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(body), "back to iteration \(k)")
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            XCTAssertEqual(try d.registers(), forward[k], "iteration \(k)'s registers, as forwards")
        }
        XCTAssertEqual(try d.scanCount(), 0, "every hit was one a forward run stopped at")
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
        XCTAssertEqual(try d.scanCount(), 0, "nothing is left to scan before the first forward run")
    }

    func testABreakpointAddedLaterIsScannedForAndAgreesWithTheLedger() throws {
        let (d, rec) = try start()
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        let twice = try GDBFixture.address(ofLine: try GDBFixture.line("twice"), in: rec.executable)
        let iter = try GDBFixture.symbol("iter", in: rec.executable)
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        try d.setBreakpoint(body)
        var bodyRegs: [Registers] = []
        for _ in 0..<2 {
            _ = try d.continueForward()
            bodyRegs.append(try d.registers())
        }
        // Steps break the chain of forward runs: what lies before them is scanned.
        for _ in 0..<3 { XCTAssertEqual(try d.stepInstruction().reason, .step) }
        for _ in 0..<2 {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
            bodyRegs.append(try d.registers())
        }
        XCTAssertEqual(try d.int32(at: iter), 3)
        // `twice` was not inserted when the replay ran forward: the runs prove nothing about
        // it, so the last hit of {body, twice} comes from a scan: twice in iteration 2.
        try d.setBreakpoint(twice)
        let scans = try d.scanCount()
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(twice))
        XCTAssertEqual(try d.int32(at: iter), 2)
        XCTAssertEqual(try d.int64(at: counter), 21)
        XCTAssertGreaterThan(try d.scanCount(), scans, "a scan found it")
        let twiceRegs = try d.registers()
        // Without twice: body in iteration 2, then 1 and 0 (across the steps), with the
        // registers the forward stops had.
        try d.removeBreakpoint(twice)
        for k in stride(from: 2, through: 0, by: -1) {
            XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(body), "back to iteration \(k)")
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            XCTAssertEqual(try d.registers(), bodyRegs[k])
        }
        // Forward again with both, then back: the same stop at twice.
        try d.setBreakpoint(twice)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(twice))   // iteration 0
        for k in 1...3 {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(twice))
        }
        let before = try d.scanCount()
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(body))
        XCTAssertEqual(try d.int32(at: iter), 3)
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(twice))
        XCTAssertEqual(try d.registers(), twiceRegs, "twice in iteration 2, as the scan found it")
        XCTAssertEqual(try d.scanCount(), before, "hits of runs with both breakpoints inserted need no scan")
    }

    func testWatchpointHitsSeenForwardStopBeforeEachWrite() throws {
        let (d, rec) = try start()
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        try d.setWatchpoint(address: counter, length: 8, kind: .write)
        var values: [Int64] = []
        for _ in 0..<4 {
            XCTAssertEqual(try d.continueForward().reason, .watchpoint(address: counter, kind: .write))
            values.append(try d.int64(at: counter))
        }
        XCTAssertEqual(values, [1, 11, 21, 31])
        // Backwards, each write is found before it happens (the old value), the one just
        // reported forwards first.
        for old in [21, 11, 1, 0] as [Int64] {
            XCTAssertEqual(try d.reverseContinue().reason, .watchpoint(address: counter, kind: .write))
            XCTAssertEqual(try d.int64(at: counter), old)
        }
        XCTAssertEqual(try d.scanCount(), 0, "every write was one a forward run stopped after")
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
    }

    /// Random sessions of forward and backward operations, breakpoints and a watchpoint coming
    /// and going, run on two replays of the same recording: one using the ledger, one always
    /// scanning. Every stop must be the same (reason, event, registers). SWRR_TEST_SEEDS=1,2,…
    /// runs other sessions (seeds 1–100 passed on loop.c and on crossings.c when it was written).
    func testRandomSessionsAgreeWithAlwaysScanning() throws {
        let rec = try GDBFixture.recording()
        let lines = try ["body", "twice"].map { try GDBFixture.address(ofLine: try GDBFixture.line($0), in: rec.executable) }
        let used = try randomSessions(rec, breakpoints: lines, watch: try GDBFixture.symbol("counter", in: rec.executable),
                                      seeds: Array(1...8))
        XCTAssertGreaterThan(used, 0, "the sessions exercised the ledger")
    }

    /// The same across a syscall, a signal handler, a thread and a fork (crossings.c).
    func testRandomSessionsAcrossThreadsSignalsAndForksAgreeWithAlwaysScanning() throws {
        let rec = try GDBFixture.recording("crossings", status: 0)
        let lines = try ["handler", "thread", "after-syscall", "after-thread", "after-fork"].map {
            try GDBFixture.address(ofLine: try GDBFixture.line($0, in: "crossings"), in: rec.executable)
        }
        // Seed 39 once found a reverse-continue answered with a point after the current one (the
        // ledger followed two reverse-stepi landings forward, where one is all it may).
        let used = try randomSessions(rec, breakpoints: lines, watch: try GDBFixture.symbol("stage", in: rec.executable),
                                      seeds: Array(1...16) + [39])
        XCTAssertGreaterThan(used, 0, "the sessions exercised the ledger")
    }

    /// Runs the random sessions; returns how many reverse-continues the ledger answered alone.
    private func randomSessions(_ rec: GDBFixture.Recording, breakpoints: [UInt64], watch: UInt64,
                                seeds defaultSeeds: [UInt64], operations: Int = 30) throws -> Int {
        let seeds = ProcessInfo.processInfo.environment["SWRR_TEST_SEEDS"].map { s in
            s.split(separator: ",").compactMap { UInt64($0) }
        } ?? defaultSeeds
        var usedLedger = 0
        for seed in seeds {
            let a = try ReplayDebugger(traceDirectory: rec.trace)
            let b = try ReplayDebugger(traceDirectory: rec.trace, rememberForwardRuns: false)
            defer { a.kill(); b.kill() }
            var rng = SeededRandom(seed: seed)
            var inserted: Set<UInt64> = []
            var watching = false
            var log: [String] = []
            for _ in 0..<operations {
                let op = Int(rng.next() % 10)
                let what: String
                switch op {
                case 0, 1:
                    let addr = breakpoints[Int(rng.next() % UInt64(breakpoints.count))]
                    if inserted.remove(addr) != nil {
                        for d in [a, b] { try d.removeBreakpoint(addr) }
                    } else {
                        inserted.insert(addr)
                        for d in [a, b] { try d.setBreakpoint(addr) }
                    }
                    log.append("toggle 0x\(String(addr, radix: 16))")
                    continue
                case 2:
                    watching.toggle()
                    for d in [a, b] {
                        if watching { try d.setWatchpoint(address: watch, length: 8, kind: .write) }
                        else { try d.removeWatchpoint(address: watch, length: 8, kind: .write) }
                    }
                    log.append("toggle watch")
                    continue
                case 3, 4: what = "continue"
                case 5: what = "stepi"
                case 6: what = "reverse-stepi"
                default: what = "reverse-continue"
                }
                log.append(what)
                func run(_ d: ReplayDebugger) -> String {
                    do {
                        let stop: DebugStop
                        switch what {
                        case "continue": stop = try d.continueForward(stopAtTaskEvents: false)
                        case "stepi": stop = try d.stepInstruction()
                        case "reverse-stepi": stop = try d.reverseStepInstruction()
                        default: stop = try d.reverseContinue()
                        }
                        let regs = (try? d.registers()).map { "\($0)" } ?? "-"
                        return "\(stop.reason) at event \(stop.event) in task \(stop.tid): \(regs)"
                    } catch {
                        return "error: \(error)"
                    }
                }
                let scans = try a.scanCount()
                let got = run(a), want = run(b)
                let scansAfter = try a.scanCount()
                if what == "reverse-continue" && scansAfter == scans { usedLedger += 1 }
                XCTAssertEqual(got, want, "seed \(seed) after \(log.joined(separator: ", "))")
                if got != want { return usedLedger }
            }
        }
        print("reverse-continues answered from the ledger alone: \(usedLedger)")
        return usedLedger
    }
}
