// The recorder's scheduler: which traced task runs user code (DESIGN.md §2). Threads of a
// recorded program share memory, so one task at a time holds the slot and the recorded order of
// their events is the real one. Without a tick counter the slot changes hands only where replay
// can find the point again: at syscalls (an exit, or an entry that blocks), at the end of a slice
// of user code while another task is runnable (a PreemptEvent at a state signature,
// docs/POSITIONS.md), or when a task stops for good.
//
// Decisions only: the scheduler never calls ptrace nor writes the trace. Recorder asks it (which
// task next, how long to wait for a stop, what to do when that wait times out or an interrupt
// arrives) and reports to it what tasks did (started running, blocked, yielded, ended). Its clock
// is a parameter, so its decisions are unit-tested on a fake one (Tests/SwrrRecordTests).
import Glibc
import SwrrKernel

final class Scheduler {
    // MARK: slices (milliseconds)

    /// How long a task may hold the slot in a syscall before it counts as blocked (the wait for
    /// stops times out after this while anything is to be decided).
    static let blockTimeoutMs: Int32 = 2
    /// How long a task runs user code without a syscall, while another task is runnable, before
    /// it is preempted at a state signature (SlicePreemption.swift): no task starves.
    static let sliceMs: UInt64 = 50
    /// How long signals may be held back (to the task's next syscall) before they are delivered
    /// where the task computes, at a state signature: one slice.
    static let holdLimitMs: UInt64 = sliceMs
    /// How long a task making buffered syscalls keeps the CPU while another task is runnable:
    /// buffered calls make no stop, so they are no switch points of their own.
    static let bufferedSliceMs: UInt64 = 10
    /// How long a task keeps the slot through its recorded syscalls while another task is
    /// runnable. Measured with heartbeat.c (a thread computing with a buffered clock_gettime
    /// beside one printing a tick every 100 ms): when every syscall exit gave the slot away, each
    /// of the printer's calls (7 for its first printf) cost it a buffered slice of the computer's
    /// (10 ms), and it ticked 12-16 times in 2 s instead of 20.
    static let syscallSliceMs: UInt64 = 10
    /// How long a task may hold the slot while another waits for it before the recorder says so
    /// on stderr. Slices, the block timeout and the interrupt of a blocked buffered call end a
    /// turn within tens of milliseconds; a turn this long is a stall (a recording of swiftc -O
    /// once stood still for good with no word, the slot's holder interrupted every 2 ms).
    static let stallNoteMs: UInt64 = 10_000
    /// How often a held wait of an emulated tracer looks again for what the kernel alone knows
    /// (a real child's stop; EmulatedWaits.swift).
    static let heldWaitPollMs: UInt64 = 5

    /// Milliseconds of a monotonic clock.
    let now: () -> UInt64

    /// Chaos mode's random choices (ChaosSchedule.swift); nil: the fair, fixed schedule.
    let chaos: ChaosSchedule?

    init(clock: @escaping () -> UInt64 = monotonicMs, chaos: ChaosSchedule? = nil) {
        now = clock
        self.chaos = chaos
    }

    // MARK: the tasks

    /// Every live task, by tid.
    private(set) var tasks: [Int32: RecordTask] = [:]
    /// Round-robin order of tids.
    private(set) var order: [Int32] = []
    /// The task holding the slot: only it runs user code.
    private(set) var current: RecordTask?

    var isEmpty: Bool { tasks.isEmpty }
    /// Processes (by tgid) whose exit_group has been recorded: nothing more of theirs is recorded
    /// but their tasks' ends.
    var endingGroups: Set<Int32> = []

    /// A new task (the first one, or a clone's child), last in the round.
    func add(_ t: RecordTask) {
        tasks[t.tid] = t
        order.append(t.tid)
        if let chaos { t.priority = chaos.priority() }
    }

    /// A task that ended (or that an exec ended).
    func remove(_ t: RecordTask) {
        tasks[t.tid] = nil
        order.removeAll { $0 == t.tid }
        release(t)
    }

    /// After an exec by a non-leader thread: `execer`, known as `formerTid` until now, has the
    /// leader's tid (and the leader's place in the round); it takes over the leader's slot.
    func renamed(_ execer: RecordTask, from formerTid: Int32, replacing leader: RecordTask) {
        tasks[formerTid] = nil
        order.removeAll { $0 == formerTid }
        tasks[execer.tid] = execer
        if current === leader { current = execer }
    }

