// Syscall buffering (issue 7), end to end: programs whose syscalls the preload library records
// without a ptrace stop replay exactly; a statically linked program, which cannot load the
// library, still records (every syscall stopped); a signal that arrives during buffered calls is
// delivered at a point replay finds again. These recordings force buffering on
// (SWRR_SYSCALLBUF=1) or off (`swrr record -n`) whatever the default is.
import Foundation
import SwrrTestSupport
import XCTest

final class SyscallBufferTests: XCTestCase {
    static let buffered: [String: String?] = ["SWRR_SYSCALLBUF": "1"]

    /// `swrr dump` of a trace: (event lines, buffered records).
    func dumpCounts(_ trace: String) throws -> (events: Int, buffered: Int) {
        let out = try Swrr.run(["dump", trace]).stdoutText.split(separator: "\n")
        let events = out.filter { $0.first?.isNumber ?? false }.count
        let buffered = out.filter { $0.hasPrefix("    ") }.count
        return (events, buffered)
    }

    /// `swrr dump` of a trace: how many buffered records each call name has.
    func bufferedCounts(_ trace: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in try Swrr.run(["dump", trace]).stdoutText.split(separator: "\n") where line.hasPrefix("    ") {
            if let paren = line.firstIndex(of: "(") { counts[String(line.dropFirst(4)[..<paren]), default: 0] += 1 }
        }
        return counts
    }

