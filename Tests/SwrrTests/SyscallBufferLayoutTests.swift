// The preload library (C) and swrr (Swift) agree on the syscall buffer: the stub page, the call
// numbers, the byte layout, and, for every call the library buffers, which bytes the kernel writes
// (the library's output rules against SyscallTable's).
import Foundation
import SwrrKernel
import SwrrTestSupport
import XCTest

final class SyscallBufferLayoutTests: XCTestCase {
    func testTheLibraryAndSwrrAgree() throws {
        let source = Fixture.packageRoot.appendingPathComponent("Tests/Fixtures/syscallbuf_layout.c")
        let exe = try Fixture.compile(source: source, name: "syscallbuf_layout", variant: .o0Dynamic)
        let r = try Subprocess.run([exe])
        XCTAssertEqual(r.status, 0, "\(r)")
        var values: [String: [String]] = [:]
        var rules: [(number: Int, key: Int, keyArg: Int, outputs: [(arg: Int, maxArg: Int, size: Int)])] = []
        for line in r.stdoutText.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            if f[0] == "rule" {
                rules.append((Int(f[1])!, Int(f[2])!, Int(f[3])!, f.dropFirst(4).map {
                    let p = $0.split(separator: ":").map { Int($0)! }
                    return (p[0], p[1], p[2])
                }))
            } else {
                values[f[0]] = Array(f.dropFirst())
            }
        }
        typealias L = SyscallBufferLayout
        XCTAssertEqual(values["stub_page"], ["\(L.stubPage)"])
        XCTAssertEqual(values["untraced_end"], ["\(L.untracedSyscallEnd)"])
        XCTAssertEqual(values["mode"], ["\(L.modeOffset)"])
        XCTAssertEqual(values["call_end"], ["\(L.swrrCallEnd)"])
        XCTAssertEqual(values["mapped_files"], ["\(L.mappedFilesOffset)", "\(L.mappedFilesBits)",
                                                "\(L.mappedFileBit(device: 0x10302, inode: 1234567))",
                                                "\(L.mappedFileBit(device: ~0, inode: ~0))"])
        XCTAssertEqual(values["own_marker"], [String(decoding: L.ownSyscallSignature.dropFirst(), as: UTF8.self)])
        XCTAssertEqual(values["own_tag"], ["\(L.ownUntracedTag)"])
        XCTAssertEqual(values["buffer_size"], ["\(L.bufferSize)"])
        XCTAssertEqual(values["patch_answer"], ["\(L.patchAnswer)"])
        XCTAssertEqual(values["header_size"], ["\(L.headerSize)"])
        XCTAssertEqual(values["used"], ["\(L.usedOffset)", "limit", "\(L.limitOffset)", "locked", "\(L.lockedOffset)",
                                        "armed", "\(L.armedOffset)", "classes", "\(L.classesOffset)",
                                        "shared", "\(L.sharedOffset)"])
        XCTAssertEqual(values["record_size"], ["\(L.recordHeaderSize)"])
        XCTAssertEqual(values["calls"], ["\(L.registerBufferCall)", "\(L.bufferMismatchCall)", "\(L.fdClassCall)",
                                         "\(L.pathClassCall)"])
        // patch_libc's word-at-a-time search finds the sites a byte-by-byte one does (443 in
        // glibc 2.36's text).
        let sites = try XCTUnwrap(values["libc_sites"]).compactMap { Int($0) }
        XCTAssertEqual(sites.count, 2)
        XCTAssertEqual(sites.first, sites.last)
        XCTAssertGreaterThan(sites.first ?? 0, 400)
        XCTAssertGreaterThan(rules.count, 15)
        // The library finds a number's rules from its first one on: they must be adjacent.
        var seen: Set<Int> = []
        for (i, rule) in rules.enumerated() where i == 0 || rules[i - 1].number != rule.number {
            XCTAssertTrue(seen.insert(rule.number).inserted, "the rules of \(rule.number) are not adjacent")
        }

        // For each buffered call, the same memory as the recorder would read without buffering.
        let args: [UInt64] = [0x1000, 0x2000, 100, 0x4000, 0x5000, 0x6000]
        for rule in rules {
            let spec = try XCTUnwrap(SyscallTable.spec(rule.number), "no spec for \(rule.number)")
            var a = args
            // The ioctl request, fcntl command, futex operation, or a zero timeout or address;
            // -2 (NULL_KEY): a NULL pointer (the query forms of rt_sigaction, prlimit64...).
            if rule.key >= 0 { a[rule.keyArg] = UInt64(rule.key) } else if rule.key == -2 { a[rule.keyArg] = 0 }
            if rule.outputs.contains(where: { $0.size == 0xFFFF }) {
                // Scattered over iovecs: the same rule, not the same ranges (they need the array).
                XCTAssertEqual(spec.outputs, rule.outputs.map { OutputRule.iovecs(arg: $0.arg, countArg: $0.maxArg) },
                               spec.name)
                continue
            }
            // A socket address (SOCKLEN): its length word holds 16 after the call (the kernel's
            // sockaddr_in), the program's buffer was a sockaddr_storage (128) before it.
            let addressLength: UInt32 = 16
            for result: Int64 in [7, -2] {
                let sockaddr = rule.outputs.contains { $0.size == 0xC000 }
                let swift = try SyscallOutputs.ranges(for: spec, args: a, result: result) { _, count in
                    sockaddr && count == 4 ? withUnsafeBytes(of: addressLength.littleEndian) { Array($0) } : nil
                }
                let c: [MemoryRange] = result < 0 ? [] : rule.outputs.map {
                    let max = Int(a[$0.maxArg]), unit = $0.size & 0x3FFF
                    switch $0.size & 0xC000 {
                    case 0x4000: return MemoryRange(address: a[$0.arg], length: max * unit)     // ARG_UNITS
                    case 0x8000: return MemoryRange(address: a[$0.arg], length: min(Int(result), max) * unit) // RESULT_UNITS
                    case 0xC000: return MemoryRange(address: a[$0.arg], length: min(128, Int(addressLength))) // SOCKLEN
                    default:
                        return MemoryRange(address: a[$0.arg], length: $0.size == 0 ? min(Int(result), max) : $0.size)
                    }
                }
                XCTAssertEqual(c.sorted { $0.address < $1.address }, swift.sorted { $0.address < $1.address },
                               "\(spec.name) (key \(rule.key)) with result \(result)")
            }
        }
    }
}
