// The long tail of syscalls (issue 14, SwrrKernel/SystemSyscalls.swift, the SysV and POSIX
// message calls of IPCSyscalls.swift) on Tests/Fixtures/tail_syscalls.c: recorded with
// syscall buffering on and off, each recording replayed twice with identical output; the calls'
// recorded results are the ones the kernel gave (or swrr's refusals: splice to swrr's stdout,
// bpf), and `swrr dump` shows each call with its arguments.
import Foundation
import SwrrTestSupport
import XCTest

final class TailSyscallTests: XCTestCase {
    /// What the recording must have printed, whatever the run: results the kernel gives every time.
    static let expectedLines = [
        "clock_settime(MONOTONIC): result=-1 errno=22",
        "splice(file->pipe): result=32 errno=0", "  off=40", "tee: result=32 errno=0",
        "vmsplice(pipe->memory): result=32 errno=0", "  same=1",
        // swrr's stdout: refused, where the kernel would have moved the bytes past replay's echo.
        "splice(->stdout): result=-1 errno=22",
        "pidfd_send_signal(0): result=0 errno=0", "kcmp(file 0, file 0): result=0 errno=0",
        "process_vm_readv: result=16 errno=0", "process_vm_writev: result=16 errno=0", "  child status=7 revents=17",
        "get_robust_list: result=0 errno=0", "  len=24 head_set=1",
        "mlock: result=0 errno=0", "munlock: result=0 errno=0", "mlockall(CURRENT): result=0 errno=0",
        "munlockall: result=0 errno=0",
        "sync: result=0 errno=0", "syncfs: result=0 errno=0", "sync_file_range: result=0 errno=0",
        "setxattr(again, CREATE): result=-1 errno=17",
        "read(openat2): result=8 errno=0", "openat2(symlink, NO_SYMLINKS): result=-1 errno=40",
        "sched_getscheduler: result=3 errno=0", "sched_get_priority_max(FIFO): result=99 errno=0",
        "sched_get_priority_min(FIFO): result=1 errno=0", "  size=56 policy=0 nice=0",
        "inotify_rm_watch: result=0 errno=0", "read(inotify): result=48 errno=0",
        "acct(missing): result=-1 errno=2", "quotactl(GETFMT, missing): result=-1 errno=2",
        "sysfs(name of 0): result=0 errno=0",
        // Not run: EPERM, as for an unprivileged process.
        "bpf(MAP_CREATE): result=-1 errno=1",
        "_sysctl: result=-1 errno=38", "lookup_dcookie: result=-1 errno=38", "uselib: result=-1 errno=38",
        // swrr's call numbers from the program: ENOSYS, no buffer registered, no divergence.
        "syscall(1000): result=-1 errno=38", "syscall(1001): result=-1 errno=38", "syscall(1002): result=-1 errno=38",
        "syscall(1003): result=-1 errno=38", "syscall(1004): result=-1 errno=38",
        "semop(+3): result=0 errno=0", "semtimedop(wait 1 ms): result=-1 errno=11", "semctl(IPC_STAT): result=0 errno=0",
        "semctl(SETALL): result=0 errno=0", "semctl(GETALL): result=0 errno=0",
        "msgsnd: result=0 errno=0", "msgrcv(empty, NOWAIT): result=-1 errno=42", "msgrcv: result=11 errno=0",
        "mq_timedsend: result=0 errno=0", "mq_timedreceive: result=9 errno=0", "  maxmsg=4 msgsize=64 curmsgs=1",
        "mq_notify(NONE): result=0 errno=0", "mq_unlink: result=0 errno=0",
        // mq_notify's SIGUSR1 (si_code SI_MESGQ, the registered value) came, and came back on replay.
        "mq_notify(SIGUSR1): result=0 errno=0", "  notified code=-3 value_same=1",
        "modify_ldt(write): result=0 errno=0",
        // epoll_pwait2 with a timeout (expired, then ready) and a mask that lets a pending
        // SIGUSR2 in: its handler ran once, the call failed with EINTR.
        "epoll_pwait2(nothing, 5 ms): result=0 errno=0", "epoll_pwait2(ready): result=1 errno=0",
        "  events=1 data=5157", "epoll_pwait2(SIGUSR2 let in): result=-1 errno=4", "  usr2_seen=1 token_same=1",
        // Another process's limit (a random value the child reads back), the raw setrlimit.
        "prlimit64(child, NOFILE): result=0 errno=0", "setrlimit(STACK, 4 MiB): result=0 errno=0",
        "setrlimit(NOFILE, same): result=0 errno=0", "  stack=4194304", "setrlimit(STACK, back): result=0 errno=0",
        // Older interfaces and file handles (the handle and the text read through it are the
        // random file's), memory advice about a process, futex_waitv, and AIO/io_uring refused
        // with ENOSYS (natively EINVAL for these arguments: failed either way).
        "getdents: result=1 errno=0", "  found=1", "readahead: result=0 errno=0", "futimesat: result=0 errno=0",
        "  mtime_same=1", "name_to_handle_at(0 bytes): result=-1 errno=75", "  needed=1",
        "name_to_handle_at: result=0 errno=0", "  mount_id_set=1", "open_by_handle_at: result=0 errno=0",
        "process_madvise(COLD): ok=1", "process_mrelease(alive): result=-1 errno=22",
        "move_pages(query): result=0 errno=0", "migrate_pages: ok=1",
        "futex_waitv(differs): result=-1 errno=11", "futex_waitv(2 ms): result=-1 errno=110",
        "io_setup, io_uring_setup: failed=1",
        "done",
    ]