    /// Forgets every task (the recording ends); returns them, to be killed.
    func removeAll() -> [RecordTask] {
        let all = Array(tasks.values)
        tasks = [:]
        order = []
        current = nil
        return all
    }

    // MARK: the slot

    /// The next runnable task in round-robin order, moved to the end of the round; nil when none
    /// is runnable.
    func next() -> RecordTask? {
        guard !order.isEmpty else { return nil }
        if chaos != nil { return chaosNext() }
        for _ in 0..<order.count {
            let tid = order.removeFirst()
            order.append(tid)
            if let t = tasks[tid], t.state == .runnable { return t }
        }
        return nil
    }

    /// `t`, picked by next(), was resumed: it holds the slot unless it stopped without running
    /// (for its emulated tracer) or blocked in a syscall made at once.
    func granted(_ t: RecordTask) {
        if t.state == .running || t.state == .inSyscall {
            current = t
            t.slotSince = now()
        }
    }

    /// `t` is resumed into user code now.
    func running(_ t: RecordTask) {
        t.state = .running
        t.runningSince = now()
        if let chaos { t.sliceMs = chaos.sliceMs() }
    }

    /// How long `t` runs user code before its slice ends (ms).
    func slice(of t: RecordTask) -> UInt64 {
        chaos == nil ? Self.sliceMs : t.sliceMs
    }

    /// `t`, resumed just now, is interrupted again in about `retryMs` rather than a slice (its
    /// position was given up: SlicePreemption.swift).
    func retrySoon(_ t: RecordTask, retryMs: UInt64) {
        let now = now()
        let slice = max(slice(of: t), retryMs)
        t.runningSince = now >= slice - retryMs ? now - (slice - retryMs) : 0
    }

    /// `t` gives the slot away (if it held it), whatever it does next.
    func release(_ t: RecordTask) {
        if current === t { current = nil }
    }

    /// `t` stopped where replay can stop it too and waits for its next turn.
    func yielded(_ t: RecordTask) {
        t.state = .runnable
        release(t)
    }

    /// `t` is inside a syscall that blocks (or will): another task may run meanwhile.
    func blocked(_ t: RecordTask) {
        t.state = .blocked
        release(t)
    }

    /// Whether a task other than `t` waits for the slot.
    func othersRunnable(than t: RecordTask) -> Bool {
        tasks.values.contains { $0 !== t && $0.state == .runnable }
    }

    /// The task that has held the slot for stallNoteMs or more while another waits for it, and
    /// how many wait (nil: none does).
    func stalledHolder() -> (task: RecordTask, waiting: Int)? {
        guard let c = current, elapsed(since: c.slotSince, now()) >= Self.stallNoteMs else { return nil }
        let waiting = tasks.values.filter { $0 !== c && $0.state == .runnable }.count
        return waiting > 0 ? (c, waiting) : nil
    }

    /// At the exit stop of `t`'s syscall (recorded): true when `t` goes on running now; else it
    /// waits for its turn. A syscall is a switch point: the others get a turn if any waits and
    /// `t` has held the slot for syscallSliceMs. A call that had blocked gave the slot away
    /// already.
    func syscallExited(_ t: RecordTask, wasBlocked: Bool) -> Bool {
        if wasBlocked {
            t.state = .runnable
            return false
        }
        if let chaos {
            // Starved, it waits even alone; else it keeps the slot, while others wait, as long as
            // its slice and a coin allow.
            let keeps = !isStarved(t, now()) && (!othersRunnable(than: t) || (current === t
                && elapsed(since: t.slotSince, now()) < t.sliceMs && chaos.keepsSlotThroughSyscall()))
            if !keeps { yielded(t) }
            return keeps
        }
        if othersRunnable(than: t) && (current !== t || elapsed(since: t.slotSince, now()) >= Self.syscallSliceMs) {
            yielded(t)
            return false
        }
        return true
    }

    /// At the entry of `t`'s syscall, resumed into it: whether to count it as blocked at once,
    /// rather than after blockTimeoutMs (a wait that will almost surely block, with others
    /// waiting for the slot).
    func yieldsAtEntry(_ t: RecordTask, likelyToBlock: Bool) -> Bool {
        likelyToBlock && othersRunnable(than: t)
    }

