// `swrr dump` of recordings with processes, threads and signals (issue 3): it shows process and
// thread creation (clone/fork/vfork with the new task's id, which then appears on its own
// events), exec, signals, and the schedule switches (a task that blocked in a syscall, a task
// switched away at the end of a slice, at a position).
import Foundation
import SwrrTestSupport
import XCTest

final class TaskDumpTests: XCTestCase {
    /// One event line of a dump: `N [TID] text`.
    struct Event {
        var number: Int
        var tid: Int
        var text: Substring
    }

    func dumpEvents(_ fixture: Fixture, _ arguments: [String], expectedStatus: Int32 = 0,
                    file: StaticString = #filePath, line: UInt = #line) throws -> (text: String, events: [Event]) {
        let recording = try record([try fixture.executable(.o0Dynamic)] + arguments, expectedStatus: expectedStatus,
                                   file: file, line: line)
        let r = try Swrr.run(["dump", recording.trace])
        assertClean(r, file: file, line: line)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        let events = r.stdoutText.split(separator: "\n").compactMap { l -> Event? in
            let parts = l.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let n = Int(parts[0]), parts[1].hasPrefix("["), parts[1].hasSuffix("]"),
                  let tid = Int(parts[1].dropFirst().dropLast()) else { return nil }
            return Event(number: n, tid: tid, text: parts[2])
        }
        XCTAssertGreaterThan(events.count, 10, r.stdoutText, file: file, line: line)
        return (r.stdoutText, events)
    }

    /// The ids that events matching `creation` (e.g. `clone(`) returned; each must be a task
    /// with events of its own after its creation.
    func createdTasks(_ events: [Event], _ creation: String, file: StaticString = #filePath,
                      line: UInt = #line) -> [Int] {
        var created: [Int] = []
        for (i, e) in events.enumerated() where e.text.hasPrefix(creation) {
            guard let result = e.text.split(separator: "=").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                XCTFail("no task id in \(e.text)", file: file, line: line)
                continue
            }
            created.append(result)
            XCTAssertTrue(events[(i + 1)...].contains { $0.tid == result },
                          "task \(result) created at event \(e.number) has no events of its own", file: file, line: line)
        }
        return created
    }

    func testForkExecWaitAndSigchld() throws {
        let (text, events) = try dumpEvents(.processes, ["exec-sh"])
        let children = createdTasks(events, "clone(")
        XCTAssertEqual(children.count, 4, "the fixture's fork and the shell's three: \(text)")
        let execs = events.filter { $0.text.hasPrefix("exec \"") }
        for program in ["dash", "/ls", "/sort", "/head"] {
            XCTAssertTrue(execs.contains { $0.text.contains(program) && children.contains($0.tid) },
                          "no exec of \(program) by a child: \(execs.map(\.text))")
        }
        assertContains(text, ["wait4(", "signal SIGCHLD", "entered and blocked", "exit: exited with status 0"], "the dump")
    }

    func testVforkThenExec() throws {
        let (text, events) = try dumpEvents(.processes, ["vfork-exec"])
        let children = createdTasks(events, "vfork(")
        XCTAssertEqual(children.count, 1, text)
        XCTAssertTrue(events.contains { children.contains($0.tid) && $0.text.hasPrefix("exec \"/usr/bin/echo\"") },
                      "the vforked child's exec: \(text)")
    }

    func testChildKilledBySignal() throws {
        let (text, events) = try dumpEvents(.processes, ["child-segv"])
        let children = createdTasks(events, "clone(")
        XCTAssertEqual(children.count, 1, text)
        XCTAssertTrue(events.contains { children.contains($0.tid) && $0.text.hasPrefix("signal SIGSEGV") }, text)
        XCTAssertTrue(events.contains { children.contains($0.tid) && $0.text.contains("killed by SIGSEGV") }, text)
    }

    func testThreadsAndBlockedSwitches() throws {
        let (text, events) = try dumpEvents(.threads, ["mutex"])
        let threads = createdTasks(events, "clone(")
        XCTAssertEqual(threads.count, 8, text.suffix(3000).description)
        XCTAssertEqual(Set(events.map(\.tid)).count, 9, "the main thread and 8 others")
        assertContains(text, ["futex(", "entered and blocked"], "the dump")
        // Threads run one at a time, and the schedule switches between them. (A task keeps the
        // slot through its syscalls for Scheduler.syscallSliceMs, 10 ms, so most threads run
        // their 5 tickets in one turn: 13 switches measured; more than 16 when every syscall exit switched.)
        let switches = zip(events, events.dropFirst()).filter { $0.tid != $1.tid }.count
        XCTAssertGreaterThanOrEqual(switches, 8, "schedule switches")
    }

    func testSpinningThreadSwitchedAway() throws {
        let (text, events) = try dumpEvents(.threads, ["spin"])
        XCTAssertEqual(createdTasks(events, "clone(").count, 1, text)
        let spins = events.filter { $0.text.hasPrefix("switched away at the end of a slice") }
        XCTAssertFalse(spins.isEmpty, "no spin preemption in:\n\(text.suffix(3000))")
        print("threads spin: \(spins.count) spin preemptions: \(spins.map { "\($0.number) [\($0.tid)] \($0.text)" })")
    }

    func testSignalsInTheDump() throws {
        let siginfo = try dumpEvents(.signalDelivery, ["siginfo"]).text
        assertContains(siginfo, ["kill(", "signal SIGUSR1"], "the siginfo dump")
        let altstack = try dumpEvents(.signalDelivery, ["altstack"]).text
        assertContains(altstack, ["sigaltstack(", "signal SIGSEGV"], "the altstack dump")
        let alarm = try dumpEvents(.signalDelivery, ["alarm-nanosleep"]).events
        XCTAssertTrue(alarm.contains { $0.text.hasPrefix("signal SIGALRM") }, "\(alarm.suffix(10).map(\.text))")
    }
}
