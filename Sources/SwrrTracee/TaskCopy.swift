// Copies of stopped tasks, the tracee side of replay checkpoints (as rr makes them): a process is
// copied by a clone injected into one of its threads (a fork: the copy gets a copy-on-write image
// of the address space and of that one thread), and the other threads are recreated inside a
// copy by clones sharing its address space. What fork does not carry over is read here so the
// caller can put it back: the extended FPU state (XSAVE), the signal mask, the robust-futex list,
// the clear_child_tid address (PR_GET_TID_ADDRESS, a CONFIG_CHECKPOINT_RESTORE kernel) and the
// alternate signal stack of each thread.
//
// Every copy stays a ptrace-stopped tracee of this tracer: the clone is reported as a
// PTRACE_EVENT_CLONE (exit signal 0 is not SIGCHLD) and the child is attached automatically with
// the same options, PTRACE_O_EXITKILL included, so copies die with swrr.
import CSwrrShim
import Glibc
import SwrrKernel

/// Per-thread kernel state that a fork or clone resets and that the copy must get back.
public struct ThreadKernelState: Equatable, Sendable {
    /// The blocked-signal mask (PTRACE_GETSIGMASK).
    public var signalMask: UInt64
    /// The XSAVE area (x87, SSE, AVX...), as PTRACE_GETREGSET NT_X86_XSTATE gives it.
    public var xstate: [UInt8]
    /// The robust-futex list head (get_robust_list), 0 when none.
    public var robustList: UInt64
    public var robustListLength: UInt64
    /// Where the kernel writes 0 and wakes futex waiters when the thread exits (set_tid_address,
    /// CLONE_CHILD_CLEARTID); 0 when none.
    public var clearChildTid: UInt64
    /// The stack_t of sigaltstack (24 bytes: ss_sp, ss_flags, ss_size).
    public var altStack: [UInt8]
}

extension Task {
    /// A copy of this task's process, stopped at its first stop: the same memory (copy on write),
    /// this thread's registers and FPU state, and the process-wide kernel state fork copies
    /// (signal handlers, rlimits, personality, rdtsc trapping). `sameParent`: the copy is made a
    /// sibling of this process (CLONE_PARENT) instead of its child, so that it has swrr as its
    /// parent when this process has (swrr then reaps it itself).
    /// `clearChildTid`: the copy's clear_child_tid (a fork does not inherit it).
    public func forkCopy(sameParent: Bool, clearChildTid: UInt64 = 0) throws -> Task {
        let (child, rip, bytes) = try injectClone(flags: sameParent ? .parent : [], clearChildTid: clearChildTid)
        let copy = Task(tid: child)
        try copy.awaitFirstStop()
        // The copy was made while a `syscall` instruction was written at rip (injectClone):
        // give it the program's bytes there too.
        try copy.writeMemory(rip, bytes)
        return copy
    }

    /// A new thread in this task's process (sharing its memory, files and signal handlers),
    /// stopped at its first stop; the caller gives it its registers and state.
    public func cloneThread(clearChildTid: UInt64) throws -> Task {
        let flags: CloneFlags = [.vm, .fs, .files, .sighand, .thread, .sysvsem]
        let t = Task(tid: try injectClone(flags: flags, clearChildTid: clearChildTid).child, tgid: tgid)
        try t.awaitFirstStop()
        return t
    }

    /// clone(flags) run at rip (injectSyscallAtRip); returns the new task's id and the bytes
    /// borrowed at rip (the new process copied them while they were a `syscall` instruction).
    private func injectClone(flags: CloneFlags, clearChildTid: UInt64) throws -> (child: pid_t, rip: UInt64, bytes: [UInt8]) {
        let rip = try registers().rip
        let bytes = try readMemory(rip, count: 2)
        var child: pid_t = 0
        let all = clearChildTid != 0 ? flags.union(.childClearTid) : flags
        let r = try injectSyscallAtRip(Syscall.clone.number, [all.rawValue, 0, 0, clearChildTid, 0]) { event, msg in
            if event == .clone || event == .fork { child = pid_t(truncatingIfNeeded: msg) }
        }
        guard r > 0, child > 0 else {
            throw TraceeError("cannot copy task \(tid): clone failed (\(r < 0 ? String(cString: strerror(Int32(-r))) : "no child reported"))")
        }
        return (child, rip, bytes)
    }

    /// The first stop of a task created by a clone of a traced task (PTRACE_EVENT_STOP for a
    /// seized tracer, SIGSTOP otherwise).
    private func awaitFirstStop() throws {
        let stop = try wait()
        if stop.isTermination { throw TraceeError("the copy \(tid) ended at once (\(stop))") }
    }

    // MARK: per-thread state

