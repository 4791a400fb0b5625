// Process trees (issue 3): fork and wait with several exit codes, 100 forks, fork + exec of a shell
// pipeline, a child killed by SIGSEGV, vfork + exec, a socketpair ping-pong between two processes
// and epoll on a pipe between parent and child (Tests/Fixtures/processes.c). Each is recorded and
// replayed twice, every replay byte-identical to the recording with the same exit status, in a
// dynamic -O0 and a static -O2 build. Where the output cannot depend on the schedule, the
// recording must also print what a native run prints.
import Foundation
import XCTest

final class ProcessTests: XCTestCase {
    // MARK: fork + wait with several exit codes

    @discardableResult
    func checkExitCodes(_ variant: Variant, arguments: [String] = ["exit-codes"], file: StaticString = #filePath,
                        line: UInt = #line) throws -> String {
        let recording = try timedRoundTrip(.processes, arguments, variant, expectedStatus: 3, file: file, line: line)
        let out = recording.result.stdoutText
        for (i, code) in [0, 1, 7, 42, 255].enumerated() {
            assertContains(out, ["child \(i): exiting with \(code)\n", "child \(i): exited with \(code)\n"],
                           file: file, line: line)
        }
        // The five children reaped by wait4(-1) in whatever order the recording saw.
        let reaped = lines(startingWith: "wait4: child ", in: out)
        XCTAssertEqual(reaped.sorted(), (0..<5).map { "wait4: child \($0) exited with \(10 + $0)" },
                       "wait4 lines: \(out)", file: file, line: line)
        assertContains(out, ["sum 60, wait with no children = -1 errno ECHILD\n"], file: file, line: line)
        return out
    }

    func testExitCodesO0Dynamic() throws { try checkExitCodes(.o0Dynamic) }
    func testExitCodesO2Static() throws { try checkExitCodes(.o2Static) }

    /// Children exiting while the parent forks more of them: their SIGCHLDs and exits land at
    /// schedule-dependent points, so each recording is different. Ten recordings, each replayed.
    func testExitCodesTenRecordings() throws {
        for _ in 0..<10 { try checkExitCodes(.o0Dynamic) }
    }

    /// The same from a parent with 512 MiB of memory filled: each fork copies its page tables,
    /// so the parent is still inside fork() (for longer than the recorder's blocking threshold)
    /// when the child starts running.
    func checkBigForks(_ variant: Variant) throws {
        let out = try checkExitCodes(variant, arguments: ["big-forks", "512"])
        assertContains(out, ["512 MiB still filled: yes\n"])
    }

    func testForksOfALargeProcessO0Dynamic() throws { try checkBigForks(.o0Dynamic) }
    func testForksOfALargeProcessO2Static() throws { try checkBigForks(.o2Static) }

    // MARK: 100 forks

    func checkHundredForks(_ variant: Variant) throws {
        let recording = try timedRoundTrip(.processes, ["forks", "100"], variant)
        let out = recording.result.stdoutText
        XCTAssertEqual(Set(lines(startingWith: "child ", in: out)), Set((0..<100).map { "child \($0) running" }),
                       "every child prints once: \(out)")
        XCTAssertEqual(lines(startingWith: "reaped child ", in: out), (0..<100).map { "reaped child \($0): \($0)" })
        assertContains(out, ["100 children, 0 with a wrong status\n"])
    }

    func testHundredForksO0Dynamic() throws { try checkHundredForks(.o0Dynamic) }
    func testHundredForksO2Static() throws { try checkHundredForks(.o2Static) }

    // MARK: exec of /bin/sh -c 'ls / | sort | head -3'

    func checkExecShell(_ variant: Variant) throws {
        let native = try nativeOutput([try Fixture.processes.executable(variant), "exec-sh"])
        let recording = try timedRoundTrip(.processes, ["exec-sh"], variant)
        assertSameAsNative(recording, native)
        let out = recording.result.stdoutText.split(separator: "\n")
        XCTAssertEqual(out.count, 5, "the parent's line, three names, the status: \(out)")
        XCTAssertEqual(out.last, "sh: exited with 0")
    }

