// The recorder's scheduler alone (SwrrRecord/Scheduler.swift): its decisions on a fake clock and
// tasks whose states are set by hand. No process is traced: RecordTask and Task are plain
// objects until the recorder calls ptrace through them, which the scheduler never does.
@testable import SwrrRecord
import SwrrKernel
import SwrrTracee
import XCTest

final class SchedulerTests: XCTestCase {
    /// A clock the test moves by hand (milliseconds).
    private var clock: UInt64 = 1_000
    private lazy var scheduler = Scheduler(clock: { [unowned self] in self.clock })

    @discardableResult
    private func task(_ tid: Int32, _ state: RecordTask.State, tgid: Int32? = nil) -> RecordTask {
        let t = RecordTask(task: Task(tid: tid, tgid: tgid), process: RecordProcess(fds: FdTable()), state: state)
        scheduler.add(t)
        return t
    }

    /// Resumes the next runnable task as the recorder's loop does, and returns its tid.
    private func runNext() -> Int32? {
        guard let t = scheduler.next() else { return nil }
        scheduler.running(t)
        scheduler.granted(t)
        return t.tid
    }

    private func describe(_ actions: [Scheduler.TimeoutAction]) -> [String] {
        actions.map {
            switch $0 {
            case .blocked(let t, let marker): return "blocked \(t.tid) marker \(marker)"
            case .stopBuffering(let t): return "stopBuffering \(t.tid)"
            case .interrupt(let t): return "interrupt \(t.tid)"
            }
        }
    }

    func testRoundRobinSkipsTasksThatCannotRun() {
        task(10, .runnable)
        task(11, .blocked)
        task(12, .runnable)
        task(13, .newborn)
        XCTAssertEqual(scheduler.next()?.tid, 10)
        XCTAssertEqual(scheduler.next()?.tid, 12)
        XCTAssertEqual(scheduler.next()?.tid, 10, "the round starts again, 11 and 13 passed over")
        XCTAssertEqual(scheduler.order, [11, 12, 13, 10], "the picked task goes last")
    }

    func testNoRunnableTaskMeansNoPick() {
        task(10, .blocked)
        task(11, .ptraceStopped)
        XCTAssertNil(scheduler.next())
        XCTAssertNil(Scheduler(clock: { 0 }).next(), "no task at all")
    }

    func testGrantedOnlyToATaskThatRuns() {
        let a = task(10, .runnable)
        // Resumed, it stopped for its emulated tracer at once: the slot stays free.
        a.state = .ptraceStopped
        scheduler.granted(a)
        XCTAssertNil(scheduler.current)
        a.state = .inSyscall
        scheduler.granted(a)
        XCTAssertTrue(scheduler.current === a)
    }

    func testRunningNotesTheStartOnTheClock() {
        let a = task(10, .runnable)
        clock = 5_000
        scheduler.running(a)
        XCTAssertEqual(a.state, .running)
        XCTAssertEqual(a.runningSince, 5_000)
    }

    func testSyscallExitSwitches() {
        let a = task(10, .runnable)
        let b = task(11, .blocked)
        XCTAssertEqual(runNext(), 10)
        a.state = .inSyscall
        XCTAssertTrue(scheduler.syscallExited(a, wasBlocked: false), "nobody else can run: it goes on")
        XCTAssertTrue(scheduler.current === a)
        b.state = .runnable
        clock += Scheduler.syscallSliceMs - 1
        XCTAssertTrue(scheduler.syscallExited(a, wasBlocked: false), "it keeps the slot for a syscall slice")
        XCTAssertTrue(scheduler.current === a)
        a.state = .inSyscall
        clock += 1
        XCTAssertFalse(scheduler.syscallExited(a, wasBlocked: false))
        XCTAssertEqual(a.state, .runnable)
        XCTAssertNil(scheduler.current, "it gave the slot away")
        XCTAssertEqual(runNext(), 11)
        XCTAssertTrue(scheduler.current === b)
        // A's call had blocked (the slot is B's): A waits for its turn, B keeps the slot.
        a.state = .blocked
        XCTAssertFalse(scheduler.syscallExited(a, wasBlocked: true))
        XCTAssertEqual(a.state, .runnable)
        XCTAssertTrue(scheduler.current === b)
    }

    func testLikelyBlockingEntryYieldsOnlyToOthers() {
        let a = task(10, .runnable)
        XCTAssertEqual(runNext(), 10)
        XCTAssertFalse(scheduler.yieldsAtEntry(a, likelyToBlock: true), "nobody else to run")
        task(11, .runnable)
        XCTAssertTrue(scheduler.yieldsAtEntry(a, likelyToBlock: true))
        XCTAssertFalse(scheduler.yieldsAtEntry(a, likelyToBlock: false))
        scheduler.blocked(a)
        XCTAssertEqual(a.state, .blocked)
        XCTAssertNil(scheduler.current)
    }

