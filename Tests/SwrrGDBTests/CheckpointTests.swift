// Checkpoints (forks of the replayed processes, CheckpointStore.swift) through the debugging API:
// a replay restored from a checkpoint at every event of real fixtures (threads, process trees,
// execs, vfork, signals with handlers and alternate stacks, shared file mappings, rdtsc) goes on
// without diverging; a checkpoint restored twice gives identical registers, FPU state and
// memory; reverse execution gives the same positions, registers and memory with checkpoints as
// without; and the frozen processes are gone after kill.
import Foundation
import SwrrReplay
import SwrrTracee
import XCTest

final class CheckpointTests: XCTestCase {
    var debugger: ReplayDebugger?

    override func tearDown() {
        debugger?.kill()
        debugger = nil
    }

    static let fixtures = GDBFixture.packageRoot.appendingPathComponent("Tests/Fixtures").path

    /// A fixture of Tests/Fixtures recorded with these arguments.
    private func recording(_ file: String, _ args: [String]) throws -> GDBFixture.Recording {
        try GDBFixture.recording(source: Self.fixtures + "/\(file).c",
                                 name: ([file] + args).joined(separator: "-").replacingOccurrences(of: "/", with: "_"),
                                 arguments: args, status: nil)
    }

    /// Takes a checkpoint at every event boundary, restores it at once (going to the next event
    /// starts from it), and checks that the replay never diverges and ends as recorded.
    private func restoreAtEveryEvent(_ rec: GDBFixture.Recording, file: StaticString = #filePath, line: UInt = #line) throws {
        let plain = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        let end = try plain.goToEnd()
        plain.kill()
        let d = try ReplayDebugger(traceDirectory: rec.trace, automaticCheckpoints: false)
        debugger = d
        var taken = 0
        var previous: Int?
        for n in 1..<end.event {
            if let cp = try? d.takeCheckpoint() {
                taken += 1
                if let p = previous {
                    // A checkpoint that failed to restore would have been dropped (and reported).
                    XCTAssertTrue(try d.checkpoints().contains { $0.id == p }, "checkpoint \(p) was restored", file: file, line: line)
                    try? d.deleteCheckpoint(p)
                }
                previous = cp.id
            }
            let stop = try d.goToEvent(n + 1)
            XCTAssertEqual(stop.event, n + 1, "going to event \(n + 1) from a checkpoint", file: file, line: line)
        }
        XCTAssertGreaterThan(taken, end.event / 2, "checkpoints were taken at most events (\(taken) of \(end.event))",
                             file: file, line: line)
        XCTAssertEqual(try d.goToEnd(), end, "the replay ends as recorded", file: file, line: line)
        let frozen = try d.checkpointProcesses()
        XCTAssertFalse(frozen.isEmpty)
        d.kill()
        debugger = nil
        XCTAssertEqual(frozen.filter(processExists), [], "the checkpoints' processes are gone after kill", file: file, line: line)
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
    }

    func testRestoringAtEveryEventOfSharedMappingsAndRdtsc() throws {
        let dir = NSTemporaryDirectory() + "swrr-ckpt-mmap-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try restoreAtEveryEvent(try recording("mmap_files", [dir]))
        try restoreAtEveryEvent(try recording("nondeterminism", []))
    }

    private func processExists(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }
}