    func checkTailSyscalls(_ variant: Variant, buffering: Bool) throws {
        let exe = try Fixture.tailSyscalls.executable(variant)
        let work = try makeTemporaryDirectory("tail")
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        let recording = try assertRoundTrip([exe, work], expectedStatus: 0, environment: env)
        let out = recording.result.stdoutText
        assertPrinted(Self.expectedLines, in: out)
        // The inotify event names the file created under a random name, which the replays printed too.
        XCTAssertEqual(lines(startingWith: "  mask=100 name=created-", in: out).count, 1, out)
        // The child read back the random RLIMIT_NOFILE its parent gave it.
        let set = lines(startingWith: "  previous_same=1 set=", in: out).map { $0.dropFirst("  previous_same=1 set=".count) }
        XCTAssertEqual(set.count, 1, out)
        XCTAssertEqual(lines(startingWith: "  child nofile=", in: out).map { $0.dropFirst("  child nofile=".count) }, set, out)
        // process_vm_writev's random bytes reached the child, on replay too (the child prints them
        // from its own memory).
        let sent = lines(startingWith: "  sent=", in: out).map { $0.dropFirst("  sent=".count) }
        XCTAssertEqual(sent.count, 1, out)
        XCTAssertEqual(lines(startingWith: "  child got=", in: out).map { $0.dropFirst("  child got=".count) }, sent, out)
        // GETALL wrote the two values SETALL set (random), not the third unsigned short after them.
        let all = lines(startingWith: "  all=", in: out)
        XCTAssertEqual(all.count, 1, out)
        XCTAssertTrue(all.first?.hasSuffix(",65535 same=1") ?? false, out)
        // The file reopened through its handle is the one written (its random name's token).
        XCTAssertEqual(lines(startingWith: "  read=17 text=content ", in: out).count, 1, out)
        // The key was read back with the random payload it was added with.
        XCTAssertEqual(lines(startingWith: "keyctl(READ): result=16 errno=0", in: out).count, 1, out)

        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        for call in ["clock_adjtime(", "splice(", "tee(", "vmsplice(", "pidfd_open(", "pidfd_getfd(", "process_vm_readv(", "process_vm_writev(", "epoll_pwait2(", "setrlimit(", "prlimit64(",
                     "kcmp(", "mlock2(", "get_mempolicy(", "sync_file_range(", "fsetxattr(", "openat2(", "lremovexattr(",
                     "sched_getattr(", "sched_rr_get_interval(", "ioprio_get(", "inotify_add_watch(", "fanotify_init(",
                     "add_key(\"user\"", "keyctl(", "request_key(", "quotactl(", "syslog(", "sysfs(", "bpf(", "_sysctl(",
                     "semctl(", "semtimedop(", "msgrcv(", "msgctl(", "mq_open(", "mq_timedreceive(", "mq_getsetattr(",
                     "landlock_restrict_self(", "modify_ldt(", "ioperm(", "acct(\"/nonexistent/swrr-acct\")",
                     "getdents(", "readahead(", "futimesat(", "name_to_handle_at(", "open_by_handle_at(", "ustat(",
                     "process_madvise(", "process_mrelease(", "move_pages(", "migrate_pages(", "futex_waitv(",
                     "io_setup(", "io_uring_setup("] {
            XCTAssertTrue(dump.stdoutText.contains(call), "dump lacks \(call.debugDescription)")
        }
        XCTAssertTrue(dump.stdoutText.contains("bpf(0, "), "bpf's command is shown")
        XCTAssertTrue(dump.stdoutText.contains("io_uring_setup(0, 0x0) = -1 ENOSYS"), "io_uring is refused with ENOSYS")
        XCTAssertTrue(dump.stdoutText.contains(", 0x800) = -1 ENOMSG"), "msgrcv's IPC_NOWAIT failure is named")
    }

