// The register-matching trap at the tracee level, without record or replay: busy_alarm runs
// under ptrace with its SIGALRM suppressed, so its loop never ends and the registers at an
// instruction of the loop are the same at the same pass in every run (ASLR is off). A hardware
// breakpoint counts passes to learn the registers of pass k; a new run must then stop at exactly
// that pass with the trap, and go on as if nothing had been there.
import CSwrrShim
import Foundation
import Glibc
import SwrrKernel
import SwrrTracee
import XCTest

final class RegisterMatchTrapTests: XCTestCase {
    /// The pass searched for.
    let k: UInt64 = 3000

    func testTrapOnRipRelativeInstructionStopsAtTheSamePass() throws {
        let loop = try loopInstructions()
        let p = try XCTUnwrap(loop.first { $0.insn.ripDisplacementOffset != nil && RegisterMatchTrap.canPatch($0.insn) },
                              "busy_alarm's loop reads its flag with a rip-relative mov")
        try checkTrap(at: p.address)
    }

    func testTrapOnPlainInstructionStopsAtTheSamePass() throws {
        let loop = try loopInstructions()
        let p = try XCTUnwrap(loop.first { $0.insn.ripDisplacementOffset == nil && RegisterMatchTrap.canPatch($0.insn) },
                              "busy_alarm's loop has a long imul or add")
        try checkTrap(at: p.address)
    }

    /// Registers that differ only outside what the stub compares (here fs_base) make a partial
    /// match, after which the search goes on until its budget is used up.
    func testPartialMatchContinuesUntilTheBudgetEnds() throws {
        let loop = try loopInstructions()
        let p = try XCTUnwrap(loop.first { RegisterMatchTrap.canPatch($0.insn) })
        var target = try registersAtPass(k, of: p.address)
        target.fsBase ^= 0x1000
        let task = try start()
        defer { task.kill() }
        _ = try runToPass(1, of: p.address, in: task)
        let trap = try XCTUnwrap(try RegisterMatchTrap.install(in: task, target: target, budget: k + 10))
        defer { trap.remove() }
        var hits: [RegisterMatchTrap.Hit] = []
        while hits.last != .exhausted && hits.count < 3 {
            let regs = try continueToTrap(task)
            let hit = try trap.classify(regs)
            if case .partial(let state) = hit {
                XCTAssertEqual(try trap.passes(), k)
                XCTAssertEqual(state.rip, target.rip)
                XCTAssertEqual(state.rsp, target.rsp)
                XCTAssertEqual(state.rdx, target.rdx)
                try trap.continueAfterPartialMatch(regs)
                hits.append(.partial(state))
            } else {
                hits.append(hit)
            }
        }
        XCTAssertEqual(hits.count, 2)
        XCTAssertEqual(hits.last, .exhausted)
        XCTAssertEqual(try trap.passes(), k + 10)
    }

    // MARK: helpers

    private func checkTrap(at p: UInt64) throws {
        let target = try registersAtPass(k, of: p)
        let task = try start()
        defer { task.kill() }
        _ = try runToPass(1, of: p, in: task)
        let mapsBefore = try task.mappings()
        let bytesBefore = try task.readMemory(p, count: 16)
        let started = Date()
        let trap = try XCTUnwrap(try RegisterMatchTrap.install(in: task, target: target, budget: 1_000_000))
        XCTAssertEqual(try task.mappings().count, mapsBefore.count + 1, "the stub page is mapped")
        let hit = try trap.classify(try continueToTrap(task))
        let passes = try trap.passes()
        trap.remove()
        print("register-match trap at 0x\(String(p, radix: 16)): pass \(passes) found in "
              + String(format: "%.1f ms", Date().timeIntervalSince(started) * 1000))
        guard case .match(let state) = hit else { return XCTFail("expected a match, got \(hit)") }
        XCTAssertTrue(HardwareBreakpoint.sameState(state, target), state.differences(from: target).joined(separator: ", "))
        XCTAssertEqual(passes, k)
        // Gone without a trace: the instruction and the address space are as before.
        XCTAssertEqual(try task.readMemory(p, count: 16), bytesBefore)
        XCTAssertEqual(try task.mappings(), mapsBefore)
        // And the program goes on from there: the next pass is pass k + 1 of the reference run.
        try task.setRegisters(state)
        let next = try runToPass(1, of: p, in: task, skipCurrent: true)
        XCTAssertTrue(HardwareBreakpoint.sameState(next, try registersAtPass(k + 1, of: p)))
    }

    /// The registers at pass `n` through `address`, counted from the start of a fresh run.
    private func registersAtPass(_ n: UInt64, of address: UInt64) throws -> Registers {
        let task = try start()
        defer { task.kill() }
        return try runToPass(n, of: address, in: task)
    }

    /// Runs to pass `n` through `address` with a hardware breakpoint (cleared again), leaving
    /// the task stopped there.
    private func runToPass(_ n: UInt64, of address: UInt64, in task: Task, skipCurrent: Bool = false) throws -> Registers {
        let bp = HardwareBreakpoint(task: task)
        try bp.set(address)
        defer { bp.clear() }
        var skip = skipCurrent
        for _ in 0..<n {
            if skip {
                var r = try task.registers()
                r.eflags |= HardwareBreakpoint.resumeFlag
                try task.setRegisters(r)
            }
            skip = true
            _ = try continueToTrap(task)
        }
        return try task.registers()
    }

    /// Continues to the next SIGTRAP, suppressing the program's SIGALRM on the way.
    private func continueToTrap(_ task: Task) throws -> Registers {
        while true {
            try task.resume(.cont)
            let stop = try task.wait()
            switch stop {
            case .signal(SIGTRAP): return try task.registers()
            case .signal(SIGALRM), .event(.stop): continue
            default: throw TraceeError("busy_alarm stopped with \(stop)")
            }
        }
    }

    /// busy_alarm (-O2) stopped right after its exec.
    private func start() throws -> Task {
        let exe = try Fixture.busyAlarm.executable(.o2Dynamic)
        let pid = try Spawner.spawn(path: exe, argv: [exe], env: ["PATH=/usr/bin:/bin"], cwd: nil,
                                    flags: Int32(SWRR_SPAWN_NO_ASLR), stackLimit: nil, signals: (0, 0),
                                    ptraceOptions: 0x01 | 0x10 | 0x10_0000)  // TRACESYSGOOD, TRACEEXEC, EXITKILL
        let task = Task(tid: pid)
        _ = try Spawner.runToExec(task: task, path: exe)
        return task
    }

    /// The instructions of busy_alarm's endless loop: a run is interrupted inside it and
    /// single-stepped until it comes back to where it was.
    private func loopInstructions() throws -> [(address: UInt64, insn: X86Instruction)] {
        let task = try start()
        defer { task.kill() }
        try task.resume(.cont)
        var stop = try task.wait()
        XCTAssertEqual(stop, .signal(SIGALRM))
        try task.resume(.cont)
        usleep(20_000)
        try task.interrupt()
        stop = try task.wait()
        XCTAssertEqual(stop, .event(.stop))
        let start = try task.registers().rip
        var out: [(UInt64, X86Instruction)] = []
        var rip = start
        repeat {
            let (insn, _) = try XCTUnwrap(RegisterMatchTrap.instruction(in: task, at: rip))
            out.append((rip, insn))
            try task.resume(.singleStep)
            XCTAssertEqual(try task.wait(), .signal(SIGTRAP))
            rip = try task.registers().rip
        } while rip != start && out.count < 50
        XCTAssertLessThan(out.count, 50, "the loop is short")
        return out.sorted { $0.0 < $1.0 }
    }
}
