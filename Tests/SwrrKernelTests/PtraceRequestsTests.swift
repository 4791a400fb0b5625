// The table of ptrace requests the program may make (PtraceRequests.swift): numbers against the
// kernel's headers, and what the ptrace spec's output rule makes of each request.
import Foundation
import XCTest
@testable import SwrrKernel

final class PtraceRequestsTests: XCTestCase {
    /// `#define PTRACE_NAME value` of the uapi headers: hex, decimal, or `(1 << N)` with N a
    /// number or an earlier name.
    func headerRequests() throws -> [String: UInt64] {
        var found: [String: UInt64] = [:]
        for path in ["/usr/include/linux/ptrace.h", "/usr/include/x86_64-linux-gnu/asm/ptrace-abi.h"] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard f.count >= 3, f[0] == "#define", f[1].hasPrefix("PTRACE_") else { continue }
                let value = f[2...].joined().filter { $0 != "(" && $0 != ")" }
                func number(_ s: Substring) -> UInt64? {
                    s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : UInt64(s) ?? found[String(s)]
                }
                let shift = value.components(separatedBy: "<<")
                let v = shift.count == 2 ? number(Substring(shift[1])).map { (number(Substring(shift[0])) ?? 0) << $0 }
                    : number(Substring(value))
                if let v { found[String(f[1])] = v }
            }
        }
        return found
    }

    /// Every request the headers define is in the table under its number (glibc's PEEKUSER and
    /// POKEUSER are the headers' PEEKUSR and POKEUSR); flags, events and option bits are not
    /// requests.
    func testNumbersMatchTheKernelHeaders() throws {
        let header = try headerRequests()
        XCTAssertGreaterThan(header.count, 30)
        let notRequests = ["PTRACE_O_", "PTRACE_EVENT", "PTRACE_SYSCALL_INFO_", "PTRACE_PEEKSIGINFO_SHARED"]
        for (name, number) in header where !notRequests.contains(where: { name.hasPrefix($0) }) {
            let tableName = name.replacingOccurrences(of: "USR", with: "USER")
            XCTAssertEqual(PtraceRequests.request(number)?.name, tableName, "\(name) = \(number)")
        }
        for r in PtraceRequests.all {
            if let n = header[r.name] ?? header[r.name.replacingOccurrences(of: "USER", with: "USR")] {
                XCTAssertEqual(n, r.number, r.name)
            }
        }
        XCTAssertEqual(PtraceRequests.all.count, Set(PtraceRequests.all.map(\.number)).count, "a number twice")
        for (bit, name) in PtraceRequests.optionNames { XCTAssertEqual(header[name], bit, name) }
    }

    /// The ptrace spec's outputs: what each emulated request writes at `data`, nothing for a
    /// refused one; its arguments show the request by name.
    func testOutputsByRequest() throws {
        let spec = try XCTUnwrap(SyscallTable.spec(101))
        XCTAssertEqual(spec.name, "ptrace")
        XCTAssertEqual(spec.args.first, .ptraceRequest)
        XCTAssertEqual(spec.replay, .ptrace)
        XCTAssertEqual(spec.record, .emulatePtrace)
        func out(_ request: UInt64) throws -> [MemoryRange] {
            try SyscallOutputs.ranges(for: spec, args: [request, 42, 0x1000, 0x2000, 0, 0], result: 0) { _, _ in nil }
        }
        XCTAssertEqual(try out(PtraceRequests.peekData), [MemoryRange(address: 0x2000, length: 8)])
        XCTAssertEqual(try out(PtraceRequests.peekUser), [MemoryRange(address: 0x2000, length: 8)])
        XCTAssertEqual(try out(PtraceRequests.getRegs), [MemoryRange(address: 0x2000, length: 216)])
        XCTAssertEqual(try out(PtraceRequests.getFPRegs), [MemoryRange(address: 0x2000, length: 512)])
        XCTAssertEqual(try out(PtraceRequests.getSiginfo), [MemoryRange(address: 0x2000, length: 128)])
        XCTAssertEqual(try out(PtraceRequests.getEventMsg), [MemoryRange(address: 0x2000, length: 8)])
        XCTAssertEqual(try out(PtraceRequests.pokeData), [])
        XCTAssertEqual(try out(PtraceRequests.setRegs), [])
        XCTAssertEqual(try out(0x420a), [], "GETSIGMASK is refused: it wrote nothing")
        // GETREGSET: the iovec's iov_len as the call left it (here 0x200 bytes at 0x5000).
        let iovec: [UInt8] = [0x00, 0x50, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0, 0, 0, 0, 0, 0]
        let regset = try SyscallOutputs.ranges(for: spec, args: [PtraceRequests.getRegSet, 42, 1, 0x2000, 0, 0],
                                               result: 0) { a, n in a == 0x2000 && n == 16 ? iovec : nil }
        XCTAssertEqual(regset, [MemoryRange(address: 0x2008, length: 8), MemoryRange(address: 0x5000, length: 0x200)])
        XCTAssertEqual(PtraceRequests.request(PtraceRequests.setRegSet)?.effect, .setsRegisterSet)
        XCTAssertEqual(try out(0x9999), [])
        XCTAssertEqual(PtraceRequests.name(0x420a), "PTRACE_GETSIGMASK")
        XCTAssertEqual(PtraceRequests.name(0x9999), "ptrace request 0x9999")
        XCTAssertEqual(PtraceRequests.optionList(0x2 | 0x40 | 0x800_0000), "PTRACE_O_TRACEFORK|PTRACE_O_TRACEEXIT|0x8000000")
        XCTAssertEqual(PtraceRequests.request(PtraceRequests.pokeUser)?.effect, .writesUserArea)
        XCTAssertEqual(PtraceRequests.request(PtraceRequests.setFPRegs)?.effect, .setsFPRegisters)
    }
}
