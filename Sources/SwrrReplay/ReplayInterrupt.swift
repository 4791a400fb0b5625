// Pausing a replay that is running (ReplayDebugger.interrupt, DAP's `pause`): the operation under
// way on the engine thread stops at the next point that is an exact, re-reachable position
// (ReplayPosition.swift), with reason .interrupted.
//
// Where it stops:
// - Going forward, at the next event boundary (the engine checks between events), or, when the
//   event's task computes for long without an event, where that task is: the engine waits for
//   the task in slices of `sliceMs`, and once an interrupt is requested it stops the task with
//   PTRACE_INTERRUPT (every replayed task is PTRACE_SEIZEd), whose stop arrives as
//   PTRACE_EVENT_STOP. Without a tick counter that point is identified by its registers: the
//   position gets a `.state(registers)` segment, "the first time since the previous segment
//   that the task reaches this rip with exactly these registers", the identification format 1
//   traces used for preemptions of spinning threads. Reaching it again (going backwards from
//   there) is one run of the stub, which counts the arrivals on the way when it can patch the
//   instruction (CountedArrivals.swift; else one breakpoint stop per earlier execution of that
//   instruction in the event, bounded by PointSearch.searchLimit); after that the position is
//   stored as the arrival count it is (`Seek.resolved`, `resolve`). A loop whose iterations leave every register identical at that
//   instruction is found at its first such iteration.
// - Going backwards (scans, step-scans and seeks re-executing a stretch, ReverseExecution.swift),
//   where that replay had got to, between the start of the recording and the position the
//   operation started from: at its next event boundary, or inside an event the same way as
//   going forward (PTRACE_INTERRUPT from the wait, then the first patchable instruction ahead),
//   the position counted from the seek's segments done (`Seek.prefix`) with a `.state` segment;
//   a step-scan's at its next step (`.steps`). Measured before: reverse_loop 200 10^7 (one
//   event-free loop of ≈1.5 s), reverse-continue to a never-true condition, cancel after 1.5 s:
//   the stop came 16.5 s later at the start of the recording (a silent replay never
//   interrupted its task; the scan from a stretch checkpoint to the next has no boundary).
//   After: 25-42 ms (debug build, load 5-6), at tick inside the loop's event (its breakpoint stops).
//   Inside a supervised point search (a scan's end, a stretch checkpoint's state) the task may
//   be in the register-matching stub when the interrupt lands: that stop is a null one, and the
//   next wait interrupts again; the search is dropped (its trap removed) once the pause is
//   taken, so the run ahead to a patchable instruction is the program's own.
//
// PTRACE_INTERRUPT races with the task's own stops: when the task stops for something else
// (a syscall) just before the interrupt reaches it, the kernel keeps the trap pending and reports
// it at the next resume, before any instruction runs. Such a late trap is a null stop: it is
// remembered per task and resumed as if nothing happened (the pause is then taken at the
// boundary the other stop leads to, or by the next slice's interrupt).
import Foundation
import SwrrTracee

/// The interrupt request between the client thread and the engine thread.
final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var running = 0
    private var requested = false
    /// Tasks (replay tids) with a PTRACE_INTERRUPT trap still to come that is not a pause.
    var lateTraps: Set<Int32> = []

    /// How long the engine waits for a running task before it looks at the request again.
    static let sliceMs: Int32 = 50

    /// Client side: an operation starts / ends (a request outside an operation has no effect).
    func begin() {
        lock.lock()
        running += 1
        lock.unlock()
    }

    func end() {
        lock.lock()
        running -= 1
        requested = false
        lock.unlock()
    }

    func request() {
        lock.lock()
        if running > 0 { requested = true }
        lock.unlock()
    }

    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Engine side: consumes the request.
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let r = requested
        requested = false
        return r
    }
}

extension TrapControl {
    /// The hook's wait (ReplaySession.resume): for the task's next stop, interrupting it when a
    /// pause is requested while it runs forward. A task that makes no progress for its bound
    /// (asleep in the kernel) ends the wait with TaskStuck (StuckReplay.swift); one that
    /// computes, however long, does not.
    func waitForStop(of t: ReplayTask) throws -> Stop {
        var sent = false
        var watch = t.task.stuckAfter.map { StallWatch(task: t.task, limit: $0) }
        while true {
            if !sent, silent, session?.pointSearch != nil, searchMayPause, interruption.isRequested {
                // The point search for a seek's waypoint stops the task at every partial match
                // of its stub, often more than once a slice (longrun's loop at -O0: a cancel
                // 0.3 s into the scan was missed until event 1): no stop is expected there.
                try? t.task.interrupt()
                sent = true
            }
            if let stop = try t.task.wait(timeoutMs: Interruption.sliceMs) {
                if sent, stop != .event(.stop) { interruption.lateTraps.insert(t.task.tid) }
                return stop
            }
            try watch?.check()
            // A silent replay is interrupted too, inside the point search for a seek's waypoint
            // as well (the stub: `interruptStop`), but not inside one for where a signal or a
            // preemption happened, which must not be stopped before it. Only after a slice
            // without a stop: a stop expected at once (a signal's delivery) must come first
            // (measured: an interrupt sent before every wait made PointSearchDebuggerTests'
            // SIGALRM delivery diverge). A scan whose task stops every few ms is paused at
            // those stops instead (ReplayDebugEngine.trapped).
            if !sent, interruption.isRequested, silent ? searchMayPause : session?.searchTrap == nil {
                try? t.task.interrupt()
                sent = true
            } else if !sent, session?.searchTrap == nil, session?.pointSearch == nil, stretchDue?(t) == true {
                // A long stretch without events: a checkpoint inside it (StretchCheckpoints.swift).
                try? t.task.interrupt()
                sent = true
                stretchInterrupts.insert(t.task.tid)
            }
        }
    }