    /// The state of this (stopped) thread that copies lose. Two calls are injected into it
    /// (PR_GET_TID_ADDRESS and sigaltstack), which write their answers into the last bytes of
    /// swrr's scratch page (put back afterwards).
    public func kernelState() throws -> ThreadKernelState {
        let (head, length) = robustList()
        let area = ScratchPage.address + ScratchPage.size - 64
        let saved = try readMemory(area, count: 64)
        defer { try? writeMemory(area, saved) }
        let r = try injectSyscallAtRip(Syscall.prctl.number, [40 /* PR_GET_TID_ADDRESS */, area])
        guard r == 0 else {
            throw TraceeError("prctl(PR_GET_TID_ADDRESS) failed in task \(tid) (\(r)): checkpoints need a kernel built with CONFIG_CHECKPOINT_RESTORE")
        }
        let clear = try readMemory(area, count: 8).loadU64(at: 0)
        let a = try injectSyscallAtRip(Syscall.sigaltstack.number, [0, area + 8])
        guard a == 0 else { throw TraceeError("sigaltstack failed in task \(tid) (\(a))") }
        return ThreadKernelState(signalMask: try signalMask(), xstate: try xstate(), robustList: head,
                                 robustListLength: length, clearChildTid: clear,
                                 altStack: try readMemory(area + 8, count: 24))
    }

    /// Gives this task (a fresh copy) the state `s`, except clear_child_tid (a clone argument)
    /// and, unless `altStack`, the alternate signal stack. The robust list and the alternate stack
    /// are set by injected calls.
    public func setKernelState(_ s: ThreadKernelState, altStack: Bool) throws {
        try setSignalMask(s.signalMask)
        try setXState(s.xstate)
        if s.robustList != 0 {
            let r = try injectSyscallAtRip(Syscall.set_robust_list.number, [s.robustList, s.robustListLength])
            guard r == 0 else { throw TraceeError("set_robust_list in task \(tid) failed (\(r))") }
        }
        let ssDisable: UInt64 = 2
        if altStack, s.altStack.count == 24, UInt64(s.altStack.loadU32(at: 8)) & ssDisable == 0 {
            let area = ScratchPage.address + ScratchPage.size - 64
            let saved = try readMemory(area, count: 24)
            defer { try? writeMemory(area, saved) }
            try writeMemory(area, s.altStack)
            let r = try injectSyscallAtRip(Syscall.sigaltstack.number, [area, 0])
            guard r == 0 else { throw TraceeError("sigaltstack in task \(tid) failed (\(r))") }
        }
    }

    public func signalMask() throws -> UInt64 {
        var mask: UInt64 = 0
        guard swrr_ptrace(0x420a /* PTRACE_GETSIGMASK */, tid, 8, UInt(bitPattern: withUnsafeMutablePointer(to: &mask) { $0 })) == 0 else {
            throw TraceeError.errno("PTRACE_GETSIGMASK of \(tid)")
        }
        return mask
    }

    public func setSignalMask(_ mask: UInt64) throws {
        var m = mask
        guard swrr_ptrace(0x420b /* PTRACE_SETSIGMASK */, tid, 8, UInt(bitPattern: withUnsafeMutablePointer(to: &m) { $0 })) == 0 else {
            throw TraceeError.errno("PTRACE_SETSIGMASK of \(tid)")
        }
    }

    private static let ntX86XState: UInt = 0x202

    /// The XSAVE area (its size is what the kernel reports for this CPU).
    public func xstate() throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 16384)
        let n: Int = try buf.withUnsafeMutableBytes { b in
            var iov = iovec(iov_base: b.baseAddress, iov_len: b.count)
            guard swrr_ptrace(0x4204 /* PTRACE_GETREGSET */, tid, Task.ntX86XState,
                              UInt(bitPattern: withUnsafeMutablePointer(to: &iov) { $0 })) == 0 else {
                throw TraceeError.errno("PTRACE_GETREGSET(NT_X86_XSTATE) of \(tid)")
            }
            return iov.iov_len
        }
        return Array(buf.prefix(n))
    }

    public func setXState(_ bytes: [UInt8]) throws {
        var copy = bytes
        try copy.withUnsafeMutableBytes { b in
            var iov = iovec(iov_base: b.baseAddress, iov_len: b.count)
            guard swrr_ptrace(0x4205 /* PTRACE_SETREGSET */, tid, Task.ntX86XState,
                              UInt(bitPattern: withUnsafeMutablePointer(to: &iov) { $0 })) == 0 else {
                throw TraceeError.errno("PTRACE_SETREGSET(NT_X86_XSTATE) of \(tid)")
            }
        }
    }

    /// get_robust_list(tid), asked by the tracer (which may: it can ptrace the task).
    public func robustList() -> (head: UInt64, length: UInt64) {
        var head: UInt64 = 0
        var length: UInt64 = 0
        let r = withUnsafeMutablePointer(to: &head) { h in
            withUnsafeMutablePointer(to: &length) { l in
                swrr_syscall6(274, Int(tid), Int(bitPattern: h), Int(bitPattern: l), 0, 0, 0)
            }
        }
        return r == 0 ? (head, length) : (0, 0)
    }

    /// The task's scheduler state letter from /proc (`t`: stopped by its tracer, `Z`: zombie).
    public func procState() -> Character? {
        guard let text = readTextFile("/proc/\(tgid)/task/\(tid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].drop { $0 == " " }
        return rest.first
    }

    /// The parent process id from /proc.
    public func parentPid() -> pid_t? {
        guard let text = readTextFile("/proc/\(tgid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Whether this task and `other` share one address space (kcmp KCMP_VM); nil when the kernel
    /// cannot tell.
    public func sharesMemory(with other: Task) -> Bool? {
        let r = swrr_syscall6(312, Int(tgid), Int(other.tgid), 1 /* KCMP_VM */, 0, 0, 0)
        return r < 0 ? nil : r == 0
    }
}

