// The memory a replayed syscall wrote on the program's behalf: the bytes the kernel wrote when
// it was recorded (a read()'s buffer, recvmsg's, clock_gettime's timespec...), which the replay
// puts back through ptrace (emulated calls) or lets the kernel write again (executed ones). The
// CPU's debug registers never fire for either: the kernel's own accesses and a tracer's
// (ptrace/process_vm_writev) are not the task's stores. rr reports them anyway, checking the
// watched ranges after each syscall; so does swrr:
// - forward (ReplayDebugEngine.drive), a watchpoint stop at the syscall's exit (the event's
//   boundary), after the write, as a store's trap is after the store;
// - backwards (the scans of ReverseExecution.swift, and the ledger for what forward runs proved,
//   HitLedger.swift), a watchpoint stop at the syscall's entry: the task on its `syscall`
//   instruction, before the write, as a store found backwards is the instruction before it. gdb
//   needs that: it reports a watchpoint only when the value differs from the one it last saw
//   (measured: with the stop at the exit, its reverse-continue passed over both reads of
//   syscall_writes.c silently, the value there being the one it already had). The entry is the
//   first arrival at that instruction in the event (the instruction ends the event when it runs,
//   and the event's start, right after the previous syscall, is not an arrival), a position a
//   seek reaches with one breakpoint; for a call that blocked, the boundary where its task is
//   parked in it (syscallEntryOfLastEvent).
//
// What counts as a write (rr's sense: the program's memory changed under it by the syscall):
// - the ranges the trace holds for the call (`SyscallEvent.writes`, exactly the bytes the kernel
//   wrote: a read() of 10 bytes into a 4096-byte buffer is 10 bytes);
// - clone's CLONE_PARENT_SETTID / CLONE_CHILD_SETTID words (the replay stores them by hand);
// - another process's memory written by process_vm_writev or through /proc/PID/mem.
// What does not:
// - a buffered-syscall refill (BufferRefill.swift): it writes the syscall buffer, which is the
//   preload library's; the program's buffer is written by the library's copy out of it, a user
//   store the debug registers see;
// - a signal frame: the kernel writes it below the interrupted stack pointer's red zone (or on
//   the alternate stack), memory no live object occupies at that point, and the trace does not
//   hold its extent (the xsave area's size is the CPU's), so the range is not known as data;
// - mappings (mmap, shmat) and the replay's own pages (scratch, stub, vDSO, int3s): memory
//   replaced or swrr's, not stored into.
// The ranges are computed only when asked for, right after the event (at its exit boundary):
// a replay with no watchpoint pays nothing for them.
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// A range of a replayed task's memory that an event's syscall wrote.
public struct SyscallWrite: Equatable, Sendable {
    /// The recorded tid of a task whose address space was written (the syscall's task, or the
    /// other process or new task it wrote into).
    public var tid: Int32
    public var address: UInt64
    public var length: Int
    /// The number of the syscall that wrote it.
    public var number: Int32

    public init(tid: Int32, address: UInt64, length: Int, number: Int32) {
        self.tid = tid
        self.address = address
        self.length = length
        self.number = number
    }

    /// The syscall that wrote it ("read"; looked up only when asked: a replay with watchpoints
    /// computes the writes of every syscall event).
    public var syscall: String { SyscallTable.name(Int(number)) }

    /// Whether it writes any byte of `w` (an execution breakpoint is never written).
    func overlaps(_ w: Watchpoint) -> Bool {
        guard w.kind != .execute, length > 0, w.length > 0 else { return false }
        let end = address.addingReportingOverflow(UInt64(length))
        let wEnd = w.address.addingReportingOverflow(UInt64(w.length))
        let writeEnd = end.overflow ? UInt64.max : end.partialValue
        let watchEnd = wEnd.overflow ? UInt64.max : wEnd.partialValue
        return address < watchEnd && w.address < writeEnd
    }
}

