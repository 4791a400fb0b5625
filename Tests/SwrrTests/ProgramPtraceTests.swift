// The program's own ptrace, emulated (issue 14, Tests/Fixtures/program_ptrace.c;
// SwrrRecord/EmulatedPtrace.swift, SwrrReplay/EmulatedPtraceReplay.swift): a parent tracing a
// TRACEME'd child through its SIGSTOP stop, PEEKDATA/POKEDATA, GETREGS/SETREGS, PTRACE_SYSCALL's
// entry and exit stops, single steps (one over a syscall instruction), GETFPREGS, PEEKUSER and CONT to its exit, and a seized
// child stopped with PTRACE_INTERRUPT and killed by a signal its tracer passed on; a thread of
// a child process seized by its tid; the SIGTRAP of a traced child's exec; a signal held back
// from a spinning tracee and delivered mid-computation. Recorded and
// replayed twice with identical output (replay compares every event's registers, the single
// steps' landing points included), as a native run prints but its token (a value the parent
// PEEKs from the child). Requests swrr does not emulate are refused and named on stderr.
import Foundation
import SwrrTestSupport
import XCTest

final class ProgramPtraceTests: XCTestCase {
    /// What every run prints after its token, but the single steps' advances (the compiler's
    /// instruction lengths): checked against the native run by tokenRoundTrip.
    static let traced = """
        A after raise(SIGSTOP): waitpid = child yes, stopped 0x137f (STOP, event 0)
        PEEKDATA errno 0
        GETSIGINFO = 0: signo STOP, code -6, from A yes
        GETREGS = 0: orig_rax 234, rax 0
        POKEDATA = 0
        SETOPTIONS = 0
        A at a syscall entry: waitpid = child yes, stopped 0x857f (TRAP|0x80, event 0)
        entry: orig_rax 110, rax -38
        A at the syscall exit: waitpid = child yes, stopped 0x857f (TRAP|0x80, event 0)
        exit: orig_rax 110, rax is the parent: yes
        SETREGS = 0
        A after step 1: waitpid = child yes, stopped 0x57f (TRAP, event 0)
        A after step 2: waitpid = child yes, stopped 0x57f (TRAP, event 0)
        A after step 3: waitpid = child yes, stopped 0x57f (TRAP, event 0)
        A after a step over a syscall: waitpid = child yes, stopped 0x57f (TRAP, event 0)
        over the syscall: rip advanced by 2, orig_rax 110, rax is the parent: yes
        GETFPREGS = 0: mxcsr 0x1f80
        PEEKUSER(rip) is GETREGS's: yes
        child: token poked: yes, getppid returned 4242, then the parent: yes
        A at its end: waitpid = child yes, exited 7
        CONT = 0
        SEIZE = 0
        PEEKDATA of a running tracee = -1, errno ESRCH
        INTERRUPT = 0
        B interrupted: waitpid = child yes, stopped 0x80057f (TRAP, event 128)
        B's counter >= 1: yes
        CONT = 0
        B after SIGTERM: waitpid = child yes, stopped 0xf7f (TERM, event 0)
        CONT(SIGTERM) = 0
        B at its end: waitpid = child yes, killed by TERM

        """

    func checkTrace(_ variant: Variant) throws {
        let out = try tokenRoundTrip(.programPtrace, "trace", variant)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        let steps = lines.filter { $0.hasPrefix("step ") }
        XCTAssertEqual(steps.count, 3, out)
        for s in steps {
            // Each step moved the child by one instruction (1 to 15 bytes).
            let advance = s.split(separator: " ").last.flatMap { Int($0) } ?? 0
            XCTAssertTrue((1...15).contains(advance), "\(s)")
        }
        XCTAssertEqual(lines.filter { !$0.hasPrefix("step ") }.joined(separator: "\n"), Self.traced)
    }

    func testTraceAChildO0Dynamic() throws { try checkTrace(.o0Dynamic) }
    func testTraceAChildO2Static() throws { try checkTrace(.o2Static) }

