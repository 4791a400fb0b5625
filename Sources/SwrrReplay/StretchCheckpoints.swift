// Checkpoints inside long stretches without events (issue 16 item 3): without a tick counter a
// point inside an event was only known by the breakpoints counted from the event's start, so a
// reverse-continue to a breakpoint new to a long computation re-ran the event from its start.
// Now, while the replay runs an event's task for `stretchInterval` seconds of CPU time without an
// event or a checkpoint, the debugger's wait (TrapControl.waitForStop) interrupts it
// (PTRACE_INTERRUPT); the task is run to the first instruction ahead that the register-matching
// stub can patch (an int3 of the replay's own: the run is the program's, and every breakpoint or
// watchpoint it passes is seen as usual), and a checkpoint is taken there, named by the state's
// signature (StateSignature: registers, FP state, writable memory; docs/POSITIONS.md): the position
// `[.signature(S)]`. What a replay from there finds is counted from it, so a scan can start at
// any such checkpoint whatever breakpoints it counts (ReverseSearch.lastHit), and a seek that has
// to reach S without the checkpoint (evicted) runs to it with PointSearch (`Waypoint`: the stub
// compares the registers in the tracee, the digests are checked at a match).
//
// Order. A scan from S_i up to S_j must know S_i comes first. Replay time is no measure (other
// work on the machine skews it), so the order is known only by construction: a stretch
// checkpoint is taken only where the replay is known to be past every stretch checkpoint of its
// event (`stretchFrontier`: the event began with none, or the replay stands at or after the last
// one, restored or reached as a waypoint), and each is appended to its event's list
// (CheckpointStore.stretchOrder). A scan going back stretch by stretch reaches the next one as a
// waypoint and takes none in between (they exist already).
//
// Why the int3 and not where the interrupt landed: a loop of short instructions (reverse_loop's
// imul/add/sub/jne, all under 5 bytes) has nothing the stub can patch, and a point searched with
// a hardware breakpoint costs one ptrace stop per pass (≈45 µs, 10^9 passes a second here).
// The signature has no progress words: the pass analysis (ProgressWordFinder.analyze) runs the
// task past instructions the replay must see (a scan's breakpoints). A loop whose progress is
// only in memory therefore costs a digest per pass at its point when the checkpoint itself is
// gone; with the checkpoint, none.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// A state the event's task must reach before its event goes on: a seek's `.signature`
/// segment (ReplaySession.waypoint).
struct Waypoint {
    let event: Int
    /// The recorded tid of the event's task.
    let tid: Int32
    let registers: Registers
    /// nil: the registers alone (a pause's `.state`, Seek.statesByWaypoint).
    let signature: StateSignature?
    /// Counted by the stub (ReverseExecution.swift's counted segments): the n-th pass through
    /// registers.rip, or the registers' state with the passes it took.
    var counting: PointSearch.Counting? = nil
}

extension ReplaySession {
    /// Before the event under way goes on: runs its task to the waypoint, if one is set for it,
    /// and returns the `.waypoint` trap there (or the debugger's stop that came first).
    func reachWaypoint(in event: Event) throws -> DebugTrap? {
        guard let w = waypoint, w.event == eventNumber, event.tid == w.tid, let t = tasks[w.tid] else { return nil }
        lastSearchArrivals = nil
        guard try runTo(t, w.registers, signature: w.signature, counting: w.counting,
                        what: "the state of a checkpoint or a pause inside event \(eventNumber)") else { return takeTrap() }
        waypoint = nil
        return DebugTrap(task: t, kind: .waypoint, registers: try t.task.registers())
    }
}

extension ReplayTimeline {
    /// Seconds of the task's process's CPU time without a checkpoint after which a running task
    /// is interrupted for one (SWRR_STRETCH_INTERVAL; 0 turns stretch checkpoints off). A reverse
    /// operation inside a long computation re-executes about this much. CPU time, not the
    /// replay's wall-clock time: other work on the machine stretches the latter (benchmarks/reverse
    /// at load 4-7 took 43-67 checkpoints in its 7 s loop instead of 28, each stopping the task
    /// 8-17 ms, and the bound of 25 thinned them), while re-executing a stretch costs its CPU time.
    static let stretchInterval: Double = {
        if let v = getenv("SWRR_STRETCH_INTERVAL"), let x = Double(String(cString: v)), x >= 0 { return x }
        return 0.25
    }()

    /// The replay stands past every stretch checkpoint of its event (see the top of the file).
    var stretchFrontier: Bool {
        guard stretchAnchor.event == eventNumber else { return false }
        let last = checkpoints.stretchOrder[eventNumber]?.last
        return stretchAnchor.signature == last
    }

