// The recorded program's own seccomp filters (issue 14). The kernel takes the most restrictive
// action of all of a task's filters, and ERRNO, TRAP and the kills act without any ptrace stop,
// so a recording would miss them. So (as rr does):
// - at the entry of seccomp(SECCOMP_SET_MODE_FILTER) or prctl(PR_SET_SECCOMP, FILTER), the
//   program's filter is rewritten in its own memory, in place (same length: only return values
//   change, SwrrKernel/SeccompActions.swift): every action that does not run the call becomes
//   SECCOMP_RET_TRACE with an index into the recorder-wide table of original actions; the
//   original bytes are written back at the call's exit (the kernel copied the filter at entry);
// - at PTRACE_EVENT_SECCOMP with a nonzero index (0 is swrr's own filter), the recorder does what
//   the kernel would have done: ERRNO skips the call with -errno, TRACE (no tracer of the
//   program's) and USER_NOTIF (no listener) with -ENOSYS, TRAP skips it with rax rolled back to the
//   syscall number and a SIGSYS (SYS_SECCOMP siginfo) delivered right after it, and the kills are
//   left to the kernel through a kill filter (SwrrTracee/SeccompKill.swift). The call's event says
//   so (SeccompVerdict), and replay never runs it.
// Without syscall buffering there is no filter of swrr's: the seccomp stop then comes after the
// syscall-entry stop (PTRACE_SYSCALL), and the same emulation happens there.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// The program's seccomp filters as the recorder sees them: the original actions of every filter
/// it installed, and what it works with: the scheduler's task set, the trace, the syscall buffers
/// (whether calls are buffered, how a task resumes into user code).
final class ProgramSeccompFilters {
    private let scheduler: Scheduler
    private let writer: TraceWriter
    private unowned let buffers: SyscallBuffers
    /// The original actions of every filter the program installed.
    private var seccompRewriter = SeccompFilterRewriter()

    init(scheduler: Scheduler, writer: TraceWriter, buffers: SyscallBuffers) {
        self.scheduler = scheduler
        self.writer = writer
        self.buffers = buffers
    }

    private var tasks: [Int32: RecordTask] { scheduler.tasks }

    /// The fprog argument of a filter-installing call, or nil for any other call.
    static func filterProgramArgument(number: Int, args: [UInt64]) -> UInt64? {
        if number == Syscall.seccomp.number && args[0] == 1 { return args[2] }  // seccomp(SET_MODE_FILTER)
        if number == Syscall.prctl.number && args[0] == 22 && args[1] == 2 { return args[2] }  // prctl(PR_SET_SECCOMP, FILTER)
        return nil
    }

    /// The filter a filter-installing call hands the kernel (where it is, and its bytes), when
    /// the kernel would get as far as reading it: known flags (SECCOMP_FILTER_FLAG_* up to
    /// WAIT_KILLABLE_RECV, 0x20), a readable struct sock_fprog, 1 to 4096 instructions. nil
    /// otherwise: the kernel refuses the call itself (EINVAL, EFAULT) before anything else.
    func programFilter(_ t: RecordTask, number: Int, args: [UInt64]) -> (address: UInt64, bytes: [UInt8])? {
        guard let fprog = Self.filterProgramArgument(number: number, args: args),
              number != Syscall.seccomp.number || args[1] & ~0x3f == 0,
              let head = try? t.task.readMemory(fprog, count: 16) else { return nil }
        let count = Int(head[0]) | Int(head[1]) << 8
        let address = head.loadU64(at: 8)
        guard count >= 1 && count <= SeccompFilterRewriter.maxInstructions,
              let bytes = try? t.task.readMemory(address, count: count * 8) else { return nil }
        return (address, bytes)
    }

    /// At a syscall's entry, before the kernel runs it: a filter the program installs is
    /// rewritten in place.
    func rewriteProgramFilter(_ t: RecordTask, number: Int, args: [UInt64]) throws {
        guard let (address, original) = programFilter(t, number: number, args: args) else { return }
        let rewritten: [UInt8]
        do {
            rewritten = try seccompRewriter.rewrite(original)
        } catch {
            let seccomp = number == Syscall.seccomp.number
            throw RecordError.unsupported(.command(syscall: number, command: seccomp ? 1 : 22,
                                                   name: seccomp ? "SECCOMP_SET_MODE_FILTER" : "PR_SET_SECCOMP",
                                                   reason: "\(error): swrr must see each action the filter returns"),
                                          event: writer.eventCount)
        }
        t.installingFilter = (original, number == Syscall.seccomp.number && args[1] & 1 != 0)   // SECCOMP_FILTER_FLAG_TSYNC
        guard rewritten != original else { return }
        try t.task.writeMemory(address, rewritten)
        t.filterToRestore = (address, original)
    }

