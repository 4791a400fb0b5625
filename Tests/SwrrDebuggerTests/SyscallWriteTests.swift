// Writes made by syscalls (SwrrReplay/SyscallWrites.swift) on a recording of
// Tests/Fixtures/dap/syscall_writes.c without syscall buffering: `value` is filled by read()
// (1111), stored by the program (2222) and filled by read() again (3333); a read() of 2 bytes
// into a 16-byte record does not reach the watched `record.tail`, which the program stores 5
// into. A data breakpoint stops at each write forward and backwards, a syscall's at its exit
// naming it; value history lists them all with their lines.
import Foundation
import SwrrDebugInfo
import SwrrDebugger
import XCTest

final class SyscallWriteTests: XCTestCase {
    private func line(_ marker: String) throws -> Int { try CoreFixture.line(marker, in: "syscall_writes") }

    private func session() throws -> CoreSession { try CoreSession("syscall_writes", syscallBuffer: false) }

    /// A session stopped at the pipe() line, before any write, with no breakpoint left; and its thread.
    private func sessionAtPipe() throws -> (CoreSession, Int32) {
        let s = try session()
        try s.breakAt("pipe")
        _ = try s.run(.continue)
        s.breakpoints.source = [:]   // only the data breakpoint from here
        s.debugger.placeBreakpoints()
        return (s, s.tid)
    }

    /// A write data breakpoint on the 8 bytes of `expression` (a long).
    private func watch(_ s: CoreSession, _ expression: String) throws -> (id: Int, address: UInt64) {
        let r = try DebugExpression.evaluate(expression, in: s.debugger.callStack(s.tid).scope(0))
        guard case .object(let v) = r.value, let address = v.address else {
            throw RecordingFailed(description: "\(expression) is not in memory")
        }
        let (id, error) = s.debugger.addDataBreakpoint(DataBreakpointRequest(
            address: address, length: 8, kind: .write, name: expression, typeName: "long int", condition: nil, hitCondition: nil))
        XCTAssertNil(error)
        return (id, address)
    }

    /// The line of the nearest frame of the focus thread in the fixture's source (at a syscall's
    /// exit the top frame is libc's read).
    private func programLine(_ s: CoreSession) throws -> Int? {
        try s.debugger.callStack(s.tid).frames.first { $0.location?.fileName == "syscall_writes.c" }?.location?.line
    }

    private func change(_ w: (id: Int, address: UInt64), _ name: String, old: String?, new: String, backward: Bool = false,
                        writer: String? = nil, tid: Int32) -> Stop {
        .dataBreakpoint(tid: tid, DataChange(id: w.id, address: w.address, name: name, old: old, new: new,
                                             backward: backward, writer: writer))
    }