    /// Whether the debugger's wait should interrupt the running task for a stretch checkpoint.
    func stretchDue(_ t: ReplayTask) -> Bool {
        guard Self.stretchInterval > 0, checkpoints.automatic, stretchBreakpoint == nil, stepState == .off,
              stretchFrontier else { return false }
        let now = checkpoints.current
        guard now >= stretchNotBefore else { return false }
        guard let cpu = Self.processCPU(t.task.tgid) else { return now - checkpoints.lastTaken >= Self.stretchInterval }
        // Measured from the first look after the last checkpoint taken or restored (one wait
        // slice late at most), in the process running now (a restore runs new copies).
        if let c = stretchClock, c.tgid == t.task.tgid, c.mark == checkpoints.lastTaken {
            return cpu - c.cpu >= Self.stretchInterval
        }
        stretchClock = (t.task.tgid, checkpoints.lastTaken, cpu)
        return false
    }

    /// The CPU time (user + system, all threads) process `pid` has used, in seconds; nil when it
    /// cannot be read.
    static func processCPU(_ pid: Int32) -> Double? {
        ProcessCPUTime.ms(pid).map { $0 / 1000 }
    }

    /// The interrupt's stop: a checkpoint here when the stub can patch this instruction, else an
    /// int3 at the first one on each path ahead (`stretchBreakpointReached` takes it there).
    func stretchInterrupted(_ trap: DebugTrap) {
        let t = trap.task
        // A failed attempt is tried again a slice later.
        stretchNotBefore = checkpoints.current + 0.05
        ReplayProfile.count("stretch interrupts")
        guard stretchFrontier, let tid = recordedTid(ofReplayTid: t.task.tid), session.current?.event.tid == tid else { return }
        let rip = trap.registers.rip
        let points = ProgressWordFinder.patchablePoints(in: t.task, from: rip).filter {
            !breakpoints.contains($0) && !Self.inWritableMapping(t.task, $0)
        }
        if points == [rip] {
            takeStretchCheckpoint(t, tid: tid)
            return
        }
        var inserted: Set<UInt64> = []
        for p in points where p != rip && (try? breakpoints.add(p, in: addressSpaces)) != nil { inserted.insert(p) }
        if !inserted.isEmpty { stretchBreakpoint = (inserted, t.task.tid) }
    }

    /// One of the replay's int3s of a stretch checkpoint was hit: they go, and the checkpoint is
    /// taken.
    func stretchBreakpointReached(_ trap: DebugTrap) {
        guard let sb = stretchBreakpoint else { return }
        clearStretchBreakpoint()
        let t = trap.task
        guard sb.tid == t.task.tid, let tid = recordedTid(ofReplayTid: t.task.tid) else { return }
        takeStretchCheckpoint(t, tid: tid)
    }

    /// Removes the stretch int3s still waiting (at every end of a drive: it must never be
    /// installed into a restored replay, nor outlive its event).
    func clearStretchBreakpoint() {
        guard let sb = stretchBreakpoint else { return }
        stretchBreakpoint = nil
        if stretchPause {
            // The task reached its event first: the pause is taken at the boundary.
            stretchPause = false
            engine.interruption.request()
        }
        for a in sb.addresses {
            breakpoints.remove(a, in: addressSpaces)
            coverageReleased(a)
        }
        if case .software(let a)? = stepOver[sb.tid], sb.addresses.contains(a) { stepOver[sb.tid] = nil }
    }

    /// A pause interrupted the client's run at a stop of `trap.task` inside an event. Where the
    /// stub cannot patch that instruction, the pause is taken at the first patchable one ahead
    /// (int3s, as for a stretch checkpoint; true: the run goes on to them), so that its `.state`
    /// is found again with the stub rather than by one breakpoint stop per execution of its
    /// instruction (reverse_loop's: 10^9 a second). False: the pause is where the task is.
    func pauseAhead(_ trap: DebugTrap) -> Bool {
        if stretchBreakpoint != nil {
            stretchPause = true
            return true
        }
        let t = trap.task, rip = trap.registers.rip
        let points = ProgressWordFinder.patchablePoints(in: t.task, from: rip).filter {
            !breakpoints.contains($0) && !Self.inWritableMapping(t.task, $0)
        }
        guard points != [rip] else { return false }
        var inserted: Set<UInt64> = []
        for p in points where (try? breakpoints.add(p, in: addressSpaces)) != nil { inserted.insert(p) }
        guard !inserted.isEmpty else { return false }
        stretchBreakpoint = (inserted, t.task.tid)
        stretchPause = true
        return true
    }

