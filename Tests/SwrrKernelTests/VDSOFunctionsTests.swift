// The vDSO table and the parsing of a vDSO image, on this process's own vDSO: every replacement
// makes the syscall of its function's name, every function this kernel exports is found, and a
// damaged image is an error, never a crash.
import Glibc
import SwrrKernel
import SwrrTracee
import XCTest

final class VDSOFunctionsTests: XCTestCase {
    func testEachReplacementMakesTheSyscallOfItsName() {
        for (name, r) in VDSOFunctions.replacements {
            XCTAssertEqual(SyscallTable.name(r.syscallNumber), name)
            XCTAssertEqual(VDSOFunctions.replacement(forSymbol: "__vdso_" + name), r)
            XCTAssertEqual(VDSOFunctions.replacement(forSymbol: name), r)
            let n = UInt32(r.syscallNumber)
            let mov: [UInt8] = [0xb8, UInt8(n & 0xff), UInt8(n >> 8), 0, 0]
            let want = mov + [0x0f, 0x05, 0xc3]
            XCTAssertTrue((0...(r.code.count - want.count)).contains { Array(r.code[$0..<$0 + want.count]) == want },
                          "\(name): no mov/syscall/ret in \(r.code)")
        }
        XCTAssertNil(VDSOFunctions.replacement(forSymbol: "__vdso_sgx_enter_enclave"))
        XCTAssertEqual(VDSOReplacement.syscall(201).code, [0xb8, 0xc9, 0, 0, 0, 0x0f, 0x05, 0xc3])
    }

    /// This process's vDSO image and where it is.
    private func ownVDSO() throws -> (image: [UInt8], base: UInt64) {
        let auxv = try XCTUnwrap(readBinaryFile("/proc/self/auxv"))
        let base = try XCTUnwrap(stride(from: 0, to: auxv.count - 15, by: 16)
            .first { auxv.loadU64(at: $0) == AuxvType.sysinfoEhdr }.map { auxv.loadU64(at: $0 + 8) })
        let m = try XCTUnwrap(VDSO.mapping(in: try Task(tid: getpid()).mappings()))
        XCTAssertEqual(m.start, base)
        let image = [UInt8](UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(base)),
                                                   count: Int(m.end - m.start)))
        return (image, base)
    }

    func testFindsTheExportedFunctions() throws {
        let (image, base) = try ownVDSO()
        let functions = try VDSOImage(bytes: image, base: base).functions()
        // Each function lies inside the image, its alias at the same address.
        for name in ["__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres"] {
            let f = try XCTUnwrap(functions.first { $0.name == name }, "\(name) not found in \(functions.map(\.name))")
            XCTAssertTrue(f.address >= base && f.address + f.size <= base + UInt64(image.count), name)
            XCTAssertGreaterThanOrEqual(f.size, 8, name)
            let alias = try XCTUnwrap(functions.first { $0.name == String(name.dropFirst(7)) })
            XCTAssertEqual(alias.address, f.address)
        }
    }

    func testFindsOneFrameDescriptionPerFunction() throws {
        let (bytes, base) = try ownVDSO()
        let image = try VDSOImage(bytes: bytes, base: base)
        let starts = Set(try image.functions().map { $0.address - base }).sorted()
        XCTAssertGreaterThanOrEqual(starts.count, 5)
        var all: [Range<Int>] = []
        for s in starts {
            let found = try image.frameInstructions(covering: [s])
            XCTAssertEqual(found.count, 1, "function at offset 0x\(String(s, radix: 16)): \(found)")
            all += found
        }
        XCTAssertEqual(Set(all).count, starts.count, "two functions share an FDE: \(all)")
        XCTAssertEqual(Set(try image.frameInstructions(covering: starts)), Set(all))
        XCTAssertEqual(try image.frameInstructions(covering: [UInt64(bytes.count) + 16]), [])
    }

    func testDamagedImagesAreErrors() throws {
        let (image, base) = try ownVDSO()
        XCTAssertThrowsError(try VDSOImage(bytes: Array(image.prefix(40)), base: base).functions())
        XCTAssertThrowsError(try VDSOImage(bytes: Array(image.prefix(0x200)), base: base).functions())
        var noMagic = image
        noMagic[1] = 0
        XCTAssertThrowsError(try VDSOImage(bytes: noMagic, base: base).functions())
        // Every single byte of the headers, the symbol and frame tables and the section headers set to 0xff: an error or a
        // result, never a trap.
        let shoff = Int(image.loadU64(at: 0x28))
        for i in Array(0..<min(image.count, 0x800)) + Array(shoff..<min(image.count, shoff + 17 * 64)) {
            var damaged = image
            damaged[i] = 0xff
            if let image = try? VDSOImage(bytes: damaged, base: base) {
                _ = try? image.functions()
                _ = try? image.frameInstructions(covering: [0x800, 0xb10])
            }
        }
        // Section headers at the end of the addressable range.
        var far = image
        for i in 0..<8 { far[0x28 + i] = 0xff }
        XCTAssertThrowsError(try VDSOImage(bytes: far, base: base).functions())
    }
}