    func testReadsAndTheStoreStopForwardThenBackwards() throws {
        let (s, tid) = try sessionAtPipe()
        let w = try watch(s, "value")

        // Forward: the first read, the store, the second read, each with its value and line.
        let first = try s.run(.continue)
        XCTAssertEqual(first, change(w, "value", old: "0", new: "1111", writer: "read", tid: tid))
        XCTAssertEqual(first.description, "value changed from 0 to 1111, written by read() (the kernel)")
        XCTAssertEqual(try programLine(s), try line("read1"))
        XCTAssertEqual(try s.value("value"), "1111")
        let store = try s.run(.continue)
        XCTAssertEqual(store, change(w, "value", old: "1111", new: "2222", tid: tid))
        XCTAssertEqual(store.description, "value changed from 1111 to 2222")
        XCTAssertEqual(try s.whereNow().line, try line("store") + 1, "after the store")
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "2222", new: "3333", writer: "read", tid: tid))
        XCTAssertEqual(try programLine(s), try line("read2"))
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }

        // Backwards from the end (what the forward runs showed, HitLedger): the last read at its
        // exit, then just before the store, then the first read at its exit, then the start.
        try assertBackwards(s, w, tid: tid)
    }

    func testReverseContinueFindsTheReadsByScanning() throws {
        // No forward run had the data breakpoint: reverse-continue scans the recording.
        let s = try session()
        try s.breakAt("print")
        _ = try s.run(.continue)
        let tid = s.tid
        s.breakpoints.source = [:]
        s.debugger.placeBreakpoints()
        let w = try watch(s, "value")
        try assertBackwards(s, w, tid: tid)
        // And forward again from the start of the recording: the same three writes.
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "0", new: "1111", writer: "read", tid: tid))
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "1111", new: "2222", tid: tid))
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "2222", new: "3333", writer: "read", tid: tid))
    }

    private func assertBackwards(_ s: CoreSession, _ w: (id: Int, address: UInt64), tid: Int32,
                                 file: StaticString = #filePath, lineNumber: UInt = #line) throws {
        let last = try s.run(.reverseContinue)
        XCTAssertEqual(last, change(w, "value", old: nil, new: "2222", backward: true, writer: "read", tid: tid)
                        .withOld(from: last), file: file, line: lineNumber)
        XCTAssertEqual(last.description, "value is 2222 here, just before read() (the kernel) writes it (found going backwards)",
                       file: file, line: lineNumber)
        XCTAssertEqual(try programLine(s), try line("read2"), file: file, line: lineNumber)
        XCTAssertEqual(try s.debugger.callStack(s.tid).frames.first?.function, "__libc_read", "on its syscall instruction",
                       file: file, line: lineNumber)
        let store = try s.run(.reverseContinue)
        XCTAssertEqual(store.description, "value is 1111 here, just before the write that changes it (found going backwards)",
                       file: file, line: lineNumber)
        XCTAssertEqual(try s.whereNow().line, try line("store"), file: file, line: lineNumber)
        let first = try s.run(.reverseContinue)
        XCTAssertEqual(first.description, "value is 0 here, just before read() (the kernel) writes it (found going backwards)",
                       file: file, line: lineNumber)
        XCTAssertEqual(try programLine(s), try line("read1"), file: file, line: lineNumber)
        XCTAssertEqual(try s.value("value"), "0", file: file, line: lineNumber)
        guard case .startOfRecording = try s.run(.reverseContinue) else {
            return XCTFail("the first read is the first write", file: file, line: lineNumber)
        }
    }

    func testReverseFromAReadsExitGoesBackOverThatRead() throws {
        // As from a store's trap: the write just made is the last one before the stop.
        let (s, tid) = try sessionAtPipe()
        let w = try watch(s, "value")
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "0", new: "1111", writer: "read", tid: tid))
        XCTAssertEqual(try s.run(.reverseContinue).description,
                       "value is 0 here, just before read() (the kernel) writes it (found going backwards)")
        XCTAssertEqual(try s.value("value"), "0")
        XCTAssertEqual(try programLine(s), try line("read1"))
        // Forward again from the entry: the same read, at its exit.
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "0", new: "1111", writer: "read", tid: tid))
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "1111", new: "2222", tid: tid))
        // From after the store, back over it, then over the first read (the ledger knows both).
        XCTAssertEqual(try s.run(.reverseContinue).description,
                       "value is 1111 here, just before the write that changes it (found going backwards)")
        XCTAssertEqual(try s.run(.reverseContinue).description,
                       "value is 0 here, just before read() (the kernel) writes it (found going backwards)")
        guard case .startOfRecording = try s.run(.reverseContinue) else { return XCTFail("no earlier write") }
    }

    func testABlockedAndRestartedReadStopsInsideTheCallGoingBack() throws {
        // blocking_read.c: the read() enters and blocks (an event of its own), SIGALRM's handler
        // interrupts it, it is entered again and blocks, and completes later with 4444. Its
        // entry backwards is where its task is parked in the call, before the write.
        let s = try CoreSession("blocking_read", syscallBuffer: false)
        try s.breakAt("start")
        _ = try s.run(.continue)
        let tid = s.tid
        s.breakpoints.source = [:]
        s.debugger.placeBreakpoints()
        let w = try watch(s, "value")
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "0", new: "4444", writer: "read", tid: tid))
        let readLine = try CoreFixture.line("read", in: "blocking_read")
        func line() throws -> Int? {
            try s.debugger.callStack(s.tid).frames.first { $0.location?.fileName == "blocking_read.c" }?.location?.line
        }
        XCTAssertEqual(try line(), readLine)
        let back = try s.run(.reverseContinue)
        XCTAssertEqual(back.description, "value is 0 here, just before read() (the kernel) writes it (found going backwards)")
        XCTAssertEqual(back.tid, tid)
        XCTAssertEqual(try s.value("value"), "0")
        XCTAssertEqual(try line(), readLine)
        guard case .startOfRecording = try s.run(.reverseContinue) else { return XCTFail("no earlier write") }
        XCTAssertEqual(try s.run(.continue), change(w, "value", old: "0", new: "4444", writer: "read", tid: tid))
    }

    func testAReadThatStopsShortOfTheWatchedBytesIsNoWrite() throws {
        let (s, tid) = try sessionAtPipe()
        let w = try watch(s, "record.tail")
        // The read() of 2 bytes into the record wrote its head only: the store of 5 is the first.
        XCTAssertEqual(try s.run(.continue), change(w, "record.tail", old: "0", new: "5", tid: tid))
        XCTAssertEqual(try s.whereNow().line, try line("tail") + 1, "after the store")
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(try s.run(.reverseContinue).description,
                       "record.tail is 0 here, just before the write that changes it (found going backwards)")
        XCTAssertEqual(try s.whereNow().line, try line("tail"))
        guard case .startOfRecording = try s.run(.reverseContinue) else { return XCTFail("no earlier write") }
    }

    func testValueHistoryListsTheReadsAtTheirCalls() throws {
        let s = try session()
        try s.breakAt("print")
        _ = try s.run(.continue)
        let h = try s.debugger.valueHistory(of: "value")
        XCTAssertNil(h.incomplete, h.summary)
        XCTAssertEqual(h.entries.map(\.value), ["1111", "2222", "3333"])
        XCTAssertEqual(h.entries.map { $0.location?.line }, [try line("read1"), try line("store"), try line("read2")])
        XCTAssertEqual(h.entries.map(\.function), ["main", "main", "main"])
        XCTAssertEqual(h.entries.map(\.writer), ["read", nil, "read"])
        XCTAssertEqual(h.initial, "0")
        XCTAssertEqual(h.entries[0].summary,
                       "#1  event \(h.entries[0].event)  thread \(s.tid)  main  syscall_writes.c:\(try line("read1"))  read()  = 1111")
        XCTAssertEqual(h.entries.map(\.event), h.entries.map(\.event).sorted())
        // Travel to the first read's entry: right after the call, the value it read.
        XCTAssertEqual(try s.run(.gotoPosition(h.entries[0].position)),
                       .goto(tid: s.tid, .atPosition("write 1 of value (= 1111)", event: h.entries[0].event)))
        XCTAssertEqual(try s.value("value"), "1111")
        XCTAssertEqual(try programLine(s), try line("read1"))

        let tail = try s.debugger.valueHistory(of: "record.tail")
        XCTAssertEqual(tail.entries.map(\.value), ["5"], "the 2-byte read did not reach the tail")
        XCTAssertEqual(tail.entries.map { $0.location?.line }, [try line("tail")])
    }

    /// Recorded with syscall buffering, the reads are the preload library's copies out of its
    /// buffer on replay: ordinary stores, which it makes by aligned words, so the aligned long
    /// arrives in one store (byte by byte, one entry per byte stored: 87, then 1111 seven times,
    /// 2222, 2053, 3333 seven times; 1111 is 0x457).
    func testABufferedReadArrivesInOneStore() throws {
        let s = try CoreSession("syscall_writes", syscallBuffer: true)
        try s.breakAt("print")
        _ = try s.run(.continue)
        let h = try s.debugger.valueHistory(of: "value")
        XCTAssertNil(h.incomplete, h.summary)
        XCTAssertEqual(h.entries.map(\.value), ["1111", "2222", "3333"], h.summary)
        XCTAssertEqual(h.entries.map(\.writer), [nil, nil, nil], "the library's stores, not the kernel's")
        XCTAssertEqual(h.entries[1].location?.line, try line("store"))
    }
}

private extension Stop {
    /// `self` with the old value of `other`'s data change (a stop found backwards keeps the
    /// value last seen, which depends on the path taken there).
    func withOld(from other: Stop) -> Stop {
        guard case .dataBreakpoint(let t, var c) = self, case .dataBreakpoint(_, let o) = other else { return self }
        c.old = o.old
        return .dataBreakpoint(tid: t, c)
    }
}