    // MARK: waiting for stops

    /// How long the wait for the next stop may last before timeout() is due (ms; 0: no limit).
    /// A limit only while something may have to be decided without a stop: held signals, held
    /// waits, or a task that holds the slot while another is runnable.
    func waitTimeoutMs() -> Int32 {
        if tasks.values.contains(where: { !$0.held.isEmpty || $0.state == .ptraceWaiting }) { return Self.blockTimeoutMs }
        if chaos != nil { return chaosWaitTimeoutMs() }
        guard let c = current else { return 0 }
        return tasks.values.contains { $0 !== c && $0.state == .runnable } ? Self.blockTimeoutMs : 0
    }

    /// What the recorder does when the wait for a stop timed out, in this order.
    enum TimeoutAction {
        /// The current task's syscall blocked (or stays long in the kernel): mark where it
        /// entered when `marker` (a SyscallEntryEvent), then report blocked(_:).
        case blocked(RecordTask, marker: Bool)
        /// Its next buffered call is to make an ordinary syscall (a switch point).
        case stopBuffering(RecordTask)
        /// PTRACE_INTERRUPT it (then interruptPending): for a spin check or held signals.
        case interrupt(RecordTask)
    }

    /// The decisions at a timeout of the wait for stops. `asleepInBufferedCall` says whether a
    /// task the scheduler counts as running user code is in fact asleep in the kernel inside a
    /// buffered syscall (the recorder asks /proc).
    func timeout(asleepInBufferedCall: (RecordTask) -> Bool = { _ in false }) -> [TimeoutAction] {
        let now = now()
        var actions: [TimeoutAction] = []
        if let c = current {
            if c.state == .inSyscall && c.syscallRecorded {
                // fork/clone still inside the kernel, its event already written: nothing to mark.
                return [.blocked(c, marker: false)]
            }
            if c.state == .inSyscall && (SyscallTable.keepsTheCPU(Int(Int64(bitPattern: c.entry.origRax)))
                                         || c.waitNoHang != nil) {
                // (A wait with WNOHANG added returns at once, and may be undone: no marker for it.)
                return []
            }
            if c.state == .inSyscall {
                // It blocked: mark where it entered (unless its tracer's entry stop did), and let
                // another task run meanwhile.
                return [.blocked(c, marker: !c.ptraceEntryRecorded)]
            }
            if c.state == .running && c.buffer != nil && !c.interruptPending && othersRunnable(than: c)
                && elapsed(since: c.runningSince, now) >= Self.blockTimeoutMs && asleepInBufferedCall(c) {
                // A buffered call that blocked without its desched signal: the thread blocks
                // SIGPWR (libdispatch's worker threads block every signal but the faults, and
                // read pipes so), so the perf event's signal stays pending and nothing stops the
                // call. It would keep the slot until the call returns, which may need another
                // task's turn (swift-driver's reader thread waited for swift-frontend's output
                // this way). Interrupted, it is made again as an ordinary syscall
                // (SignalRecorder.interrupted), which blocks as a recorded one does.
                return [.interrupt(c)]
            }
            if c.state == .running && c.buffer != nil
                && elapsed(since: c.runningSince, now) >= (chaos == nil ? Self.bufferedSliceMs : c.sliceMs),
               othersRunnable(than: c) {
                // Buffered syscalls are no switch points: a thread waiting in a loop of them for
                // another one would keep the CPU. Its next buffered call becomes a recorded one.
                actions.append(.stopBuffering(c))
            }
            // (No preemption without another runnable task: a task alone is never interrupted for
            // its slice, so a single-threaded computation runs at native speed.)
            let sliceOver = c.state == .running && elapsed(since: c.runningSince, now) >= slice(of: c)
            if sliceOver && chaos != nil { chaosSliceOver(c, now) }
            if c.state == .running && !c.interruptPending &&
                ((sliceOver && othersRunnable(than: c)) || holdsSignalsTooLong(c, now) || isStarved(c, now)) {
                actions.append(.interrupt(c))
                return actions
            }
        }
        for t in tasks.values where t !== current && holdsSignalsTooLong(t, now) {
            if t.state == .running && !t.interruptPending { actions.append(.interrupt(t)) }
        }
        return actions
    }

