// Chaos mode's decisions (SwrrRecord/ChaosSchedule.swift, Scheduler.swift) on a fake clock with
// fixed seeds: the random choices are in their ranges, repeat with the seed, and drive the
// scheduler (slices, priorities, starvation of a task even alone, the slot through syscalls).
@testable import SwrrRecord
import SwrrTracee
import XCTest

final class ChaosSchedulerTests: XCTestCase {
    private var clock: UInt64 = 1_000

    private func scheduler(seed: UInt64) -> Scheduler {
        Scheduler(clock: { [unowned self] in self.clock }, chaos: ChaosSchedule(seed: seed))
    }

    @discardableResult
    private func task(_ s: Scheduler, _ tid: Int32, _ state: RecordTask.State) -> RecordTask {
        let t = RecordTask(task: Task(tid: tid), process: RecordProcess(fds: FdTable()), state: state)
        s.add(t)
        return t
    }

    private func runNext(_ s: Scheduler) -> Int32? {
        guard let t = s.next() else { return nil }
        s.running(t)
        s.granted(t)
        return t.tid
    }

    func testSplitMix64KnownValues() {
        // The reference sequence for seed 0 (Vigna's splitmix64.c): the generator is the
        // published one, so a seed means the same choices on every machine and swrr version.
        var g = SeededGenerator(seed: 0)
        XCTAssertEqual([g.next(), g.next(), g.next()],
                       [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    func testSliceLengthsAndTheirMix() {
        let c = ChaosSchedule(seed: 42)
        let slices = (0..<20_000).map { _ in c.sliceMs() }
        XCTAssertEqual(slices.min(), 1)
        XCTAssertLessThanOrEqual(slices.max() ?? 0, 1_000)
        XCTAssertGreaterThan(slices.max() ?? 0, 900, "long slices reach near 1 s")
        let oneMs = slices.filter { $0 == 1 }.count, long = slices.filter { $0 > 50 }.count
        // 1 ms: a third plus 1/50 of the quarter of 1-50 ms draws (0.338); over 50 ms: a twelfth.
        XCTAssertEqual(Double(oneMs) / 20_000, 0.338, accuracy: 0.02)
        XCTAssertEqual(Double(long) / 20_000, 1.0 / 12, accuracy: 0.015)
    }

    func testTheSameSeedMakesTheSameChoices() {
        func choices(_ seed: UInt64) -> [UInt64] {
            let c = ChaosSchedule(seed: seed)
            return (0..<50).map { i in
                switch i % 4 {
                case 0: return c.sliceMs()
                case 1: return UInt64(c.priority())
                case 2: return c.keepsSlotThroughSyscall() ? 1 : 0
                default: return c.starvation(at: UInt64(i) * 10_000) ?? 0
                }
            }
        }
        XCTAssertEqual(choices(7), choices(7))
        XCTAssertNotEqual(choices(7), choices(8))
    }

    func testStarvationLengthsAndCooldown() {
        let c = ChaosSchedule(seed: 3)
        var lengths: Set<UInt64> = []
        var now: UInt64 = 0, starved = 0, draws = 0
        while draws < 3_000 {
            draws += 1
            if let d = c.starvation(at: now) {
                starved += 1
                lengths.insert(d)
                XCTAssertTrue(d.nonzeroBitCount == 1 && d >= 8 && d <= 1_024, "\(d) is not 2^k ms, k in 3...10")
                XCTAssertNil(c.starvation(at: now + 5 * d - 1), "no starvation within 4·D after one of D")
                now += 5 * d
            } else {
                now += 1
            }
        }
        XCTAssertEqual(lengths, Set((3...10).map { UInt64(1) << $0 }), "every length is drawn")
        XCTAssertEqual(Double(starved) / Double(draws), 1.0 / 2, accuracy: 0.05, "half the slices, when allowed")
    }

    func testHighestPriorityGoesFirstTiesAtRandom() {
        let s = scheduler(seed: 11)
        let a = task(s, 10, .runnable), b = task(s, 11, .runnable), c = task(s, 12, .runnable)
        _ = s.next()   // (the first pick draws the priorities again: set them by hand after it)
        a.priority = 1; b.priority = 3; c.priority = 3
        var picked: [Int32: Int] = [:]
        for _ in 0..<200 {
            guard let t = s.next() else { return XCTFail("nothing picked") }
            picked[t.tid, default: 0] += 1
        }
        XCTAssertNil(picked[10], "priority 1 never goes before 3")
        XCTAssertGreaterThan(picked[11] ?? 0, 60)
        XCTAssertGreaterThan(picked[12] ?? 0, 60)
        b.state = .blocked; c.state = .blocked
        XCTAssertEqual(s.next()?.tid, 10, "the lower priority runs when the higher cannot")
    }

    /// A task whose slice ends while the only other one is blocked is starved when the coin says
    /// so (else it goes on with a new slice): interrupted, preempted, kept off the slot with
    /// nothing else to run, and given it back when its starvation ends; the wait for stops is
    /// bounded meanwhile.
    func testATaskAloneIsStarvedAndGetsTheSlotBack() {
        let s = scheduler(seed: 5)
        let a = task(s, 10, .runnable)
        task(s, 11, .blocked)
        XCTAssertEqual(runNext(s), 10)
        var interrupts = 0, renewed = 0
        for _ in 0..<1_000 where interrupts == 0 {
            XCTAssertTrue((1...Scheduler.blockTimeoutMs).contains(s.waitTimeoutMs()), "a slice may end: the wait is bounded")
            let start = a.runningSince
            clock += a.sliceMs
            let actions = s.timeout()
            if actions.isEmpty {
                XCTAssertEqual(a.runningSince, clock, "not starved: a new slice from now")
                XCTAssertNotEqual(start, clock)
                renewed += 1
            } else {
                interrupts += 1
            }
        }
        XCTAssertEqual(interrupts, 1)
        XCTAssertGreaterThan(a.starvedUntil, clock)
        XCTAssertTrue(s.isStarved(a, clock))
        XCTAssertEqual(s.interrupted(a), .preempt, "starved: preempted although alone")
        s.yielded(a)
        XCTAssertNil(s.next(), "starved: not picked though nothing else runs")
        let left = a.starvedUntil - clock
        XCTAssertEqual(s.waitTimeoutMs(), Int32(min(UInt64(Scheduler.blockTimeoutMs), left)), "woken for its end")
        clock = a.starvedUntil - 1
        XCTAssertNil(s.next())
        clock += 1
        XCTAssertEqual(runNext(s), 10)
        print("seed 5: \(renewed) slice(s) renewed, then starved \(left) ms")
    }

    /// Starved at a syscall's exit, a task gives the slot away even alone; with another
    /// runnable, it keeps it through its syscall about half the time, never past its slice.
    func testTheSlotThroughSyscalls() {
        let s = scheduler(seed: 9)
        let a = task(s, 10, .runnable)
        let b = task(s, 11, .blocked)
        XCTAssertEqual(runNext(s), 10)
        a.state = .inSyscall
        XCTAssertTrue(s.syscallExited(a, wasBlocked: false), "alone and not starved: it goes on")
        a.starvedUntil = clock + 10
        a.state = .inSyscall
        XCTAssertFalse(s.syscallExited(a, wasBlocked: false), "starved: it waits, even alone")
        XCTAssertNil(s.current)
        clock += 10
        XCTAssertEqual(runNext(s), 10)
        b.state = .runnable
        func holdSlot() {
            s.running(a)
            s.granted(a)
            a.sliceMs = 5
            a.state = .inSyscall
        }
        var kept = 0
        for _ in 0..<400 {
            holdSlot()
            if s.syscallExited(a, wasBlocked: false) { kept += 1 }
        }
        XCTAssertEqual(Double(kept) / 400, 0.5, accuracy: 0.1)
        for _ in 0..<20 {
            holdSlot()
            a.slotSince = clock - 5
            XCTAssertFalse(s.syscallExited(a, wasBlocked: false), "its slice is over: the other goes")
        }
    }

    /// The only task of the recording is never starved: nothing could happen meanwhile.
    func testTheOnlyTaskIsNeverStarved() {
        let s = scheduler(seed: 5)
        let a = task(s, 10, .runnable)
        XCTAssertEqual(runNext(s), 10)
        for _ in 0..<1_000 {
            clock += a.sliceMs
            XCTAssertEqual(s.timeout().count, 0)
            XCTAssertFalse(s.isStarved(a, clock))
        }
    }

    func testOffWithoutChaos() {
        let s = Scheduler(clock: { [unowned self] in self.clock })
        let a = RecordTask(task: Task(tid: 10), process: RecordProcess(fds: FdTable()), state: .runnable)
        s.add(a)
        _ = s.next()
        s.running(a)
        s.granted(a)
        XCTAssertEqual(s.slice(of: a), Scheduler.sliceMs)
        a.starvedUntil = clock + 100
        XCTAssertFalse(s.isStarved(a, clock), "no starvation without chaos")
        clock += 10 * Scheduler.sliceMs
        XCTAssertEqual(s.timeout().count, 0, "a task alone is never interrupted")
    }
}
