// Replaying one recorded syscall, by the ReplayAction its spec names (SyscallTable.swift).
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// The kernel's internal "restart this syscall" results, seen by a tracer at syscall exit.
enum RestartCodes {
    static let restartSys: Int64 = -512, restartNoIntr: Int64 = -513, restartNoHand: Int64 = -514
    static let restartBlock: Int64 = -516
    static func contains(_ r: Int64) -> Bool { r == restartSys || r == restartNoIntr || r == restartNoHand || r == restartBlock }
}

/// Replays the recorded syscalls: emulated ones (the recorded result and output bytes written
/// back), calls run for real at their entry or by injection (ReplayAction), new tasks by clone
/// and fork, and what a call wrote outside its caller (another process's memory, the replay's
/// echo of the program's output).
final class SyscallReplayer {
    unowned let session: ReplaySession

    init(session: ReplaySession) {
        self.session = session
    }

    var tasks: ReplayTasks { session.tasks }
    private var mappings: MappingReplay { session.mappings }
    private var signalActions: DeferredSignalActions { session.signalActions }
    func diverge(_ what: String) -> ReplayError { session.diverge(what) }

    /// False when a stop of the debugger's came before the call (ReplaySession.step).
    func replay(_ ev: SyscallEvent) throws -> Bool {
        let t = try tasks.replayTask(ev.tid)
        let task = t.task
        let name = SyscallTable.name(Int(ev.number))
        // A call replay runs as recorded (mprotect, brk, rt_sigaction...) is let through at its own
        // entry when no debugger is attached: PTRACE_SYSCALL, 2 stops (3 after an emulated call),
        // instead of a PTRACE_SYSEMU stop and an injection (4). A debugger resumes with SYSEMU.
        // So is an mmap, with its arguments changed at the entry (MappingReplay.replayMmapAtEntry).
        // A call the program's seccomp filter skipped or killed is never run (ProgramSeccompReplay.swift).
        var action = ev.seccomp != .none ? .emulate : SyscallTable.spec(Int(ev.number))?.replayAction(args: ev.args)
        // A set of a signal's action: held back (emulated now, DeferredSignalActions.swift) or run.
        let holdsAction = action?.setsSignalAction == true && signalActions.mayHold(ev, by: t)
        if action?.setsSignalAction == true { action = holdsAction ? .emulate : .execute }
        try applySignalActions(before: ev, by: t, action: action)
        let atEntryAllowed = session.debugHook == nil && t.parkedAt == nil
        let runsAtEntry = atEntryAllowed && (action == .execute || action == .executeKeepRecordedResult)
        let mmapAtEntry = atEntryAllowed && action == .mmap && ev.result >= 0
        // exit and exit_group too: at a real entry the kernel runs them when the task is resumed
        // (2 stops fewer than making them again from a PTRACE_SYSEMU stop).
        let exitAtEntry = atEntryAllowed && action == .exit
        let mode: ResumeMode = runsAtEntry || mmapAtEntry || exitAtEntry ? .syscall : .sysemu
        guard let regs = try session.toSyscallEntry(t, name: name, mode: mode) else {
            return false
        }
        try checkEntry(regs, ev, name: name)
        if ev.seccomp != .none { try replayFiltered(ev, task: t, regs: regs); return true }
        guard let spec = SyscallTable.spec(Int(ev.number)) else {
            throw ReplayError.trace("the trace has syscall \(name), which this swrr cannot replay")
        }
        let insn = regs.rip - 2
        var out = regs
        out.rax = UInt64(bitPattern: ev.result)
        let next = try session.events.upcoming(for: ev.tid)
        var signalFollows = false, handlerFollows = false
        if case .signal(let s)? = next, s.point == .syscallBoundary {
            signalFollows = true
            // Only a handler needs the call's temporary mask. A signal without one (SIGCHLD left
            // at SIG_DFL, which a tracee still receives) makes the kernel restart the call once
            // the signal is delivered, from the recorded registers (measured: rt_sigsuspend woken
            // by such a SIGCHLD hung the replay in a real rt_sigsuspend, the SIGCHLD consumed
            // before it).
            handlerFollows = SignalPolicy.disposition(of: s.signal, tid: task.tid) == .caught
        }
        let temporaryMask = handlerFollows ? spec.temporaryMask?.location(args: ev.args) {
            try? task.readMemory($0, count: $1)
        } : nil
        let replay = action ?? spec.replayAction(args: ev.args)
        if holdsAction { try signalActions.hold(ev, task: task) }
        switch replay {
        case .emulate where temporaryMask != nil:
            // rt_sigsuspend, pselect6, ppoll, epoll_pwait interrupted by a signal with a handler:
            // the handler must run with the call's temporary mask and its frame must keep the old
            // one, which only the kernel arranges (TemporarySignalMask.swift). Make the coming
            // signal pending, then let a real rt_sigsuspend with that mask take it.
            for w in ev.writes { try task.writeMemory(w.address, w.bytes) }
            if case .signal(let s)? = next { task.sendSignal(s.signal) }
            let mask = temporaryMask!
            let r = try task.injectSyscall(Syscall.rt_sigsuspend.number, [mask.address, mask.size],
                                           syscallInstruction: insn, base: regs)
            if r != RestartCodes.restartNoHand {
                throw diverge("\(name) interrupted by a signal: its mask did not let the signal in on replay (\(r))")
            }
            if case .signal(let s)? = next { t.signalAfterTemporaryMask = s.signal }
        case .emulate:
            for w in ev.writes { try task.writeMemory(w.address, w.bytes) }
            if RestartCodes.contains(ev.result) && !signalFollows {
                // Interrupted without a handler running (a stop, an ignored signal): the kernel
                // restarted the call, and replay must do the same by hand.
                out.rax = ev.result == RestartCodes.restartBlock ? UInt64(Syscall.restart_syscall.number) : regs.origRax
                out.rip = insn
            }
        case .execute:
            let r = runsAtEntry ? try runToSyscallExit(t)
                : try task.injectSyscall(spec.number, ev.args, syscallInstruction: insn, base: regs)
            if r != ev.result {
                throw diverge("\(name) returned \(r) on replay but \(ev.result) when recorded")
            }
        case .executeKeepRecordedResult:
            _ = runsAtEntry ? try runToSyscallExit(t)
                : try task.injectSyscall(spec.number, ev.args, syscallInstruction: insn, base: regs)
        case .mmap where mmapAtEntry:
            try mappings.replayMmapAtEntry(ev, task: t, regs: regs)
        case .mmap:
            try mappings.replayMmap(ev, task: task, regs: regs)
        case .shmAttach:
            try mappings.replayShmAttach(ev, task: task, regs: regs)
        case .shmDetach:
            try mappings.replayShmDetach(ev, task: task, regs: regs)
        case .spawn:
            try replaySpawn(ev, parent: t, regs: regs)
        case .sigreturn:
            let r = try task.injectSyscall(spec.number, ev.args, syscallInstruction: insn, base: regs)
            if r != ev.result {
                throw diverge("rt_sigreturn restored rax \(r) on replay but \(ev.result) when recorded")
            }
            return true   // keep every register the frame restored
        case .executeWhen, .signalAction:
            break   // resolved to execute or emulate above (replayAction, setsSignalAction)
        case .ptrace:
            for w in ev.writes { try task.writeMemory(w.address, w.bytes) }
            try replayPtraceEffect(ev, caller: task)
        case .exec:
            // A successful execve is an exec event; one that failed changed nothing.
            guard ev.result < 0 else {
                throw ReplayError.trace("a successful execve is recorded as an exec event, not as a syscall")
            }
        case .exit where exitAtEntry:
            try tasks.awaitExit(t)
            return true
        case .exit:
            var r = regs
            r.rip = insn
            r.rax = UInt64(spec.number)
            try task.setRegisters(r)
            try task.resume(.syscall)
            _ = try task.wait()              // the exit of the emulated call, or the real entry
            if try task.registers().rip != insn + 2 {
                try task.resume(.syscall)
                _ = try task.wait()
            }
            try tasks.awaitExit(t)
            return true
        }
        if replay != .emulate && replay != .ptrace {
            out = out.keepingSegments(of: try task.registers())
        }
        try task.setRegisters(out)
        if let update = ev.fileUpdate { try session.files.apply(update) }
        if let w = spec.writesTask, ev.result > 0 { try replayRemoteWrite(w, ev, from: task) }
        if let m = ev.memFileWrite, let source = spec.writesToFd, ev.result > 0 {
            try replayMemFileWrite(m, source, ev, from: task)
        }
        if ev.echoFd != 0, ev.result > 0, let w = spec.writesToFd, let echo = session.echo {
            echo(ev.echoFd, try writtenBytes(task: task, source: w, args: ev.args, count: Int(ev.result)))
        }
        return true
    }