extension ReplaySession {
    /// What the syscall of the event just replayed wrote into the replayed tasks (empty for
    /// other events). Only meaningful at that event's exit boundary: process_vm_writev's target
    /// ranges are read from the caller's iovecs, which the program has not changed yet there.
    func syscallWritesOfLastEvent() -> [SyscallWrite] {
        guard isAtEventBoundary, case .syscall(let ev)? = lastEvent else { return [] }
        let number = ev.number
        var out = ev.writes.map { SyscallWrite(tid: ev.tid, address: $0.address, length: $0.bytes.count, number: number) }
        guard ev.result > 0, ev.seccomp == .none else { return out }
        let spec = SyscallTable.spec(Int(ev.number))
        if Int(ev.number) == Syscall.clone.number {
            let flags = CloneFlags(rawValue: ev.args[0])
            if flags.contains(.parentSetTid) && ev.args[2] != 0 {
                out.append(SyscallWrite(tid: ev.tid, address: ev.args[2], length: 4, number: number))
            }
            if flags.contains(.childSetTid) && ev.args[3] != 0 {
                out.append(SyscallWrite(tid: ev.createdTid, address: ev.args[3], length: 4, number: number))
            }
        }
        if let m = ev.memFileWrite, spec?.writesToFd != nil {
            out.append(SyscallWrite(tid: m.tid, address: m.address, length: Int(min(ev.result, 1 << 30)), number: number))
        }
        if let w = spec?.writesTask, let caller = tasks[ev.tid], caller.ended == nil {
            let pid = Int32(truncatingIfNeeded: ev.args[w.pidArg])
            let ranges = (try? syscalls.remoteRanges(w, ev, from: caller.task)) ?? []
            out += ranges.map { SyscallWrite(tid: pid, address: $0.address, length: $0.length, number: number) }
        }
        return out
    }
}

/// A syscall entry position by what identifies it (its event, task and path's arrival).
struct EntryKey: Hashable {
    let event: Int
    let tid: Int32
    let arrival: UInt64?

    init(_ p: ReplayPosition) {
        event = p.event
        tid = p.tid
        if case .arrival(let a, 1)? = p.path.first, p.path.count == 1 { arrival = a } else { arrival = nil }
    }
}

extension ReplayDebugEngine {
    /// The first of `watchpoints` (write or read/write) that the syscall of the event just
    /// replayed wrote, with that write. Costs nothing without watchpoints.
    func watchedSyscallWrite(among watchpoints: [Watchpoint]) -> (Watchpoint, SyscallWrite)? {
        let watched = watchpoints.filter { $0.kind != .execute }
        guard !watched.isEmpty, let session else { return nil }
        let writes = session.syscallWritesOfLastEvent()
        for w in watched {
            if let write = writes.first(where: { $0.overlaps(w) }) { return (w, write) }
        }
        return nil
    }

    /// The client's watchpoints, in slot order (DR0 first, as DR6 reports them).
    var clientWatchpoints: [Watchpoint] {
        let temp = seek?.tempWatchpoints ?? []
        return debugRegisters.slots.compactMap { $0 }.filter { !temp.contains($0) }
    }

    /// Going forward, at the exit boundary of the event just replayed: a watchpoint stop when
    /// its syscall wrote a watched range (rr reports the watchpoint there too). The stop is the
    /// written task's: the position's task becomes it.
    func syscallWriteStop() -> DebugStop? {
        guard !debugRegisters.isEmpty, let (w, write) = watchedSyscallWrite(among: clientWatchpoints) else { return nil }
        stepState = .off
        currentTid = write.tid
        position.tid = write.tid
        return DebugStop(reason: .watchpoint(address: w.address, kind: w.kind), tid: write.tid, event: eventNumber,
                         writer: write.syscall)
    }

