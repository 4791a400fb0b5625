// Breakpoint conditions as real gdb sends them, and the Z packet's option list.
//
// How the vectors were captured (2026-12-07, GNU gdb (Debian 13.1-3) 13.1, x86-64): the program
// below compiled with `gcc -g -O0 -no-pie`, recorded with `swrr record`, replayed with
// `swrr replay --gdb-port N`, and gdb connected through a small proxy that appended
// `;ConditionalBreakpoints+` to swrr's qSupported reply (the effect of advertising it in a scratch
// build, without rebuilding) and logged the packets; in gdb, `break cond.c:15 if COND`, then
// `continue`. The Z0 payloads are pasted below as gdb sent them (checksums removed). gdb showed
// "stop only if COND (target evals)" for each, and `maint agent COND` at line 15 listed the same
// bytes. gdb stopped only at the iterations `stops` lists although swrr, not evaluating the
// conditions, reported every hit: gdb evaluates the condition again itself.
//
//     struct S { int count; char name[8]; };
//     long g_total = 0;
//     int main(void) {
//         char arr[4] = {'a', 'b', 'c', 0};
//         struct S s = {0, "s"};
//         int *p = 0;
//         int k = 5;
//         for (int i = 0; i < 10; i++) {
//             s.count = i * 2;
//             arr[2] = (i == 6) ? 'x' : 'c';
//             if (i == 2) p = &k;
//             g_total += i;                /* line 13 */
//             int neg = 3 - i;
//             printf("%d %d\n", i, neg);   /* line 15 */
//         }
//         return 3;
//     }
//
// The frame (gdb's `print (long)&VAR - (long)$rbp` at line 15): i at rbp-4, neg at rbp-20,
// s.count at rbp-36, p at rbp-16, k at rbp-40; g_total at 0x404020 (nm). The bytecode reaches
// them as rbp + 16 (the DWARF frame base) + a negative offset.
@testable import SwrrGDB
import XCTest

final class GDBConditionVectorTests: XCTestCase {
    struct Vector {
        var condition: String
        var packet: String
        /// The loop iterations (i) at whose hit gdb stopped, measured.
        var stops: [Int]
        /// The condition in Swift, on the loop's state at line 15 of iteration i.
        var truth: (Int) -> Bool
    }

    static let vectors: [Vector] = [
        Vector(condition: "i == 7", packet: "Z0,4011a9,1;X12,26000622100222ec16080219162022071327",
               stops: [7], truth: { $0 == 7 }),
        Vector(condition: "i > 3 && p != 0",
               packet: "Z0,4011a9,1;X36,26000622100222ec16080219162022032b1420001821003326000622100222e01608021a2200130e20002e2100332201210035220027",
               stops: [4, 5, 6, 7, 8, 9], truth: { $0 > 3 && $0 >= 2 }),
        Vector(condition: "s.count % 3 == 0", packet: "Z0,4011a9,1;X17,26000622100222cc160802191620220307162022001327",
               stops: [0, 3, 6, 9], truth: { ($0 * 2) % 3 == 0 }),
        Vector(condition: "g_total > 20", packet: "Z0,4011a9,1;Xd,24004040201a164022142b1427",
               stops: [6, 7, 8, 9], truth: { (0...$0).reduce(0, +) > 20 }),
        Vector(condition: "neg < -4", packet: "Z0,4011a9,1;X14,26000622100222dc16080219162022fc16081427",
               stops: [8, 9], truth: { 3 - $0 < -4 }),
        // Two breakpoints at the same line, conditions `i == 2` and
        // `(unsigned)neg > 100 && i / 2 == 4`: one Z0, the two X items with no `;` between.
        Vector(condition: "i == 2 || ((unsigned)neg > 100 && i / 2 == 4)",
               packet: "Z0,4011a9,1;X12,26000622100222ec16080219162022021327X40,26000622100222dc1608021916202a2022642a202b1520001c21003d26000622100222ec160802191620220205162022041320003821003d220121003f220027",
               stops: [2, 8, 9], truth: { $0 == 2 || (UInt32(bitPattern: Int32(3 - $0)) > 100 && $0 / 2 == 4) }),
        // `break cond.c:13 if (i << 2) == 8 || -i == -3` (line 13's address).
        Vector(condition: "(i << 2) == 8 || -i == -3",
               packet: "Z0,401187,1;X3c,26000622100222ec1608021916202202091620220813200039220026000622100222ec16080219162003162022fd160813200039220021003b220127",
               stops: [2, 3], truth: { ($0 << 2) == 8 || -$0 == -3 }),
    ]