    /// Where the call `ev` of `t` needs the kernel's signal dispositions to be the recorded ones,
    /// the actions its process holds back are set first, before `t` runs to the call: a clone
    /// sharing them, and a call a signal with a handler interrupts (its disposition is read from
    /// /proc). A fork's or vfork's child gets a copy of them (replaySpawn).
    private func applySignalActions(before ev: SyscallEvent, by t: ReplayTask, action: ReplayAction?) throws {
        guard signalActions.holds(t.task.tgid) else { return }
        if action == .spawn {
            let flags = Int(ev.number) == Syscall.clone.number && !ev.args.isEmpty ? CloneFlags(rawValue: ev.args[0]) : []
            try signalActions.beforeClone(t, flags: flags)
        }
        if case .signal(let s)? = try session.events.upcoming(for: ev.tid), s.point == .syscallBoundary {
            try signalActions.apply(t)
        }
    }

    /// From a real syscall entry stop (PTRACE_SYSCALL): lets the kernel run the call and returns
    /// its result at the exit stop. Signals meanwhile are not the program's (replay delivers the
    /// recorded ones itself): dropped, as during an injection.
    func runToSyscallExit(_ t: ReplayTask) throws -> Int64 {
        while true {
            try t.task.resume(.syscall)
            let stop = try t.task.wait()
            switch stop {
            case .syscall:
                return try t.task.registers().syscallResult
            case .signal, .event:
                continue
            case .exited, .killed:
                t.ended = ReplayTasks.status(of: stop)
                throw diverge("task \(t.task.tid) ended inside a replayed syscall (\(stop))")
            }
        }
    }

