// gdb's agent bytecode, hand-assembled: every opcode group a C condition compiles to, and
// bytecode no gdb sends (bad opcodes, cut immediates, wild jumps, stack abuse, endless loops),
// each of which must end as an AgentExpressionError, never a trap or a hang.
@testable import SwrrGDB
import XCTest

final class AgentExpressionTests: XCTestCase {
    private let minus1 = UInt64.max

    func testTheTableHasEveryOpcodeOnceAndNamesThemAsGdbDoes() {
        XCTAssertEqual(AgentOpcode.all.count, 51, "0x01–0x34 without 0x31 (invalid2)")
        XCTAssertEqual(Set(AgentOpcode.all.map(\.code)).count, AgentOpcode.all.count)
        XCTAssertEqual(AgentOpcode.byCode[0x27]?.name, "end")
        XCTAssertEqual(AgentOpcode.byCode[0x32]?.name, "pick")
        XCTAssertNil(AgentOpcode.byCode[0x31])
        XCTAssertNil(AgentOpcode.byCode[0x00])
        XCTAssertNil(AgentOpcode.byCode[0x35])
        XCTAssertEqual(AgentOpcode.named("const64")?.immediate, 8)
        XCTAssertEqual(AgentOpcode.named("if_goto")?.immediate, 2)
    }

    func testArithmeticWrapsAndDividesAsC() throws {
        XCTAssertEqual(try run("const8 5;const8 3;add;end"), 8)
        XCTAssertEqual(try run("const8 3;const8 5;sub;end"), minus1 - 1, "3 - 5 = -2")
        XCTAssertEqual(try run("const64 18446744073709551615;const8 2;add;end"), 1, "wraps")
        XCTAssertEqual(try run("const8 6;const8 7;mul;end"), 42)
        // -7 / 2 and -7 % 2 truncate toward zero, as C does.
        XCTAssertEqual(try run("const8 249;ext 8;const8 2;div_signed;end"), minus1 - 2)
        XCTAssertEqual(try run("const8 249;ext 8;const8 2;rem_signed;end"), minus1)
        XCTAssertEqual(try run("const8 249;ext 8;const8 2;div_unsigned;end"), (UInt64.max - 6) / 2)
        XCTAssertEqual(try run("const8 17;const8 5;rem_unsigned;end"), 2)
        // INT64_MIN / -1 overflows in C and traps in Swift; here it wraps.
        XCTAssertEqual(try run("const64 9223372036854775808;const8 255;ext 8;div_signed;end"), 1 << 63)
        XCTAssertEqual(try run("const64 9223372036854775808;const8 255;ext 8;rem_signed;end"), 0)
        for op in ["div_signed", "div_unsigned", "rem_signed", "rem_unsigned"] {
            XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;const8 0;\(op);end")), .divisionByZero(offset: 4), op)
        }
    }

    func testShiftsOfAnyCountDoNotTrap() throws {
        XCTAssertEqual(try run("const8 3;const8 4;lsh;end"), 48)
        XCTAssertEqual(try run("const8 240;ext 8;const8 2;rsh_signed;end"), minus1 - 3, "-16 >> 2 = -4")
        XCTAssertEqual(try run("const8 240;ext 8;const8 60;rsh_unsigned;end"), 15)
        XCTAssertEqual(try run("const8 3;const8 200;lsh;end"), 0)
        XCTAssertEqual(try run("const8 240;ext 8;const8 200;rsh_signed;end"), minus1)
        XCTAssertEqual(try run("const8 240;ext 8;const64 18446744073709551615;rsh_unsigned;end"), 0)
    }

    func testLogicAndComparisons() throws {
        XCTAssertEqual(try run("const8 0;log_not;end"), 1)
        XCTAssertEqual(try run("const8 9;log_not;end"), 0)
        XCTAssertEqual(try run("const8 12;const8 10;bit_and;end"), 8)
        XCTAssertEqual(try run("const8 12;const8 10;bit_or;end"), 14)
        XCTAssertEqual(try run("const8 12;const8 10;bit_xor;end"), 6)
        XCTAssertEqual(try run("const8 0;bit_not;end"), minus1)
        XCTAssertEqual(try run("const8 7;const8 7;equal;end"), 1)
        XCTAssertEqual(try run("const8 7;const8 8;equal;end"), 0)
        // -1 < 0 signed, but 0xffff… > 0 unsigned.
        XCTAssertEqual(try run("const8 255;ext 8;const8 0;less_signed;end"), 1)
        XCTAssertEqual(try run("const8 255;ext 8;const8 0;less_unsigned;end"), 0)
        XCTAssertEqual(try run("const8 0;const8 255;ext 8;less_unsigned;end"), 1)
    }

