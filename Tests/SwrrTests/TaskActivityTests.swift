// What /proc says a task does (TaskActivity), the progress rule of a bounded wait (StallWatch),
// and Task.wait with a bound ending, through WaitWatchdog, the wait for a traced task that sleeps.
import CSwrrShim
import Foundation
@testable import SwrrTracee
import XCTest

final class TaskActivityTests: XCTestCase {
    /// /bin/sleep 30 under ptrace (EXITKILL: it dies with this process), run to its exec.
    private func tracedSleep() throws -> Task {
        let pid = try Spawner.spawn(path: "/bin/sleep", argv: ["sleep", "30"], env: ["PATH=/usr/bin:/bin"], cwd: nil,
                                    flags: 0, stackLimit: nil, signals: (0, 0),
                                    ptraceOptions: 0x01 | 0x10 | 0x10_0000)  // TRACESYSGOOD, TRACEEXEC, EXITKILL
        let task = Task(tid: pid)
        _ = try Spawner.runToExec(task: task, path: "/bin/sleep")
        return task
    }

    func testASleepingTaskIsDescribedFromProc() throws {
        let task = try tracedSleep()
        defer { task.kill() }
        XCTAssertEqual(TaskActivity.read(tgid: task.tgid, tid: task.tid)?.state, "t", "stopped after its exec")
        try task.resume(.cont)
        var activity: TaskActivity?
        for _ in 0..<200 {
            activity = TaskActivity.read(tgid: task.tgid, tid: task.tid)
            if activity?.state == "S" { break }
            usleep(10_000)
        }
        let a = try XCTUnwrap(activity)
        XCTAssertEqual(a.state, "S")
        XCTAssertEqual(a.syscall, 230, "clock_nanosleep: \(a)")
        XCTAssertFalse(a.wchan.isEmpty, "\(a)")
        XCTAssertTrue(a.description.hasPrefix("asleep in the kernel in clock_nanosleep (state S, wchan "), a.description)
        XCTAssertFalse(a.isRunning)
        // The PC of /proc/PID/syscall: where clock_nanosleep's `syscall` instruction returns to,
        // the rip the task shows once stopped.
        let sleeping = try XCTUnwrap(TaskActivity.sleepingSyscall(tgid: task.tgid, tid: task.tid))
        XCTAssertEqual(sleeping.number, 230)
        try task.interrupt()
        guard case .event(.stop) = try task.wait() else { return XCTFail("no PTRACE_EVENT_STOP") }
        XCTAssertEqual(sleeping.pc, try task.registers().rip)
    }

    func testStatFieldsAreCountedAfterTheCommandName() {
        let line = "4242 (a) b (c) R 1 4242 4242 0 -1 4194304 137 0 0 0 17 25 0 0 20 0 1 0 52340 2990080 391"
        let a = TaskActivity(stat: line)
        XCTAssertEqual(a?.state, "R")
        XCTAssertEqual(a?.cpuTicks, 42)
        XCTAssertNil(TaskActivity(stat: "4242 (x) S 1 2"), "too few fields")
        XCTAssertNil(TaskActivity(stat: "garbage"))
        XCTAssertEqual(TaskActivity.syscallNumber("130 0x7ffe 0x8 0x0 0x0 0x0 0x0 0x7ffe 0x7f00\n"), 130)
        XCTAssertNil(TaskActivity.syscallNumber("running\n"))
        XCTAssertNil(TaskActivity.syscallNumber("-1 0x7ffe 0x401000\n"))
        XCTAssertNil(TaskActivity.syscallNumber("99999999999999999999 0x0\n"))
        XCTAssertTrue(TaskActivity.sleepingSyscall("0 0x8 0x7fffd4000d40 0x1 0x0 0x0 0x0 0x7fffd4000c00 0x70001002\n")
                      .map { $0 == (0, 0x7000_1002) } ?? false)
        XCTAssertNil(TaskActivity.sleepingSyscall("running\n"))
        XCTAssertNil(TaskActivity.sleepingSyscall("-1 0x7ffe 0x401000\n"), "asleep outside any syscall")
        XCTAssertNil(TaskActivity.sleepingSyscall("0 0x8 0x0 0x0 0x0 0x0 0x0 0x7ffe 0xzz\n"), "a PC that is no number")
        XCTAssertNil(TaskActivity.sleepingSyscall("0 0x8 0x0 0x0 0x0 0x0 0x0 0x7ffe 0x10000000000000000\n"), "past 64 bits")
    }

    func testOnlyATaskWithoutProgressForTheWholeBoundIsStuck() {
        let s: UInt64 = 1_000_000_000
        var w = StallWatch(tid: 1, tgid: 1, limit: 2, now: 10 * s)
        let asleep = TaskActivity(state: "S", cpuTicks: 5, syscall: 130, wchan: "sigsuspend")
        XCTAssertNil(w.observe(asleep, at: 11 * s))
        XCTAssertNil(w.observe(TaskActivity(state: "R", cpuTicks: 5), at: 11 * s + s / 2), "running: progress")
        XCTAssertNil(w.observe(asleep, at: 13 * s), "1.5 s since it ran")
        XCTAssertNil(w.observe(TaskActivity(state: "S", cpuTicks: 6), at: 13 * s + s / 4), "its CPU time grew")
        XCTAssertNil(w.observe(TaskActivity(state: "S", cpuTicks: 6), at: 15 * s))
        let stuck = w.observe(TaskActivity(state: "S", cpuTicks: 6, syscall: 130, wchan: "sigsuspend"), at: 15 * s + s / 4)
        XCTAssertEqual(stuck?.what, "asleep in the kernel in rt_sigsuspend (state S, wchan sigsuspend) for 2 s")
        var early = StallWatch(tid: 1, tgid: 1, limit: 2, now: 20 * s)
        XCTAssertNil(early.observe(asleep, at: 19 * s), "a look taken before the wait began is no idle time")
    }

    func testABoundedWaitForASleepingTaskEndsStuck() throws {
        let task = try tracedSleep()
        defer { task.kill() }
        try task.resume(.cont)
        task.stuckAfter = 1
        let started = Date()
        XCTAssertThrowsError(try task.wait()) { error in
            let stuck = error as? TaskStuck
            XCTAssertEqual(stuck?.tid, task.tid, "\(error)")
            XCTAssertEqual(stuck?.activity?.syscall, 230, "\(error)")
        }
        let seconds = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(seconds, 1)
        XCTAssertLessThan(seconds, 15, "the wait ends by the watchdog, not never (a bound for a loaded machine)")
        // The wait is over: the task can still be stopped and waited for.
        try task.interrupt()
        XCTAssertEqual(try task.wait(), .event(.stop))
    }
}