    /// The position of the entry of the syscall event just replayed (and its exit, where a
    /// reverse-continue that cannot reach the entry stops instead: `syscallExits`):
    /// - a call that blocked was entered by an earlier event of its task (`.syscallEntry`, the
    ///   task parked in the call at that event's end, with no event of its own since): that
    ///   boundary, the task inside the call, before the write. Other tasks may run between it
    ///   and the write: their writes of the same bytes there are passed over backwards (the
    ///   program races with its own read());
    /// - else its task arriving at the `syscall` instruction (2 bytes before the recorded
    ///   entry's rip) for the first time in the event. A call restarted without blocking starts
    ///   its event on that instruction and never arrives there: the seek fails and the exit is
    ///   used (measured on a read() interrupted by SIGALRM and restarted).
    func syscallEntryOfLastEvent() -> ReplayPosition? {
        guard let session, case .syscall(let ev)? = session.lastEvent, ev.registers.rip >= 2 else { return nil }
        let completion = eventNumber - 1
        let entry: ReplayPosition
        if let b = syscallEntries[ev.tid]?.last(where: { $0 <= completion }),
           !(b..<completion).contains(where: { timeline.eventTids[$0] == ev.tid }) {
            entry = ReplayPosition(event: b, tid: ev.tid)
        } else {
            entry = ReplayPosition(event: completion, tid: ev.tid, path: [.arrival(ev.registers.rip - 2, 1)])
        }
        syscallExits[EntryKey(entry)] = ReplayPosition(event: eventNumber, tid: ev.tid)
        return entry
    }

    /// A `.syscallEntry` event of task `tid` was just replayed: the boundary after it is where
    /// the call it entered is (kept by boundary, each once: replays go over the same events).
    func noteSyscallEntered(_ tid: Int32) {
        var list = syscallEntries[tid, default: []]
        guard !list.contains(eventNumber) else { return }
        list.append(eventNumber)
        list.sort()
        syscallEntries[tid] = list
    }

    /// The exit of the syscall whose entry is `p`, when `p` is one (syscallEntryOfLastEvent).
    func syscallExit(ofEntry p: ReplayPosition) -> ReplayPosition? { syscallExits[EntryKey(p)] }

    /// A watchpoint stop that reverse-continue found at a syscall's entry (or exit) says which
    /// syscall writes the watched bytes: the task stands on the `syscall` instruction of the
    /// event under way, or is parked in the call its next event completes, or the event just
    /// replayed is the call.
    func namingWriter(_ stop: DebugStop) -> DebugStop {
        guard stop.writer == nil, case .watchpoint(let a, let k) = stop.reason, let session,
              let w = debugRegisters.slots.compactMap({ $0 }).first(where: { $0.address == a && $0.kind == k }) else {
            return stop
        }
        let call: SyscallEvent
        switch (position.isEventBoundary, session.lastEvent, session.current?.event) {
        case (true, .syscall(let ev)?, _):
            call = ev
        case (true, .syscallEntry(let e)?, _):
            guard case .syscall(let ev)? = try? session.events.upcoming(for: e.tid) else { return stop }
            call = ev
        case (false, _, .syscall(let ev)?):
            guard position.path.count == 1, case .arrival(let at, 1)? = position.path.first, ev.registers.rip >= 2,
                  at == ev.registers.rip - 2 else { return stop }
            call = ev
        default:
            return stop
        }
        let ev = call
        guard ev.writes.contains(where: { SyscallWrite(tid: ev.tid, address: $0.address, length: $0.bytes.count,
                                                       number: ev.number).overlaps(w) }) else { return stop }
        var s = stop
        s.writer = SyscallTable.name(Int(ev.number))
        return s
    }

    /// The ledger keeps what the syscall before a boundary position wrote when a forward run
    /// starts or ends there (HitLedger.boundaryWrites): reverse-continue asks it whether that
    /// boundary is a hit of its watchpoints, whichever were set when the run was made.
    func noteBoundaryWrites() {
        guard seek == nil, position.isEventBoundary, let session, session.isAtEventBoundary,
              let entry = syscallEntryOfLastEvent() else { return }
        let writes = session.syscallWritesOfLastEvent()
        if !writes.isEmpty { timeline.ledger.noteWrites(writes, entry: entry, at: position.event) }
    }
}