    /// At the exit of the filter-installing call: the program's memory holds its own filter again,
    /// and the filter joins the task's (with TSYNC, every thread of its process then has the
    /// caller's filters; TSYNC's positive result names a thread that could not take them, and
    /// nothing was installed).
    func restoreProgramFilter(_ t: RecordTask) throws {
        guard let installing = t.installingFilter else { return }
        t.installingFilter = nil
        if let (address, bytes) = t.filterToRestore {
            try? t.task.writeMemory(address, bytes)
            t.filterToRestore = nil
        }
        guard try t.task.registers().syscallResult == 0 else { return }
        t.filters.insert(installing.bytes, at: 0)
        if installing.tsync {
            for other in tasks.values where other.task.tgid == t.task.tgid {
                other.filters = t.filters
                if t.noNewPrivs { other.noNewPrivs = true }   // seccomp_sync_threads
            }
        }
    }

    /// At a syscall's exit: PR_SET_NO_NEW_PRIVS that succeeded (see privilegeAnswer).
    func notePrivileges(_ t: RecordTask) throws {
        let a = t.entry.syscallArgs
        guard Syscall(number: Int64(bitPattern: t.entry.origRax)) == .prctl && a[0] == 38 && a[1] == 1 else { return }
        if try t.task.registers().syscallResult == 0 { t.noNewPrivs = true }
    }

    /// What swrr answers itself, with syscall buffering, to a call whose native answer its own
    /// filter changed: swrr's filter sets no_new_privs and seccomp mode 2 in every recorded task
    /// (SyscallBufferSetup.swift), so PR_GET_NO_NEW_PRIVS would say 1 and PR_GET_SECCOMP 2 from
    /// the start, and a program without no_new_privs or CAP_SYS_ADMIN could install a filter the
    /// kernel would natively refuse with EACCES. nil: the kernel's answer is the native one.
    func privilegeAnswer(_ t: RecordTask, number: Int, args: [UInt64]) -> Int64? {
        guard buffers.syscallBuffering else { return nil }
        if number == Syscall.prctl.number && args[0] == 39 { return t.noNewPrivs ? 1 : 0 }       // PR_GET_NO_NEW_PRIVS
        if number == Syscall.prctl.number && args[0] == 21 { return t.filters.isEmpty ? 0 : 2 }  // PR_GET_SECCOMP
        if !t.noNewPrivs, programFilter(t, number: number, args: args) != nil {
            // CapEff bit 21: CAP_SYS_ADMIN, the other way to be allowed a filter.
            let status = readTextFile("/proc/\(t.tid)/status") ?? ""
            let capEff = status.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
                .flatMap { UInt64($0.dropFirst(7).filter { !$0.isWhitespace }, radix: 16) } ?? 0
            if capEff & (1 << 21) == 0 { return -13 }   // EACCES
        }
        return nil
    }

    /// A buffered call of the preload library that the program's filter does not let run (a
    /// seccomp stop with a program index at the stub's instruction): the stub returns
    /// SWRR_INTERRUPTED and the library makes the call again as an ordinary syscall, which stops
    /// outside the stub and is emulated there like any other. Emulating it at the stub would put
    /// TRAP's SIGSYS inside the library's buffered call, where replay, which makes no syscall for
    /// a buffered call, could not deliver it; and the library must not record a result the
    /// program's filter chose.
    func filteredBufferedCall(_ t: RecordTask) throws {
        if t.entry.rbx == SyscallBufferLayout.ownUntracedTag {
            // The library's own call (classifying a descriptor, its desched event's ioctls): the
            // program never makes it natively, so its filter does not act on it.
            try t.task.resume(buffers.userMode(t))
            return
        }
        var regs = t.entry
        regs.origRax = UInt64(bitPattern: -1)
        try t.task.setRegisters(regs)
        t.skippingArmedCall = true   // its exit stop returns SWRR_INTERRUPTED (untracedSyscallStop)
        try t.task.resume(.syscall)
    }