    /// A thread of a child process seized by its tid: its PTRACE_EVENT_STOP, PEEKDATA of a token
    /// its process drew, and its end, which only the tracer's wait reports (the thread is no
    /// child of the tracer), before the parent collects the process.
    func checkThread(_ variant: Variant) throws {
        XCTAssertEqual(try tokenRoundTrip(.programPtrace, "thread", variant), """
            the thread is not the process: yes
            SEIZE(thread) = 0
            waitpid(thread, WNOHANG) before a stop = 0
            INTERRUPT = 0
            the thread interrupted: waitpid = thread yes, stopped 0x80057f (TRAP, event 128)
            its counter >= 1: yes
            GETREGS = 0, fs_base set: yes
            CONT = 0
            the thread's end: waitpid = thread yes, killed by KILL
            the process killed: waitpid = child yes, killed by KILL

            """)
    }

    func testSeizeAThreadOfAChildO0Dynamic() throws { try checkThread(.o0Dynamic) }
    func testSeizeAThreadOfAChildO2Static() throws { try checkThread(.o2Static) }

    /// PTRACE_ATTACH of a running child (its SIGSTOP stop), GETREGSET(NT_PRSTATUS) against
    /// GETREGS, SETFPREGS of a rounding mode the child's printed quotient shows, POKEDATA of its
    /// loop flag, POKEUSER of orig_rax at its getppid's entry (it makes getpid instead: replay
    /// must change the parked tracee too, or it diverges there), DETACH.
    func checkAttach(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.programPtrace, ["attach"], variant), """
            ATTACH = 0
            the child attached: waitpid = child yes, stopped 0x137f (STOP, event 0)
            GETREGSET = 0: 216 bytes, the same as GETREGS: yes
            SETFPREGS = 0
            POKEDATA = 0
            at the entry of getppid: yes
            POKEUSER(orig_rax) = 0
            the child at its exit: waitpid = child yes, stopped 0x57f (TRAP, event 0)
            exit: orig_rax 39, rax is the child: yes
            child: getppid returned its own pid: yes, 1/10 = 0.09999999999999999167
            the child at its end: waitpid = child yes, exited 9
            DETACH = 0

            """)
    }

    func testAttachPokeUserSetFPRegsDetachO0Dynamic() throws { try checkAttach(.o0Dynamic) }
    func testAttachPokeUserSetFPRegsDetachO2Static() throws { try checkAttach(.o2Static) }

    /// A TRACEME'd child's execve stops it with SIGTRAP (SI_USER) before the new program runs.
    func testTracedExecStopsWithSigtrap() throws {
        XCTAssertEqual(try deterministicRoundTrip(.programPtrace, ["exec"], .o0Dynamic), """
            A after its exec: waitpid = child yes, stopped 0x57f (TRAP, event 0)
            GETSIGINFO = 0: signo TRAP, code 0
            PEEKTEXT at its first instruction: errno 0, nonzero yes
            the exec'd child runs
            A at its end: waitpid = child yes, exited 4
            CONT = 0

            """)
    }

    /// A signal with a handler sent to a traced child spinning without syscalls: swrr delivers it
    /// mid-computation after holding it back, the tracer sees that stop (the point is recorded,
    /// so replay stops the child at the same instruction), and the signal it passes on runs the
    /// handler there.
    func checkHeld(_ variant: Variant) throws {
        XCTAssertEqual(try deterministicRoundTrip(.programPtrace, ["held"], variant), """
            A after raise(SIGSTOP): waitpid = child yes, stopped 0x137f (STOP, event 0)
            A after SIGUSR1: waitpid = child yes, stopped 0xa7f (USR1, event 0)
            GETSIGINFO: signo USR1, from the parent yes
            A at its end: waitpid = child yes, exited 5
            CONT(SIGUSR1) = 0

            """)
    }

    func testHeldSignalStopsTheTraceeO0Dynamic() throws { try checkHeld(.o0Dynamic) }
    func testHeldSignalStopsTheTraceeO2Static() throws { try checkHeld(.o2Static) }

    /// strace (a real tracer: PTRACE_SEIZE of its stopped child with TRACESYSGOOD, TRACEEXEC and
    /// TRACEEXIT, SIGCONT, PTRACE_SYSCALL stops, GETREGSET, PEEKDATA) recorded and replayed: it
    /// prints what it prints natively, and each replay prints it again.
    func testStraceOfEcho() throws {
        let program = ["/usr/bin/strace", "-e", "trace=write,exit_group", "/bin/echo", "hi"]
        let native = try Subprocess.run(program)
        XCTAssertEqual(native.status, 0, "\(native)")
        let recording = try timedRoundTrip(program, label: "strace echo")
        XCTAssertEqual(recording.result.stdoutText, "hi\n")
        let traced = String(decoding: Swrr.programStderr(recording.result), as: UTF8.self)
        XCTAssertEqual(traced, native.stderrText)
        XCTAssertEqual(traced, """
            write(1, "hi\\n", 3)                     = 3
            exit_group(0)                           = ?
            +++ exited with 0 +++

            """)
    }

    /// strace -f: PTRACE_O_TRACEFORK/VFORK/CLONE make the shell's children tracees too (each starts
    /// in a PTRACE_EVENT_STOP), their ends reach strace's wait; the same lines as natively but
    /// the process ids.
    func testStraceFollowingForks() throws {
        let program = ["/usr/bin/strace", "-f", "-e", "trace=write,exit_group", "-e", "signal=none",
                       "/bin/sh", "-c", "/bin/echo a; /bin/echo b"]
        func withoutPids(_ s: String) -> String {
            // strace pads pids to five columns ("[pid   123]", "[pid 12345]"): the padding goes
            // with the number (the native run and the recording got pids of different widths).
            s.replacingOccurrences(of: #"(pid|Process) +[0-9]+"#, with: "$1 N", options: .regularExpression)
        }
        let native = try Subprocess.run(program)
        XCTAssertEqual(native.status, 0, "\(native)")
        let recording = try timedRoundTrip(program, label: "strace -f sh")
        XCTAssertEqual(recording.result.stdoutText, "a\nb\n")
        let traced = withoutPids(String(decoding: Swrr.programStderr(recording.result), as: UTF8.self))
        XCTAssertEqual(traced, withoutPids(native.stderrText))
        XCTAssertEqual(traced.split(separator: "\n").filter { $0.contains("write(1, ") }.count, 2, traced)
        XCTAssertEqual(traced.split(separator: "\n").filter { $0.hasSuffix("strace: Process N attached") }.count, 2, traced)
    }

    /// A request and an option swrr does not emulate fail in the recording (EIO, EINVAL) and are
    /// named on swrr record's stderr; the replay gives the same results. `swrr dump` shows the
    /// calls by request name.
    func testRefusedRequestsAreNamedAndDumped() throws {
        let recording = try timedRoundTrip(.programPtrace, ["refused"], .o0Dynamic)
        XCTAssertEqual(recording.result.stdoutText, """
            A after raise(SIGSTOP): waitpid = child yes, stopped 0x137f (STOP, event 0)
            GETSIGMASK = -1, errno EIO
            SETOPTIONS(TRACESYSGOOD|TRACESECCOMP) = -1, errno EINVAL
            KILL = 0
            A at its end: waitpid = child yes, killed by KILL

            """)
        assertContains(recording.result.stderrText, [
            "swrr: ptrace request PTRACE_GETSIGMASK by task ",
            " is not emulated: refused with EIO",
            "swrr: ptrace options PTRACE_O_TRACESECCOMP by task ",
            " are not emulated: refused with EINVAL",
        ], "swrr record's stderr")
        let dump = try Swrr.run(["dump", recording.trace])
        assertClean(dump)
        XCTAssertEqual(dump.status, 0, "\(dump)")
        let calls = dump.stdoutText.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "ptrace(") else { return nil }
            // Without the tids and addresses, which differ from run to run.
            let call = line[r.lowerBound...]
            return call.split(separator: ",").first.map(String.init)! + " … " + call.split(separator: "=").last!
        }
        XCTAssertEqual(calls, [
            "ptrace(PTRACE_TRACEME …  0",
            "ptrace(PTRACE_GETSIGMASK …  -1 EIO",
            "ptrace(PTRACE_SETOPTIONS …  -1 EINVAL",
            "ptrace(PTRACE_KILL …  0",
        ], dump.stdoutText)
    }
}