    func testExecShellPipelineO0Dynamic() throws { try checkExecShell(.o0Dynamic) }
    func testExecShellPipelineO2Static() throws { try checkExecShell(.o2Static) }

    // MARK: a child killed by SIGSEGV

    func checkChildSegv(_ variant: Variant) throws {
        let native = try nativeOutput([try Fixture.processes.executable(variant), "child-segv"])
        let recording = try timedRoundTrip(.processes, ["child-segv"], variant)
        assertSameAsNative(recording, native)
        assertContains(recording.result.stdoutText, ["child about to fault\n", "WIFSIGNALED 1 WTERMSIG 11 (SEGV)\n"])
    }

    func testChildKilledBySegvO0Dynamic() throws { try checkChildSegv(.o0Dynamic) }
    func testChildKilledBySegvO2Static() throws { try checkChildSegv(.o2Static) }

    // MARK: vfork + exec

    func checkVforkExec(_ variant: Variant) throws {
        let native = try nativeOutput([try Fixture.processes.executable(variant), "vfork-exec"])
        let recording = try timedRoundTrip(.processes, ["vfork-exec"], variant)
        assertSameAsNative(recording, native)
        XCTAssertEqual(recording.result.stdoutText,
                       "before vfork\nhello from /bin/echo after vfork\necho: exited with 0\n")
    }

    func testVforkExecO0Dynamic() throws { try checkVforkExec(.o0Dynamic) }
    func testVforkExecO2Static() throws { try checkVforkExec(.o2Static) }

    // MARK: socketpair ping-pong

    func checkPingPong(_ variant: Variant, rounds: Int) throws {
        let exe = try Fixture.processes.executable(variant)
        let native = try nativeOutput([exe, "socketpair", String(rounds)])
        let recording = try timedRoundTrip(.processes, ["socketpair", String(rounds)], variant)
        assertSameAsNative(recording, native)
        assertContains(recording.result.stdoutText, [
            "child served \(rounds) round trips\n", "child: exited with 0\n",
            "final \(1000 + 2 * rounds) after \(rounds) round trips\n",
        ])
    }

    func testSocketpairPingPongO0Dynamic() throws { try checkPingPong(.o0Dynamic, rounds: 500) }
    func testSocketpairPingPongO2Static() throws { try checkPingPong(.o2Static, rounds: 200) }

    // MARK: epoll on a pipe between parent and child

    func checkEpoll(_ variant: Variant) throws {
        let recording = try timedRoundTrip(.processes, ["epoll"], variant)
        let out = recording.result.stdoutText
        let all = lines(startingWith: "all after ", in: out)
        XCTAssertEqual(all.count, 1, out)
        XCTAssertTrue(all.first?.hasSuffix(": message 0;message 1;message 2;message 3;message 4;") ?? false, out)
        assertContains(out, ["writer: exited with 0\n", "end of pipe"])
        XCTAssertGreaterThanOrEqual(lines(startingWith: "read ", in: out).count, 1, out)
    }

    func testEpollOnPipeO0Dynamic() throws { try checkEpoll(.o0Dynamic) }
    func testEpollOnPipeO2Static() throws { try checkEpoll(.o2Static) }

    // MARK: SysV shared memory between parent and child

    func checkSysvShm(_ variant: Variant) throws {
        let exe = try Fixture.processes.executable(variant)
        let native = try nativeOutput([exe, "sysv-shm"], expectedStatus: 4)
        let recording = try timedRoundTrip(.processes, ["sysv-shm"], variant, expectedStatus: 4)
        assertSameAsNative(recording, native)
        assertContains(recording.result.stdoutText, [
            "child status 0; p[999] 499600 p[1500] 7 sum 166766507; size 12388, attachments 1\n",
            "attached again read-only: p[999] 499600\n", "IPC_RMID 0\n",
        ])
    }

    func testSysvSharedMemoryO0Dynamic() throws { try checkSysvShm(.o0Dynamic) }
    func testSysvSharedMemoryO2Static() throws { try checkSysvShm(.o2Static) }
}
