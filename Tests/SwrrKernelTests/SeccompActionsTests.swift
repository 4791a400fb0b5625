// The rewriting of a program's seccomp filter (SeccompActions.swift): only the returned actions
// that do not run the call change, into SECCOMP_RET_TRACE | index, and the table gives each
// index's original action back.
import XCTest
@testable import SwrrKernel

final class SeccompActionsTests: XCTestCase {
    typealias Insn = (code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)
    static let ldAbs: UInt16 = 0x20, jeq: UInt16 = 0x15, retK: UInt16 = 0x06, retA: UInt16 = 0x16, ldImm: UInt16 = 0x00

    func bytes(_ insns: [Insn]) -> [UInt8] {
        insns.flatMap { i -> [UInt8] in
            [UInt8(i.code & 0xff), UInt8(i.code >> 8), i.jt, i.jf,
             UInt8(i.k & 0xff), UInt8((i.k >> 8) & 0xff), UInt8((i.k >> 16) & 0xff), UInt8(i.k >> 24)]
        }
    }

    /// The fixture's first filter (Tests/Fixtures/seccomp_filters.c) and a second one sharing an
    /// action: each distinct action gets one index, in order of appearance, reused across filters.
    func testReturnsBecomeTracedIndicesAndNothingElseChanges() throws {
        let first: [Insn] = [
            (Self.ldAbs, 0, 0, 4), (Self.jeq, 1, 0, 0xC000_003E), (Self.retK, 0, 0, 0x8000_0000),
            (Self.ldAbs, 0, 0, 0),
            (Self.jeq, 0, 1, 110), (Self.retK, 0, 0, 0x0005_0001),     // getppid: ERRNO(EPERM)
            (Self.jeq, 0, 1, 121), (Self.retK, 0, 0, 0x0003_004d),     // getpgid: TRAP(77)
            (Self.jeq, 0, 1, 135), (Self.retK, 0, 0, 0x0000_0000),     // personality: KILL_THREAD
            (Self.jeq, 0, 1, 124), (Self.retK, 0, 0, 0x8000_0000),     // getsid: KILL_PROCESS
            (Self.jeq, 0, 1, 39), (Self.retK, 0, 0, 0x7ffc_0000),      // getpid: LOG
            (Self.retK, 0, 0, 0x7fff_0000),                            // ALLOW
        ]
        var rewriter = SeccompFilterRewriter()
        let out = try rewriter.rewrite(bytes(first))
        var expected = first
        expected[2].k = 0x7ff0_0001    // KILL_PROCESS: index 1
        expected[5].k = 0x7ff0_0002    // ERRNO(EPERM): 2
        expected[7].k = 0x7ff0_0003    // TRAP(77): 3
        expected[9].k = 0x7ff0_0004    // KILL_THREAD: 4
        expected[11].k = 0x7ff0_0001   // KILL_PROCESS again: 1
        XCTAssertEqual(out, bytes(expected))
        XCTAssertEqual(rewriter.action(forIndex: 0), nil, "0 is swrr's own filter")
        XCTAssertEqual(rewriter.action(forIndex: 1), .killProcess)
        XCTAssertEqual(rewriter.action(forIndex: 2), .errno(1))
        XCTAssertEqual(rewriter.action(forIndex: 3), .trap(data: 77))
        XCTAssertEqual(rewriter.action(forIndex: 4), .killThread)
        XCTAssertEqual(rewriter.action(forIndex: 5), nil)
        XCTAssertEqual(rewriter.action(forIndex: 0x1_0000_0001), nil)

        let second: [Insn] = [(Self.ldAbs, 0, 0, 0), (Self.jeq, 0, 1, 140), (Self.retK, 0, 0, 0x0005_000d),
                              (Self.retK, 0, 0, 0x0003_004d), (Self.retK, 0, 0, 0x7ff0_0009), (Self.retK, 0, 0, 0x7fc0_0000)]
        let out2 = try rewriter.rewrite(bytes(second))
        XCTAssertEqual(out2, bytes([second[0], second[1], (Self.retK, 0, 0, 0x7ff0_0005), (Self.retK, 0, 0, 0x7ff0_0003),
                                    (Self.retK, 0, 0, 0x7ff0_0006), (Self.retK, 0, 0, 0x7ff0_0007)]))
        XCTAssertEqual(rewriter.action(forIndex: 5), .errno(13))
        XCTAssertEqual(rewriter.action(forIndex: 6), .trace(data: 9))
        XCTAssertEqual(rewriter.action(forIndex: 7), .userNotif)
        XCTAssertEqual(rewriter.actions.count, 7)
    }

