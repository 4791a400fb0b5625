// gdb's watchpoints and the writes of syscalls (SwrrReplay/SyscallWrites.swift), on
// Tests/Fixtures/dap/syscall_writes.c recorded without syscall buffering: `value` filled by
// read() (1111), stored (2222), filled by read() again (3333). `watch -l value` stops at each
// of them forward (a `watch:` stop reply at a read's exit) and backwards (at a read's entry,
// where gdb sees the old value: it reports a watchpoint only when the value changed).
import SwrrTestSupport
import XCTest

final class GDBSyscallWriteTests: XCTestCase {
    func testWatchStopsAtTheReadsBothWays() throws {
        _ = try GDBFixture.recording(source: FixtureCompiler.fixtures + "/dap/syscall_writes.c", name: "syscall_writes",
                                     status: 0)
        let out = try GDBFixture.batch(["break main", "continue", "delete", "watch -l value",
                                        "continue", "bt 2", "continue", "continue", "bt 2", "continue",
                                        "reverse-continue", "bt 2", "reverse-continue", "reverse-continue", "bt 2",
                                        "reverse-continue", "print (long) value"],
                                       fixture: "syscall_writes", status: 0)
        let text = try String(contentsOfFile: FixtureCompiler.fixtures + "/dap/syscall_writes.c", encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        func line(_ marker: String) -> Int { (lines.firstIndex { $0.hasSuffix("L:" + marker) } ?? -2) + 1 }
        let changes = out.components(separatedBy: "\n").filter { $0.hasPrefix("Old value = ") || $0.hasPrefix("New value = ") }
        XCTAssertEqual(changes, ["Old value = 0", "New value = 1111", "Old value = 1111", "New value = 2222",
                                 "Old value = 2222", "New value = 3333",
                                 "Old value = 3333", "New value = 2222", "Old value = 2222", "New value = 1111",
                                 "Old value = 1111", "New value = 0"], out)
        // The reads' stops are in libc's read, called from their lines; the store's after it.
        let callers = out.components(separatedBy: "\n").filter { $0.hasPrefix("#1 ") && $0.contains(" in main () at ") }
            .map { $0.components(separatedBy: ":").last ?? "" }
        XCTAssertEqual(callers, ["\(line("read1"))", "\(line("read2"))", "\(line("read2"))", "\(line("read1"))"], out)
        XCTAssertTrue(out.contains("syscall_writes.c:\(line("store") + 1)\n"), "forward, after the store: \(out)")
        XCTAssertTrue(out.contains("syscall_writes.c:\(line("store"))\n\(line("store"))\t"), "backwards, before it: \(out)")
        XCTAssertTrue(out.contains("No more reverse-execution history."), out)
        XCTAssertTrue(out.contains("$1 = 0\n"), out)
    }
}