    /// At a PTRACE_EVENT_SECCOMP whose message is `index` (nonzero), the task's entry registers in
    /// `t.entry`: does what the program's filter asked. false when the call runs after all (one of
    /// the preload library's own calls, which the program never makes natively: its buffer's
    /// mmap, the desched event's perf_event_open and fcntls, swrr's calls 1000-1004, found by the
    /// signature after their syscall instruction; or a call swrr itself skips).
    func applyProgramFilter(_ t: RecordTask, index: UInt64) throws -> Bool {
        let number = Int(Int64(bitPattern: t.entry.origRax))
        if t.refusal != nil { return false }
        let signature = SyscallBufferLayout.ownSyscallSignature
        if buffers.syscallBuffering, (try? t.task.readMemory(t.entry.rip, count: signature.count)) == signature { return false }
        guard var action = seccompRewriter.action(forIndex: index) else {
            throw RecordError.tracee("a seccomp stop of task \(t.tid) with index \(index), which no filter of the program returns")
        }
        if t.filters.count > 1 {
            // Stacked filters: the index is the newest stopping filter's action, not necessarily
            // the most restrictive one (SeccompEvaluation.swift).
            let data = SeccompData(nr: Int32(truncatingIfNeeded: number), instructionPointer: t.entry.rip,
                                   args: t.entry.syscallArgs)
            let strictest = SeccompEvaluation.strictest(t.filters, on: data)
            if !strictest.runsTheCall { action = strictest }
        }
        if case .trap = action, SignalPolicy.isBlocked(SIGSYS, tid: t.tid)
            || SignalPolicy.disposition(of: SIGSYS, tid: t.tid) == .ignored {
            // The kernel forces TRAP's SIGSYS (force_sig_seccomp): blocked or ignored, it is
            // unblocked and reset to SIG_DFL, and the process dies by it as by KILL_PROCESS
            // (dumping core); a SIGSYS raised here would stay pending, or be dropped.
            action = .killProcess
        }
        if let result = action.skippedResult {
            try skipFiltered(t, result: result, verdict: .skipped)
            return true
        }
        switch action {
        case .trap(let data):
            // The kernel's force_sig_seccomp: si_errno is the action's data, si_call_addr the
            // address after the syscall instruction, si_syscall the number, si_arch x86-64's.
            var info = [UInt8](repeating: 0, count: 128)
            func put(_ v: UInt32, at offset: Int) {
                for i in 0..<4 { info[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
            }
            put(UInt32(SIGSYS), at: 0)
            put(UInt32(data), at: 4)
            put(1 /* SYS_SECCOMP */, at: 8)
            put(UInt32(truncatingIfNeeded: t.entry.rip), at: 16)
            put(UInt32(truncatingIfNeeded: t.entry.rip >> 32), at: 20)
            put(UInt32(truncatingIfNeeded: number), at: 24)
            put(0xC000_003E /* AUDIT_ARCH_X86_64 */, at: 28)
            // Raised now, delivered at the call's exit with this siginfo, as a re-raised held
            // signal is (SignalRecorder.swift): replay delivers it there from the trace.
            t.task.sendSignal(SIGSYS)
            t.reraised.append((SIGSYS, info))
            // syscall_rollback: the handler finds rax back at the syscall number.
            try skipFiltered(t, result: Int64(number), verdict: .trap)
        case .killThread, .killProcess:
            let process = action == .killProcess
            try writer.append(.syscall(SyscallEvent(
                tid: t.tid, number: Int32(truncatingIfNeeded: number), args: t.entry.syscallArgs,
                registers: t.entry, result: 0, seccomp: process ? .killProcess : .killThread)))
            t.state = .exiting
            if process { scheduler.endingGroups.insert(t.task.tgid) }
            try SeccompKill.arm(t.task, process: process, entry: t.entry)
            try t.task.resume(.cont)
        default:
            return false
        }
        return true
    }

    /// Without buffering, at a syscall-entry stop: when the program's filters will stop this call
    /// (its seccomp stop comes right after this one), nothing of swrr's may act on it first: not
    /// a refusal (orig_rax -1 would show the filter another number), not the refusal of a call
    /// swrr cannot record, which the filter keeps from running anyway (sandboxes deny exactly
    /// such calls). The task goes on to that stop, where applyProgramFilter acts.
    func programFilterStopsNext(_ t: RecordTask) throws -> Bool {
        guard !buffers.syscallBuffering, !t.filters.isEmpty else { return false }
        let data = SeccompData(nr: Int32(truncatingIfNeeded: Int64(bitPattern: t.entry.origRax)),
                               instructionPointer: t.entry.rip, args: t.entry.syscallArgs)
        guard !SeccompEvaluation.strictest(t.filters, on: data).runsTheCall else { return false }
        t.state = .inSyscall
        try t.task.resume(.syscall)
        return true
    }

    /// Skips the call (orig_rax -1) with `result` in rax; its exit stop records it.
    private func skipFiltered(_ t: RecordTask, result: Int64, verdict: SeccompVerdict) throws {
        var regs = try t.task.registers()
        regs.origRax = UInt64(bitPattern: -1)
        regs.rax = UInt64(bitPattern: result)
        try t.task.setRegisters(regs)
        t.filtered = (verdict, result)
        if t.state == .running { t.state = .inSyscall }
        try t.task.resume(.syscall)
    }

    /// At the exit stop of a call the program's filter skipped: records it with its verdict and
    /// gives the task the registers the kernel would (orig_rax back to the number, as replay's
    /// PTRACE_SYSEMU has it). Returns them.
    func filteredSyscallExit(_ t: RecordTask, verdict: SeccompVerdict, result: Int64) throws -> Registers {
        var regs = try t.task.registers()
        regs.rax = UInt64(bitPattern: result)
        regs.origRax = t.entry.origRax
        try t.task.setRegisters(regs)
        t.filtered = nil
        try writer.append(.syscall(SyscallEvent(
            tid: t.tid, number: Int32(truncatingIfNeeded: Int64(bitPattern: t.entry.origRax)),
            args: t.entry.syscallArgs, registers: t.entry, result: result, seccomp: verdict)))
        return regs
    }
}
