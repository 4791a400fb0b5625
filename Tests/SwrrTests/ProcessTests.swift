// Process trees (issue 3): fork and wait with several exit codes, 100 forks, fork + exec of a shell
// pipeline, a child killed by SIGSEGV, vfork + exec, a socketpair ping-pong between two processes
// and epoll on a pipe between parent and child, process groups and sessions, signals between
// processes, a child subreaper reaping an orphan with waitid, execveat, core-dumping deaths,
// TCP over loopback, SCM_RIGHTS and eventfd (Tests/Fixtures/processes.c). Each is recorded and
// replayed twice, every replay byte-identical to the recording with the same exit status, in a
// dynamic -O0 and a static -O2 build. Where the output cannot depend on the schedule, the
// recording must also print what a native run prints.
import Foundation
import SwrrTestSupport
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
        // swrr dump names the segment each shmat attached (not the map_files path it was read from).
        let dump = try Swrr.run(["dump", recording.trace]).stdoutText
        let attaches = dump.split(separator: "\n").filter { $0.contains("shmat(") }
        XCTAssertGreaterThanOrEqual(attaches.count, 3, dump)
        for line in attaches where !line.contains(" = -1 ") {
            XCTAssertTrue(line.contains("[SysV segment ") && line.contains(", kept in the trace]"), String(line))
            XCTAssertFalse(line.contains("map_files"), String(line))
        }
    }

    func testSysvSharedMemoryO0Dynamic() throws { try checkSysvShm(.o0Dynamic) }
    func testSysvSharedMemoryO2Static() throws { try checkSysvShm(.o2Static) }

    // MARK: process groups and sessions

    func checkGroups(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["groups"], variant), """
            child a: setsid is its pid: yes, getsid(0) too: yes, getpgid(0) too: yes
            child a: setpgid as session leader = -1 errno EPERM
            child a: exited with 0
            parent: setpgid(b, b) = 0, getpgid(b) is b: yes, parent's group unchanged: yes
            child b: in its own group: yes, same session as the parent: yes
            parent: kill(-b, SIGTERM) = 0
            child b: killed by signal 15
            group b after its only member was reaped: kill = -1 errno ESRCH

            """)
    }

    func testProcessGroupsAndSessionsO0Dynamic() throws { try checkGroups(.o0Dynamic) }
    func testProcessGroupsAndSessionsO2Static() throws { try checkGroups(.o2Static) }

    // MARK: kill and tgkill between recorded processes

    func checkKill(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["kill"], variant), """
            child: SIGUSR1 1 time(s) from the parent: yes, SIGUSR2 1 time(s)
            parent: kill(child, SIGUSR1) = 0, tgkill(child, child, SIGUSR2) = 0
            parent: kill(child, SIGTERM) = 0
            child: killed by signal 15

            """)
    }

    func testKillBetweenProcessesO0Dynamic() throws { try checkKill(.o0Dynamic) }
    func testKillBetweenProcessesO2Static() throws { try checkKill(.o2Static) }

    // MARK: prctl, a subreaper, an orphan with PR_SET_PDEATHSIG, waitid

    func checkSubreaper(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["subreaper"], variant), """
            PR_SET_NAME = 0
            PR_GET_NAME: swrr-reaper
            PR_SET_CHILD_SUBREAPER = 0
            PR_GET_CHILD_SUBREAPER: 1
            child: exiting, leaving its child behind
            grandchild: PR_GET_PDEATHSIG 10, got it 1 time(s), reparented to the subreaper: yes
            waitid(child): pid matches yes, code CLD_EXITED yes, status 4
            waitid(P_ALL): the grandchild: yes, code CLD_EXITED yes, status 5
            waitid with no children = -1 errno ECHILD

            """)
    }

    func testSubreaperReapsAnOrphanO0Dynamic() throws { try checkSubreaper(.o0Dynamic) }
    func testSubreaperReapsAnOrphanO2Static() throws { try checkSubreaper(.o2Static) }

    // MARK: execveat

    func checkExecveat(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["execveat"], variant),
                       "execveat relative to /bin\necho: exited with 0\nexecveat of an O_PATH fd\necho: exited with 0\n")
    }

    func testExecveatO0Dynamic() throws { try checkExecveat(.o0Dynamic) }
    func testExecveatO2Static() throws { try checkExecveat(.o2Static) }

    // MARK: core-dumping deaths

    /// Whether the SIGSEGV child's core is written depends on core_pattern (the same for the
    /// native run and the recording); replay must end every process as recorded either way, and
    /// exit as the program did (131: SIGQUIT).
    func checkCore(_ variant: Variant) throws {
        let out = try deterministicRoundTrip(.processes, ["core"], variant, expectedStatus: 131)
        assertContains(out, ["ABRT: status 0x6, WIFSIGNALED 1 WTERMSIG 6 WCOREDUMP 0\n",
                             "QUIT: status 0x3, WIFSIGNALED 1 WTERMSIG 3 WCOREDUMP 0\n",
                             "SEGV: status 0x", "now dying of SIGQUIT\n"])
    }

    func testCoreDumpingDeathsO0Dynamic() throws { try checkCore(.o0Dynamic) }
    func testCoreDumpingDeathsO2Static() throws { try checkCore(.o2Static) }

    // MARK: TCP over loopback

    func checkInet(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["inet"], variant), """
            listening on 127.0.0.1, a port was chosen: yes, length 16
            server: accepted from 127.0.0.1, same as getpeername: yes, SO_TYPE stream: yes, SO_REUSEADDR 1
            server: got "ping over tcp"
            client: peer is the server: yes, got "pong over tcp"
            client: exited with 0

            """)
    }

    func testLoopbackTcpO0Dynamic() throws { try checkInet(.o0Dynamic) }
    func testLoopbackTcpO2Static() throws { try checkInet(.o2Static) }

    // MARK: SCM_RIGHTS

    func checkScmRights(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["scm-rights"], variant), """
            child: byte 'x', a descriptor arrived, read through it: "sent by the parent"
            parent: sendmsg = 1
            child: exited with 0

            """)
    }

    func testScmRightsO0Dynamic() throws { try checkScmRights(.o0Dynamic) }
    func testScmRightsO2Static() throws { try checkScmRights(.o2Static) }

    // MARK: eventfd

    func checkEventfd(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.processes, ["eventfd"], variant), """
            counter: 12
            semaphore read 0: 8 value 1 errno 0
            semaphore read 1: 8 value 1 errno 0
            semaphore read 2: -1 value 0 errno EAGAIN
            written by the child: 42
            child: exited with 0

            """)
    }

    func testEventfdO0Dynamic() throws { try checkEventfd(.o0Dynamic) }
    func testEventfdO2Static() throws { try checkEventfd(.o2Static) }
}
