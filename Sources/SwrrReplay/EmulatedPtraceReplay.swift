// Replaying the program's own ptrace (emulated while recording: SwrrRecord/EmulatedPtrace.swift).
// The call itself is emulated like any other (its recorded result and the bytes it wrote into the
// caller: PEEK words, registers, siginfo); what a request changed in the tracee is applied again
// to the replayed tracee, which stands where the recorded one stood (its stops are syscall
// boundaries, parked syscall entries or recorded points), as PtraceRequests' effect says.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension SyscallReplayer {
    /// Applies a successful recorded ptrace request's change to its tracee.
    func replayPtraceEffect(_ ev: SyscallEvent, caller: Task) throws {
        let request = ev.args[0], addr = ev.args[2], data = ev.args[3]
        guard ev.result == 0, let req = PtraceRequests.request(request), req.effect != .none else { return }
        let t = try tasks.replayTask(Int32(truncatingIfNeeded: ev.args[1]))
        let tracee = t.task
        switch req.effect {
        case .none:
            break
        case .writesWord, .writesUserArea:
            // The kernel's own POKE: text pages are written even when they are read-only.
            if swrr_ptrace(Int32(request), tracee.tid, UInt(addr), UInt(data)) == -1 {
                throw diverge("\(req.name) at 0x\(String(addr, radix: 16)) of task \(ev.args[1]) failed on replay (errno \(errno))")
            }
            if req.effect == .writesUserArea, t.parkedAt != nil { t.parkedAt = try tracee.registers() }
        case .setsRegisters:
            // The caller's memory holds what it held when recorded (replay is exact up to here).
            let bytes = try caller.readMemory(data, count: PtraceRequests.userRegsSize)
            let regs = Registers(bytes: bytes)
            // Segment selectors are replay's own (they may differ from the recording's).
            let set = regs.keepingSegments(of: try tracee.registers())
            try tracee.setRegisters(set)
            if t.parkedAt != nil { t.parkedAt = set }
        case .setsFPRegisters:
            let bytes = try caller.readMemory(data, count: PtraceRequests.fpRegsSize)
            if !tracee.setFxsaveArea(bytes) {
                throw diverge("PTRACE_SETFPREGS of task \(ev.args[1]) failed on replay (errno \(errno))")
            }
        case .setsRegisterSet:
            let iov = try caller.readMemory(data, count: 16)
            let length = Int(min(iov.loadU64(at: 8), UInt64(PtraceRequests.regSetLimit)))
            let bytes = try caller.readMemory(iov.loadU64(at: 0), count: length)
            if !tracee.setRegisterSet(addr, bytes) {
                throw diverge("PTRACE_SETREGSET of task \(ev.args[1]) failed on replay (errno \(errno))")
            }
            if t.parkedAt != nil { t.parkedAt = try tracee.registers() }
        }
    }
}