    func checkEntry(_ regs: Registers, _ ev: SyscallEvent, name: String) throws {
        if Int64(bitPattern: regs.origRax) == Int64(SyscallBufferLayout.bufferMismatchCall)
            && SyscallBufferLayout.isOwnCall(SyscallBufferLayout.bufferMismatchCall, rip: regs.rip) {
            throw diverge("the preload library found a buffered \(SyscallTable.name(Int(regs.rdi))) where the program now makes " +
                          "\(SyscallTable.name(Int(regs.rsi))) (expected \(name) next)")
        }
        if Int64(bitPattern: regs.origRax) != Int64(ev.number) {
            throw diverge("expected syscall \(name), but the program called \(SyscallTable.name(Int(Int64(bitPattern: regs.origRax))))")
        }
        try session.checkRegisters(regs, ev.registers, what: "syscall \(name)")
    }

    /// fork/vfork/clone for real. vfork's blocking of the parent is dropped (replay orders the
    /// tasks itself); the child gets the recorded tid wherever CLONE_*_SETTID put one. A new
    /// process is made swrr's child (CLONE_PARENT): the program's wait4, getppid and kill are
    /// emulated, so its real parent does not matter to it, and swrr then reaps it itself and no
    /// SIGCHLD of a replayed child or checkpoint copy (Checkpoint.swift) disturbs its parent.
    private func replaySpawn(_ ev: SyscallEvent, parent: ReplayTask, regs: Registers) throws {
        guard ev.result > 0 else { return }   // failed when recorded
        let sigchld = UInt64(SIGCHLD)   // the exit signal, in the low byte
        var number = Int(ev.number)
        var args = ev.args
        switch Syscall(rawValue: number) {
        case .vfork?:   // vfork: clone(CLONE_VM | SIGCHLD) on the same stack
            number = Syscall.clone.number
            args = [CloneFlags([.vm, .parent]).rawValue | sigchld, 0, 0, 0, 0, 0]
        case .fork?:   // fork: clone(SIGCHLD)
            number = Syscall.clone.number
            args = [CloneFlags.parent.rawValue | sigchld, 0, 0, 0, 0, 0]
        case .clone?:
            // No namespaces on replay (NamespaceFlags.swift says why); without CLONE_NEWPID the
            // child can be made swrr's child like any other.
            // Nor CLONE_UNTRACED: replay traces every task too (SyscallSpec.clearedAtEntry).
            if let c = SyscallTable.spec(number)?.clearedAtEntry, let v = c.kernelValue(of: args) { args[c.arg] = v }
            args[0] = NamespaceFlags.replayedCloneFlags(args[0]) & ~CloneFlags.vfork.rawValue
            if !CloneFlags(rawValue: args[0]).contains(.thread) { args[0] |= CloneFlags.parent.rawValue }
        default:
            break
        }
        var child: pid_t = 0
        let r = try parent.task.injectSyscall(number, args, syscallInstruction: regs.rip - 2, base: regs) { event, msg in
            if event == .fork || event == .vfork || event == .clone { child = pid_t(truncatingIfNeeded: msg) }
        }
        guard r > 0, child > 0 else { throw diverge("\(SyscallTable.name(Int(ev.number))) failed on replay (\(r))") }
        let flags = number == Syscall.clone.number ? CloneFlags(rawValue: args[0]) : []
        let isThread = flags.contains(.thread)
        let c = Task(tid: child, tgid: isThread ? parent.task.tgid : child)
        // The events of the child name it by its tid in the recorder's pid namespace, which is
        // not the parent's result when the child is in another one (SpawnedTask).
        let recordedTid = ev.createdTid
        tasks[recordedTid] = ReplayTask(task: c, newborn: true)
        if !isThread {
            // (a pid used again: nothing of an earlier process's)
            if flags.contains(.files) { mappings.forget(process: child) }
            else { mappings.inherit(process: child, from: parent.task.tgid) }
            signalActions.newProcess(child, parent: parent.task.tgid, flags: flags)
        }
        let nc = try tasks.replayTask(recordedTid)
        // The child inherited the argument registers of the injected call; give it the ones the
        // program had (glibc's vfork keeps its return address in rdi across the call).
        var childRegs = try nc.task.registers()
        childRegs.syscallArgs = ev.registers.syscallArgs
        try nc.task.setRegisters(childRegs)
        if number == Syscall.clone.number {
            // What the kernel stored: the child's id in the parent's pid namespace (the result)
            // for the parent, in its own for the child (1 for a namespace's init).
            func bytes(_ id: Int32) -> [UInt8] { withUnsafeBytes(of: id.littleEndian) { Array($0) } }
            let seen = Int32(truncatingIfNeeded: ev.result), own = ev.spawned?.ownId ?? seen
            if flags.contains(.parentSetTid) && args[2] != 0 { try parent.task.writeMemory(args[2], bytes(seen)) }
            if flags.contains(.childSetTid) && args[3] != 0 { try nc.task.writeMemory(args[3], bytes(own)) }
        }
    }


