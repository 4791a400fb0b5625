// Threads (issue 3): 8 threads taking a mutex and printing in arrival order, a producer/consumer
// with condition variables, 100 threads created and joined, and threads spinning on a shared
// flag without syscalls, raw futex requeues and timeouts with pthread_cond_timedwait
// (Tests/Fixtures/threads.c). Threads run one at a time under swrr, so the
// order in which they arrive is whatever the recording saw; replay must print the same order.
// Each is recorded and replayed twice, in a dynamic -O0 and a static -O2 build.
import Foundation
import SwrrTestSupport
import XCTest

final class ThreadTests: XCTestCase {
    // MARK: 8 threads, a mutex-protected counter, printing in arrival order

    func checkMutex(_ variant: Variant) throws {
        let recording = try timedRoundTrip(.threads, ["mutex"], variant)
        let out = recording.result.stdoutText
        let tickets = lines(startingWith: "thread ", in: out).map { $0.split(separator: " ") }
        XCTAssertEqual(tickets.count, 40, "8 threads x 5 printed tickets: \(out)")
        var perThread: [Substring: Int] = [:]
        for t in tickets where t.count == 5 { perThread[t[1], default: 0] += 1 }
        XCTAssertEqual(perThread.count, 8, "\(perThread)")
        XCTAssertTrue(perThread.values.allSatisfy { $0 == 5 }, "\(perThread)")
        // Printed under the lock: tickets increase in the order printed.
        let numbers = tickets.compactMap { $0.last.flatMap { Int($0) } }
        XCTAssertEqual(numbers, numbers.sorted(), "tickets out of order: \(out)")
        XCTAssertEqual(Set(numbers).count, 40, "a ticket was given twice: \(out)")
        assertContains(out, ["counter 160040 (expected 160040)\n"])
    }

    func testMutexCounterArrivalOrderO0Dynamic() throws { try checkMutex(.o0Dynamic) }
    func testMutexCounterArrivalOrderO2Static() throws { try checkMutex(.o2Static) }

    // MARK: producer/consumer with a condition variable

    func checkCondvar(_ variant: Variant) throws {
        let native = try nativeOutput([try Fixture.threads.executable(variant), "condvar"])
        let recording = try timedRoundTrip(.threads, ["condvar"], variant)
        assertSameAsNative(recording, native)
        let out = recording.result.stdoutText
        XCTAssertEqual(lines(startingWith: "consumed item ", in: out),
                       stride(from: 20, through: 200, by: 20).map { "consumed item \($0): \($0 * 3)" })
        assertContains(out, ["sum 60300 (expected 60300)\n"])
    }

    func testProducerConsumerO0Dynamic() throws { try checkCondvar(.o0Dynamic) }
    func testProducerConsumerO2Static() throws { try checkCondvar(.o2Static) }

    // MARK: 100 threads created and joined

    func checkHundredThreads(_ variant: Variant) throws {
        let recording = try timedRoundTrip(.threads, ["threads100"], variant)
        XCTAssertEqual(recording.result.stdoutText, "100 threads joined, sum 328450 (expected 328450)\n")
    }

    func testHundredThreadsO0Dynamic() throws { try checkHundredThreads(.o0Dynamic) }
    func testHundredThreadsO2Static() throws { try checkHundredThreads(.o2Static) }

    // MARK: spinning on a shared flag with no syscalls

    static let spinOutput = "main: setting the flag\nmain: the spinner answered\njoined\n"

    func checkSpin(_ variant: Variant) throws {
        let recording = try timedRoundTrip(.threads, ["spin"], variant)
        XCTAssertEqual(recording.result.stdoutText, Self.spinOutput)
    }

    func testSpinningThreadO0Dynamic() throws { try checkSpin(.o0Dynamic) }
    func testSpinningThreadO2Static() throws { try checkSpin(.o2Static) }

    // MARK: futex requeue and timeouts, pthread_cond_timedwait

    /// The waiters are inside FUTEX_WAIT before the requeue (the main thread waits for all three
    /// to arrive, then 20 ms more), so each requeue wakes one and moves two.
    func checkFutex(_ variant: Variant) throws {
        let recording = try timedRoundTrip(.threads, ["futex"], variant)
        XCTAssertEqual(recording.result.stdoutText, """
            FUTEX_CMP_REQUEUE = 3, then FUTEX_WAKE on the second word = 2, waiters returned 3
            FUTEX_REQUEUE = 3, then FUTEX_WAKE on the second word = 2, waiters returned 3
            FUTEX_WAIT with a 2 ms timeout = -1 errno ETIMEDOUT
            FUTEX_WAIT_BITSET with an absolute timeout = -1 errno ETIMEDOUT
            pthread_cond_timedwait with nobody signalling: ETIMEDOUT
            pthread_cond_timedwait signalled within 10 s: yes, ready 1

            """)
    }

    func testFutexRequeueAndTimeoutsO0Dynamic() throws { try checkFutex(.o0Dynamic) }
    func testFutexRequeueAndTimeoutsO2Static() throws { try checkFutex(.o2Static) }

    /// Recording the spinning fixture 20 times never hangs: every recording finishes within its
    /// own time limit (30 s; it takes well under a second), prints the whole output, and replays
    /// identically.
    func testSpinningThreadRecordedTwentyTimes() throws {
        let exe = try Fixture.threads.executable(.o0Dynamic)
        var finished = 0, seconds: [Double] = []
        for i in 0..<20 {
            let trace = try makeTemporaryDirectory("spin\(i)") + "/trace"
            let r = try Swrr.run(["record", "-o", trace, "--", exe, "spin"], timeout: 30)
            seconds.append(r.seconds)
            XCTAssertFalse(r.timedOut, "recording \(i + 1) of 20 hung: \(r)")
            XCTAssertEqual(r.leftovers, [], "recording \(i + 1): processes left running: \(r)")
            XCTAssertEqual(r.status, 0, "recording \(i + 1): \(r)")
            XCTAssertEqual(r.stdoutText, Self.spinOutput, "recording \(i + 1)")
            guard !r.timedOut, r.status == 0 else { continue }
            finished += 1
            try assertReplaysIdentically(Recording(trace: trace, result: r))
            try? FileManager.default.removeItem(atPath: trace)
        }
        XCTAssertEqual(finished, 20)
        print("timing: threads spin recorded 20 times: "
              + String(format: "longest %.2f s, total %.2f s", seconds.max() ?? 0, seconds.reduce(0, +)))
    }
}
