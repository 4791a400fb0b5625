// The fixtures of Tests/Fixtures/progress (issue 16) for the tracee-level tests of positions
// (ProgressPositionTests, MemoryDigestTests): compiled at test time, and memory_spin started
// under ptrace in its "solo" mode, stopped at its int3 before the loop.
import CSwrrShim
import Foundation
import Glibc
import SwrrKernel
import SwrrTracee
import XCTest

enum ProgressFixture {
    static func executable(_ name: String, _ variant: Variant) throws -> String {
        try Fixture.compile(source: Fixture.packageRoot.appendingPathComponent("Tests/Fixtures/progress/\(name).c"),
                            name: name, variant: variant)
    }

    /// `memory_spin MODE solo` under ptrace (ASLR off), stopped just after the int3 it executes
    /// before its loop, the SIGTRAP suppressed; `iterations` and `flag` are the addresses the
    /// int3 showed in rdi and rsi.
    static func startSolo(_ mode: String, _ variant: Variant) throws -> (task: Task, iterations: UInt64, flag: UInt64) {
        let t = try startAtTrap("memory_spin", [mode, "solo"], variant)
        return (t.task, t.rdi, t.rsi)
    }

    /// A progress fixture with `args` under ptrace (ASLR off, no rseq), stopped just after its
    /// int3, the SIGTRAP suppressed; rdi and rsi there.
    static func startAtTrap(_ name: String, _ args: [String], _ variant: Variant) throws -> (task: Task, rdi: UInt64, rsi: UInt64) {
        let exe = try executable(name, variant)
        let mode = args.joined(separator: " ")
        // No rseq, as under the recorder (SyscallTable refuses it): the kernel writes the CPU
        // number into a registered rseq area whenever the thread is scheduled, without a syscall,
        // so a copy running on the other CPU differs in that word (measured: 12 arrivals of the
        // `fixed` loop at -O0 rejected by the digest before the copy ran on the original's CPU).
        let env = ["PATH=/usr/bin:/bin", "GLIBC_TUNABLES=glibc.pthread.rseq=0"]
        let pid = try Spawner.spawn(path: exe, argv: [exe] + args, env: env, cwd: nil,
                                    flags: Int32(SWRR_SPAWN_NO_ASLR), stackLimit: nil, signals: (0, 0),
                                    // TRACESYSGOOD, TRACECLONE (forkCopy), TRACEEXEC, EXITKILL
                                    ptraceOptions: 0x01 | 0x08 | 0x10 | 0x10_0000)
        let task = Task(tid: pid)
        do {
            _ = try Spawner.runToExec(task: task, path: exe)
            try task.resume(.cont)
            let stop = try task.wait()
            guard stop == .signal(SIGTRAP) else { throw TraceeError("\(name) \(mode) stopped with \(stop), not its int3") }
            let r = try task.registers()
            return (task, r.rdi, r.rsi)
        } catch {
            task.kill()
            throw error
        }
    }

    /// A copy of `task`'s process (fork: the same memory) with its registers and FPU state.
    static func copy(_ task: Task) throws -> Task {
        let regs = try task.registers()
        let xstate = try task.xstate()
        let copy = try task.forkCopy(sameParent: false)
        try copy.setRegisters(regs)
        try copy.setXState(xstate)
        return copy
    }

    /// Lets `task` run for `ms`, then stops it (PTRACE_INTERRUPT).
    static func run(_ task: Task, forMs ms: UInt32) throws {
        try task.resume(.cont)
        usleep(ms * 1000)
        try task.interrupt()
        let stop = try task.wait()
        guard stop == .event(.stop) else { throw TraceeError("expected the interrupt's stop, got \(stop)") }
    }

    /// Runs `task` to the first hit of a hardware breakpoint at `address` whose registers
    /// `wanted` accepts, and leaves it stopped there (the breakpoint cleared); those registers.
    static func runToBreakpoint(_ task: Task, at address: UInt64, where wanted: (Registers) -> Bool) throws -> Registers {
        let bp = HardwareBreakpoint(task: task)
        try bp.set(address)
        defer { bp.clear() }
        for _ in 0..<1_000 {
            try task.resume(.cont)
            let stop = try task.wait()
            guard stop == .signal(SIGTRAP) else { throw TraceeError("expected the breakpoint at 0x\(String(address, radix: 16)), got \(stop)") }
            var r = try task.registers()
            if wanted(r) { return r }
            r.eflags |= HardwareBreakpoint.resumeFlag   // past the breakpoint where it stands
            try task.setRegisters(r)
        }
        throw TraceeError("no wanted hit of the breakpoint at 0x\(String(address, radix: 16)) in 1,000")
    }

    static func word(_ task: Task, _ address: UInt64) throws -> UInt64 {
        try task.readMemory(address, count: 8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}