    func testRefusesWhatCannotBeIndexed() {
        var rewriter = SeccompFilterRewriter()
        let computed = bytes([(Self.ldImm, 0, 0, 0x7fff_0000), (Self.retA, 0, 0, 0)])
        XCTAssertThrowsError(try rewriter.rewrite(computed)) {
            XCTAssertEqual($0 as? SeccompFilterRewriteError, .computedAction(instruction: 1))
            XCTAssertEqual("\($0)", "a seccomp filter whose instruction 1 returns a computed action (BPF_RET|BPF_A)")
        }
        XCTAssertThrowsError(try rewriter.rewrite([0x06, 0, 0, 0, 0, 0, 0xff])) {
            XCTAssertEqual($0 as? SeccompFilterRewriteError, .malformed("7 bytes"))
        }
        XCTAssertThrowsError(try rewriter.rewrite([])) {
            XCTAssertEqual($0 as? SeccompFilterRewriteError, .malformed("0 bytes"))
        }
        let tooLong = bytes(Array(repeating: (Self.retK, 0, 0, 0x7fff_0000), count: 4097))
        XCTAssertThrowsError(try rewriter.rewrite(tooLong))
        XCTAssertTrue(rewriter.actions.isEmpty)
        // 65535 distinct actions fit SECCOMP_RET_DATA; one more does not.
        var full = SeccompFilterRewriter()
        for chunk in stride(from: 0, to: 0xffff, by: 4096) {
            let n = min(4096, 0xffff - chunk)
            let filter = bytes((0..<n).map { (Self.retK, 0, 0, 0x0005_0000 | UInt32(chunk + $0)) })
            XCTAssertNoThrow(try full.rewrite(filter))
        }
        XCTAssertEqual(full.actions.count, 0xffff)
        XCTAssertEqual(full.action(forIndex: 0xffff), .errno(0xfffe))
        XCTAssertThrowsError(try full.rewrite(bytes([(Self.retK, 0, 0, 0x0003_0000)]))) {
            XCTAssertEqual($0 as? SeccompFilterRewriteError, .tooManyActions)
        }
    }

    /// Natively, without a tracer: ERRNO capped at MAX_ERRNO, TRACE and USER_NOTIF with ENOSYS; an
    /// action the kernel does not know kills the process.
    func testWhatSkippedCallsReturn() {
        XCTAssertEqual(SeccompAction(raw: 0x0005_0001).skippedResult, -1)
        XCTAssertEqual(SeccompAction(raw: 0x0005_ffff).skippedResult, -4095)
        XCTAssertEqual(SeccompAction(raw: 0x7ff0_0001).skippedResult, -38)
        XCTAssertEqual(SeccompAction(raw: 0x7fc0_0000).skippedResult, -38)
        XCTAssertNil(SeccompAction(raw: 0x0003_0001).skippedResult)
        XCTAssertNil(SeccompAction(raw: 0x8000_0000).skippedResult)
        XCTAssertEqual(SeccompAction(raw: 0x0001_0000), .killProcess)
        XCTAssertTrue(SeccompAction(raw: 0x7ffc_0000).runsTheCall)
        XCTAssertTrue(SeccompAction(raw: 0x7fff_0000).runsTheCall)
        XCTAssertFalse(SeccompAction(raw: 0x7ff0_0000).runsTheCall)
    }

    /// Strict mode and a notification listener are refused by name before the kernel runs them;
    /// SECCOMP_GET_NOTIF_SIZES writes its three u16.
    func testSeccompCommands() throws {
        let seccomp = try XCTUnwrap(SyscallTable.spec(317))
        XCTAssertEqual(seccomp.name, "seccomp")
        XCTAssertEqual(seccomp.replayAction(args: [1, 0, 0x1000, 0, 0, 0]), .emulate)
        func ranges(_ spec: SyscallSpec, _ args: [UInt64]) throws -> [MemoryRange] {
            try SyscallOutputs.ranges(for: spec, args: args, result: 0) { _, _ in nil }
        }
        XCTAssertEqual(try ranges(seccomp, [3, 0, 0x5000, 0, 0, 0]), [MemoryRange(address: 0x5000, length: 6)])
        XCTAssertEqual(try ranges(seccomp, [1, 1, 0x5000, 0, 0, 0]), [])
        XCTAssertThrowsError(try ranges(seccomp, [0, 0, 0, 0, 0, 0])) {
            XCTAssertTrue("\($0)".contains("SECCOMP_SET_MODE_STRICT"), "\($0)")
        }
        XCTAssertThrowsError(try ranges(seccomp, [1, 8, 0x5000, 0, 0, 0])) {
            XCTAssertTrue("\($0)".contains("SECCOMP_FILTER_FLAG_NEW_LISTENER"), "\($0)")
        }
        // libseccomp's probes change nothing (EINVAL, EFAULT): recorded like any failing call.
        XCTAssertEqual(try ranges(seccomp, [0, 1, 0, 0, 0, 0]), [])
        XCTAssertEqual(try ranges(seccomp, [1, 8, 0, 0, 0, 0]), [])
        let prctl = try XCTUnwrap(SyscallTable.spec(157))
        XCTAssertThrowsError(try ranges(prctl, [22, 1, 0, 0, 0, 0])) {
            XCTAssertTrue("\($0)".contains("PR_SET_SECCOMP with SECCOMP_MODE_STRICT"), "\($0)")
        }
        XCTAssertEqual(try ranges(prctl, [22, 2, 0x5000, 0, 0, 0]), [])
    }
}