    func testExtensionsSignOrZeroFillFromTheirWidth() throws {
        XCTAssertEqual(try run("const8 236;ext 8;end"), minus1 - 19, "gdb's -20 frame offset")
        XCTAssertEqual(try run("const8 127;ext 8;end"), 127)
        XCTAssertEqual(try run("const32 2147483648;ext 32;end"), 0xffff_ffff_8000_0000)
        XCTAssertEqual(try run("const8 5;ext 1;end"), minus1, "bit 0 set: -1 in one bit")
        XCTAssertEqual(try run("const64 18446744073709551615;ext 64;end"), minus1)
        XCTAssertEqual(try run("const8 255;ext 8;zero_ext 8;end"), 255)
        XCTAssertEqual(try run("const8 255;ext 8;zero_ext 32;end"), 0xffff_ffff)
        XCTAssertEqual(try run("const8 255;ext 8;zero_ext 64;end"), minus1)
        XCTAssertEqual(failure([0x22, 1, 0x16, 0, 0x27]), .badWidth(0, offset: 2))
        XCTAssertEqual(failure([0x22, 1, 0x2a, 65, 0x27]), .badWidth(65, offset: 2))
    }

    func testConstantsAreBigEndian() throws {
        XCTAssertEqual(try AgentExpression([0x23, 0x12, 0x34, 0x27]).evaluate(StoppedTask().machine), 0x1234)
        XCTAssertEqual(try AgentExpression([0x24, 0x00, 0x40, 0x40, 0x20, 0x27]).evaluate(StoppedTask().machine), 0x404020)
        XCTAssertEqual(try AgentExpression([0x25, 1, 2, 3, 4, 5, 6, 7, 8, 0x27]).evaluate(StoppedTask().machine), 0x0102_0304_0506_0708)
    }

