// The preload library (C) and swrr (Swift) agree on the syscall buffer: the stub page, the call
// numbers, the byte layout, and, for every call the library buffers, which bytes the kernel writes
// (the library's output rules against SyscallTable's).
import Foundation
import SwrrKernel
import XCTest

final class SyscallBufferLayoutTests: XCTestCase {
    func testTheLibraryAndSwrrAgree() throws {
        let source = Fixture.packageRoot.appendingPathComponent("Tests/Fixtures/syscallbuf_layout.c")
        let exe = try Fixture.compile(source: source, name: "syscallbuf_layout", variant: .o0Dynamic)
        let r = try Subprocess.run([exe])
        XCTAssertEqual(r.status, 0, "\(r)")
        var values: [String: [String]] = [:]
        var rules: [(number: Int, key: Int, outputs: [(arg: Int, maxArg: Int, size: Int)])] = []
        for line in r.stdoutText.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            if f[0] == "rule" {
                rules.append((Int(f[1])!, Int(f[2])!, f.dropFirst(3).map {
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
        XCTAssertEqual(values["buffer_size"], ["\(L.bufferSize)"])
        XCTAssertEqual(values["patch_answer"], ["\(L.patchAnswer)"])
        XCTAssertEqual(values["header_size"], ["\(L.headerSize)"])
        XCTAssertEqual(values["used"], ["\(L.usedOffset)", "limit", "\(L.limitOffset)", "locked", "\(L.lockedOffset)",
                                        "armed", "\(L.armedOffset)", "classes", "\(L.classesOffset)"])
        XCTAssertEqual(values["record_size"], ["\(L.recordHeaderSize)"])
        XCTAssertEqual(values["calls"], ["\(L.registerBufferCall)", "\(L.bufferMismatchCall)", "\(L.fdClassCall)",
                                         "\(L.pathClassCall)"])
        XCTAssertGreaterThan(rules.count, 15)

        // For each buffered call, the same memory as the recorder would read without buffering.
        let args: [UInt64] = [0x1000, 0x2000, 100, 0x4000, 0x5000, 0x6000]
        for rule in rules {
            let spec = try XCTUnwrap(SyscallTable.spec(rule.number), "no spec for \(rule.number)")
            var a = args
            if rule.key >= 0 { a[1] = UInt64(rule.key) }   // the ioctl request or fcntl command
            for result: Int64 in [7, -2] {
                let swift = try SyscallOutputs.ranges(for: spec, args: a, result: result) { _, _ in nil }
                let c: [MemoryRange] = result < 0 ? [] : rule.outputs.map {
                    MemoryRange(address: a[$0.arg], length: $0.size == 0 ? min(Int(result), Int(a[$0.maxArg])) : $0.size)
                }
                XCTAssertEqual(c, swift, "\(spec.name) (key \(rule.key)) with result \(result)")
            }
        }
    }
}
