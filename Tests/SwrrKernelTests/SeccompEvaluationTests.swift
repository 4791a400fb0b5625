// Running classic BPF seccomp filters as the kernel does (SeccompEvaluation.swift), and the
// kernel's choice among stacked filters.
import XCTest
@testable import SwrrKernel

final class SeccompEvaluationTests: XCTestCase {
    typealias Insn = (code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)

    func bytes(_ insns: [Insn]) -> [UInt8] {
        insns.flatMap { i -> [UInt8] in
            [UInt8(i.code & 0xff), UInt8(i.code >> 8), i.jt, i.jf,
             UInt8(i.k & 0xff), UInt8((i.k >> 8) & 0xff), UInt8((i.k >> 16) & 0xff), UInt8(i.k >> 24)]
        }
    }

    func call(_ nr: Int32, _ args: [UInt64] = [0, 0, 0, 0, 0, 0], ip: UInt64 = 0x4010_0000_1234) -> SeccompData {
        SeccompData(nr: nr, instructionPointer: ip, args: args)
    }

    /// The fixture's filters (Tests/Fixtures/seccomp_filters.c): arch check, then one action per
    /// syscall number.
    let first = [
        (0x20, 0, 0, 4), (0x15, 1, 0, 0xC000_003E), (0x06, 0, 0, 0x8000_0000), (0x20, 0, 0, 0),
        (0x15, 0, 1, 110), (0x06, 0, 0, 0x0005_0001), (0x15, 0, 1, 121), (0x06, 0, 0, 0x0003_004d),
        (0x15, 0, 1, 135), (0x06, 0, 0, 0), (0x15, 0, 1, 124), (0x06, 0, 0, 0x8000_0000), (0x06, 0, 0, 0x7fff_0000),
    ] as [Insn]
    let second = [
        (0x20, 0, 0, 0), (0x15, 0, 1, 140), (0x06, 0, 0, 0x0005_000d), (0x15, 0, 1, 121), (0x06, 0, 0, 0x0005_000d),
        (0x06, 0, 0, 0x7fff_0000),
    ] as [Insn]

    func testTheFixturesFilters() {
        let f = bytes(first)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(110)), 0x0005_0001)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(121)), 0x0003_004d)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(135)), 0)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(124)), 0x8000_0000)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(39)), 0x7fff_0000)
        XCTAssertEqual(SeccompEvaluation.run(f, on: SeccompData(nr: 39, arch: 0x4000_0003, instructionPointer: 0, args: [])),
                       0x8000_0000, "another architecture")
    }

    /// Most restrictive wins whatever the order; the newest among equal actions.
    func testStackedFiltersTakeTheMostRestrictive() {
        let newestFirst = [bytes(second), bytes(first)]
        XCTAssertEqual(SeccompEvaluation.strictest(newestFirst, on: call(121)), .trap(data: 77), "TRAP beats the newer ERRNO")
        XCTAssertEqual(SeccompEvaluation.strictest(newestFirst, on: call(140)), .errno(13))
        XCTAssertEqual(SeccompEvaluation.strictest(newestFirst, on: call(124)), .killProcess)
        XCTAssertEqual(SeccompEvaluation.strictest(newestFirst, on: call(1)), .allow)
        let a = bytes([(0x06, 0, 0, 0x0005_0001)]), b = bytes([(0x06, 0, 0, 0x0005_0002)])
        XCTAssertEqual(SeccompEvaluation.strictest([a, b], on: call(1)), .errno(1), "the newest among equal actions")
        XCTAssertEqual(SeccompEvaluation.strictest([b, a], on: call(1)), .errno(2))
        XCTAssertEqual(SeccompEvaluation.strictest([a, bytes([(0x06, 0, 0, 0)])], on: call(1)), .killThread)
        XCTAssertEqual(SeccompEvaluation.strictest([], on: call(1)), .allow)
    }

    /// Argument words, the instruction pointer, ALU, JSET/JGT/JGE/JA, scratch memory, TAX/TXA,
    /// BPF_LEN and RET A, as libseccomp's and hand-written filters use them.
    func testInstructionsAndData() {
        // A = args[1] high word; A &= 0xf0; A >>= 4; X = A; A = args[0] low word; A += X; mem[3] = A;
        // A = 0; A = mem[3]; if A & 0x100 goto errno(1); if A > 7 goto errno(2); if A >= 5 goto errno(3);
        // goto allow.
        let f = bytes([
            (0x20, 0, 0, 28), (0x54, 0, 0, 0xf0), (0x74, 0, 0, 4), (0x07, 0, 0, 0), (0x20, 0, 0, 16),
            (0x0c, 0, 0, 0), (0x02, 0, 0, 3), (0x00, 0, 0, 0), (0x60, 0, 0, 3),
            (0x45, 5, 0, 0x100), (0x25, 5, 0, 7), (0x35, 5, 0, 5), (0x05, 0, 0, 1),
            (0x06, 0, 0, 0x7fff_0000), (0x06, 0, 0, 0x7fff_0000),
            (0x06, 0, 0, 0x0005_0001), (0x06, 0, 0, 0x0005_0002), (0x06, 0, 0, 0x0005_0003),
        ])
        // args[0] = 2, args[1] high word 0x30: X = 3, A = 5 -> >= 5
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(0, [2, 0x30 << 32])), 0x0005_0003)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(0, [5, 0x30 << 32])), 0x0005_0002)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(0, [0xfd, 0x30 << 32])), 0x0005_0001)
        XCTAssertEqual(SeccompEvaluation.run(f, on: call(0, [1, 0x20 << 32])), 0x7fff_0000, "JA to the last allow")
        // Instruction pointer words, TXA, NEG, BPF_LEN, RET A.
        let g = bytes([(0x20, 0, 0, 12), (0x07, 0, 0, 0), (0x87, 0, 0, 0), (0x84, 0, 0, 0), (0x80, 0, 0, 0),
                       (0x16, 0, 0, 0)])
        XCTAssertEqual(SeccompEvaluation.run(g, on: call(0)), 64, "BPF_LEN of seccomp_data")
        let h = bytes([(0x20, 0, 0, 12), (0x84, 0, 0, 0), (0x16, 0, 0, 0)])
        XCTAssertEqual(SeccompEvaluation.run(h, on: call(0, ip: 0x4010_0000_1234)), 0 &- 0x4010)
        // Division by a zero X makes the filter return 0 (KILL_THREAD); what the kernel's checker
        // refuses does not run.
        XCTAssertEqual(SeccompEvaluation.run(bytes([(0x00, 0, 0, 9), (0x3c, 0, 0, 0), (0x06, 0, 0, 0x7fff_0000)]), on: call(0)), 0)
        XCTAssertNil(SeccompEvaluation.run(bytes([(0x20, 0, 0, 2), (0x06, 0, 0, 0)]), on: call(0)), "unaligned load")
        XCTAssertNil(SeccompEvaluation.run(bytes([(0x20, 0, 0, 64), (0x06, 0, 0, 0)]), on: call(0)), "beyond seccomp_data")
        XCTAssertNil(SeccompEvaluation.run(bytes([(0x00, 0, 0, 1)]), on: call(0)), "runs off the end")
        XCTAssertNil(SeccompEvaluation.run(bytes([(0x05, 0, 0, 7), (0x06, 0, 0, 0)]), on: call(0)), "jumps off the end")
        XCTAssertEqual(SeccompEvaluation.strictest([bytes([(0x00, 0, 0, 1)])], on: call(0)), .killProcess)
    }
}