    /// What to do with a task our PTRACE_INTERRUPT stopped.
    enum InterruptAction: Equatable {
        /// Deliver the oldest held signal where it stands (held too long).
        case deliverHeld
        /// Its slice is over: take its position and give the slot to the runnable others.
        case preempt
        /// Nothing to do any more: resume it.
        case resume
    }

    func interrupted(_ t: RecordTask) -> InterruptAction {
        if holdsSignalsTooLong(t, now()) { return .deliverHeld }
        if current === t && (othersRunnable(than: t) || isStarved(t, now())) { return .preempt }
        return .resume
    }

    // MARK: held waits of emulated tracers (EmulatedWaits.swift)

    /// `t`'s wait found nothing and was undone: held until a tracee may have stopped.
    func holdWait(_ t: RecordTask) {
        t.state = .ptraceWaiting
        t.waitingSince = now()
        release(t)
    }

    /// Lets every held wait look again.
    func wakeHeldWaits() {
        for w in tasks.values where w.state == .ptraceWaiting { w.state = .runnable }
    }

    /// Held waits that have waited a poll interval look again (a real child may have changed).
    func pollHeldWaits() {
        let now = now()
        for w in tasks.values where w.state == .ptraceWaiting && elapsed(since: w.waitingSince, now) >= Self.heldWaitPollMs {
            w.state = .runnable
        }
    }

    // MARK: chaos mode (ChaosSchedule.swift)

    /// Whether `t` is kept off the slot at `now`.
    func isStarved(_ t: RecordTask, _ now: UInt64) -> Bool {
        chaos != nil && now < t.starvedUntil
    }

    /// The highest-priority runnable task that is not starved, ties at random; the priorities are
    /// drawn again when due.
    private func chaosNext() -> RecordTask? {
        guard let chaos else { return nil }
        let now = now()
        if chaos.refreshPriorities(at: now) {
            for tid in order { tasks[tid]?.priority = chaos.priority() }
        }
        let runnable = order.compactMap { tasks[$0] }.filter { $0.state == .runnable && !isStarved($0, now) }
        guard let top = runnable.map(\.priority).max() else { return nil }
        let t = chaos.pick(runnable.filter { $0.priority == top })
        order.removeAll { $0 == t.tid }
        order.append(t.tid)
        return t
    }

    /// `c`'s slice is over at `now`: it may be starved from now on (then interrupted even alone),
    /// when there is another task (blocked ones may wake meanwhile: a lone task's starvation
    /// would change nothing); not starved and alone, it goes on with a new slice.
    private func chaosSliceOver(_ c: RecordTask, _ now: UInt64) {
        guard let chaos else { return }
        if tasks.count > 1, let d = chaos.starvation(at: now) {
            c.starvedUntil = now + d
        } else if !othersRunnable(than: c) {
            c.runningSince = now
            c.sliceMs = chaos.sliceMs()
        }
    }

    /// The wait for stops in chaos mode: the current task's slice may end, or a starvation, with
    /// nothing else to stop the wait (a task alone is interrupted when starved).
    private func chaosWaitTimeoutMs() -> Int32 {
        let now = now()
        if let c = current {
            guard c.state == .running else { return Self.blockTimeoutMs }
            let left = slice(of: c) > elapsed(since: c.runningSince, now) ? slice(of: c) - elapsed(since: c.runningSince, now) : 1
            return Int32(min(UInt64(Self.blockTimeoutMs), max(left, 1)))
        }
        let starving = tasks.values.filter { $0.state == .runnable && isStarved($0, now) }
        guard let end = starving.map(\.starvedUntil).min() else { return 0 }
        return Int32(min(UInt64(Self.blockTimeoutMs), max(end - now, 1)))
    }

    // MARK: helpers

    private func holdsSignalsTooLong(_ t: RecordTask, _ now: UInt64) -> Bool {
        !t.held.isEmpty && elapsed(since: t.heldSince, now) >= Self.holdLimitMs
    }

    /// Milliseconds from `since` to `now`; 0 if the clock reads earlier (never for CLOCK_MONOTONIC,
    /// but no subtraction may trap).
    private func elapsed(since: UInt64, _ now: UInt64) -> UInt64 {
        now >= since ? now - since : 0
    }
}

/// Milliseconds of CLOCK_MONOTONIC.
func monotonicMs() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1000 + UInt64(t.tv_nsec) / 1_000_000
}