    /// process_vm_writev: the `result` bytes the call copied, taken from the caller's iovecs (its
    /// memory is as it was when recorded) and written into the target's in the order of its
    /// iovecs. A target outside the recording was written outside it: nothing to replay.
    private func replayRemoteWrite(_ w: RemoteWrite, _ ev: SyscallEvent, from task: Task) throws {
        let pid = Int32(truncatingIfNeeded: ev.args[w.pidArg])
        guard let target = tasks[pid], target.ended == nil else { return }
        let count = Int(min(ev.result, 1 << 30))
        let bytes = try writtenBytes(task: task, source: .iovecs(fdArg: w.pidArg, iovArg: w.localArg, countArg: w.localCountArg),
                                     args: ev.args, count: count)
        guard bytes.count == count else { throw diverge("process_vm_writev: the caller's iovecs hold fewer than \(count) bytes on replay") }
        var done = 0
        for r in try remoteRanges(w, ev, from: task) {
            try target.task.writeMemory(r.address, Array(bytes[done..<(done + r.length)]))
            done += r.length
        }
    }

    /// The target's ranges process_vm_writev wrote, in the order of its iovecs: the `result`
    /// bytes spread over them (read from the caller's memory, as it was at the call).
    func remoteRanges(_ w: RemoteWrite, _ ev: SyscallEvent, from task: Task) throws -> [(address: UInt64, length: Int)] {
        let count = Int(min(max(ev.result, 0), 1 << 30))
        let n = Int(truncatingIfNeeded: ev.args[w.remoteCountArg])
        guard n > 0 && n <= 1024 else { throw diverge("process_vm_writev with \(n) target iovecs wrote \(count) bytes") }
        let iov = try task.readMemory(ev.args[w.remoteArg], count: n * 16)
        var out: [(address: UInt64, length: Int)] = []
        var done = 0
        for i in 0..<n where done < count {
            let len = min(Int(truncatingIfNeeded: min(iov.loadU64(at: i * 16 + 8), 1 << 30)), count - done)
            if len > 0 { out.append((iov.loadU64(at: i * 16), len)) }
            done += len
        }
        return out
    }

