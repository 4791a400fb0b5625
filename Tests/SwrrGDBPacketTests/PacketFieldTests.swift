// The numbers in gdb's packets (PacketField, hex helpers): hex digits only, no sign or prefix, and
// within their type's range, or nil (the handler answers E01 instead of trapping).
@testable import SwrrGDB
import XCTest

final class PacketFieldTests: XCTestCase {
    func testHexUInt64TakesOnlyHexDigitsThatFit() {
        XCTAssertEqual(PacketField.hexUInt64("0"), 0)
        XCTAssertEqual(PacketField.hexUInt64("ffffffffffffffff"), UInt64.max)
        XCTAssertEqual(PacketField.hexUInt64("DeadBeef"), 0xdead_beef)
        XCTAssertNil(PacketField.hexUInt64("1ffffffffffffffff"), "17 digits")
        XCTAssertNil(PacketField.hexUInt64("0000000000000000f"), "17 digits, even with leading zeros")
        XCTAssertNil(PacketField.hexUInt64(""))
        XCTAssertNil(PacketField.hexUInt64("-5"), "Swift's parser would take a sign")
        XCTAssertNil(PacketField.hexUInt64("+5"))
        XCTAssertNil(PacketField.hexUInt64("0x10"))
        XCTAssertNil(PacketField.hexUInt64("12 "))
    }

    func testHexIntRespectsItsMaximum() {
        XCTAssertEqual(PacketField.hexInt("ff", maximum: 255), 255)
        XCTAssertNil(PacketField.hexInt("100", maximum: 255))
        XCTAssertEqual(PacketField.hexInt("7fffffffffffffff"), Int.max)
        XCTAssertNil(PacketField.hexInt("8000000000000000"), "above Int.max")
    }

    func testThreadIDIsAPositiveInt32() {
        XCTAssertEqual(PacketField.threadID("1"), 1)
        XCTAssertEqual(PacketField.threadID("7fffffff"), Int32.max)
        XCTAssertNil(PacketField.threadID("80000000"))
        XCTAssertNil(PacketField.threadID("0"), "any thread: the caller's to handle")
        XCTAssertNil(PacketField.threadID("-1"), "all threads: the caller's to handle")
    }

    func testMemoryRangeIsCutToTheMaximumAndTheAddressSpace() {
        XCTAssertTrue(PacketField.memoryRange("401000,4", maximum: 0x2000)! == (0x401000, 4))
        XCTAssertTrue(PacketField.memoryRange("1000,4000", maximum: 0x2000)! == (0x1000, 0x2000))
        // The measured trap: address + length overflowed. Only the last byte is left.
        XCTAssertTrue(PacketField.memoryRange("ffffffffffffffff,10", maximum: 0x2000)! == (UInt64.max, 1))
        XCTAssertTrue(PacketField.memoryRange("fffffffffffffff0,100", maximum: 0x2000)! == (0xffff_ffff_ffff_fff0, 16))
        XCTAssertTrue(PacketField.memoryRange("0,ffffffffffffffff", maximum: 0x2000)! == (0, 0x2000))
        XCTAssertNil(PacketField.memoryRange("1000", maximum: 0x2000))
        XCTAssertNil(PacketField.memoryRange("1000,4,", maximum: 0x2000))
        XCTAssertNil(PacketField.memoryRange("-1,4", maximum: 0x2000))
        XCTAssertNil(PacketField.memoryRange(",4", maximum: 0x2000))
    }

    func testHexHelpers() {
        XCTAssertEqual(hex(UInt8(10), width: 2), "0a")
        XCTAssertEqual(hex(0x1234, width: 2), "1234", "never cut")
        XCTAssertEqual(hexBytes([0, 0xff, 0x10]), "00ff10")
        XCTAssertEqual(littleEndian(0x1122_3344_5566_7788, count: 3), [0x88, 0x77, 0x66])
        XCTAssertEqual(bytes(fromHex: "0aFF"[...]), [0x0a, 0xff])
        XCTAssertEqual(bytes(fromHex: ""[...]), [])
        XCTAssertNil(bytes(fromHex: "0g"[...]))
        XCTAssertNil(bytes(fromHex: "abc"[...]), "odd length")
        XCTAssertNil(bytes(fromHex: "-1"[...]), "a sign is not a hex digit")
        XCTAssertNil(bytes(fromHex: "+f"[...]), "nor is a plus sign (UInt8(_:radix:) accepts one)")
    }
}
