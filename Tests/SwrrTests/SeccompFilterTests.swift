// Seccomp filters installed by the recorded program (issue 14, Tests/Fixtures/seccomp_filters.c):
// the filters act as natively (ERRNO, TRAP to a SIGSYS handler with the kernel's siginfo, a
// thread and a process killed by SIGSYS, per-thread filters, TSYNC, inheritance), recorded and
// replayed identically with syscall buffering on and off; the program itself killed by SIGSYS
// (TRAP without a handler, KILL_PROCESS, KILL_THREAD of its only thread); `swrr dump` shows what
// the filters did;
// strict mode and a filter with a computed action are refused by name.
import Foundation
import SwrrTestSupport
import XCTest

final class SeccompFilterTests: XCTestCase {
    /// What a native run prints after its token. getppid is a call the preload library buffers:
    /// the filter's EPERM must reach the program all the same. Thread B and the main thread have
    /// both filters: getpgid's TRAP (older filter) wins over EACCES (newer), as natively. With
    /// buffering, swrr's own filter sets no_new_privs and seccomp mode 2 in every task: the
    /// program must still see 0 and 0 at the start, and EACCES for an unprivileged filter
    /// without no_new_privs (the tests run as root: the child gives up its capabilities).
    static let expected = """
        at the start: PR_GET_NO_NEW_PRIVS = 0, PR_GET_SECCOMP = 0
        probe strict mode with flags 1 = -1 (Invalid argument)
        probe NEW_LISTENER with no filter = -1 (Bad address)
        GET_ACTION_AVAIL(KILL_PROCESS) = 0
        GET_NOTIF_SIZES = 0: 80 24 64
        unprivileged child: setuid(65534) = 0
        unprivileged child: filter without no_new_privs = -1 (Permission denied)
        unprivileged child: probe with no filter = -1 (Bad address)
        unprivileged child: with no_new_privs = 0, PR_GET_NO_NEW_PRIVS = 1, PR_GET_SECCOMP = 2
        PR_SET_NO_NEW_PRIVS = 0
        seccomp(SET_MODE_FILTER, TSYNC) = 0
        prctl(PR_SET_SECCOMP, FILTER) = 0
        PR_GET_SECCOMP = 2, PR_GET_NO_NEW_PRIVS = 1
        filters as written: yes
        thread A: getppid = -1 (Operation not permitted)
          SIGSYS: signal 31 code 1 syscall 121 errno 77 arch 0xc000003e, rax 121
        thread A: getpgid = 1077
        thread A: getpriority ran (Success)
        thread B: getppid = -1 (Operation not permitted)
          SIGSYS: signal 31 code 1 syscall 121 errno 77 arch 0xc000003e, rax 121
        thread B: getpgid = 1077
        thread B: getpriority failed (Permission denied)
        main: getppid = -1 (Operation not permitted)
          SIGSYS: signal 31 code 1 syscall 121 errno 77 arch 0xc000003e, rax 121
        main: getpgid = 1077
        main: getpriority failed (Permission denied)
        main: process_vm_writev = -1 (Read-only file system)
        thread C joined
        child: killed by signal 31
        child with SIGSYS blocked: killed by signal 31

        """

    func checkFilters(_ variant: Variant, buffering: Bool) throws {
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        XCTAssertEqual(try tokenRoundTrip(.seccompFilters, "filters", variant, environment: env), Self.expected)
    }

    func testFiltersO0DynamicBuffered() throws { try checkFilters(.o0Dynamic, buffering: true) }
    func testFiltersO0DynamicUnbuffered() throws { try checkFilters(.o0Dynamic, buffering: false) }
    func testFiltersO2StaticBuffered() throws { try checkFilters(.o2Static, buffering: true) }
    func testFiltersO2StaticUnbuffered() throws { try checkFilters(.o2Static, buffering: false) }

    /// The program itself dies by SIGSYS: swrr record and replay both exit with 159, with its output
    /// up to there.
    func checkSelfDeath(_ variant: Variant, buffering: Bool) throws {
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        for (mode, line) in [("trap-default", "getpgid with SIGSYS at SIG_DFL"),
                             ("kill-process", "getsid with a thread waiting in read"),
                             ("kill-thread", "personality in the only thread")] {
            XCTAssertEqual(try tokenRoundTrip(.seccompFilters, mode, variant, status: 159, environment: env),
                           "filter = 0\n\(line)\n", mode)
        }
    }

    func testProgramKilledByItsFilterO0DynamicBuffered() throws { try checkSelfDeath(.o0Dynamic, buffering: true) }
    func testProgramKilledByItsFilterO2StaticUnbuffered() throws { try checkSelfDeath(.o2Static, buffering: false) }

