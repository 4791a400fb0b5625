// The si_code names are the kernel header's (compiled and printed by gcc from
// <asm-generic/siginfo.h>, each name the header defines), and SignalInfo reads the union member
// the kernel's siginfo_layout() says a code uses (siginfo_t's made here in its layout; the DAP
// tests read recorded ones: a SIGSEGV's address, a kill's sender).
import Foundation
import SwrrTestSupport
import XCTest
@testable import SwrrKernel

final class SignalInfoTests: XCTestCase {
    func testCodeNamesAreTheKernelHeadersValues() throws {
        var names: [(String, Int32)] = SignalCodes.generic.map { ($0.value, $0.key) }
        for (_, codes) in SignalCodes.bySignal { names += codes.map { ($0.value, $0.key) } }
        let checks = names.map { n, _ in "#ifdef \(n)\n    printf(\"\(n) %d\\n\", (int)(\(n)));\n#endif" }
        let dir = try TestDirectory.makeUnique(prefix: "si-codes")
        let source = dir + "/codes.c"
        try ("#include <stdio.h>\n#include <asm-generic/siginfo.h>\nint main(void) {\n" +
             checks.joined(separator: "\n") + "\n    return 0;\n}\n").write(toFile: source, atomically: true, encoding: .utf8)
        let program = try FixtureCompiler.compile(source, flags: ["-O0"])
        let printed = try Subprocess.check([program]).stdoutText.split(separator: "\n").map { $0.split(separator: " ") }
        let values = Dictionary(uniqueKeysWithValues: names)
        for line in printed {
            XCTAssertEqual(Int32(line[1]), values[String(line[0])], String(line[0]))
        }
        // The header of the machine's kernel may lack the newest (SEGV_CPERR: Linux 6.6): most are there.
        XCTAssertGreaterThanOrEqual(printed.count, names.count - 4, "\(printed.count) of \(names.count) checked")
    }

    func testLayoutFollowsTheCode() throws {
        func raw(_ signal: Int32, _ code: Int32, _ words: [UInt32]) -> [UInt8] {
            var b = [UInt8](repeating: 0, count: 128)
            for (i, v) in ([UInt32(bitPattern: signal), 0, UInt32(bitPattern: code), 0] + words).enumerated() {
                withUnsafeBytes(of: v.littleEndian) { b.replaceSubrange(i * 4..<i * 4 + 4, with: $0) }
            }
            return b
        }
        let fault = try XCTUnwrap(SignalInfo(raw: raw(11, 1, [0x5eed0, 0x7f])))
        XCTAssertEqual(fault.faultAddress, 0x7f_0005_eed0)
        XCTAssertNil(fault.senderPid)
        XCTAssertEqual(fault.codeName, "SEGV_MAPERR")
        let kill = try XCTUnwrap(SignalInfo(raw: raw(11, 0, [4242, 1000])))   // kill -SEGV: a sender, no address
        XCTAssertEqual(kill.senderPid, 4242)
        XCTAssertEqual(kill.senderUid, 1000)
        XCTAssertNil(kill.faultAddress)
        XCTAssertEqual(kill.codeName, "SI_USER")
        let tkill = try XCTUnwrap(SignalInfo(raw: raw(10, -6, [7, 0])))
        XCTAssertEqual(tkill.codeName, "SI_TKILL")
        XCTAssertEqual(tkill.senderPid, 7)
        let child = try XCTUnwrap(SignalInfo(raw: raw(17, 1, [99, 0, 3])))
        XCTAssertEqual(child.codeName, "CLD_EXITED")
        XCTAssertEqual(child.childStatus, 3)
        let gp = try XCTUnwrap(SignalInfo(raw: raw(11, 0x80, [1, 2])))   // a general-protection fault
        XCTAssertEqual(gp.codeName, "SI_KERNEL")
        XCTAssertNil(gp.faultAddress)
        XCTAssertNil(gp.senderPid)
        XCTAssertNil(SignalInfo(raw: [UInt8](repeating: 0, count: 127)))
        XCTAssertEqual(SignalCodes.name(99, signal: 11), "si_code 99")
    }
}