    func testOneByteReadsAndOtherBufferedCallsReplayExactly() throws {
        let exe = try Fixture.bufferedIO.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("bio")], expectedStatus: 0,
                                      environment: Self.buffered)
        XCTAssertTrue(rec.result.stdoutText.contains("1-byte reads: 4096, checksum 14011927123343671296"), rec.result.stdoutText)
        XCTAssertTrue(rec.result.stdoutText.contains("syscall(SYS_read) on a bad fd: -1 errno 9"), rec.result.stdoutText)
        XCTAssertTrue(rec.result.stdoutText.contains("close: 0, again: -1"), rec.result.stdoutText)
        XCTAssertTrue(rec.result.stdoutText.contains("reused descriptor 3: same number, file read 3 bytes, fifo read 0"),
                      rec.result.stdoutText)
        let counts = try dumpCounts(rec.trace)
        // 4096 reads went through the buffer, not one event each.
        XCTAssertGreaterThan(counts.buffered, 4096, "buffered records")
        XCTAssertLessThan(counts.events, 200, "events")
        // The descriptor's class was checked once for all of them (the library remembers it within
        // a stretch of buffered calls), and again when its number named a FIFO after the close.
        let dump = try Swrr.run(["dump", rec.trace]).stdoutText.split(separator: "\n").map(String.init)
        let classes = dump.filter { $0.hasPrefix("    swrr_fd_class(3)") }
        XCTAssertLessThan(classes.count, 10, classes.joined(separator: "\n"))
        // After mkfifo: the file's class, its 3 reads, the close, the FIFO's class, its read.
        let reuse = dump.drop { !$0.contains("mknod") }.compactMap { line -> String? in
            if line.hasPrefix("    read(3, ") { return "read(3)" }
            return line.hasPrefix("    swrr_fd_class(3)") || line.hasPrefix("    close(3)")
                ? line.trimmingCharacters(in: .whitespaces) : nil
        }
        XCTAssertEqual(reuse, ["swrr_fd_class(3) = cannot block", "read(3)", "read(3)", "read(3)", "close(3) = 0",
                               "swrr_fd_class(3) = may block", "read(3)", "close(3) = 0"], dump.joined(separator: "\n"))
    }

    /// readv/writev, poll and epoll_wait with a zero timeout, futex wakes, F_DUPFD_CLOEXEC,
    /// socket, send/recv: buffered, and what the program got comes back on replay.
    func testMoreBufferedCallsReplayExactly() throws {
        let exe = try Fixture.bufferedCalls.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("calls")], expectedStatus: 0,
                                      environment: Self.buffered)
        XCTAssertEqual(rec.result.stdoutText, """
            writev 16, readv 16: 'alp' 'ha-bet' 'a-gamma'
            200 one-byte readvs: same bytes
            F_DUPFD_CLOEXEC: 100 or above, close-on-exec 1, pread through it 1 'b'
            poll before sending: 1 ready, revents 0 0x4
            send 4; poll: 2 ready, revents 0x1 0x4
            epoll_wait: 1 ready, events 0x1 data 0x1234
            recv 4 'ping'
            epoll_wait after recv: 0 ready
            sendto 5, recvfrom 3 + 2 'pong!'
            socket: a descriptor
            futex wakes: 0 0

            """)
        let counts = try bufferedCounts(rec.trace)
        func buffered(_ name: String) -> Int { counts[name] ?? 0 }
        XCTAssertEqual(buffered("writev"), 1)
        XCTAssertEqual(buffered("readv"), 201)
        XCTAssertEqual(buffered("poll"), 2)
        XCTAssertEqual(buffered("epoll_wait"), 2)
        XCTAssertEqual(buffered("futex"), 2)
        XCTAssertEqual(buffered("socket"), 1)
        XCTAssertEqual(buffered("sendto"), 2)     // send is sendto without an address
        XCTAssertEqual(buffered("recvfrom"), 3)   // recv is recvfrom without one
        XCTAssertEqual(buffered("fcntl"), 2)      // F_DUPFD_CLOEXEC and F_GETFD
    }

    /// Writes to copies of stdout and stderr (dup, F_DUPFD) stay recorded syscalls, as writes to
    /// descriptors 1 and 2 do, so replay echoes them too (the library's classification tells
    /// them apart with kcmp).
    func testWritesToCopiesOfStdoutAndStderrAreEchoedOnReplay() throws {
        let exe = try Fixture.bufferedCalls.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, "dup-output"], expectedStatus: 0, environment: Self.buffered)
        XCTAssertEqual(rec.result.stdoutText, (0..<50).map { "\($0 % 2 == 1 ? "copy of stdout" : "stdout") \($0)\n" }.joined())
        XCTAssertEqual(String(decoding: Swrr.programStderr(rec.result), as: UTF8.self),
                       (0..<50).map { "\($0 % 2 == 1 ? "copy of stderr" : "stderr") \($0)\n" }.joined())
        let dump = try Swrr.run(["dump", rec.trace]).stdoutText
        XCTAssertTrue(dump.contains(" block, a copy of stdout or stderr"), dump)
    }

    func testWithoutBufferingEverySyscallIsAnEvent() throws {
        let exe = try Fixture.bufferedIO.executable(.o2Dynamic)
        let trace = try makeTemporaryDirectory("trace") + "/trace"
        let r = try Swrr.run(["record", "-n", "-o", trace, "--", exe, try makeTemporaryDirectory("bio")],
                             environment: Self.buffered)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdoutText.contains("1-byte reads: 4096, checksum 14011927123343671296"), r.stdoutText)
        let counts = try dumpCounts(trace)
        XCTAssertEqual(counts.buffered, 0)
        XCTAssertGreaterThan(counts.events, 4096)
        try assertReplaysIdentically(Recording(trace: trace, result: r))
    }

    /// fopen/fprintf/readdir/fgetc make their syscalls from inside libc: they are buffered because
    /// the library patched libc's syscall instructions, and replay (which patches the same way)
    /// gives the program the same bytes.
    func testLibcInternalSyscallsAreBuffered() throws {
        let exe = try Fixture.stdioFiles.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("stdio"), "300"], expectedStatus: 0,
                                      environment: Self.buffered)
        XCTAssertTrue(rec.result.stdoutText.hasPrefix("300 files listed, byte sum "), rec.result.stdoutText)
        let counts = try dumpCounts(rec.trace)
        // 300 files written and read: openat, write, read, close, fstat... at least 1,800 calls.
        XCTAssertGreaterThan(counts.buffered, 1800)
        XCTAssertLessThan(counts.events, 200, "events")
    }

    /// A static program never loads the preload library: every syscall still stops the program
    /// (as a seccomp stop) and is recorded.
    func testAStaticProgramRecordsWithoutTheLibrary() throws {
        let exe = try Fixture.bufferedIO.executable(.o2Static)
        let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("bio")], expectedStatus: 0,
                                      environment: Self.buffered)
        XCTAssertTrue(rec.result.stdoutText.contains("1-byte reads: 4096, checksum 14011927123343671296"))
        let counts = try dumpCounts(rec.trace)
        XCTAssertEqual(counts.buffered, 0)
        XCTAssertGreaterThan(counts.events, 4096)
    }

    /// SIGALRM every millisecond during nothing but buffered calls: each is delivered after an
    /// ordinary syscall the library is made to make, and replay runs the handler at the same
    /// iterations.
    func testSignalsArrivingDuringBufferedCalls() throws {
        let exe = try Fixture.bufferedSignals.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, exe], expectedStatus: 0, environment: Self.buffered)
        XCTAssertEqual(lines(startingWith: "handler ", in: rec.result.stdoutText).count, 5, rec.result.stdoutText)
        XCTAssertGreaterThan(try dumpCounts(rec.trace).buffered, 100)
    }

    /// A buffered read of an empty pipe blocks; SIGALRM interrupts it: without SA_RESTART the read
    /// fails with EINTR, with it the read is restarted and returns what the handler wrote.
    func testASignalInterruptsABlockingBufferedRead() throws {
        let exe = try Fixture.bufferedSignals.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, "interrupt"], expectedStatus: 0, environment: Self.buffered)
        XCTAssertEqual(rec.result.stdoutText, "read without SA_RESTART: -1 (EINTR), handler ran 1 time(s)\n"
                       + "read with SA_RESTART: 1 'x', handler ran 2 time(s)\n")
    }

    /// 8 threads × 10,000 writes to one pipe and a reader thread: writes and reads block (the
    /// pipe fills and empties), the order of the messages is the recorded schedule.
    func testEightWritersAndAReaderOnAPipe() throws {
        let exe = try Fixture.bufferedThreads.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, "pipe", "8", "10000"], expectedStatus: 0, replays: 1,
                                      environment: Self.buffered)
        XCTAssertTrue(rec.result.stdoutText.hasPrefix("read 80000 messages from 8 threads"), rec.result.stdoutText)
    }

    /// What cp -a does per file (fsetxattr, flistxattr twice, fgetxattr twice) and a server per
    /// connection (accept4, getsockname, getpeername, setsockopt, epoll_ctl) is buffered: the same
    /// output recorded with and without buffering, each replayed identically, and the calls are
    /// records instead of events. The xattrs are user.* ones on a file of the test's directory
    /// (ext4 or tmpfs keep them: a filesystem without them fails the exact output). getsockname,
    /// getpeername and accept4 with a length pointer into an unmapped page fail with EFAULT, as
    /// natively (the library read the length itself and the program died of SIGSEGV).
    func testXattrAndServerCallsAreBufferedAndReplayExactly() throws {
        let exe = try Fixture.bufferedServerCalls.executable(.o2Dynamic)
        let expected = """
            20 rounds of fsetxattr, flistxattr x2, fgetxattr x2: list checksum 2196125841136908102
            listxattr 32, llistxattr 32, names: user.k0 user.k1 user.k2 user.k3
            getxattr into 3 bytes: -1 Numerical result out of range, buffer '....'
            getxattr 1 'p', lgetxattr 2 'lp'
            removexattr 0 0 0; fgetxattr after: -1 No data available
            fsetxattr XATTR_CREATE of an existing name: -1 File exists
            20 connections: addresses agree 20, options set 20, epoll ready 20
            getpeername into 4 bytes: 0, length 16, family 2, bytes 4-7 aaaaaaaa
            epoll_ctl DEL of a descriptor not in the set: -1 No such file or directory
            epoll_wait that waits: 1 ready, data 0x4c, child 0
            accept4 that waits: a descriptor, length 16, child 0
            a length in an unmapped page: getsockname -1 Bad address, getpeername -1 Bad address, accept4 -1 Bad address

            """
        let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("xattr"), "20"], expectedStatus: 0,
                                      environment: Self.buffered)
        XCTAssertEqual(rec.result.stdoutText, expected)
        let counts = try bufferedCounts(rec.trace)
        func buffered(_ name: String) -> Int { counts[name] ?? 0 }
        XCTAssertEqual(buffered("fsetxattr"), 21)
        XCTAssertEqual(buffered("flistxattr"), 40)
        XCTAssertEqual(buffered("fgetxattr"), 41)
        XCTAssertEqual(["listxattr", "llistxattr", "lgetxattr", "setxattr", "lsetxattr", "removexattr", "lremovexattr",
                        "fremovexattr"].map(buffered), [1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(buffered("getxattr"), 2)
        XCTAssertEqual(buffered("getsockname"), 41)
        XCTAssertEqual(buffered("getpeername"), 21)
        XCTAssertEqual(buffered("setsockopt"), 40)
        XCTAssertEqual(buffered("epoll_ctl"), 63)
        // accept4 is armed with the desched event: any switch away during it (the last one waits
        // for a child's connection; under load, a preemption) makes it an ordinary syscall
        // (measured at load 6: 20 of 23 buffered once).
        XCTAssertGreaterThanOrEqual(buffered("accept4"), 12)
        XCTAssertLessThanOrEqual(buffered("accept4"), 23)
        // The epoll_wait with a timeout is armed too: buffered unless the child's connection is
        // not there yet (it blocks, and the desched event makes it an ordinary syscall).
        XCTAssertGreaterThanOrEqual(buffered("epoll_wait"), 20)
        XCTAssertLessThanOrEqual(buffered("epoll_wait"), 21)

        let trace = try makeTemporaryDirectory("trace") + "/trace"
        let r = try Swrr.run(["record", "-n", "-o", trace, "--", exe, try makeTemporaryDirectory("xattr"), "20"],
                             environment: Self.buffered)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, expected)
        try assertReplaysIdentically(Recording(trace: trace, result: r))
        // At least 308 calls (12 accept4, 20 epoll_wait) are records instead of events: fewer events.
        let with = try dumpCounts(rec.trace), without = try dumpCounts(trace)
        XCTAssertEqual(without.buffered, 0)
        XCTAssertGreaterThanOrEqual(without.events - with.events, 308, "\(without.events) events without, \(with.events) with")
    }

    /// Queries of the process's own state (every signal's action, the mask, a limit, the working
    /// directory) are buffered, in the program and in posix_spawn's child, which runs on its
    /// parent's buffer; a vfork child's write to a pipe stays an event (its desched event would
    /// be the parent's), its write to a file is buffered. Replayed exactly.
    func testQueriesAndVforkChildrenAreBufferedAndReplayExactly() throws {
        let exe = try Fixture.bufferedSpawn.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("spawn")], expectedStatus: 0,
                                      environment: Self.buffered)
        XCTAssertEqual(rec.result.stdoutText, """
            sigaction queries: 186 answered; SIGUSR1 caught 3, SA_RESTART 3; SIGUSR2 ignored 3
            sigprocmask queries: SIGTERM blocked in 20 of 20
            getrlimit queries: 20 of 20 agree
            getcwd: 10 of 10 agree
            posix_spawn of /bin/true: 5 of 5 exited 0
            vfork child: status 0, pipe 12 'via the pipe', file 15 'from the child'

            """)
        let counts = try bufferedCounts(rec.trace)
        func buffered(_ name: String) -> Int { counts[name] ?? 0 }
        // The program's 186 and each posix_spawn child's (one per signal it may reset).
        XCTAssertGreaterThanOrEqual(buffered("rt_sigaction"), 186 + 5 * 50)
        XCTAssertEqual(buffered("prlimit64"), 21)   // (glibc's first, before the library is in, is an event)
        XCTAssertEqual(buffered("getcwd"), 11)
        let dump = try Swrr.run(["dump", rec.trace]).stdoutText.split(separator: "\n").map(String.init)
        // No query of a signal's action is left as an event, in the program or its children.
        let queries = dump.filter { $0.first?.isNumber == true && $0.contains("] rt_sigaction(") && $0.contains(", 0x0, 0x") }
        XCTAssertEqual(queries, [])
        let vfork = try XCTUnwrap(dump.first { $0.contains("] vfork() = ") })
        let child = String(vfork[vfork.range(of: "] vfork() = ")!.upperBound...])
        // The child's write to the pipe is its one write event; its write to the file a record.
        let childWrites = dump.filter { $0.contains("[\(child)] write(") }
        XCTAssertEqual(childWrites.count, 1, childWrites.joined(separator: "\n"))
        XCTAssertTrue(childWrites.first?.hasSuffix(", 12) = 12") == true, childWrites.joined(separator: "\n"))
        XCTAssertEqual(buffered("write"), 1)
    }

    /// A thread that blocks every signal (libdispatch's worker threads do; swiftc's driver reads
    /// swift-frontend's output in one) makes a buffered read of an empty pipe: the read blocks
    /// and its desched signal stays pending. The main thread, runnable beside it, must still get
    /// its turn to write the byte (the recording stood still, interrupting the reader every 2 ms,
    /// before the recorder made such a read an ordinary syscall). Each round's read is an event.
    func testABufferedReadInAThreadBlockingEverySignalLetsTheOthersRun() throws {
        let exe = try Fixture.bufferedThreads.executable(.o2Dynamic)
        let recording = try record([exe, "masked", "10"], expectedStatus: 0, environment: Self.buffered, timeout: 60)
        XCTAssertFalse(recording.result.timedOut, "\(recording.result)")
        XCTAssertEqual(recording.result.stdoutText, "10 rounds with a reader that blocks every signal, answers sum 1025\n")
        for _ in 0..<2 { try assertReplaysIdentically(recording) }
        let dump = try Swrr.run(["dump", recording.trace]).stdoutText.split(separator: "\n")
        // The reader's reads of its pipe (descriptor 3), made again as ordinary syscalls.
        let reads = dump.filter { $0.first?.isNumber == true && $0.contains("] read(3, ") && $0.hasSuffix(", 1) = 1 [wrote 1 bytes]") }
        XCTAssertEqual(reads.count, 10, dump.joined(separator: "\n"))
    }

    /// A thread polling a flag with buffered calls (no switch points) must let the thread that
    /// sets it run.
    func testAThreadWaitingInBufferedCallsLetsTheOtherRun() throws {
        let exe = try Fixture.bufferedThreads.executable(.o2Dynamic)
        let rec = try assertRoundTrip([exe, "wait"], expectedStatus: 0, environment: Self.buffered)
        XCTAssertEqual(rec.result.stdoutText, "the flag was set (after polling)\n")
    }
}
