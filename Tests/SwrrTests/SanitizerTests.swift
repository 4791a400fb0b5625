// Programs built with gcc's -fsanitize=address and -fsanitize=leak (Tests/Fixtures/asan_overflow.c),
// and the untraced clone their leak check makes (Tests/Fixtures/clone_untraced.c).
//
// - libasan checks that it is the first library; the preload library comes before it, so swrr
//   adds verify_asan_link_order=0 to ASAN_OPTIONS (PreloadEnvironment.allowingSanitizerLinkOrder).
// - LeakSanitizer's check at exit stops the world: a CLONE_VM | CLONE_FS | CLONE_FILES |
//   CLONE_UNTRACED child PTRACE_ATTACHes the program's threads, waits for them with __WALL, reads
//   their registers with PTRACE_GETREGSET and detaches; the parent waits for it with __WALL.
//   CLONE_UNTRACED kept that child from swrr (unrecorded, spinning, and left running when swrr
//   was killed); the recorder now hides the bit from the kernel (SyscallSpec.clearedAtEntry) and
//   the program's ptrace is emulated as for any debugger.
// Each program is recorded and replayed twice with identical stdout, stderr (the sanitizer's
// report, addresses and pid included) and exit status.
import Foundation
import SwrrTestSupport
import SwrrTracee
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class SanitizerTests: XCTestCase {
    /// Generous: ASan's start maps its shadow and reads /proc, and the machine is shared.
    static let timeout: TimeInterval = 120

    /// asan_overflow.c built with `-fsanitize=SANITIZER` (address or leak). The runtimes come with
    /// Debian's gcc (libasan8, liblsan0): a missing one fails the test, it is not skipped.
    static func sanitized(_ sanitizer: String) throws -> String {
        let lib = sanitizer == "address" ? "libasan.so" : "liblsan.so"
        let found = try Subprocess.check(["gcc", "-print-file-name=\(lib)"]).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(FileManager.default.fileExists(atPath: found),
                      "gcc has no \(lib) (Debian's gcc-12 brings it with libasan8 / liblsan0): \(found)")
        return try FixtureCompiler.compile(Fixture.asanOverflow.source.path,
                                           flags: ["-g", "-O0", "-Wall", "-fsanitize=\(sanitizer)"],
                                           name: "asan_overflow-\(sanitizer)")
    }

    /// Records `program` (expecting `status`), replays it twice identically, and returns the
    /// recording and the program's stderr.
    func roundTrip(_ program: [String], status: Int32, environment: [String: String?] = [:],
                   file: StaticString = #filePath, line: UInt = #line) throws -> (Recording, String) {
        let recording = try record(program, expectedStatus: status, environment: environment,
                                   timeout: Self.timeout, file: file, line: line)
        for _ in 0..<2 {
            try assertReplaysIdentically(recording, timeout: Self.timeout, file: file, line: line)
        }
        return (recording, String(decoding: Swrr.programStderr(recording.result), as: UTF8.self))
    }

    /// `swrr dump` of a trace.
    func dump(_ trace: String) throws -> String {
        let r = try Swrr.run(["dump", trace], timeout: Self.timeout)
        assertClean(r)
        XCTAssertEqual(r.status, 0, "\(r)")
        return r.stdoutText
    }

    /// The leak check happened in the trace: the untraced clone recorded (the child's own events
    /// follow it), and the emulated ptrace of its world stop, `threads` attaches.
    func assertStoppedTheWorld(_ trace: String, threads: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let events = try dump(trace).split(separator: "\n").map(String.init)
        let clone = events.first { $0.contains("clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_UNTRACED,") }
        XCTAssertNotNil(clone, "no untraced clone in the trace", file: file, line: line)
        // "N [PARENT] clone(...) = CHILD": the child's events are in the trace, so it was traced.
        let child = clone.flatMap { $0.split(separator: " ").last }.map { "[\($0)] " } ?? "?"
        let byChild = events.filter { $0.contains(child) }
        for request in ["PTRACE_ATTACH", "PTRACE_GETREGSET", "PTRACE_DETACH"] {
            XCTAssertEqual(byChild.filter { $0.contains("ptrace(\(request),") }.count,
                           request == "PTRACE_GETREGSET" ? 2 * threads : threads,
                           "\(request) by the tracer child \(child):\n\(byChild.joined(separator: "\n"))",
                           file: file, line: line)
        }
        XCTAssertTrue(byChild.contains { $0.contains("exit: exited with status 0") },
                      "the tracer child's end:\n\(byChild.joined(separator: "\n"))", file: file, line: line)
    }

    // MARK: ASAN_OPTIONS

    func testSanitizerLinkOrderOption() {
        let option = "verify_asan_link_order=0"
        // Absent: added.
        XCTAssertEqual(PreloadEnvironment.allowingSanitizerLinkOrder(["A=1", "B=2"]),
                       ["A=1", "B=2", "ASAN_OPTIONS=" + option])
        XCTAssertEqual(PreloadEnvironment.allowingSanitizerLinkOrder([]), ["ASAN_OPTIONS=" + option])
        // Empty: the option alone, in place.
        XCTAssertEqual(PreloadEnvironment.allowingSanitizerLinkOrder(["ASAN_OPTIONS=", "Z=3"]),
                       ["ASAN_OPTIONS=" + option, "Z=3"])
        // Other options kept, in their order, the option after them.
        XCTAssertEqual(PreloadEnvironment.allowingSanitizerLinkOrder(["A=1", "ASAN_OPTIONS=detect_leaks=1:exitcode=9"]),
                       ["A=1", "ASAN_OPTIONS=detect_leaks=1:exitcode=9:" + option])
        // The user's own choice of it stands, either way.
        for own in ["verify_asan_link_order=1", "halt_on_error=0:verify_asan_link_order=0"] {
            XCTAssertEqual(PreloadEnvironment.allowingSanitizerLinkOrder(["ASAN_OPTIONS=" + own]), ["ASAN_OPTIONS=" + own])
        }
        // A variable whose name only begins alike is not ASAN_OPTIONS.
        XCTAssertEqual(PreloadEnvironment.allowingSanitizerLinkOrder(["ASAN_OPTIONS_X=1"]),
                       ["ASAN_OPTIONS_X=1", "ASAN_OPTIONS=" + option])
    }

    // MARK: AddressSanitizer

    /// No argument: nothing wrong; LeakSanitizer's check at exit stops the world, finds no leak,
    /// and the program exits 0 (the recording hung forever before).
    func testCleanExitAfterLeakCheck() throws {
        let exe = try Self.sanitized("address")
        let (recording, stderr) = try roundTrip([exe], status: 0)
        XCTAssertEqual(recording.result.stdoutText, "sum of squares: 14\n")
        XCTAssertEqual(stderr, "")
        try assertStoppedTheWorld(recording.trace, threads: 1)
    }

    /// The overflow: AddressSanitizer's report on stderr, exit status 1.
    func testHeapBufferOverflowReport() throws {
        let exe = try Self.sanitized("address")
        let (recording, stderr) = try roundTrip([exe, "x"], status: 1)
        XCTAssertEqual(recording.result.stdoutText, "sum of squares: 14\n")
        assertContains(stderr, ["ERROR: AddressSanitizer: heap-buffer-overflow on address 0x",
                                "WRITE of size 4 at 0x", " in main ", "asan_overflow.c:",
                                "is located 0 bytes to the right of 40-byte region",
                                "SUMMARY: AddressSanitizer: heap-buffer-overflow "], "ASan's report")
    }

    /// `mode` of asan_overflow built with `-fsanitize=SANITIZER` leaks 33 bytes: LeakSanitizer's
    /// report (its summary names `reporter`), exit status `status`, stdout `stdout`, and the world
    /// stopped with `threads` threads, recorded and replayed identically.
    func checkLeak(_ sanitizer: String, _ mode: String, status: Int32, reporter: String, threads: Int = 1,
                   stdout: String = "sum of squares: 14\n", environment: [String: String?] = [:],
                   file: StaticString = #filePath, line: UInt = #line) throws {
        let exe = try Self.sanitized(sanitizer)
        let (recording, stderr) = try roundTrip([exe, mode], status: status, environment: environment,
                                                file: file, line: line)
        XCTAssertEqual(recording.result.stdoutText, stdout, file: file, line: line)
        assertContains(stderr, ["ERROR: LeakSanitizer: detected memory leaks",
                                "Direct leak of 33 byte(s) in 1 object(s) allocated from:", " in leak ",
                                "SUMMARY: \(reporter): 33 byte(s) leaked in 1 allocation(s)."], "LSan's report",
                       file: file, line: line)
        try assertStoppedTheWorld(recording.trace, threads: threads, file: file, line: line)
    }

    /// A leak under AddressSanitizer: exit status 1 (ASan's exitcode).
    func testLeakReportUnderAddressSanitizer() throws {
        try checkLeak("address", "leak", status: 1, reporter: "AddressSanitizer")
    }

    /// The same without syscall buffering (no preload library, so no ASAN_OPTIONS added).
    func testLeakReportUnbuffered() throws {
        try checkLeak("address", "leak", status: 1, reporter: "AddressSanitizer", environment: ["SWRR_SYSCALLBUF": "0"])
    }

    /// Three threads (two blocked, in a read and a futex wait): each attached, its registers
    /// read, and detached; the leak reported as with one.
    func testLeakReportWithBlockedThreads() throws {
        try checkLeak("address", "threads", status: 1, reporter: "AddressSanitizer", threads: 3,
                      stdout: "sum of squares: 14\ntwo threads blocked\n")
    }

    // MARK: LeakSanitizer alone

    /// -fsanitize=leak: LeakSanitizer's own exit status for a leak, 23; 0 without one.
    func testStandaloneLeakSanitizer() throws {
        try checkLeak("leak", "leak", status: 23, reporter: "LeakSanitizer")
        try checkLeak("leak", "threads", status: 23, reporter: "LeakSanitizer", threads: 3,
                      stdout: "sum of squares: 14\ntwo threads blocked\n")
        let (clean, cleanErr) = try roundTrip([try Self.sanitized("leak")], status: 0)
        XCTAssertEqual(clean.result.stdoutText, "sum of squares: 14\n")
        XCTAssertEqual(cleanErr, "")
        try assertStoppedTheWorld(clean.trace, threads: 1)
    }

    // MARK: CLONE_UNTRACED

    /// A fork-like clone with CLONE_UNTRACED: the child is traced (its write and exit are in the
    /// trace and replay), and both sides find their flags in rdi after the call, as natively.
    func checkUntracedFork(_ variant: Variant) throws {
        let exe = try Fixture.cloneUntraced.executable(variant)
        let (recording, _) = try roundTrip([exe, "fork"], status: 0)
        XCTAssertEqual(recording.result.stdoutText.split(separator: "\n").sorted(), [
            "child: rdi after clone is the flags: yes",
            "parent: rdi after clone is the flags: yes",
            "parent: waitpid = child yes, exited 5",
        ])
        let events = try dump(recording.trace)
        XCTAssertTrue(events.contains("clone(CLONE_UNTRACED|SIGCHLD,"), events)
        XCTAssertTrue(events.contains("exit: exited with status 5"), events)
    }

    func testUntracedForkO0Dynamic() throws { try checkUntracedFork(.o0Dynamic) }
    func testUntracedForkO2Static() throws { try checkUntracedFork(.o2Static) }

    /// LeakSanitizer's kind of clone made directly: CLONE_VM, its own stack, no exit signal, the
    /// parent waiting for it with __WALL.
    func checkUntracedVMChild(_ variant: Variant) throws {
        let exe = try Fixture.cloneUntraced.executable(variant)
        let (recording, _) = try roundTrip([exe, "vm"], status: 0)
        XCTAssertEqual(recording.result.stdoutText,
                       "vm child: running\nparent: waitpid(__WALL) = child yes, exited 9, done 1\n")
        XCTAssertTrue(try dump(recording.trace).contains("exit: exited with status 9"))
    }

    func testUntracedVMChildO0Dynamic() throws { try checkUntracedVMChild(.o0Dynamic) }
    func testUntracedVMChildO2Static() throws { try checkUntracedVMChild(.o2Static) }

    /// swrr killed while an untraced clone's child spins: PTRACE_O_EXITKILL reaches it as it
    /// reaches every traced task, and nothing is left running (before, the child went on
    /// spinning with PPID 1).
    func testUntracedChildDiesWithSwrr() throws {
        let exe = try Fixture.cloneUntraced.executable(.o0Dynamic)
        let trace = try makeTemporaryDirectory("untraced-killed") + "/trace"
        let child = try Subprocess.Child([Swrr.path(), "record", "-o", trace, "--", exe, "spin"])
        let deadline = Date().addingTimeInterval(Self.timeout)
        while Date() < deadline && !String(decoding: child.stdoutSoFar, as: UTF8.self).contains("parent: child spinning\n") {
            usleep(20_000)
        }
        let program = Subprocess.children(of: child.pid).map(\.pid)
        XCTAssertEqual(program.count, 1, "the recorded program under swrr: \(program)")
        let spinner = program.flatMap { Subprocess.children(of: $0).map(\.pid) }
        XCTAssertEqual(spinner.count, 1, "the spinning child of the program: \(spinner)")
        child.kill(SIGKILL)
        let recorded = child.wait(timeout: Self.timeout)
        XCTAssertEqual(recorded.signal, SIGKILL, "\(recorded)")
        XCTAssertTrue(recorded.stdoutText.contains("vm child: running\nparent: child spinning\n"), "\(recorded)")
        for pid in program + spinner {
            let gone = Date().addingTimeInterval(10)
            while Subprocess.isRunning(pid) && Date() < gone { usleep(20_000) }
            XCTAssertFalse(Subprocess.isRunning(pid), "pid \(pid) outlived swrr: \(String(describing: Subprocess.processInfo(pid)))")
        }
        XCTAssertEqual(recorded.leftovers, [], "processes left running after swrr was killed")
    }
}