    func testWaitTimeoutOnlyWhenSomethingIsToDecide() {
        task(10, .runnable)
        XCTAssertEqual(scheduler.waitTimeoutMs(), 0, "nothing runs")
        XCTAssertEqual(runNext(), 10)
        XCTAssertEqual(scheduler.waitTimeoutMs(), 0, "alone: wait for its stop as long as it takes")
        let b = task(11, .runnable)
        XCTAssertEqual(scheduler.waitTimeoutMs(), Scheduler.blockTimeoutMs, "another waits for the slot")
        b.state = .blocked
        XCTAssertEqual(scheduler.waitTimeoutMs(), 0)
        b.held = [(signal: 10, info: [])]
        XCTAssertEqual(scheduler.waitTimeoutMs(), Scheduler.blockTimeoutMs, "a held signal has a deadline")
        b.held = []
        b.state = .ptraceWaiting
        XCTAssertEqual(scheduler.waitTimeoutMs(), Scheduler.blockTimeoutMs, "a held wait is polled")
    }

    func testTimeoutInSyscallMarksItBlocked() {
        let a = task(10, .runnable)
        task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        a.state = .inSyscall
        a.entry.origRax = 0 /* read */
        XCTAssertEqual(describe(scheduler.timeout()), ["blocked 10 marker true"])
        a.ptraceEntryRecorded = true
        XCTAssertEqual(describe(scheduler.timeout()), ["blocked 10 marker false"], "its tracer's entry stop marked it")
        a.ptraceEntryRecorded = false
        a.syscallRecorded = true
        XCTAssertEqual(describe(scheduler.timeout()), ["blocked 10 marker false"], "a fork whose event is written")
        a.syscallRecorded = false
        a.entry.origRax = UInt64(Syscall.execve.rawValue)
        XCTAssertEqual(describe(scheduler.timeout()), [], "execve keeps the CPU (BlockingRule.keepsTheCPU)")
        a.entry.origRax = 0 /* read */
        a.waitNoHang = (arg: 2, original: 0)
        XCTAssertEqual(describe(scheduler.timeout()), [], "a wait with WNOHANG added returns at once")
    }

    func testPreemptionAfterItsSlice() {
        let a = task(10, .runnable)
        task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        clock += Scheduler.sliceMs - 1
        XCTAssertEqual(describe(scheduler.timeout()), [])
        clock += 1
        XCTAssertEqual(describe(scheduler.timeout()), ["interrupt 10"])
        a.interruptPending = true
        XCTAssertEqual(describe(scheduler.timeout()), [], "one interrupt at a time")
        a.interruptPending = false
        XCTAssertEqual(scheduler.interrupted(a), .preempt)
    }

    func testNoSliceInterruptForATaskAlone() {
        let a = task(10, .runnable)
        let b = task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        b.state = .blocked
        clock += 10 * Scheduler.sliceMs
        XCTAssertEqual(describe(scheduler.timeout()), [], "nobody waits for the slot: no interrupt")
        b.state = .runnable
        XCTAssertEqual(describe(scheduler.timeout()), ["interrupt 10"])
    }

    func testNoPreemptionWithoutAnotherRunnableTaskAtTheInterrupt() {
        let a = task(10, .runnable)
        let b = task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        b.state = .blocked
        XCTAssertEqual(scheduler.interrupted(a), .resume)
        b.state = .runnable
        XCTAssertEqual(scheduler.interrupted(b), .resume, "not the slot's holder")
    }

    func testBufferedSliceEndsBufferingBeforeThePreemption() {
        let a = task(10, .runnable)
        task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        clock += Scheduler.bufferedSliceMs
        XCTAssertEqual(describe(scheduler.timeout()), [], "no buffer: nothing before the slice ends")
        a.buffer = TaskBuffer(address: 0x7000_0000)
        XCTAssertEqual(describe(scheduler.timeout()), ["stopBuffering 10"])
        clock += Scheduler.sliceMs
        XCTAssertEqual(describe(scheduler.timeout()), ["stopBuffering 10", "interrupt 10"])
    }