    /// A write through /proc/PID/mem (SwrrRecord/MemFileWrites.swift): the `result` bytes the call
    /// wrote, taken from the caller's buffer, written at the recorded address of the replayed task
    /// (read-only pages too, as the kernel's write through that file did). A task that has ended
    /// since has no memory left to write.
    private func replayMemFileWrite(_ m: MemFileWrite, _ source: WriteSource, _ ev: SyscallEvent, from task: Task) throws {
        guard let target = tasks[m.tid], target.ended == nil else { return }
        let count = Int(min(ev.result, 1 << 30))
        let bytes = try writtenBytes(task: task, source: source, args: ev.args, count: count)
        guard bytes.count == count else {
            throw diverge("a write of \(count) bytes through /proc/\(m.tid)/mem: the caller's buffer holds fewer on replay")
        }
        try target.task.writeMemory(m.address, bytes)
    }

    /// The bytes a write-like call wrote (read back from the replayed program's memory).
    private func writtenBytes(task: Task, source: WriteSource, args: [UInt64], count: Int) throws -> [UInt8] {
        switch source {
        case .buffer(_, let bufArg):
            return try task.readMemory(args[bufArg], count: count)
        case .iovecs(_, let iovArg, let countArg):
            let n = Int(truncatingIfNeeded: args[countArg])
            guard n > 0 && n <= 1024 else { return [] }
            let iov = try task.readMemory(args[iovArg], count: n * 16)
            var out: [UInt8] = []
            var left = count
            for i in 0..<n where left > 0 {
                let len = min(Int(truncatingIfNeeded: iov.loadU64(at: i * 16 + 8)), left)
                out += try task.readMemory(iov.loadU64(at: i * 16), count: len)
                left -= len
            }
            return out
        }
    }
}
