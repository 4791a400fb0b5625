// Choosing the instruction a held signal is delivered at. Replay finds an arbitrary delivery
// point fast only when the instruction there can carry its register-matching trap (a 5-byte jump
// over an instruction that can run elsewhere: SwrrTracee/RegisterMatchTrap.swift); at any other
// instruction it stops at every pass (≈45 µs each). So before delivering, the recorder
// single-steps the task (≈57 µs a step) to the next instruction that qualifies, at most
// `maxSteps` of them; compiled loops have one within a few instructions. Nothing the program
// can observe depends on where a signal that arrived while it computed is delivered.
//
// Spin points (SpinDetector) are not moved: a spinning task passes the same state at every turn,
// so replay finds it at the first breakpoint hit anyway.
import Glibc
import SwrrKernel
import SwrrTracee

extension SignalRecorder {
    /// At most this many single steps towards a patchable instruction (≈0.1 s).
    static let maxStepsToPatchable = 2000

    /// Single-steps `t`, stopped in user code, until it stands at an instruction replay can
    /// patch. Stops early (the task staying where it is) before an instruction that must not be
    /// stepped blindly (syscall, int, rdtsc, pushf) or cannot be decoded, and after
    /// `maxStepsToPatchable`: replay then searches with its breakpoint. Returns false when
    /// another stop ended the stepping (a signal, the task's end): that stop has been handled
    /// as the main loop handles it, and the task is no longer stopped here.
    func stepToPatchableInstruction(_ t: RecordTask) throws -> Bool {
        let task = t.task
        for _ in 0..<Self.maxStepsToPatchable {
            let rip = try task.registers().rip
            guard let (insn, _) = RegisterMatchTrap.instruction(in: task, at: rip) else { return true }
            if RegisterMatchTrap.canPatch(insn) { return true }
            // Stepping a syscall would leave it unrecorded, rdtsc traps (SIGSEGV), int3 traps,
            // and pushf would push the trap flag the step sets into the program's stack.
            if insn.effect == .trap || insn.effect == .pushesFlags { return true }
            try task.resume(.singleStep)
            let stop = try task.wait()
            guard case .signal(SIGTRAP) = stop else {
                try loop.handle(stop, of: t)
                return false
            }
        }
        return true
    }
}