    /// The stopped task at the breakpoint in iteration `i` (rbp and stack addresses are this
    /// test's; the offsets are the program's).
    static func task(iteration i: Int) -> StoppedTask {
        let rbp: UInt64 = 0x7ffe_0000_0100
        var t = StoppedTask(registers: ["rbp": rbp, "rsp": rbp - 48, "rip": 0x4011a9], base: rbp - 64)
        t.store(UInt64(bitPattern: Int64(i)), at: rbp - 4, size: 4)
        t.store(UInt64(bitPattern: Int64(3 - i)), at: rbp - 20, size: 4)
        t.store(UInt64(i * 2), at: rbp - 36, size: 4)
        t.store(i >= 2 ? rbp - 40 : 0, at: rbp - 16, size: 8)
        t.store(5, at: rbp - 40, size: 4)
        t.store(0, at: rbp + 15, size: 1)   // the frame up to rbp + 16
        return t
    }

    /// g_total lives outside the frame: a second mapping at 0x404020.
    static func machine(iteration i: Int) -> AgentMachine {
        let frame = task(iteration: i).machine
        let total = littleEndian(UInt64((0...i).reduce(0, +)), count: 8)
        return TaskAgentMachine(registers: frame.registers) { address, count in
            if address == 0x404020 && count <= 8 { return Array(total.prefix(count)) }
            return try frame.readMemory(address, count: count)
        }
    }

    func testGdbsConditionsHoldExactlyWhereGdbStopped() throws {
        for v in Self.vectors {
            let packet = try XCTUnwrap(BreakpointPacket(v.packet), v.condition)
            XCTAssertNil(packet.conditions.problem, v.condition)
            XCTAssertFalse(packet.conditions.expressions.isEmpty, v.condition)
            var stops: [Int] = []
            for i in 0..<10 {
                let m = Self.machine(iteration: i)
                // Each expression runs to its `end`, not into an error that would stop anyway.
                for e in packet.conditions.expressions { XCTAssertNoThrow(try e.evaluate(m), "\(v.condition), i = \(i)") }
                XCTAssertEqual(packet.conditions.stop(m), v.truth(i), "\(v.condition), i = \(i)")
                if packet.conditions.stop(m) { stops.append(i) }
            }
            XCTAssertEqual(stops, v.stops, v.condition)
        }
    }

    func testTheDecodedListingIsGdbsMaintAgent() throws {
        // `maint agent i == 7` at line 15, gdb 13.1.
        let packet = try XCTUnwrap(BreakpointPacket(Self.vectors[0].packet))
        XCTAssertEqual(packet.conditions.expressions.first?.listing, """
            0  reg 6
            3  const8 16
            5  add
            6  const8 236
            8  ext 8
            10  add
            11  ref32
            12  ext 32
            14  const8 7
            16  equal
            17  end
            """)
        XCTAssertEqual(packet.insert, true)
        XCTAssertEqual(packet.type, 0)
        XCTAssertEqual(packet.address, 0x4011a9)
        XCTAssertEqual(packet.kind, 1)
        XCTAssertEqual(BreakpointPacket(Self.vectors[5].packet)?.conditions.expressions.map(\.bytes.count), [0x12, 0x40])
    }

    func testAConditionGdbCannotCompileComesAsNoCondition() throws {
        // `break cond.c:15 if arr[2] == 'x'`: gdb said "(host evals)" and sent a bare Z0.
        let packet = try XCTUnwrap(BreakpointPacket("Z0,4011a9,1"))
        XCTAssertEqual(packet.conditions, BreakpointConditions(expressions: [], problem: nil))
        XCTAssertTrue(packet.conditions.stop(Self.machine(iteration: 0)))
        XCTAssertFalse(packet.hasCommands)
    }

