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
        let functions = try VDSO.functions(image: image, base: base)
        // Each function lies inside the image, its alias at the same address.
        for name in ["__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres"] {
            let f = try XCTUnwrap(functions.first { $0.name == name }, "\(name) not found in \(functions.map(\.name))")
            XCTAssertTrue(f.address >= base && f.address + f.size <= base + UInt64(image.count), name)
            XCTAssertGreaterThanOrEqual(f.size, 8, name)
            let alias = try XCTUnwrap(functions.first { $0.name == String(name.dropFirst(7)) })
            XCTAssertEqual(alias.address, f.address)
        }
    }

    func testDamagedImagesAreErrors() throws {
        let (image, base) = try ownVDSO()
        XCTAssertThrowsError(try VDSO.functions(image: Array(image.prefix(40)), base: base))
        XCTAssertThrowsError(try VDSO.functions(image: Array(image.prefix(0x200)), base: base))
        var noMagic = image
        noMagic[1] = 0
        XCTAssertThrowsError(try VDSO.functions(image: noMagic, base: base))
        // Every single byte of the headers, the symbol table and the section headers set to 0xff: an error or a
        // result, never a trap.
        let shoff = Int(image.loadU64(at: 0x28))
        for i in Array(0..<min(image.count, 0x400)) + Array(shoff..<min(image.count, shoff + 17 * 64)) {
            var damaged = image
            damaged[i] = 0xff
            _ = try? VDSO.functions(image: damaged, base: base)
        }
        // Section headers at the end of the addressable range.
        var far = image
        for i in 0..<8 { far[0x28 + i] = 0xff }
        XCTAssertThrowsError(try VDSO.functions(image: far, base: base))
    }
}