    func testATaskAsleepInABufferedCallIsInterruptedAfterTheBlockTimeout() {
        let a = task(10, .runnable)
        let b = task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        a.buffer = TaskBuffer(address: 0x7000_0000)
        var asked: [Int32] = []
        let asleep = { (t: RecordTask) -> Bool in asked.append(t.tid); return true }
        clock += UInt64(Scheduler.blockTimeoutMs) - 1
        XCTAssertEqual(describe(scheduler.timeout(asleepInBufferedCall: asleep)), [], "not yet")
        clock += 1
        XCTAssertEqual(describe(scheduler.timeout(asleepInBufferedCall: { _ in false })), [], "running user code")
        XCTAssertEqual(describe(scheduler.timeout(asleepInBufferedCall: asleep)), ["interrupt 10"])
        XCTAssertEqual(asked, [10])
        a.interruptPending = true
        XCTAssertEqual(describe(scheduler.timeout(asleepInBufferedCall: asleep)), [], "one interrupt at a time")
        a.interruptPending = false
        b.state = .blocked
        XCTAssertEqual(describe(scheduler.timeout(asleepInBufferedCall: asleep)), [], "nobody waits for the slot")
        b.state = .runnable
        a.buffer = nil
        XCTAssertEqual(describe(scheduler.timeout(asleepInBufferedCall: asleep)), [], "no buffer: no buffered call")
        XCTAssertEqual(asked, [10], "/proc is read only when the answer decides")
    }

    func testAStalledTurnIsNamed() {
        let a = task(10, .runnable)
        let b = task(11, .blocked)
        XCTAssertEqual(runNext(), 10)
        clock += Scheduler.stallNoteMs
        XCTAssertNil(scheduler.stalledHolder(), "nobody waits for the turn")
        b.state = .runnable
        task(12, .runnable)
        XCTAssertTrue(scheduler.stalledHolder().map { $0.task === a && $0.waiting == 2 } ?? false)
        scheduler.yielded(a)
        XCTAssertEqual(runNext(), 11)
        XCTAssertNil(scheduler.stalledHolder(), "a new turn")
        clock += Scheduler.stallNoteMs - 1
        XCTAssertNil(scheduler.stalledHolder())
    }

    func testHeldSignalDeadlines() {
        let a = task(10, .runnable)
        let b = task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        // B runs too (a task resumed out of turn, such as an emulated tracee's), holding a signal.
        scheduler.running(b)
        b.held = [(signal: 14, info: [])]
        b.heldSince = clock
        clock += Scheduler.holdLimitMs - 1
        a.runningSince = clock   // (no spin check due for A)
        XCTAssertEqual(describe(scheduler.timeout()), [])
        clock += 1
        a.runningSince = clock
        XCTAssertEqual(describe(scheduler.timeout()), ["interrupt 11"])
        XCTAssertEqual(scheduler.interrupted(b), .deliverHeld)
        // The slot's holder with signals held too long is interrupted before its spin slice ends.
        a.held = [(signal: 10, info: [])]
        a.heldSince = clock - Scheduler.holdLimitMs
        XCTAssertEqual(describe(scheduler.timeout()), ["interrupt 10"])
        XCTAssertEqual(scheduler.interrupted(a), .deliverHeld, "held signals come before a preemption")
    }

    func testHeldWaitsArePolledAndWoken() {
        let w = task(10, .runnable)
        XCTAssertEqual(runNext(), 10)
        scheduler.holdWait(w)
        XCTAssertEqual(w.state, .ptraceWaiting)
        XCTAssertNil(scheduler.current)
        clock += Scheduler.heldWaitPollMs - 1
        scheduler.pollHeldWaits()
        XCTAssertEqual(w.state, .ptraceWaiting)
        clock += 1
        scheduler.pollHeldWaits()
        XCTAssertEqual(w.state, .runnable)
        scheduler.holdWait(w)
        scheduler.wakeHeldWaits()
        XCTAssertEqual(w.state, .runnable, "a tracee stopped: every held wait looks again")
    }

    func testAClockThatGoesBackNeverTraps() {
        let a = task(10, .runnable)
        task(11, .runnable)
        XCTAssertEqual(runNext(), 10)
        a.held = [(signal: 10, info: [])]
        a.heldSince = clock + 500
        clock -= 1
        XCTAssertEqual(describe(scheduler.timeout()), [])
        XCTAssertEqual(scheduler.interrupted(a), .preempt)
    }

    func testRemovalAndExecRenaming() {
        let leader = task(10, .runnable)
        let thread = task(11, .runnable, tgid: 10)
        task(12, .runnable)
        XCTAssertEqual(runNext(), 10)
        // Thread 11 exec'd: it is known by the leader's tid from now on, with the leader's slot.
        thread.task = Task(tid: 10)
        scheduler.renamed(thread, from: 11, replacing: leader)
        XCTAssertTrue(scheduler.current === thread)
        XCTAssertTrue(scheduler.tasks[10] === thread)
        XCTAssertNil(scheduler.tasks[11])
        XCTAssertEqual(scheduler.order, [12, 10], "11 is gone; the leader's place in the round stays")
        scheduler.remove(thread)
        XCTAssertNil(scheduler.current)
        XCTAssertEqual(scheduler.order, [12])
        XCTAssertEqual(scheduler.removeAll().map(\.tid), [12])
        XCTAssertTrue(scheduler.isEmpty)
    }
}
