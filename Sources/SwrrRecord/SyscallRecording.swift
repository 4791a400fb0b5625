// Syscalls as the recorder records them: at the entry, what the call is refused or answered
// with (the program's ptrace and waits, its seccomp filters, swrr's own calls), and whether the
// task gives the slot away; at the exit, the event with every output the table's rules find, the
// file behind an mmap, exec's files, descriptor effects. Never per-syscall code here: the
// knowledge is SyscallTable's.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

final class SyscallRecorder {
    unowned let recorder: Recorder

    init(recorder: Recorder) {
        self.recorder = recorder
    }

    private var tasks: [Int32: RecordTask] { recorder.tasks }
    private var scheduler: Scheduler { recorder.scheduler }

    /// At a syscall entry.
    func entry(_ t: RecordTask, filterIndex: UInt64 = 0) throws {
        let task = t.task
        let regs = t.entry
        let writer = recorder.writerRef
        t.entryIovecs = nil
        if t.ptrace != nil, try recorder.emulation.emulatedSyscallEntryStop(t) { return }
        t.refusal = nil
        try recorder.buffers.flushBuffer(t)
        // Signals that arrived while it ran user code are raised again now, so they interrupt
        // this syscall if it blocks and are delivered right after it (DESIGN.md §2).
        if !t.held.isEmpty {
            for h in t.held { task.sendSignal(h.signal) }
            t.reraised += t.held
            t.held = []
        }
        // The program's own filter acts before the kernel would look at the call (a call swrr
        // cannot record is no matter then: the kernel never runs it).
        if filterIndex != 0, try recorder.programFilters.applyProgramFilter(t, index: filterIndex) { return }
        if filterIndex == 0, try recorder.programFilters.programFilterStopsNext(t) { return }
        let number = Int(Int64(bitPattern: regs.origRax))
        guard let spec = SyscallTable.spec(number) else {
            throw RecordError.unsupported(.syscall(number: number), event: writer.eventCount)
        }
        do {
            // Unknown ioctls and the like are refused before the kernel runs them.
            _ = try SyscallOutputs.ranges(for: spec, args: regs.syscallArgs, result: 0) { _, _ in nil }
        } catch let u as Unsupported {
            throw RecordError.unsupported(u, event: writer.eventCount)
        }
        t.entryIovecs = SyscallOutputs.iovecArray(for: spec, args: regs.syscallArgs) { addr, n in
            try? task.readMemory(addr, count: n)
        }
        if spec.replay == .exit {
            // No exit stop follows: the event is complete now.
            try writer.append(.syscall(SyscallEvent(
                tid: task.tid, number: Int32(number), args: regs.syscallArgs, registers: regs, result: 0,
                strings: capturedStrings(task: task, spec: spec, args: regs.syscallArgs))))
            // No exit stop follows, and no "blocked" marker may follow its event: it is on its
            // way out (and keeps the CPU until then if it is a thread, see ptraceEvent(.exit)).
            t.state = .exiting
            if spec.endsThreadGroup { scheduler.endingGroups.insert(task.tgid) }
            try task.resume(.syscall)
            return
        }
        var refusal: Int32? = nil
        switch spec.record {
        case .run: break
        case .refuse(let e): refusal = e
        case .refuseWhenEchoing(let fdArg, let e):
            if t.process.fds.echoTarget(regs.syscallArgs[fdArg]) != 0 { refusal = e }
        case .emulatePtrace:
            refusal = Int32(truncatingIfNeeded: -(try recorder.emulation.emulatePtrace(t, args: regs.syscallArgs)))
        }
        switch try recorder.waits.emulatedWait(t, number: number, args: regs.syscallArgs) {
        case .kernel: break
        case .answer(let r): refusal = Int32(truncatingIfNeeded: -r)
        case .noHang(let arg, let original):
            var r = regs
            r.setSyscallArg(arg, original | 1)   // WNOHANG
            try task.setRegisters(r)
            t.waitNoHang = (arg, original)
        }
        // swrr's own calls only from the stub's instruction: a program's syscall(1000) is ENOSYS.
        let ownCall = SyscallBufferLayout.isOwnCall(number, rip: regs.rip)
        if ownCall && number == SyscallBufferLayout.registerBufferCall && recorder.buffers.acceptsBuffer(from: t) {
            // "Yes" (the call's result is 0, refusal being -errno), and when the task is its
            // process's only thread, "patch libc now" (1): no other thread can be inside the code.
            let soleThread = !tasks.values.contains { $0 !== t && $0.task.tgid == t.task.tgid }
            refusal = soleThread ? -Int32(SyscallBufferLayout.patchAnswer) : 0
        }
        if ownCall && number == SyscallBufferLayout.registerDeschedCall,
           recorder.buffers.acceptsDesched(from: t, fd: Int32(truncatingIfNeeded: regs.syscallArgs[0])) {
            refusal = 0
        }
        if let v = recorder.programFilters.privilegeAnswer(t, number: number, args: regs.syscallArgs) {
            refusal = Int32(truncatingIfNeeded: -v)   // the call returns -refusal
        }
        if refusal == nil { try recorder.programFilters.rewriteProgramFilter(t, number: number, args: regs.syscallArgs) }
        if let e = refusal {
            var r = regs
            r.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try task.setRegisters(r)
            t.refusal = e
        } else if let c = spec.clearedAtEntry, let value = c.kernelValue(of: regs.syscallArgs) {
            var r = regs
            r.setSyscallArg(c.arg, value)
            try task.setRegisters(r)
            t.clearedArg = (c.arg, regs.syscallArgs[c.arg])
        }
        t.state = .inSyscall
        try task.resume(.syscall)
        if scheduler.yieldsAtEntry(t, likelyToBlock: t.waitNoHang == nil && spec.blocking.isLikely(args: regs.syscallArgs)) {
            // A wait that will almost surely block (futex wait, sleeps, waits for children…):
            // give the others the CPU now rather than after blockTimeoutMs. (Its entry is in the
            // trace already when its emulated tracer saw it.)
            if !t.ptraceEntryRecorded {
                try writer.append(.syscallEntry(SyscallEntryEvent(tid: t.tid, number: Int32(number), registers: regs)))
            }
            scheduler.blocked(t)
        }
    }