    func testTheHeaderIsCheckedAsBefore() {
        XCTAssertEqual(BreakpointPacket("z0,4011a9,1")?.insert, false)
        XCTAssertEqual(BreakpointPacket("Z2,601040,4")?.type, 2)
        XCTAssertEqual(BreakpointPacket("Z2,601040,4")?.kind, 4)
        XCTAssertNil(BreakpointPacket("Z0,4011a9"))
        XCTAssertNil(BreakpointPacket("Z0,-1,1"))
        XCTAssertNil(BreakpointPacket("Z0,1ffffffffffffffff,1"))
        XCTAssertNil(BreakpointPacket("Z0,4011a9,80000000"))
        XCTAssertNil(BreakpointPacket("Z0,4011a9;X1,27"), "the options do not belong to the header")
        XCTAssertNil(BreakpointPacket("m0,1"))
        XCTAssertNil(BreakpointPacket(""))
    }

    func testOptionsAreSeparatedEitherWayAndCommandsIgnored() throws {
        let twice = try XCTUnwrap(BreakpointPacket("Z0,10,1;X3,220127;X3,220027"))
        XCTAssertEqual(twice.conditions.expressions.map(\.bytes), [[0x22, 1, 0x27], [0x22, 0, 0x27]])
        XCTAssertTrue(twice.conditions.stop(StoppedTask().machine), "1 || 0")
        let falseOnly = try XCTUnwrap(BreakpointPacket("Z0,10,1;X3,220027"))
        XCTAssertFalse(falseOnly.conditions.stop(StoppedTask().machine))
        let commands = try XCTUnwrap(BreakpointPacket("Z0,10,1;X3,220027;cmds:0,X3,220127"))
        XCTAssertTrue(commands.hasCommands)
        XCTAssertEqual(commands.conditions.expressions.count, 1, "the commands' X is not a condition")
        let unknown = try XCTUnwrap(BreakpointPacket("Z0,10,1;future:X9,zz;X3,220027"))
        XCTAssertEqual(unknown.conditions.expressions.count, 1, "an unknown option is skipped to its `;`")
        XCTAssertNil(unknown.conditions.problem)
    }

    func testUnusableConditionsStopAtEveryHit() throws {
        let cases: [(String, BreakpointConditions.Problem)] = [
            ("Z0,10,1;X3,2200", .malformed("an X of length 3 without 6 hex digits")),
            ("Z0,10,1;X3,22002", .malformed("an X of length 3 without 6 hex digits")),
            ("Z0,10,1;X3,2200zz", .malformed("an X of length 3 without 6 hex digits")),
            ("Z0,10,1;X3", .malformed("an X without a comma")),
            ("Z0,10,1;X,220027", .malformed("an X length that is not a hex number up to 2000")),
            ("Z0,10,1;X-3,220027", .malformed("an X length that is not a hex number up to 2000")),
            ("Z0,10,1;Xffffffffffffffffff,00", .malformed("an X length that is not a hex number up to 2000")),
            ("Z0,10,1;X0,", .expression(.empty)),
            ("Z0,10,1;X2,3127", .expression(.unknownOpcode(0x31, offset: 0))),
            ("Z0,10,1;X3,2100ff", .expression(.jumpOutOfRange(offset: 0, target: 255))),
        ]
        for (text, problem) in cases {
            let packet = try XCTUnwrap(BreakpointPacket(text), text)
            XCTAssertEqual(packet.conditions.problem, problem, text)
            XCTAssertTrue(packet.conditions.stop(StoppedTask().machine), text)
        }
        // A false condition beside an unusable one still stops: the unusable one might hold.
        let mixed = try XCTUnwrap(BreakpointPacket("Z0,10,1;X3,220027X1,01"))
        XCTAssertEqual(mixed.conditions.expressions.count, 1)
        XCTAssertTrue(mixed.conditions.stop(StoppedTask().machine))
        // A condition that fails while running stops too (gdbserver's rule: gdb then decides).
        let unreadable = try XCTUnwrap(BreakpointPacket("Z0,10,1;X4,22001a27"))
        XCTAssertNil(unreadable.conditions.problem)
        XCTAssertTrue(unreadable.conditions.stop(StoppedTask().machine))
    }
}
