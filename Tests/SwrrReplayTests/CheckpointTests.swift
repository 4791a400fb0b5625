// Checkpoints (forks of the replayed processes, CheckpointStore.swift) through the debugging API:
// a replay restored from a checkpoint at every event of real fixtures (threads, process trees,
// execs, vfork, signals with handlers and alternate stacks, shared file mappings, rdtsc) goes on
// without diverging; a checkpoint restored twice gives identical registers, FPU state and
// memory; reverse execution gives the same positions, registers and memory with checkpoints as
// without; and the frozen processes are gone after kill (and with a killed gdb server,
// GDBCheckpointTests).
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class CheckpointTests: XCTestCase {
    var debugger: ReplayDebugger?

    override func tearDown() {
        debugger?.kill()
        debugger = nil
    }

    static let fixtures = FixtureCompiler.fixtures

    /// A fixture of Tests/Fixtures recorded with these arguments.
    private func recording(_ file: String, _ args: [String]) throws -> GDBFixture.Recording {
        try GDBFixture.recording(source: Self.fixtures + "/\(file).c",
                                 name: ([file] + args).joined(separator: "-").replacingOccurrences(of: "/", with: "_"),
                                 arguments: args, status: nil)
    }

    /// Takes a checkpoint at every event boundary, restores it at once (going to the next event
    /// starts from it), and checks that the replay never diverges and ends as recorded, and that
    /// no checkpoint leaks a process: a deleted one's are gone at once, the ones held are alive,
    /// and none is left after kill. (A checkpoint taken after the program died, between its end and
    /// its exit event, holds no process: a program dying by a signal may end with none held.)
    private func restoreAtEveryEvent(_ rec: GDBFixture.Recording, file: StaticString = #filePath, line: UInt = #line) throws {
        let plain = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        let end = try plain.goToEnd()
        plain.kill()
        let d = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        debugger = d
        var taken = 0
        var previous: (id: Int, pids: [Int32])?
        var everFrozen = Set<Int32>()
        for n in 1..<end.event {
            if let cp = try? d.takeCheckpoint() {
                taken += 1
                let held = try d.checkpointProcesses()
                XCTAssertEqual(held.count, try d.checkpoints().reduce(0) { $0 + $1.processes }, file: file, line: line)
                if let p = previous {
                    // A checkpoint that failed to restore would have been dropped (and reported).
                    XCTAssertTrue(try d.checkpoints().contains { $0.id == p.id }, "checkpoint \(p.id) was restored", file: file, line: line)
                    try d.deleteCheckpoint(p.id)
                    XCTAssertEqual(p.pids.filter(processExists), [], "a deleted checkpoint's processes are gone", file: file, line: line)
                }
                let mine = Array(Set(held).subtracting(previous?.pids ?? []))
                XCTAssertEqual(mine.count, cp.processes, "one frozen process per live process", file: file, line: line)
                everFrozen.formUnion(mine)
                previous = (cp.id, mine)
            }
            let stop = try d.goToEvent(n + 1)
            XCTAssertEqual(stop.event, n + 1, "going to event \(n + 1) from a checkpoint", file: file, line: line)
        }
        XCTAssertGreaterThan(taken, end.event / 2, "checkpoints were taken at most events (\(taken) of \(end.event))",
                             file: file, line: line)
        XCTAssertEqual(try d.goToEnd(), end, "the replay ends as recorded", file: file, line: line)
        let frozen = try d.checkpointProcesses()
        XCTAssertEqual(frozen.filter(processExists), frozen, "the held checkpoint's processes are alive", file: file, line: line)
        XCTAssertEqual(Set(frozen), Set(previous?.pids ?? []), file: file, line: line)
        d.kill()
        debugger = nil
        XCTAssertEqual(everFrozen.filter(processExists), [], "the checkpoints' processes are gone after kill", file: file, line: line)
        print("\(rec.trace): \(end.event) events, \(taken) checkpoints restored")
    }

    func testRestoringAtEveryEventOfThreads() throws {
        try restoreAtEveryEvent(try recording("threads", ["condvar"]))
        try restoreAtEveryEvent(try recording("threads", ["mutex"]))
    }

    func testRestoringAtEveryEventOfProcessTrees() throws {
        try restoreAtEveryEvent(try recording("processes", ["exit-codes"]))
        try restoreAtEveryEvent(try recording("processes", ["exec-sh"]))
        try restoreAtEveryEvent(try recording("processes", ["vfork-exec"]))
        try restoreAtEveryEvent(try recording("processes", ["socketpair", "20"]))
    }

    func testRestoringAtEveryEventOfSignals() throws {
        try restoreAtEveryEvent(try recording("signal_delivery", ["siginfo"]))
        try restoreAtEveryEvent(try recording("signal_delivery", ["altstack"]))
        try restoreAtEveryEvent(try recording("signal_delivery", ["xmm"]))
        try restoreAtEveryEvent(try recording("signals", []))
        // sigsuspend with a temporary mask that lets in the signal its handler catches.
        try restoreAtEveryEvent(try recording("signal_delivery", ["suspend-mask"]))
    }

    /// Programs that end by a signal: the checkpoints of a dead program cannot be restored, and
    /// none of their processes outlives the session.
    func testRestoringAtEveryEventOfSignalDeaths() throws {
        try restoreAtEveryEvent(try recording("signal_deaths", ["self-sys"]))
        try restoreAtEveryEvent(try recording("signal_deaths", ["self-kill"]))
        try restoreAtEveryEvent(try recording("signal_deaths", ["self-pipe"]))
        try restoreAtEveryEvent(try recording("signal_deaths", ["children"]))
    }

    /// Tasks created in pid namespaces (the events name them by other ids than the program's),
    /// a process the kernel killed when its namespace's init exited, setns.
    func testRestoringAtEveryEventOfNamespaces() throws {
        try restoreAtEveryEvent(try recording("namespaces", ["pid"]))
        try restoreAtEveryEvent(try recording("namespaces", ["uts"]))
    }

    func testRestoringAtEveryEventOfSharedMappingsAndRdtsc() throws {
        let dir = try makeTemporaryDirectory("ckpt-mmap")
        try restoreAtEveryEvent(try recording("mmap_files", [dir]))
        // A mapped file written, grown, shrunk and punched by syscalls: its scratch copy is put
        // back in place at each restore, holes and size included.
        try restoreAtEveryEvent(try recording("mapped_file_changes", [try makeTemporaryDirectory("ckpt-changes")]))
        try restoreAtEveryEvent(try recording("nondeterminism", []))
    }

    /// sparse_map maps a 10 GiB sparse file with 12 KiB of data MAP_SHARED, from the replay's
    /// scratch copy (FileMapper): checkpoints at its last events (the mmap among them), each
    /// restored, cost the replayer the file's data, not its size (peak RSS, VmHWM, measured from a
    /// reset through /proc/self/clear_refs), and the replay still ends as recorded.
    func testCheckpointsOfASparseMappedFileCostItsData() throws {
        let work = try makeTemporaryDirectory("ckpt-sparse")
        let mib = ProcessInfo.processInfo.environment["SWRR_TEST_SPARSE_MIB"] ?? "10240"
        let rec = try GDBFixture.recording(source: Self.fixtures + "/sparse_map.c", name: "sparse_map-\(mib)",
                                           arguments: [work, mib], status: 0)
        let plain = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        let end = try plain.goToEnd()
        plain.kill()
        let d = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        debugger = d
        _ = try d.goToEvent(end.event - 12)
        let clear = open("/proc/self/clear_refs", O_WRONLY)
        XCTAssertGreaterThanOrEqual(clear, 0, "opening clear_refs: errno \(errno)")
        XCTAssertEqual(write(clear, "5", 1), 1, "resetting the peak RSS: errno \(errno)")
        close(clear)
        let before = try peakResidentBytes()
        var taken: [CheckpointInfo] = []
        for n in (end.event - 12)..<end.event {
            if let cp = try? d.takeCheckpoint() { taken.append(cp) }
            _ = try d.goToEvent(n + 1)
        }
        XCTAssertGreaterThanOrEqual(taken.count, 8, "checkpoints at most of the last events: \(taken)")
        for cp in taken.reversed() {
            XCTAssertEqual(try d.goTo(cp.position).reason, .jumped, "restoring \(cp)")
            XCTAssertEqual(try d.eventNumber(), cp.position.event)
        }
        XCTAssertEqual(try d.goToEnd(), end, "the replay ends as recorded")
        let growth = try peakResidentBytes() - before
        print("sparse_map \(mib) MiB: \(taken.count) checkpoints taken and restored, peak RSS grew \(growth >> 10) KiB, " +
              "checkpoints hold \(taken.reduce(0) { $0 + $1.memoryBytes } >> 10) KiB")
        XCTAssertLessThan(growth, 64 << 20, "the replayer's peak RSS grew \(growth) bytes")
        XCTAssertTrue(taken.allSatisfy { $0.memoryBytes < 64 << 20 }, "\(taken)")
    }

    /// mapped_file_changes writes, grows, shrinks, punches and truncates a file it maps
    /// MAP_SHARED from the replay's scratch copy: after a run to the end, a checkpoint restored
    /// shows in every page of those mappings what a replay without checkpoints shows there (the
    /// copy is put back in place as the checkpoint found it, size and holes included), at its
    /// event and the next ones.
    func testRestoredScratchCopiesShowTheBytesOfTheirCheckpoint() throws {
        let rec = try recording("mapped_file_changes", [try makeTemporaryDirectory("ckpt-back")])
        let plain = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        defer { plain.kill() }
        let end = try plain.goToEnd()
        let d = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        debugger = d
        var taken: [CheckpointInfo] = []
        for n in stride(from: 4, to: end.event - 4, by: 9) {
            _ = try d.goToEvent(n)
            if !(try scratchPages(d).isEmpty), let cp = try? d.takeCheckpoint() { taken.append(cp) }
        }
        XCTAssertGreaterThanOrEqual(taken.count, 5, "checkpoints while the file is mapped: \(taken)")
        XCTAssertEqual(try d.goToEnd(), end)
        var compared = 0
        for cp in taken.reversed() {
            XCTAssertEqual(try d.goTo(cp.position).reason, .jumped)
            for n in cp.position.event..<min(cp.position.event + 3, end.event) {
                if n > cp.position.event { _ = try d.goToEvent(n) }
                _ = try plain.goToEvent(n)
                let expected = try scratchPages(plain)
                let got = try scratchPages(d)
                let differing: [String] = Set(got.keys).union(expected.keys).sorted().filter { got[$0] != expected[$0] }.map { page in
                    let a: [UInt8]? = got[page] ?? nil, b: [UInt8]? = expected[page] ?? nil
                    var at: Int?
                    if let a, let b { at = a.indices.first { $0 < b.count && a[$0] != b[$0] } }
                    return "0x" + String(page, radix: 16) + (a == nil ? " unreadable" : "") + (b == nil ? " (unreadable without)" : "")
                        + (at.map { " from byte \($0)" } ?? "")
                }
                XCTAssertEqual(differing, [], "the mapped pages at event \(n), restored from \(cp)")
                compared += expected.count
            }
        }
        XCTAssertGreaterThan(compared, 20, "pages compared")
    }

    /// The pages of the program's MAP_SHARED mappings of scratch copies (by address; nil: past
    /// the file's end, unreadable), in its first live process.
    private func scratchPages(_ d: ReplayDebugger) throws -> [UInt64: [UInt8]?] {
        let live = try d.tasks().filter { $0.state != .ended && $0.tid == $0.pid }
        guard let main = live.min(by: { $0.pid < $1.pid }) else { return [:] }
        let maps = try String(contentsOfFile: "/proc/\(main.replayTid)/maps", encoding: .utf8)
        var pages: [UInt64: [UInt8]?] = [:]
        for line in maps.split(separator: "\n") where line.contains("/swrr-replay-") {
            let fields = line.split(separator: " ")
            guard fields.count > 1, fields[1].hasSuffix("s") else { continue }
            let range = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard range.count == 2 else { continue }
            for page in stride(from: range[0], to: range[1], by: 4096) {
                pages[page] = try? d.readMemory(page, count: 4096, tid: main.tid)
            }
        }
        return pages
    }

    /// VmHWM of /proc/self/status, in bytes.
    private func peakResidentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kb = try XCTUnwrap(line.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        return kb * 1024
    }

    // MARK: the same results with checkpoints as without

    /// What a client sees after one operation.
    private struct Observation: Equatable {
        var position: ReplayPosition
        var registers: Registers
        var memory: [UInt8]
    }

    /// Runs `script` (which observes after each operation) once without any checkpoint and once
    /// with a checkpoint at every event boundary and stop, and compares what it saw.
    private func compareWithAndWithout(_ rec: GDBFixture.Recording, watching global: String,
                                       _ script: (ReplayDebugger, () throws -> Void) throws -> Void,
                                       file: StaticString = #filePath, line: UInt = #line) throws -> [CheckpointInfo] {
        let address = try GDBFixture.symbol(global, in: rec.executable)
        var runs: [[Observation]] = []
        var made: [CheckpointInfo] = []
        for withCheckpoints in [false, true] {
            let d = withCheckpoints ? try ReplayDebugger(traceDirectory: rec.trace, checkpointInterval: 0)
                                    : try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
            debugger = d
            var seen: [Observation] = []
            try script(d) {
                seen.append(Observation(position: try d.position(), registers: try d.registers(),
                                        memory: try d.readMemory(address, count: 8)))
            }
            if withCheckpoints { made = try d.checkpoints() }
            d.kill()
            debugger = nil
            runs.append(seen)
        }
        XCTAssertEqual(runs[0].count, runs[1].count, file: file, line: line)
        for (i, (a, b)) in zip(runs[0], runs[1]).enumerated() {
            // A point counted from a checkpoint inside a long stretch is named by that state
            // (StretchCheckpoints.swift): the same point, another name; the registers and memory
            // say it is the same.
            if a.position.signature == nil && b.position.signature == nil {
                XCTAssertEqual(a.position, b.position, "position after operation \(i + 1)", file: file, line: line)
            } else {
                XCTAssertEqual([a.position.event, Int(a.position.tid)], [b.position.event, Int(b.position.tid)],
                               "position after operation \(i + 1)", file: file, line: line)
            }
            XCTAssertEqual(a.registers, b.registers, "registers after operation \(i + 1)", file: file, line: line)
            XCTAssertEqual(a.memory, b.memory, "\(global) after operation \(i + 1)", file: file, line: line)
        }
        XCTAssertTrue(made.contains { !$0.position.isEventBoundary }, "checkpoints inside events were taken: \(made)",
                      file: file, line: line)
        return made
    }

    func testReverseExecutionOnALoopIsTheSameWithCheckpoints() throws {
        let rec = try GDBFixture.recording()
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        var stops: [[StopReason]] = []
        _ = try compareWithAndWithout(rec, watching: "counter") { d, observe in
            var reasons: [StopReason] = []
            func op(_ f: () throws -> DebugStop) throws {
                reasons.append(try f().reason)
                try observe()
            }
            try d.setBreakpoint(body)
            for _ in 0..<4 { try op { try d.continueForward() } }
            for _ in 0..<2 { try op { try d.reverseContinue() } }
            for _ in 0..<3 { try op { try d.reverseStepInstruction() } }
            for _ in 0..<2 { try op { try d.stepInstruction() } }
            let p = try d.position()
            try op { try d.continueForward() }
            try d.removeBreakpoint(body)
            try d.setWatchpoint(address: counter, length: 8, kind: .write)
            for _ in 0..<2 { try op { try d.reverseContinue() } }
            try op { try d.continueForward() }
            try op { try d.reverseStepInstruction() }
            try d.removeWatchpoint(address: counter, length: 8, kind: .write)
            try op { try d.goToEvent(5) }
            try op { try d.goTo(p) }
            try d.setBreakpoint(body)
            try op { try d.reverseContinue() }
            try op { try d.reverseContinue() }
            stops.append(reasons)
        }
        XCTAssertEqual(stops.count, 2)
        XCTAssertEqual(stops[0], stops[1], "the same stops")
        XCTAssertEqual(stops[0].filter { $0 == .breakpoint(body) }.count, 8)
    }

    func testReverseExecutionAcrossCrossingsIsTheSameWithCheckpoints() throws {
        let rec = try GDBFixture.recording("crossings", status: 0)
        let stage = try GDBFixture.symbol("stage", in: rec.executable)
        var stops: [[DebugStop]] = []
        _ = try compareWithAndWithout(rec, watching: "stage") { d, observe in
            var seen: [DebugStop] = []
            func op(_ f: () throws -> DebugStop) throws {
                seen.append(try f())
                try observe()
            }
            var stop = try d.continueForward(stopAtTaskEvents: false)
            while case .signal = stop.reason { stop = try d.continueForward(stopAtTaskEvents: false) }
            try d.setWatchpoint(address: stage, length: 8, kind: .write)
            for _ in 0..<5 { try op { try d.reverseContinue() } }
            for _ in 0..<2 { try op { try d.reverseStepInstruction() } }
            try op { try d.stepInstruction() }
            try op { try d.continueForward() }
            try op { try d.continueForward() }
            stops.append(seen)
        }
        XCTAssertEqual(stops.count, 2)
        XCTAssertEqual(stops[0], stops[1], "the same stops")
    }

    func testReverseContinueInsideOneLongEventIsTheSameWithCheckpoints() throws {
        // benchmarks/reverse's loop, smaller: 40 calls of tick() in one event without syscalls.
        let rec = try GDBFixture.recording(source: GDBFixture.packageRoot.appendingPathComponent("benchmarks/programs/reverse_loop.c").path,
                                           name: "reverse_loop", arguments: ["40", "5000000"], status: 0)
        let tick = try GDBFixture.symbol("tick", in: rec.executable)
        var stops: [[DebugStop]] = []
        let made = try compareWithAndWithout(rec, watching: "seen") { d, observe in
            var seen: [DebugStop] = []
            try d.setBreakpoint(tick)
            var stop = try d.continueForward(stopAtTaskEvents: false)
            var hits = 0
            while case .breakpoint = stop.reason { hits += 1; stop = try d.continueForward(stopAtTaskEvents: false) }
            XCTAssertEqual(hits, 40)
            for _ in 0..<6 {
                seen.append(try d.reverseContinue())
                try observe()
            }
            seen.append(try d.continueForward())
            try observe()
            seen.append(try d.stepInstruction())
            seen.append(try d.stepInstruction())
            seen.append(try d.reverseStepInstruction())
            try observe()
            stops.append(seen)
        }
        XCTAssertEqual(stops.count, 2)
        XCTAssertEqual(stops[0], stops[1], "the same stops")
        XCTAssertTrue(made.contains { !$0.position.isEventBoundary && $0.position.path.count == 1 },
                      "checkpoints at the hits inside the loop's event: \(made)")
    }

    // MARK: restoring, cleaning up, gdb

    func testACheckpointRestoredTwiceGivesIdenticalState() throws {
        let rec = try GDBFixture.recording()
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        let iter = try GDBFixture.symbol("iter", in: rec.executable)
        let d = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        debugger = d
        try d.setBreakpoint(body)
        _ = try d.continueForward()
        _ = try d.continueForward()
        // At a breakpoint stop inside an event, then at the event boundary a few steps on.
        let inside = try d.takeCheckpoint()
        XCTAssertFalse(inside.position.isEventBoundary)
        let state = (try d.registers(), try d.floatingPointRegisters(), try d.readMemory(iter, count: 4), try d.readMemory(body, count: 16))
        var boundary: CheckpointInfo?
        while boundary == nil {
            if case .step = try d.stepInstruction().reason, try d.position().isEventBoundary { boundary = try d.takeCheckpoint() }
        }
        let atBoundary = try d.registers()
        let listed = try d.checkpoints()
        XCTAssertEqual(listed.map(\.id), [inside.id, boundary!.id], "only the explicit checkpoints: \(listed)")
        for round in 1...2 {
            _ = try d.continueForward()
            _ = try d.continueForward()
            XCTAssertEqual(try d.goTo(inside.position).reason, .jumped)
            XCTAssertEqual(try d.registers(), state.0, "registers at the checkpoint, restored \(round) times")
            XCTAssertEqual(try d.floatingPointRegisters(), state.1, "FPU state, restored \(round) times")
            XCTAssertEqual(try d.readMemory(iter, count: 4), state.2)
            XCTAssertEqual(try d.readMemory(body, count: 16), state.3, "the int3 stays hidden")
            XCTAssertEqual(try d.position().path, inside.position.path)
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(body), "the next iteration, from the restored stop")
            XCTAssertEqual(try d.int32(at: iter), 2)
            XCTAssertEqual(try d.goToEvent(boundary!.position.event).reason, .jumped)
            XCTAssertEqual(try d.registers(), atBoundary, "registers at the boundary checkpoint, restored \(round) times")
        }
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    func testCheckpointProcessesAreGoneAfterAnErrorAndAfterKill() throws {
        let rec = try recording("threads", ["condvar"])
        let d = try ReplayDebugger(traceDirectory: rec.trace, checkpointInterval: 0)
        debugger = d
        let end = try d.goToEnd()
        _ = try d.goToEvent(end.event / 2)
        let held = try d.checkpointProcesses()
        XCTAssertGreaterThan(held.count, 10, "checkpoints of the whole run")
        XCTAssertLessThanOrEqual(try d.checkpoints().filter { !$0.explicit }.count, 49,
                                 "bounded (CheckpointStore.automaticLimit + 1)")
        XCTAssertEqual(held.filter(processExists).count, held.count)
        // An error leaves the session usable and its checkpoints in place.
        let main = try d.currentTid()
        XCTAssertThrowsError(try d.goTo(ReplayPosition(event: end.event / 2 + 3, tid: main, rip: 0x10, hits: 1)))
        XCTAssertEqual(try d.eventNumber(), end.event / 2)
        _ = try d.reverseStepInstruction()
        let live = try d.tasks().map(\.replayTid)
        let all = try d.checkpointProcesses()
        d.kill()
        debugger = nil
        XCTAssertEqual((all + live + held).filter(processExists), [], "no process is left after kill")
    }

    func testRestoringAtEveryEventOfBufferedSyscalls() throws {
        try restoreAtEveryEvent(try GDBFixture.recording("buffered", status: 4))
        try restoreAtEveryEvent(try recording("buffered_threads", ["wait"]))
        try restoreAtEveryEvent(try recording("buffered_signals", [Self.fixtures + "/buffered_signals.c"]))
    }

    private func processExists(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }
}
