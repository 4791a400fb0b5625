// A death by a program's seccomp filter (SECCOMP_RET_KILL_THREAD, SECCOMP_RET_KILL_PROCESS),
// reproduced by the kernel itself, the same way when recording and replaying. The recorder
// rewrites the program's kill into a ptrace stop (SwrrKernel/SeccompActions.swift), so the kernel
// no longer kills; and a kill cannot be imitated with a signal: the kernel's SIGSYS for
// KILL_PROCESS is forced with SA_IMMUTABLE (no handler runs, a blocked or ignored SIGSYS still
// kills, a core is dumped), and KILL_THREAD of one thread among several ends only that thread
// with exit code SIGSYS. So the task gets a one-instruction filter returning that kill and makes
// its syscall again: the kernel then does exactly what it would have done natively.
import SwrrKernel

public enum SeccompKill {
    /// The task is stopped at the entry of the call the filter kills (a seccomp stop, or replay's
    /// PTRACE_SYSEMU stop), `entry` its registers there. Installs the kill filter on this thread
    /// only (no TSYNC: KILL_PROCESS ends the others itself) and points it back at its syscall
    /// instruction with the call's number, leaving it stopped at the entry of that call: the next
    /// resume kills it. Uses swrr's scratch page for the filter (mapped in every recorded and
    /// replayed process).
    public static func arm(_ task: Task, process: Bool, entry: Registers) throws {
        let insn = entry.rip &- 2
        let base = ScratchPage.address
        let action: UInt32 = process ? 0x8000_0000 : 0   // KILL_PROCESS, KILL_THREAD
        try task.writeMemory(base, SeccompFilter.fprogImage(SeccompFilter.encode([(0x06 /* BPF_RET|BPF_K */, 0, 0, action)]),
                                                            at: base))
        // An unprivileged task may only install a filter with no_new_privs; the task is about to
        // die, so setting it changes nothing anyone sees.
        let p = try task.injectSyscall(Syscall.prctl.number, [38, 1, 0, 0, 0], syscallInstruction: insn, base: entry)
        guard p == 0 else { throw TraceeError("prctl(PR_SET_NO_NEW_PRIVS) before a seccomp kill failed (error \(-p))") }
        let r = try task.injectSyscall(Syscall.seccomp.number, [1, 0, base], syscallInstruction: insn, base: entry)
        guard r == 0 else { throw TraceeError("installing the seccomp kill filter failed (error \(-r))") }
        var regs = entry
        regs.rip = insn
        regs.rax = entry.origRax
        try task.setRegisters(regs)
    }
}