    func testRegistersByGdbNumberAndMemoryLittleEndian() throws {
        var task = StoppedTask(registers: ["rax": 11, "rbp": 0x7ffe_0000_0040, "rip": 0x401000, "eflags": 0xdead_0000_0246,
                                          "orig_rax": 60, "fs_base": 0x7f00_0000_0000])
        task.store(0x1122_3344_5566_7788, at: 0x7ffe_0000_0010, size: 8)
        XCTAssertEqual(try run("reg 0;end", on: task), 11)
        XCTAssertEqual(try run("reg 6;end", on: task), 0x7ffe_0000_0040)
        XCTAssertEqual(try run("reg 16;end", on: task), 0x401000)
        XCTAssertEqual(try run("reg 17;end", on: task), 0x0246, "eflags is 32 bits in gdb's description")
        XCTAssertEqual(try run("reg 57;end", on: task), 60)
        XCTAssertEqual(try run("reg 58;end", on: task), 0x7f00_0000_0000)
        XCTAssertEqual(try run("reg 6;const8 48;sub;ref8;end", on: task), 0x88)
        XCTAssertEqual(try run("reg 6;const8 48;sub;ref16;end", on: task), 0x7788)
        XCTAssertEqual(try run("reg 6;const8 48;sub;ref32;end", on: task), 0x5566_7788)
        XCTAssertEqual(try run("reg 6;const8 48;sub;ref64;end", on: task), 0x1122_3344_5566_7788)
        // st0 (24) is 80 bits, xmm0 (40) 128: not a `reg` gdb emits for an integer condition.
        XCTAssertEqual(failure(try AgentAssembler.assemble("reg 24;end"), on: task), .registerUnavailable(24, offset: 0))
        XCTAssertEqual(failure(try AgentAssembler.assemble("reg 40;end"), on: task), .registerUnavailable(40, offset: 0))
        XCTAssertEqual(failure(try AgentAssembler.assemble("reg 60;end"), on: task), .registerOutOfRange(60, offset: 0))
        XCTAssertEqual(failure(try AgentAssembler.assemble("reg 65535;end"), on: task), .registerOutOfRange(65535, offset: 0))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 0;ref32;end"), on: task),
                       .memoryUnreadable(0, count: 4, offset: 2))
        XCTAssertEqual(failure(try AgentAssembler.assemble("reg 6;const8 60;add;ref64;end"), on: task),
                       .memoryUnreadable(0x7ffe_0000_007c, count: 8, offset: 6), "runs past the mapped bytes")
    }

    func testStackOperations() throws {
        XCTAssertEqual(try run("const8 4;dup;mul;end"), 16)
        XCTAssertEqual(try run("const8 1;const8 2;pop;end"), 1)
        XCTAssertEqual(try run("const8 1;const8 2;swap;sub;end"), 1)
        // rot: a b c ⇒ c a b, so the top is b.
        XCTAssertEqual(try run("const8 1;const8 2;const8 3;rot;end"), 2)
        XCTAssertEqual(try run("const8 1;const8 2;const8 3;rot;pop;end"), 1)
        XCTAssertEqual(try run("const8 1;const8 2;const8 3;rot;pop;pop;end"), 3)
        XCTAssertEqual(try run("const8 1;const8 2;const8 3;pick 0;end"), 3, "pick 0 is dup")
        XCTAssertEqual(try run("const8 1;const8 2;const8 3;pick 2;end"), 1)
    }

    func testTraceOperationsLeaveTheConditionAlone() throws {
        XCTAssertEqual(try run("const8 9;const8 1;const8 4;trace;end"), 9)
        XCTAssertEqual(try run("const8 9;trace_quick 4;end"), 9)
        XCTAssertEqual(try run("const8 9;trace16 4;end"), 9)
        XCTAssertEqual(try run("const8 9;tracev 3;end"), 9)
        XCTAssertEqual(try run("const8 9;const8 1;const8 4;tracenz;end"), 9)
    }

    func testJumpsGoToInstructionStarts() throws {
        // if (1) 7 else 8
        XCTAssertEqual(try run("const8 1;if_goto 8;const8 8;end;const8 7;end"), 7)
        XCTAssertEqual(try run("const8 0;if_goto 8;const8 8;end;const8 7;end"), 8)
        XCTAssertEqual(try run("goto 6;const8 1;end;const8 2;end"), 2)
        // Into the middle of const8 5 (its operand byte), and past the end.
        XCTAssertEqual(failure(try AgentAssembler.assemble("goto 4;const8 5;end")), .jumpOutOfRange(offset: 0, target: 4))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;if_goto 9;end")), .jumpOutOfRange(offset: 2, target: 9))
        XCTAssertEqual(failure(try AgentAssembler.assemble("goto 65535;end")), .jumpOutOfRange(offset: 0, target: 65535))
    }

    func testUnknownAndRefusedOpcodesAreNamed() throws {
        XCTAssertEqual(failure([0x00]), .unknownOpcode(0, offset: 0))
        XCTAssertEqual(failure([0x22, 1, 0x31, 0x27]), .unknownOpcode(0x31, offset: 2))
        XCTAssertEqual(failure([0x22, 1, 0xff]), .unknownOpcode(0xff, offset: 2))
        for (name, code) in [("float", 0x01), ("ref_double", 0x1c), ("l_to_d", 0x1e), ("printf", 0x34)] as [(String, UInt8)] {
            guard case .refused(name, 2, _)? = failure([0x22, 1, code, 0x27]) else {
                return XCTFail("\(name): \(String(describing: failure([0x22, 1, code, 0x27])))")
            }
        }
        guard case .refused("getv", 0, let why)? = failure([0x2c, 0, 1, 0x27]) else { return XCTFail("getv") }
        XCTAssertEqual(why, "swrr has no trace state variables")
        guard case .refused("setv", 2, _)? = failure([0x22, 1, 0x2d, 0, 1, 0x27]) else { return XCTFail("setv") }
    }

    func testTruncatedImmediates() {
        XCTAssertEqual(failure([0x25, 1, 2, 3, 4, 5, 6, 7]), .truncated("const64", offset: 0))
        XCTAssertEqual(failure([0x26, 0]), .truncated("reg", offset: 0))
        XCTAssertEqual(failure([0x22, 1, 0x20, 0]), .truncated("if_goto", offset: 2))
        XCTAssertEqual(failure([0x22]), .truncated("const8", offset: 0))
        XCTAssertEqual(failure([0x22, 1, 0x16]), .truncated("ext", offset: 2))
    }

    func testStackUnderflowAndEmptyEnd() throws {
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;add;end")), .stackUnderflow("add", offset: 2))
        XCTAssertEqual(failure(try AgentAssembler.assemble("end")), .stackUnderflow("end", offset: 0))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;const8 2;rot;end")), .stackUnderflow("rot", offset: 4))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;const8 2;pick 2;end")), .stackUnderflow("pick", offset: 4))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;pick 255;end")), .stackUnderflow("pick", offset: 2))
        XCTAssertEqual(failure(try AgentAssembler.assemble("if_goto 0;end")), .stackUnderflow("if_goto", offset: 0))
    }

    func testHostileProgramsEndWithinTheirBounds() throws {
        // Pushes forever: the stack stops at its limit.
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;goto 0")), .stackOverflow(depth: 1024, offset: 0))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;dup;goto 2")), .stackOverflow(depth: 1024, offset: 2))
        // Loops forever with a flat stack: the step count stops it, quickly.
        let start = ContinuousClock.now
        XCTAssertEqual(failure([0x21, 0, 0]), .stepLimit(100_000))
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;if_goto 0")), .stepLimit(100_000))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(30), "bounded, not endless (a bound for a loaded machine)")
        let small = AgentExpression.Limits(stackDepth: 4, steps: 10)
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;const8 1;const8 1;const8 1;const8 1;end"), limits: small),
                       .stackOverflow(depth: 4, offset: 8))
        XCTAssertEqual(failure(try AgentAssembler.assemble("goto 0"), limits: small), .stepLimit(10))
        // No `end`: running off the last instruction.
        XCTAssertEqual(failure(try AgentAssembler.assemble("const8 1;const8 2;add")), .ranOffTheEnd)
        XCTAssertEqual(failure([]), .empty)
        XCTAssertEqual(failure([UInt8](repeating: 0x29, count: 2001)), .tooLong(2001))
    }

    func testRandomBytecodeEndsAsAValueOrAnError() {
        // 20,000 programs of up to 16 instructions (seeded xorshift, so a failure repeats): none
        // may trap or hang; the tallies show that each outcome was reached.
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var task = StoppedTask(registers: ["rbp": 0x7ffe_0000_0010])
        task.store(0x0102_0304_0506_0708, at: 0x7ffe_0000_0000, size: 16)
        let machine = task.machine
        let small = AgentExpression.Limits(stackDepth: 64, steps: 2_000)
        let runnable = AgentOpcode.all.filter { $0.refusal == nil }
        var values = 0, decodeErrors = 0, runErrors = 0
        for _ in 0..<20_000 {
            let count = Int(next() % 16) + 1   // instructions
            // Mostly runnable instructions with random operands (small ones, so that jumps and
            // widths are sometimes valid), one in 64 a random byte; half end with `end`.
            var program: [UInt8] = []
            for _ in 0..<count {
                let r = next()
                if r % 64 == 0 { program.append(UInt8(truncatingIfNeeded: r >> 8)); continue }
                let op = runnable[Int((r >> 8) % UInt64(runnable.count))]
                program.append(op.code)
                for i in 0..<op.immediate {
                    program.append(i == op.immediate - 1 ? UInt8(truncatingIfNeeded: next() % 40) : 0)
                }
            }
            if next() % 2 == 0 { program.append(0x27) }
            guard let e = try? AgentExpression(program) else { decodeErrors += 1; continue }
            if (try? e.evaluate(machine, limits: small)) != nil { values += 1 } else { runErrors += 1 }
        }
        print("random bytecode: \(values) values, \(decodeErrors) refused by the decoder, \(runErrors) run errors")
        XCTAssertEqual(values + decodeErrors + runErrors, 20_000)
        XCTAssertGreaterThan(values, 0)
        XCTAssertGreaterThan(runErrors, 0)
        XCTAssertGreaterThan(decodeErrors, 0)
    }

    func testErrorsDescribeThemselves() {
        XCTAssertEqual("\(AgentExpressionError.unknownOpcode(0x31, offset: 2))", "unknown opcode 0x31 at byte 2")
        XCTAssertEqual("\(AgentExpressionError.jumpOutOfRange(offset: 0, target: 9))", "the jump at byte 0 goes to 9, not to an instruction")
        XCTAssertEqual("\(AgentExpressionError.stepLimit(100_000))", "no result after 100000 steps")
    }
}