    /// A checkpoint where task `t` (recorded `tid`, the event's) stands, named by its signature.
    /// The live position of a client's run is counted from it from now on.
    private func takeStretchCheckpoint(_ t: ReplayTask, tid: Int32) {
        guard stretchFrontier, session.current?.event.tid == tid, stepOver.keys.allSatisfy({ $0 == t.task.tid }),
              SessionCheckpoint.obstacle(in: session) == nil else { return }
        do {
            let sig = try ReplayProfile.time("stretch signatures") {
                try StateSignature.of(t.task, words: [], excluding: SyscallBufferLayout.bufferRanges(session.registeredBuffers),
                                      otherStacks: session.tasks.otherStacks(of: t))
            }
            let p = ReplayPosition(event: eventNumber, tid: tid, path: [.signature(sig)], registers: sig.registers)
            try takeCheckpoint(at: p, explicit: false)
            checkpoints.noteStretch(sig, event: eventNumber)
            stretchAnchor = (eventNumber, sig)
            coverageStretchStarted(t, tid: tid, sig: sig)
            if seek == nil {
                position = p
                establishedPending = true
            }
        } catch {
            // No checkpoint here: reverse execution stays correct, only slower.
        }
    }

    /// A scan `s` restored at the stretch checkpoint `cp`: its hits are counted from the
    /// checkpoint's state, and in the target's event it goes on along the target's path (to a
    /// later stretch checkpoint's state as a waypoint, or on from this one).
    func resumeScan(_ s: Seek, fromStretch cp: Checkpoint) throws {
        let q = cp.position
        s.base = q.path
        s.baseEvent = q.event
        if q.event == s.target.event {
            try enterTargetEvent(s)
            if let (segment, count) = q.progress(towards: s.target) {
                s.segment = segment
                s.count = count
                s.resolved = Array(q.path.prefix(segment))
            }
            armWaypoint(s)
        }
        stepState = .off
        establishedPending = true
        currentTid = q.tid
    }

    /// The session's waypoint for the seek's segment under way, when it is a signed state.
    func armWaypoint(_ s: Seek) {
        guard s.segment < s.target.path.count else {
            session?.waypoint = nil
            return
        }
        if armCountedArrival(s) { return }
        // Where the client has an int3 at the state's instruction, its trap there is the check
        // (`waypointAtBreakpoint`): PointSearch's hardware breakpoint and the int3 at one
        // address would trap in turn for ever.
        switch s.target.path[s.segment] {
        case .signature(let sig) where !breakpoints.contains(sig.registers.rip):
            session?.waypoint = Waypoint(event: s.target.event, tid: s.target.tid, registers: sig.registers, signature: sig)
        case .state(let r) where s.statesByWaypoint && (!breakpoints.contains(r.rip) || (s.countStates && !s.notesHits)):
            // (A counting seek that notes no hits lifts the client's int3 there: CountedArrivals.swift.)
            session?.waypoint = s.countStates && stubCountable(r.rip, s) ? countedStateWaypoint(s, r)
                : Waypoint(event: s.target.event, tid: s.target.tid, registers: r, signature: nil)
        default:
            session?.waypoint = nil
        }
    }

    /// A breakpoint trap of the seek `s` that is the state its segment under way waits for (the
    /// client's int3 at that instruction, `armWaypoint`): the `.waypoint` trap to count instead.
    func waypointAtBreakpoint(_ trap: DebugTrap, _ s: Seek) -> DebugTrap? {
        guard s.entered, s.segment < s.target.path.count, case .breakpoint(let b) = trap.kind, !trap.sameArrival else { return nil }
        switch s.target.path[s.segment] {
        case .signature(let sig) where b == sig.registers.rip && HardwareBreakpoint.sameState(trap.registers, sig.registers):
            let excluded = SyscallBufferLayout.bufferRanges(session.registeredBuffers)
            let matches = ReplayProfile.time("waypoint checks at an int3") {
                (try? sig.matches(trap.task.task, registers: trap.registers, excluding: excluded,
                                  otherStacks: session.tasks.otherStacks(of: trap.task))) == true
            }
            guard matches else { return nil }
        case .state(let r) where s.statesByWaypoint && b == r.rip && HardwareBreakpoint.sameState(trap.registers, r):
            break
        default:
            return nil
        }
        return DebugTrap(task: trap.task, kind: .waypoint, registers: trap.registers)
    }

    static func inWritableMapping(_ task: Task, _ p: UInt64) -> Bool {
        guard let maps = try? task.mappings() else { return true }
        let range = RegisterMatchTrap.patchedRange(at: p)
        return maps.contains { $0.start < range.upperBound && range.lowerBound < $0.end && $0.permissions.dropFirst().first == "w" }
    }
}
