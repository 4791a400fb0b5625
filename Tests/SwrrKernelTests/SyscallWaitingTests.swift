import XCTest
@testable import SwrrKernel

/// What the recorder and the replayer know of calls that wait: whether the recorder hands the CPU
/// to another task as soon as one is entered (SyscallSpec.blocking), and where a call's temporary
/// signal mask is (SyscallSpec.temporaryMask). The expected values are what the side tables
/// SyscallBlocking and TemporarySignalMask.bySyscall said before that knowledge moved into the
/// table's specs (this test passed against them first).
final class SyscallWaitingTests: XCTestCase {
    private func spec(_ name: String) -> SyscallSpec {
        guard let s = SyscallTable.all.first(where: { $0.name == name }) else {
            XCTFail("no spec \(name)")
            return SyscallTable.all[0]
        }
        return s
    }

    private func likely(_ name: String, _ args: [UInt64]) -> Bool {
        spec(name).blocking.isLikely(args: args)
    }

    private func mask(_ name: String) -> TemporarySignalMask? {
        spec(name).temporaryMask
    }

    private func keeps(_ name: String) -> Bool {
        SyscallTable.keepsTheCPU(spec(name).number)
    }

    private let never: UInt64 = UInt64(bitPattern: -1)

    func testPollWaitsUnlessItsTimeoutIsZero() {
        XCTAssertTrue(likely("poll", [0, 1, never, 0, 0, 0]))
        XCTAssertTrue(likely("poll", [0, 1, 5, 0, 0, 0]))
        XCTAssertFalse(likely("poll", [0, 1, 0, 0, 0, 0]))
        // The timeout is a C int: only its low 32 bits count.
        XCTAssertFalse(likely("poll", [0, 1, 0x1_0000_0000, 0, 0, 0]))
        XCTAssertNil(mask("poll"))
        XCTAssertFalse(keeps("poll"))
    }

    func testPpollAndEpollPwait2AlwaysWaitWithTheirMask() {
        for args: [UInt64] in [[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 8, 0]] {
            XCTAssertTrue(likely("ppoll", args))
            XCTAssertTrue(likely("epoll_pwait2", args))
        }
        XCTAssertEqual(mask("ppoll"), .direct(mask: 3, size: 4))
        XCTAssertEqual(mask("epoll_pwait2"), .direct(mask: 4, size: 5))
    }

    func testEpollWaitsUnlessItsTimeoutIsZero() {
        XCTAssertTrue(likely("epoll_wait", [3, 0, 1, never, 0, 0]))
        XCTAssertFalse(likely("epoll_wait", [3, 0, 1, 0, 0, 0]))
        XCTAssertTrue(likely("epoll_pwait", [3, 0, 1, 10, 0, 8]))
        XCTAssertFalse(likely("epoll_pwait", [3, 0, 1, 0x1_0000_0000, 0, 8]))
        XCTAssertNil(mask("epoll_wait"))
        XCTAssertEqual(mask("epoll_pwait"), .direct(mask: 4, size: 5))
    }

    func testRtSigsuspendWaitsWithItsMask() {
        XCTAssertTrue(likely("rt_sigsuspend", [0x7fff_0000, 8, 0, 0, 0, 0]))
        XCTAssertEqual(mask("rt_sigsuspend"), .direct(mask: 0, size: 1))
        XCTAssertFalse(keeps("rt_sigsuspend"))
    }

    func testPselect6HasAnIndirectMaskButMayNotBlock() {
        XCTAssertFalse(likely("pselect6", [1, 0, 0, 0, 0, 0]))
        XCTAssertEqual(mask("pselect6"), .indirect(arg: 5))
    }

    func testFutexWaitsOnlyForItsWaitingOperations() {
        // FUTEX_WAIT 0, FUTEX_LOCK_PI 6, FUTEX_WAIT_BITSET 9, FUTEX_WAIT_REQUEUE_PI 11, with or
        // without FUTEX_PRIVATE_FLAG (128) and FUTEX_CLOCK_REALTIME (256).
        for op: UInt64 in [0, 6, 9, 11, 128, 128 | 9, 256 | 9] {
            XCTAssertTrue(likely("futex", [0, op, 0, 0, 0, 0]), "op \(op)")
        }
        for op: UInt64 in [1, 5, 7, 129, 10, 12] {
            XCTAssertFalse(likely("futex", [0, op, 0, 0, 0, 0]), "op \(op)")
        }
    }

    func testCallsThatAlwaysWait() {
        let waiting = ["nanosleep", "clock_nanosleep", "pause", "rt_sigsuspend", "rt_sigtimedwait",
                       "wait4", "waitid", "sched_yield", "ppoll", "epoll_pwait2", "futex_waitv"]
        // futex's FUTEX_WAKE (1), poll's and epoll's zero timeouts: none of those waits.
        let args: [UInt64] = [0, 1, 0, 0, 0, 0]
        let found = SyscallTable.all.filter { $0.blocking.isLikely(args: args) }.map(\.name)
        XCTAssertEqual(found.sorted(), waiting.filter { n in SyscallTable.all.contains { $0.name == n } }.sorted())
    }

    /// Only the five calls with a mask of their own have one.
    func testExactlyFiveCallsHaveATemporaryMask() {
        let names = SyscallTable.all.filter { mask($0.name) != nil }.map(\.name).sorted()
        XCTAssertEqual(names, ["epoll_pwait", "epoll_pwait2", "ppoll", "pselect6", "rt_sigsuspend"])
    }

    /// The recorder waits out an execve on the CPU; nothing else keeps the CPU.
    func testOnlyExecKeepsTheCPU() {
        let keeping = SyscallTable.all.filter { keeps($0.name) }.map(\.name).sorted()
        XCTAssertEqual(keeping, ["execve", "execveat"])
        XCTAssertFalse(SyscallTable.keepsTheCPU(9999))
    }
}
