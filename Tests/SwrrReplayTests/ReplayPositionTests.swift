// ReplayPosition alone (ReplayPosition.swift): a point of a replay as an event plus the path its
// task ran since the event began. What a seek relies on: segments that count the same thing
// merge when appended, `progress(towards:)` says how far along a target's path a replay stands
// (or nil when running on cannot reach it), `samePoint` ignores the registers and the task.
// No recording: positions are plain values.
@testable import SwrrReplay
import SwrrTracee
import XCTest

final class ReplayPositionTests: XCTestCase {
    let a: UInt64 = 0x401136, b: UInt64 = 0x40114a
    let counter = Watchpoint(address: 0x404028, length: 4, kind: .write)

    func registers(rip: UInt64, rax: UInt64 = 0) -> Registers {
        var r = Registers(values: Array(repeating: 0, count: Registers.count))
        r.rip = rip
        r.values[Registers.names.firstIndex(of: "rax")!] = rax
        return r
    }

    func position(_ event: Int, _ path: [ReplayPosition.Segment], tid: Int32 = 100) -> ReplayPosition {
        ReplayPosition(event: event, tid: tid, path: path)
    }

    func testTheBriefFormIsOneArrivalSegmentAndAnEmptyPathIsTheEventBoundary() {
        let brief = ReplayPosition(event: 5, tid: 100, rip: a, hits: 3)
        XCTAssertEqual(brief.path, [.arrival(a, 3)])
        XCTAssertEqual(brief, position(5, [.arrival(a, 3)]))
        XCTAssertFalse(brief.isEventBoundary)
        XCTAssertTrue(ReplayPosition(event: 5, tid: 100).isEventBoundary)
        XCTAssertNil(ReplayPosition(event: 5, tid: 100).registers)
    }

    func testAppendingMergesSegmentsThatCountTheSameThing() {
        // Two "first arrivals at A" in a row are the second arrival at A; steps add up; traps of
        // one watchpoint add up.
        XCTAssertEqual(position(2, [.arrival(a, 1)]).appending(.arrival(a, 1)).path, [.arrival(a, 2)])
        XCTAssertEqual(position(2, [.arrival(a, 2)]).appending(.arrival(a, 3)).path, [.arrival(a, 5)])
        XCTAssertEqual(position(2, [.steps(2)]).appending(.steps(1)).path, [.steps(3)])
        XCTAssertEqual(position(2, [.watch(counter, 1)]).appending(.watch(counter, 1)).path, [.watch(counter, 2)])
        // Only the last segment merges.
        XCTAssertEqual(position(2, [.steps(1), .arrival(a, 1)]).appending(.arrival(a, 1)).path,
                       [.steps(1), .arrival(a, 2)])
    }

    func testAppendingKeepsSegmentsThatCountDifferentThingsApart() {
        XCTAssertEqual(position(2, [.arrival(a, 1)]).appending(.arrival(b, 1)).path, [.arrival(a, 1), .arrival(b, 1)])
        XCTAssertEqual(position(2, [.arrival(a, 1)]).appending(.steps(1)).path, [.arrival(a, 1), .steps(1)])
        // Another kind at the same address is another watchpoint.
        let readWrite = Watchpoint(address: counter.address, length: 4, kind: .readWrite)
        XCTAssertEqual(position(2, [.watch(counter, 1)]).appending(.watch(readWrite, 1)).path,
                       [.watch(counter, 1), .watch(readWrite, 1)])
        // A register state is reached once: two of them stay two segments, even when equal.
        let s = registers(rip: a)
        XCTAssertEqual(position(2, [.state(s)]).appending(.state(s)).path, [.state(s), .state(s)])
        // From the event boundary, the first segment.
        XCTAssertEqual(position(2, []).appending(.steps(4)).path, [.steps(4)])
    }

    func testAppendingLeavesTheOriginalAndItsEventTaskAndRegisters() {
        let p = ReplayPosition(event: 9, tid: 7, path: [.steps(1)], registers: registers(rip: b))
        let q = p.appending(.steps(1))
        XCTAssertEqual(p.path, [.steps(1)])
        XCTAssertEqual(q.event, 9)
        XCTAssertEqual(q.tid, 7)
        XCTAssertEqual(q.registers, registers(rip: b))
    }