    /// Filters stay across exec; one that kills syscall numbers from 1000 up (none natively) lets
    /// swrr's own calls through (its preload library registers its buffer after the exec).
    func checkExec(_ variant: Variant, buffering: Bool) throws {
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        XCTAssertEqual(try tokenRoundTrip(.seccompFilters, "exec", variant, environment: env), """
            filters = 0 0
            after exec: getppid = -1 (Operation not permitted), PR_GET_SECCOMP = 2
            after exec: read over 1000 bytes

            """)
    }

    func testFiltersAcrossExecO0DynamicBuffered() throws { try checkExec(.o0Dynamic, buffering: true) }
    func testFiltersAcrossExecO2StaticUnbuffered() throws { try checkExec(.o2Static, buffering: false) }

    /// The preload library's own calls (kcmp, perf_event_open for its desched event) are not the
    /// program's: its filter killing them must not kill it (it did, status 159, before they were
    /// told apart), and the write to a copy of stdout is still echoed on replay.
    func checkLibraryCalls(_ variant: Variant, buffering: Bool) throws {
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        XCTAssertEqual(try tokenRoundTrip(.seccompFilters, "library", variant, environment: env), """
            filter = 0
            file read in full, pipe read 5, fstat -1 (Permission denied)
            written to a copy of stdout

            """)
    }

    func testLibraryCallsPassTheFilterO0DynamicBuffered() throws { try checkLibraryCalls(.o0Dynamic, buffering: true) }
    func testLibraryCallsPassTheFilterO0DynamicUnbuffered() throws { try checkLibraryCalls(.o0Dynamic, buffering: false) }

    /// Each thread's filtered calls are in the trace with what the filter did (none of them ran).
    func testDumpShowsWhatTheFiltersDid() throws {
        let exe = try Fixture.seccompFilters.executable(.o0Dynamic)
        let recording = try record([exe, "filters"], expectedStatus: 0)
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        let text = dump.stdoutText
        func count(_ s: String) -> Int { text.components(separatedBy: s).count - 1 }
        XCTAssertEqual(count("seccomp(1, 0x1, 0x"), 1, "the TSYNC filter's installation")
        XCTAssertEqual(count("seccomp(1, 0x0, 0x"), 2, "the unprivileged child's two")
        XCTAssertEqual(count("seccomp(0, 0x1, 0x0) = -1 EINVAL"), 1, "libseccomp's probe of the syscall")
        XCTAssertEqual(count("seccomp(1, 0x8, 0x0) = -1 EFAULT"), 1, "libseccomp's probe of a flag")
        XCTAssertEqual(count("seccomp(3, 0x0, 0x"), 1, text)
        XCTAssertEqual(count("prctl(22, 0x2, 0x"), 1, "the prctl filter's installation")
        XCTAssertEqual(count("getppid() = -1 EPERM [program's seccomp filter: not run]"), 3, text)
        XCTAssertEqual(count("getpgid(0) = 121 [program's seccomp filter: SIGSYS, not run]"), 3, text)
        XCTAssertEqual(count("signal SIGSYS code 1 after a syscall"), 3, text)
        XCTAssertEqual(count("getpriority(0, 0) = -1 EACCES [program's seccomp filter: not run]"), 2, text)
        XCTAssertEqual(count("personality(0xffffffff) = ? [program's seccomp filter: thread killed by SIGSYS]"), 1, text)
        XCTAssertEqual(count("getsid(0) = ? [program's seccomp filter: process killed by SIGSYS]"), 1, text)
        XCTAssertEqual(count("getpgid(0) = ? [program's seccomp filter: process killed by SIGSYS]"), 1, text)
        XCTAssertEqual(count("exit: killed by SIGSYS"), 3, text)
    }

    /// Refused before the kernel runs them, naming what: the program prints nothing after its token.
    func checkRefused(_ mode: String, names: String) throws {
        let exe = try Fixture.seccompFilters.executable(.o0Dynamic)
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record([exe, mode], to: trace)
        assertClean(r)
        XCTAssertEqual(r.status, 69, "\(r)")
        let stopped = r.stderrLines.first { $0.hasPrefix("swrr: recording stopped") } ?? ""
        XCTAssertTrue(stopped.contains(names), "\(r)")
        XCTAssertEqual(lines(startingWith: "token ", in: r.stdoutText).count, 1, r.stdoutText)
        XCTAssertEqual(r.stdoutText.split(separator: "\n").count, 1, r.stdoutText)
    }

    func testStrictModeIsRefused() throws {
        try checkRefused("strict", names: "PR_SET_SECCOMP with SECCOMP_MODE_STRICT")
    }

    func testComputedActionIsRefused() throws {
        try checkRefused("computed", names: "instruction 1 returns a computed action (BPF_RET|BPF_A)")
    }
}
