// HitLedger alone (HitLedger.swift), on positions written by hand: what the client's forward runs
// prove about breakpoint and watchpoint hits, and how reverse-continue uses it. A chain of
// contiguous runs inserted with at least the asked keys is walked back to the first end that is
// a hit; a run made with fewer keys (a breakpoint added since) proves nothing; a reverse-stepi
// landing is followed to the runs ending at the next instruction. HitLedgerTests checks the same
// ledger under a real replay against always scanning.
@testable import SwrrReplay
import SwrrTracee
import XCTest

final class HitLedgerUnitTests: XCTestCase {
    /// A breakpoint address and a second one, and a watchpoint.
    let x: UInt64 = 0x401136, y: UInt64 = 0x401150
    let w = Watchpoint(address: 0x404028, length: 4, kind: .write)

    /// Positions in event 10 of task 100.
    func at(_ path: ReplayPosition.Segment...) -> ReplayPosition {
        ReplayPosition(event: 10, tid: 100, path: path)
    }
    var start: ReplayPosition { at() }
    var firstHit: ReplayPosition { at(.arrival(x, 1)) }
    /// One instruction after the first hit (gdb steps off a breakpoint before continuing).
    var steppedOff: ReplayPosition { at(.arrival(x, 1), .steps(1)) }
    var secondHit: ReplayPosition { at(.arrival(x, 1), .steps(1), .arrival(x, 1)) }

    /// A forward session: continue to the first hit, step off it, continue to the second, all
    /// with breakpoint x (and `more`) inserted.
    func session(more: Set<Seek.Key> = []) -> HitLedger {
        var ledger = HitLedger()
        let keys = more.union([.arrival(x)])
        ledger.add(.init(from: start, to: firstHit, keys: keys))
        ledger.add(.init(from: firstHit, to: steppedOff, keys: nil))
        ledger.add(.init(from: steppedOff, to: secondHit, keys: keys))
        return ledger
    }

    enum Outcome: Equatable {
        case hit(ReplayPosition, StopReason)
        case noneAfter(ReplayPosition)
    }

    /// `ledger.lastHit` where the breakpoint hits are `hits` (a scan would stop there) and the
    /// watchpoint traps are `traps`.
    func lastHit(_ ledger: HitLedger, before c: ReplayPosition, keys: Set<Seek.Key>,
                 hits: [ReplayPosition] = [], traps: [ReplayPosition] = []) -> Outcome {
        let answer = ledger.lastHit(before: c, keys: keys) { p in
            if hits.contains(where: { $0.samePoint(p) }) { return (p, .breakpoint(self.x)) }
            if traps.contains(where: { $0.samePoint(p) }) { return (p, .watchpoint(address: self.w.address, kind: .write)) }
            return nil
        }
        switch answer {
        case .hit(let p, let reason): return .hit(p, reason)
        case .noneAfter(let p): return .noneAfter(p)
        }
    }

    func testRunsOfNoLengthAndRunsOfADisabledLedgerAreNotKept() {
        var ledger = HitLedger()
        ledger.add(.init(from: firstHit, to: firstHit, keys: [.arrival(x)]))
        // Same point, other registers: still no length.
        var withRegisters = firstHit
        withRegisters.registers = Registers(values: Array(repeating: 1, count: Registers.count))
        ledger.add(.init(from: firstHit, to: withRegisters, keys: nil))
        XCTAssertEqual(ledger.runs.count, 0)
        ledger.enabled = false
        ledger.add(.init(from: start, to: firstHit, keys: [.arrival(x)]))
        ledger.note(firstHit, isJustBefore: steppedOff)
        XCTAssertEqual(ledger.runs.count, 0)
        XCTAssertEqual(ledger.steppedBack.count, 0)
    }

    func testTheOldestRunsGoPastTheLimit() {
        var ledger = HitLedger()
        for event in 1...(HitLedger.limit + 2) {
            ledger.add(.init(from: ReplayPosition(event: event, tid: 1), to: ReplayPosition(event: event + 1, tid: 1), keys: nil))
        }
        XCTAssertEqual(ledger.runs.count, HitLedger.limit)
        XCTAssertEqual(ledger.runs.first?.from.event, 3)
        XCTAssertEqual(ledger.runs.last?.from.event, HitLedger.limit + 2)
    }

    func testStepsBackAreNotedOnlyInsideAnEvent() {
        var ledger = HitLedger()
        // The instruction before an event boundary may have run before any run began.
        ledger.note(at(.steps(4)), isJustBefore: ReplayPosition(event: 11, tid: 100))
        ledger.note(steppedOff, isJustBefore: steppedOff)
        XCTAssertEqual(ledger.steppedBack.count, 0)
        ledger.note(firstHit, isJustBefore: steppedOff)
        XCTAssertEqual(ledger.steppedBack.count, 1)
        XCTAssertEqual(ledger.steppedBack.first?.point, firstHit)
        XCTAssertEqual(ledger.steppedBack.first?.next, steppedOff)
    }

