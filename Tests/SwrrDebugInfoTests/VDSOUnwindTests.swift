// A stop inside the patched vDSO (where a static program's time syscalls now stop) unwinds to
// its caller: the patch leaves the replaced functions' frame descriptions with the CIE's rule
// (CFA = rsp+8) instead of the old code's (clock_gettime's says CFA = rbp+16 from its second
// instruction, which would skip the caller and name main).
import SwrrDebugInfo
import SwrrTracee
import XCTest

final class VDSOUnwindTests: XCTestCase {
    func testBacktraceFromThePatchedClockGettime() throws {
        let exe = try Fixtures.build("../vdso.c", flags: ["-O0", "-static"])
        let p = try LiveProcess(exe, args: ["time"])
        let patched = try VDSO.patch(task: p.task)
        let f = try XCTUnwrap(patched.first { $0.name == "__vdso_clock_gettime" })
        try p.runToFunction("times")
        // The syscall instruction, after `mov $228, %eax`.
        try p.run(to: f.address + 5)
        // A fresh address space: it reads the vDSO image (patched now) from the task.
        let space = AddressSpace(mappings: try p.task.mappings(), target: p.task)
        let frames = try space.backtrace(p.task).frames
        XCTAssertGreaterThanOrEqual(frames.count, 3, "\(frames)")
        XCTAssertEqual(frames.first?.module, "[vdso]", "\(frames)")
        XCTAssertEqual(frames.dropFirst().first?.function, "times", "\(frames)")
        XCTAssertEqual(frames.dropFirst(2).first?.function, "main", "\(frames)")
    }
}