    func testTailSyscallsO0DynamicBuffered() throws { try checkTailSyscalls(.o0Dynamic, buffering: true) }
    func testTailSyscallsO0DynamicUnbuffered() throws { try checkTailSyscalls(.o0Dynamic, buffering: false) }
    func testTailSyscallsO2StaticBuffered() throws { try checkTailSyscalls(.o2Static, buffering: true) }
    func testTailSyscallsO2StaticUnbuffered() throws { try checkTailSyscalls(.o2Static, buffering: false) }

    /// The fixture's values change from run to run natively, so identical replays prove something.
    func testFixtureOutputDiffersNatively() throws {
        try assertNativeRunsDiffer(.tailSyscalls, ["  time=", "  serial=", "  payload=", "  value=", "  content=", "  mask=100 name=", "  text=mq ", "  read=17 text=content "])
    }
}

extension XCTestCase {
    /// Asserts that `out` has each of `expected` as a whole line.
    func assertPrinted(_ expected: [String], in out: String, file: StaticString = #filePath, line: UInt = #line) {
        let printed = Set(out.split(separator: "\n").map(String.init))
        for e in expected where !printed.contains(e) {
            XCTFail("the recording lacks \(e.debugDescription):\n\(out)", file: file, line: line)
        }
    }

    /// Runs `fixture` (O0, dynamic) twice natively in a fresh directory and asserts that the lines
    /// starting with each of `prefixes` exist and differ between the runs.
    func assertNativeRunsDiffer(_ fixture: Fixture, _ prefixes: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let exe = try fixture.executable(.o0Dynamic)
        let work = try makeTemporaryDirectory("native")
        let a = try Subprocess.run([exe, work]), b = try Subprocess.run([exe, work])
        XCTAssertEqual(a.status, 0, "\(a)", file: file, line: line)
        XCTAssertEqual(b.status, 0, "\(b)", file: file, line: line)
        for prefix in prefixes {
            let x = lines(startingWith: prefix, in: a.stdoutText), y = lines(startingWith: prefix, in: b.stdoutText)
            XCTAssertFalse(x.isEmpty, "no \(prefix) line: \(a.stdoutText)", file: file, line: line)
            XCTAssertNotEqual(x, y, "two native runs printed the same \(prefix) lines", file: file, line: line)
        }
    }
}
