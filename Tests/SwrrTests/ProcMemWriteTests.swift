// Writes into a recorded task's memory through /proc/PID/mem (SwrrRecord/MemFileWrites.swift,
// Tests/Fixtures/proc_mem.c): a parent writes random values into its child with pwrite64,
// pwritev, lseek and write, into a read-only page, reads a value the child drew with pread64, and
// writes its own memory through /proc/self/mem. Replay emulates those calls and repeats their
// bytes in the replayed task; the child prints whether each value landed. gdb, recorded, places
// its breakpoints that way: its replay must stop its tracee where the recording did.
import Foundation
import SwrrTestSupport
import XCTest

extension ProgramPtraceTests {
    static let procMemWritten = """
        pwrite64 = 8
        pwritev = 16
        lseek is the address: yes
        write = 8
        pwrite64 to a read-only page = 8
        pread64 = 8
        pwrite64 of it back = 8
        pwrite64 to /proc/self/mem = 8
        own variable written: yes
        child: pwrite64 landed: yes
        child: pwritev landed: yes yes
        child: lseek + write landed: yes
        child: read-only page written: yes
        child: the parent read my secret: yes
        child exited 0

        """

    /// Buffered (the preload library classifies the descriptor as procfs's and leaves the writes
    /// recorded syscalls; the pread64 stays buffered).
    func testProcMemWritesBuffered() throws {
        XCTAssertEqual(try tokenRoundTrip(.procMem, "write", .o0Dynamic), Self.procMemWritten)
    }

    func testProcMemWritesUnbuffered() throws {
        XCTAssertEqual(try tokenRoundTrip(.procMem, "write", .o0Dynamic, environment: ["SWRR_SYSCALLBUF": "0"]),
                       Self.procMemWritten)
    }

    func testProcMemWritesO2Static() throws {
        XCTAssertEqual(try tokenRoundTrip(.procMem, "write", .o2Static), Self.procMemWritten)
    }

    /// `gdb -batch -ex run -ex bt` of a program that dies of SIGSEGV: gdb (13.1 here) writes its
    /// internal breakpoints (the dynamic linker's, and one at the entry) into the tracee with
    /// pwrite64 on /proc/PID/mem, and its own memory through /proc/self/mem. Recorded, it prints
    /// what it prints natively; replayed, twice, the same (a breakpoint missing from the replayed
    /// tracee diverged at the first stop gdb expected there).
    func checkGDBOfACrash(_ environment: [String: String?]) throws {
        let segv = try Fixture.segv.executable(.o0Dynamic)
        let program = ["/usr/bin/gdb", "-nx", "-batch", "-ex", "run", "-ex", "bt", segv]
        let native = try Subprocess.run(program)
        XCTAssertEqual(native.status, 0, "\(native)")
        let source = Fixture.segv.source.path
        let expected = """
            about to dereference NULL

            Program received signal SIGSEGV, Segmentation fault.
            main () at \(source):9
            9\t    *p = 1;
            #0  main () at \(source):9

            """
        XCTAssertTrue(native.stdoutText.hasSuffix(expected), native.stdoutText)
        let recording = try timedRoundTrip(program, label: "gdb run bt segv", environment: environment)
        XCTAssertEqual(recording.result.stdoutText, native.stdoutText)
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        // gdb's breakpoints into its tracee, and writes into itself: both kept.
        let written = dump.stdoutText.split(separator: "\n").filter { $0.contains("pwrite64(") && $0.contains("[memory of task ") }
        XCTAssertGreaterThanOrEqual(written.count, 2, dump.stdoutText)
    }

    func testGDBOfACrashBuffered() throws { try checkGDBOfACrash([:]) }
    func testGDBOfACrashUnbuffered() throws { try checkGDBOfACrash(["SWRR_SYSCALLBUF": "0"]) }
}