    /// No point search is under way, or only the one for the seek's waypoint (a state it runs
    /// to, which a pause may cut short: the seek ends there).
    private var searchMayPause: Bool {
        guard let search = session?.pointSearch else { return true }
        return silent && session?.waypoint?.registers == search.target
    }

    /// A PTRACE_EVENT_STOP of a task in ReplaySession.resume: a pause where the task is (the
    /// engine makes it the position, `trapped`), or a null stop to resume from.
    func interruptStop(of t: ReplayTask) throws -> HookVerdict {
        if interruption.lateTraps.remove(t.task.tid) != nil {
            stretchInterrupts.remove(t.task.tid)
            return .resume
        }
        let stretch = stretchInterrupts.remove(t.task.tid) != nil
        let regs = try t.task.registers()
        if let trap = session?.searchTrap, trap.stubRange.contains(regs.rip) {
            // In the register-matching stub: no position of the program's; the next wait
            // interrupts again (the request stays).
            return .resume
        }
        if interruption.take() {
            return .stop(DebugTrap(task: t, kind: .interrupted, registers: regs))
        }
        return stretch ? .stop(DebugTrap(task: t, kind: .stretch, registers: regs)) : .resume
    }
}

extension ReplayDebugEngine {
    /// At an event boundary: the pause, if one is requested. In a scan or seek it ends the
    /// whole operation there (its callers pass the stop on, `Silent.paused`).
    func pauseAtBoundary() throws -> DriveEnd? {
        if seek == nil, outcome != nil { return nil }
        guard interruption.take() else { return nil }
        if seek != nil {
            timeline.endSeek()
            stepState = .off
            establishedPending = true
            position = ReplayPosition(event: eventNumber, tid: currentTid)
        }
        return .stop(DebugStop(reason: .interrupted, tid: currentTid, event: eventNumber))
    }
}

extension ReplayTimeline {
    /// A pause inside an event reached a seek (a scan, a step-scan, a jump): the operation ends
    /// where the task stands, counted from the seek's segments done (a step-scan: its steps).
    func seekPaused(_ trap: DebugTrap) -> DriveEnd {
        guard let s = seek else { return .done }
        let t = trap.task
        let tid = recordedTid(ofReplayTid: t.task.tid) ?? currentTid
        let prefix = s.prefix(in: eventNumber)
        var path = prefix + [.state(trap.registers)]
        if case .signature(let sig)? = prefix.last, HardwareBreakpoint.sameState(trap.registers, sig.registers) {
            // Still at the stretch checkpoint the seek started from (or reached): that state
            // itself, which no later arrival has.
            path = prefix
        }
        var p = s.stepping ? s.target.appending(.steps(s.steps)) : ReplayPosition(event: eventNumber, tid: tid, path: path)
        p.tid = tid
        p.registers = trap.registers
        dropSeekSearch()
        endSeek()
        position = p
        return stopped(t, .success(.interrupted))
    }

    /// The seek's point search under way (its waypoint) is dropped, its trap removed: a pause
    /// runs the program on to a patchable instruction, where the search's jump must not be.
    func dropSeekSearch() {
        session?.waypoint = nil
        session?.pointSearch?.abandon()
        session?.pointSearch = nil
    }

    /// `p` with its `.state` segments replaced by the arrival counts they are (one seek there).
    func resolve(_ p: ReplayPosition) throws -> Silent<ReplayPosition> {
        // From the nearest checkpoint along its path (a stretch checkpoint's state inside the
        // event: at most one stretch). The stub finds each state and counts the arrivals on the
        // way at native speed where it can (CountedArrivals.swift); a state it could not count
        // is resolved again by one breakpoint stop per arrival.
        for counted in [true, false] {
            let s = Seek(target: p, goal: .scan)
            s.statesByWaypoint = counted
            s.countStates = counted
            s.quiet = true
            defer { endSeek() }
            _ = try begin(s)
            if let paused = try runSilently() { return .paused(paused) }
            guard s.resolved.count == p.path.count else {
                throw DebuggerError.replay("cannot reach \(p) again")
            }
            if s.resolved.contains(where: { if case .state = $0 { return true }; return false }) { continue }
            return .found(ReplayPosition(event: p.event, tid: p.tid, path: s.resolved, registers: p.registers))
        }
        throw DebuggerError.replay("cannot resolve \(p) into arrival counts")
    }

}