    func testEqualityCountsTheTaskAndRegistersButSamePointDoesNot() {
        let p = ReplayPosition(event: 4, tid: 100, rip: a, hits: 2, registers: registers(rip: a, rax: 1))
        let otherRegisters = ReplayPosition(event: 4, tid: 100, rip: a, hits: 2, registers: registers(rip: a, rax: 2))
        let otherTask = ReplayPosition(event: 4, tid: 101, rip: a, hits: 2, registers: p.registers)
        XCTAssertNotEqual(p, otherRegisters)
        XCTAssertNotEqual(p, otherTask)
        XCTAssertTrue(p.samePoint(otherRegisters))
        XCTAssertTrue(p.samePoint(otherTask))
        XCTAssertFalse(p.samePoint(ReplayPosition(event: 4, tid: 100, rip: a, hits: 3)))
        XCTAssertFalse(p.samePoint(ReplayPosition(event: 5, tid: 100, rip: a, hits: 2)))
    }

    func testProgressFromTheEventBoundaryIsTheStartOfAnyPathOfTheEvent() {
        let target = position(6, [.arrival(a, 2), .steps(3)])
        XCTAssertEqual(progress(position(6, []), target), Progress(segment: 0, count: 0))
        // Another event, or another task: running on does not get there.
        XCTAssertNil(progress(position(5, []), target))
        XCTAssertNil(progress(position(7, []), target))
        XCTAssertNil(progress(position(6, [], tid: 101), target))
        // A target of task 0 is reached by whichever task stands in its event.
        XCTAssertEqual(progress(position(6, [], tid: 101), position(6, [.steps(3)], tid: 0)),
                       Progress(segment: 0, count: 0))
    }

    func testProgressCountsHowFarTheSegmentUnderWayGot() {
        let target = position(6, [.arrival(a, 2), .steps(5)])
        // One arrival at A of the two: the first segment under way, 1 counted.
        XCTAssertEqual(progress(position(6, [.arrival(a, 1)]), target), Progress(segment: 0, count: 1))
        // The first segment done, the second under way.
        XCTAssertEqual(progress(position(6, [.arrival(a, 2)]), target), Progress(segment: 1, count: 0))
        XCTAssertEqual(progress(position(6, [.arrival(a, 2), .steps(3)]), target), Progress(segment: 1, count: 3))
        // At the target: the segment index is the target's segment count.
        XCTAssertEqual(progress(target, target), Progress(segment: 2, count: 0))
    }

    func testProgressIsNilWhereRunningOnCannotReachTheTarget() {
        let target = position(6, [.arrival(a, 2), .steps(5)])
        // Past it.
        XCTAssertNil(progress(position(6, [.arrival(a, 3)]), target))
        XCTAssertNil(progress(position(6, [.arrival(a, 2), .steps(6)]), target))
        // Longer than it.
        XCTAssertNil(progress(position(6, [.arrival(a, 2), .steps(5), .steps(1)]), target))
        // Another address, another kind of segment, another earlier segment.
        XCTAssertNil(progress(position(6, [.arrival(b, 1)]), target))
        XCTAssertNil(progress(position(6, [.steps(1)]), target))
        XCTAssertNil(progress(position(6, [.arrival(b, 2), .steps(1)]), target))
    }

    func testProgressThroughARegisterStateNeedsTheSameState() {
        let s = registers(rip: b, rax: 7)
        let target = position(3, [.state(s), .steps(2)])
        XCTAssertEqual(progress(position(3, [.state(s)]), target), Progress(segment: 1, count: 0))
        XCTAssertNil(progress(position(3, [.state(registers(rip: b, rax: 8))]), target))
    }

    func testDescriptionNamesEachSegment() {
        XCTAssertEqual(position(7, []).description, "event 7")
        XCTAssertEqual(position(3, [.arrival(a, 2), .steps(1)], tid: 42).description,
                       "event 3, task 42: arrival 2 at 0x401136, then 1 step")
        XCTAssertEqual(position(3, [.watch(counter, 1), .steps(3), .state(registers(rip: b))], tid: 42).description,
                       "event 3, task 42: watchpoint 0x404028 trap 1, then 3 steps, then the state at 0x40114a")
    }

    struct Progress: Equatable {
        var segment: Int
        var count: Int
    }

    func progress(_ p: ReplayPosition, _ target: ReplayPosition) -> Progress? {
        p.progress(towards: target).map { Progress(segment: $0.segment, count: $0.count) }
    }
}