    /// At a syscall's exit stop, or a new task's first stop: the flags argument cleared at the
    /// entry (SyscallSpec.clearedAtEntry) holds the program's value again. The kernel leaves the
    /// argument registers as it found them, so natively the program finds its own flags there,
    /// and replay, which gives the program the recorded registers, does too.
    func restoreClearedFlags(_ t: RecordTask) throws {
        guard let c = t.clearedArg else { return }
        t.clearedArg = nil
        var r = try t.task.registers()
        r.setSyscallArg(c.arg, c.value)
        try t.task.setRegisters(r)
    }

    /// At a syscall exit: records the call. Returns the task's registers as it will resume
    /// (nil when they were not read).
    func exit(_ t: RecordTask) throws -> Registers? {
        let task = t.task
        let entry = t.entry
        let writer = recorder.writerRef
        let number = Int(Int64(bitPattern: entry.origRax))
        if let f = t.filtered { return try recorder.programFilters.filteredSyscallExit(t, verdict: f.verdict, result: f.result) }
        try recorder.programFilters.restoreProgramFilter(t)
        try recorder.programFilters.notePrivileges(t)
        guard let spec = SyscallTable.spec(number) else { return nil }
        var regs = try task.registers()
        if let e = t.refusal {
            regs.rax = UInt64(bitPattern: -Int64(e))
            // The entry set orig_rax to -1 so that the kernel skipped the call; put the number
            // back, as replay (PTRACE_SYSEMU) has it: a signal delivered at this exit records
            // every register (measured: python3's SIGCHLD right after swrr_register_desched
            // diverged in 2 of 10 recordings, orig_rax 0x3ec against -1).
            regs.origRax = entry.origRax
            try task.setRegisters(regs)
            t.refusal = nil
        }
        let args = entry.syscallArgs
        let result = regs.syscallResult
        if spec.replay == .exec && result == 0 {
            let exe = readLink("/proc/\(task.tid)/exe") ?? "/proc/\(task.tid)/exe"
            try writer.append(.exec(try recorder.recordExec(task: task, program: exe, regs: regs,
                                                   tid: t.execFormerTid ?? task.tid)))
            t.execFormerTid = nil
            try recorder.writeExecVictims(of: t)
            // exec closes O_CLOEXEC descriptors; which ones is not tracked yet, so keep the table.
            return nil
        }
        let ranges: [MemoryRange]
        do {
            let iovecs = t.entryIovecs
            ranges = try SyscallOutputs.ranges(for: spec, args: args, result: result, readMemory: { addr, n in
                if let iovecs, iovecs.address == addr, iovecs.bytes.count == n { return iovecs.bytes }
                return try? task.readMemory(addr, count: n)
            }, semaphoreCount: SysVSemaphores.count(of:))
        } catch let u as Unsupported {
            throw RecordError.unsupported(u, event: writer.eventCount)
        }
        var writes: [MemoryWrite] = []
        writes.reserveCapacity(ranges.count)
        for r in ranges {
            guard let bytes = try? task.readMemory(r.address, count: r.length) else {
                throw RecordError.tracee("cannot read the output of \(spec.name) at 0x\(String(r.address, radix: 16))")
            }
            writes.append(MemoryWrite(address: r.address, bytes: bytes))
        }
        for r in SyscallOutputs.faultedRanges(for: spec, args: args, result: result) {
            let bytes = readablePrefix(task, r)
            if !bytes.isEmpty { writes.append(MemoryWrite(address: r.address, bytes: bytes)) }
        }
        var echo: UInt8 = 0
        if let w = spec.writesToFd, result > 0 {
            switch w {
            case .buffer(let fdArg, _), .iovecs(let fdArg, _, _): echo = t.process.fds.echoTarget(args[fdArg])
            }
        }
        var mapped: MappedFile? = nil
        if spec.replay == .mmap && result >= 0 {
            mapped = try recorder.files.mapped(task: task, args: args, tasks: tasks.values)
        }
        if spec.replay == .shmAttach && result >= 0 {
            mapped = try recorder.files.sysvSegment(id: args[0], at: UInt64(bitPattern: result), task: task)
        }
        t.applyFdEffect(spec.fdEffect, args: args, result: result) {
            guard case .fdPair(let a) = spec.fdEffect, let b = try? task.readMemory(args[a], count: 8) else { return nil }
            return (Int64(Int32(bitPattern: b.loadU32(at: 0))), Int64(Int32(bitPattern: b.loadU32(at: 4))))
        }
        let fileUpdate = try spec.fileChange.flatMap { try recorder.files.followed.update($0, args: args, result: result, task: task) }
        let memWrite = echo != 0 ? nil : try MemFileWrites.target(of: spec, args: args, result: result, task: task) {
            tasks[$0] != nil
        }
        try writer.append(.syscall(SyscallEvent(
            tid: task.tid, number: Int32(number), args: args, registers: entry, result: result,
            writes: writes, echoFd: echo, mappedFile: mapped,
            strings: capturedStrings(task: task, spec: spec, args: args), fileUpdate: fileUpdate,
            memFileWrite: memWrite)))
        if number == SyscallBufferLayout.registerBufferCall && (result == 0 || result == SyscallBufferLayout.patchAnswer) {
            recorder.buffers.registerBuffer(t, address: args[0])
        }
        // Threads that ended while this exec was under way, which then failed.
        if !t.execVictims.isEmpty { try recorder.writeExecVictims(of: t) }
        return regs
    }

    /// The bytes of `range` up to its first unreadable page.
    private func readablePrefix(_ task: Task, _ range: MemoryRange) -> [UInt8] {
        var out: [UInt8] = []
        var address = range.address
        while out.count < range.length {
            let pageLeft = Int(4096 - (address & 4095))
            guard let chunk = try? task.readMemory(address, count: min(pageLeft, range.length - out.count)) else { break }
            out += chunk
            address &+= UInt64(chunk.count)
        }
        return out
    }

    private func capturedStrings(task: Task, spec: SyscallSpec, args: [UInt64]) -> [String] {
        guard spec.args.contains(.path) else { return [] }
        return spec.args.enumerated().map { i, kind in
            kind == .path ? (task.readCString(args[i], limit: 4096) ?? "") : ""
        }
    }
}