    func testIsAtOrBeforeFollowsEventsThenPaths() {
        XCTAssertTrue(HitLedger.isAtOrBefore(secondHit, ReplayPosition(event: 11, tid: 100)))
        XCTAssertFalse(HitLedger.isAtOrBefore(ReplayPosition(event: 11, tid: 100), secondHit))
        XCTAssertTrue(HitLedger.isAtOrBefore(start, secondHit))
        XCTAssertTrue(HitLedger.isAtOrBefore(firstHit, at(.arrival(x, 2))))
        XCTAssertFalse(HitLedger.isAtOrBefore(at(.arrival(x, 2)), firstHit))
        XCTAssertTrue(HitLedger.isAtOrBefore(secondHit, secondHit))
        // Paths of different forms in one event cannot be compared.
        XCTAssertFalse(HitLedger.isAtOrBefore(at(.steps(2)), firstHit))
        XCTAssertFalse(HitLedger.isAtOrBefore(firstHit, at(.steps(2))))
    }

    func testWithoutRunsNothingIsKnownBeforeTheTarget() {
        XCTAssertEqual(lastHit(HitLedger(), before: secondHit, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .noneAfter(secondHit))
    }

    func testAChainOfRunsIsWalkedBackToTheLastHit() {
        // Back from the second hit: over the continue, over the step (it proves nothing was hit
        // whatever was inserted), onto the first hit; the breakpoint standing at the second hit
        // itself is not before it.
        XCTAssertEqual(lastHit(session(), before: secondHit, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .hit(firstHit, .breakpoint(x)))
        // Runs made with more keys inserted than asked prove it as well.
        XCTAssertEqual(lastHit(session(more: [.arrival(y), .watch(w)]), before: secondHit, keys: [.arrival(x)],
                               hits: [firstHit, secondHit]),
                       .hit(firstHit, .breakpoint(x)))
        // No hit on the way: known back to where the first run began.
        XCTAssertEqual(lastHit(session(), before: secondHit, keys: [.arrival(x)]), .noneAfter(start))
    }

    func testRunsMadeWithoutABreakpointAddedSinceProveNothingForIt() {
        XCTAssertEqual(lastHit(session(), before: secondHit, keys: [.arrival(x), .arrival(y)], hits: [firstHit, secondHit]),
                       .noneAfter(secondHit))
    }

    func testAGapBetweenRunsEndsTheChain() {
        var ledger = HitLedger()
        ledger.add(.init(from: start, to: firstHit, keys: [.arrival(x)]))
        ledger.add(.init(from: steppedOff, to: secondHit, keys: [.arrival(x)]))
        XCTAssertEqual(lastHit(ledger, before: secondHit, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .noneAfter(steppedOff))
    }

    func testAWatchpointTrappingAtTheTargetIsItsOwnLastHit() {
        // Its write came before the trap.
        let trap = at(.watch(w, 2))
        XCTAssertEqual(lastHit(HitLedger(), before: trap, keys: [.watch(w)], traps: [trap]),
                       .hit(trap, .watchpoint(address: w.address, kind: .write)))
    }

    func testAReverseStepiLandingFollowsTheRunsEndingAtTheNextInstruction() {
        // Reverse-stepi from the second hit landed one instruction before it.
        let landing = at(.arrival(x, 1), .steps(7))
        var ledger = session()
        XCTAssertEqual(lastHit(ledger, before: landing, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .noneAfter(landing))
        ledger.note(landing, isJustBefore: secondHit)
        XCTAssertEqual(lastHit(ledger, before: landing, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .hit(firstHit, .breakpoint(x)))
    }

    func testPastTwoLandingsOnlyARunBeganAtOrBeforeTheTargetCovers() {
        // Two reverse-stepis back from the second hit: `early`, then `late`, then the hit.
        let early = at(.arrival(x, 1), .steps(4)), late = at(.arrival(x, 1), .steps(5))
        var ledger = session()
        ledger.note(late, isJustBefore: secondHit)
        ledger.note(early, isJustBefore: late)
        XCTAssertEqual(lastHit(ledger, before: early, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .hit(firstHit, .breakpoint(x)))
        // A run to the second hit that began after `early` (at `late`) did not run `early`.
        var after = HitLedger()
        after.add(.init(from: late, to: secondHit, keys: [.arrival(x)]))
        after.note(late, isJustBefore: secondHit)
        after.note(early, isJustBefore: late)
        XCTAssertEqual(lastHit(after, before: early, keys: [.arrival(x)], hits: [firstHit, secondHit]),
                       .noneAfter(early))
    }

    func testAStepBackAndTheStepForwardOverItAreEachUsedOnce() {
        // Reverse-stepi from `next` to `landing`, then stepi forward again: the step and the
        // landing lead to each other; the walk ends.
        let landing = at(.arrival(x, 1), .steps(2)), next = at(.arrival(x, 1), .steps(3))
        var ledger = HitLedger()
        ledger.note(landing, isJustBefore: next)
        ledger.add(.init(from: landing, to: next, keys: nil))
        XCTAssertEqual(lastHit(ledger, before: landing, keys: [.arrival(x)], hits: [firstHit]), .noneAfter(landing))
    }
}
