// Signals (issue 3): alarm interrupting nanosleep, SIGUSR1 sent by kill to itself with an
// SA_SIGINFO handler, a SIGSEGV handler on an alternate stack, a handler that clobbers the xmm
// registers, an SA_RESETHAND handler, sigtimedwait/sigwaitinfo, signalfd, sigqueue and
// pthread_sigqueue with values, POSIX timers (Tests/Fixtures/signal_delivery.c), and a computation without syscalls that only a
// SIGALRM ends (Tests/Fixtures/busy_alarm.c), which swrr without a performance counter must
// deliver at an arbitrary instruction, recorded as a state signature, and find again on replay
// (SwrrReplay/PointSearch.swift, docs/POSITIONS.md).
import Foundation
import SwrrTestSupport
import XCTest

final class SignalDeliveryTests: XCTestCase {
    /// A fixture whose whole output is deterministic: native run, recording and both replays
    /// print the same.
    func checkDeterministic(_ mode: String, _ variant: Variant, file: StaticString = #filePath,
                            line: UInt = #line) throws -> String {
        try deterministicRoundTrip(.signalDelivery, [mode], variant, file: file, line: line)
    }

    // MARK: alarm interrupting nanosleep

    func checkAlarm(_ variant: Variant) throws {
        let out = try checkDeterministic("alarm-nanosleep", variant)
        XCTAssertEqual(out, "nanosleep = -1 errno EINTR, handler ran 1 time(s), remaining more than 3 s: yes\n")
    }

    func testAlarmInterruptsNanosleepO0Dynamic() throws { try checkAlarm(.o0Dynamic) }
    func testAlarmInterruptsNanosleepO2Static() throws { try checkAlarm(.o2Static) }

    // MARK: SIGUSR1 by kill to itself, SA_SIGINFO

    func checkSiginfo(_ variant: Variant) throws {
        let out = try checkDeterministic("siginfo", variant)
        XCTAssertEqual(out, "kill = 0\nsi_signo 10 (SIGUSR1 is 10)\nsi_code 0 (SI_USER is 0)\n"
                       + "si_pid == getpid(): yes\nsi_uid == getuid(): yes\n")
    }

    func testKillSelfWithSiginfoO0Dynamic() throws { try checkSiginfo(.o0Dynamic) }
    func testKillSelfWithSiginfoO2Static() throws { try checkSiginfo(.o2Static) }

    // MARK: SIGSEGV handler on an alternate stack

    func checkAltstack(_ variant: Variant) throws {
        let out = try checkDeterministic("altstack", variant)
        assertContains(out, [
            "fault 0 at 0x10 code 1, handler on the alternate stack: yes\n",
            "fault 1 at 0x1000 code 1, handler on the alternate stack: yes\n",
            "fault 2 at 0xdead0000 code 1, handler on the alternate stack: yes\n",
            "stack overflow caught, handler on the alternate stack: yes\n",
            "alternate stack still set: yes, now in use: no\n",
        ])
    }

    func testSegvHandlerOnAlternateStackO0Dynamic() throws { try checkAltstack(.o0Dynamic) }
    func testSegvHandlerOnAlternateStackO2Static() throws { try checkAltstack(.o2Static) }

    // MARK: a handler that changes the xmm registers

    func checkXmm(_ variant: Variant) throws {
        let exe = try Fixture.signalDelivery.executable(variant)
        let native = try nativeOutput([exe, "xmm"])
        let recording = try timedRoundTrip(.signalDelivery, ["xmm"], variant)
        let out = recording.result.stdoutText
        assertContains(out, ["xmm registers restored: 32 of 32 doubles"])
        // Everything but the count of SIGALRMs (which depends on time) is what a native run prints.
        let deterministic = { (text: String) in
            text.split(separator: "\n").filter { !$0.hasPrefix("SIGALRM handled") }.joined(separator: "\n")
        }
        XCTAssertEqual(deterministic(out), deterministic(native))
        let alarms = lines(startingWith: "SIGALRM handled ", in: out)
        XCTAssertEqual(alarms.count, 1, out)
        XCTAssertFalse(alarms.first?.hasPrefix("SIGALRM handled 0 times") ?? true,
                       "no SIGALRM landed during the computation: \(out)")
    }

    func testHandlerChangingXmmRegistersO0Dynamic() throws { try checkXmm(.o0Dynamic) }
    func testHandlerChangingXmmRegistersO2Static() throws { try checkXmm(.o2Static) }

    // MARK: SA_RESETHAND

    func checkResethand(_ variant: Variant) throws {
        XCTAssertEqual(try checkDeterministic("resethand", variant),
                       "handler ran 1 time(s), disposition now SIG_DFL: yes\nignored afterwards, handler runs still 1\n")
    }

    func testResethandO0Dynamic() throws { try checkResethand(.o0Dynamic) }
    func testResethandO2Static() throws { try checkResethand(.o2Static) }

    // MARK: sigtimedwait and sigwaitinfo

    func checkSigtimedwait(_ variant: Variant) throws {
        let out = try checkDeterministic("sigtimedwait", variant)
        assertContains(out, ["sigtimedwait = USR2, si_code ",
                             "sigwaitinfo = USR1, si_code SI_USER: yes, from the child: yes\n", "child status 0\n",
                             "sigtimedwait with nothing pending = -1 errno EAGAIN\n"])
    }

    func testSigtimedwaitO0Dynamic() throws { try checkSigtimedwait(.o0Dynamic) }
    func testSigtimedwaitO2Static() throws { try checkSigtimedwait(.o2Static) }

    // MARK: a signal delivered with the mask of the wait it interrupts

    /// pselect6, ppoll and epoll_pwait unblock SIGCHLD only while they wait (as make does): replay
    /// emulates them, so it must deliver the signal with their mask (a real rt_sigsuspend).
    func checkMaskedWait(_ variant: Variant) throws {
        let out = try checkDeterministic("masked-wait", variant)
        XCTAssertEqual(out, ["pselect", "ppoll", "epoll_pwait"].map {
            "\($0): -1 EINTR, handler ran 1 time(s), USR2 blocked in the handler: no, SIGCHLD blocked after: yes\n"
        }.joined())
    }

    func testMaskedWaitO0Dynamic() throws { try checkMaskedWait(.o0Dynamic) }
    func testMaskedWaitO2Static() throws { try checkMaskedWait(.o2Static) }

    // MARK: signalfd

    func checkSignalfd(_ variant: Variant) throws {
        XCTAssertEqual(try checkDeterministic("signalfd", variant), """
            read 128: ssi_signo USR1, ssi_code -6, ssi_int 0, from itself: yes
            read 128: ssi_signo SIGRTMIN, ssi_code -1, ssi_int 4242, from itself: yes
            signalfd with a new mask on the same fd: same fd

            """)
    }

    func testSignalfdO0Dynamic() throws { try checkSignalfd(.o0Dynamic) }
    func testSignalfdO2Static() throws { try checkSignalfd(.o2Static) }

    // MARK: sigqueue (rt_sigqueueinfo) and pthread_sigqueue (rt_tgsigqueueinfo)

    func checkSigqueue(_ variant: Variant) throws {
        XCTAssertEqual(try checkDeterministic("sigqueue", variant), """
            sigqueue = 0, pthread_sigqueue = 0, handler runs 2
            run 0: value 12345, si_code SI_QUEUE: yes
            run 1: value 678, si_code SI_QUEUE: yes

            """)
    }

    func testSigqueueWithValuesO0Dynamic() throws { try checkSigqueue(.o0Dynamic) }
    func testSigqueueWithValuesO2Static() throws { try checkSigqueue(.o2Static) }

    // MARK: POSIX timers

    func checkTimer(_ variant: Variant) throws {
        XCTAssertEqual(try checkDeterministic("timer", variant), """
            timer_settime = 0
            one-shot: handler ran 1 time(s), value 77, si_code SI_TIMER: yes
            periodic: handler ran 4 time(s) in all, disarmed: yes
            timer_delete = 0

            """)
    }

    func testPosixTimerO0Dynamic() throws { try checkTimer(.o0Dynamic) }
    func testPosixTimerO2Static() throws { try checkTimer(.o2Static) }

    // MARK: busy computation until SIGALRM sets a flag

    /// The recorder holds the signal back for a syscall that never comes, then delivers it in
    /// the loop at a position (a state signature, docs/POSITIONS.md: the loop keeps its progress
    /// in registers, so no progress word). Replay takes 16 breakpoint hits there, then lets the
    /// register-matching trap compare registers inside the tracee at every pass, and the digest
    /// confirms the match: it must stop at the very pass the recording delivered at, so the
    /// replay prints the same iteration count and x. Each of two replays says how many passes the
    /// search took and how long.
    func testBusyComputationUntilSigalrm() throws {
        let (recording, iterations) = try recordBusyAlarm()
        let recorded = recording.result.stdoutText
        for _ in 0..<2 {
            let replay = try Swrr.run(["replay", recording.trace], environment: ["SWRR_SEARCH_REPORT": "1"],
                                      timeout: 300)
            assertClean(replay)
            XCTAssertEqual(replay.status, 0, "\(replay)")
            XCTAssertEqual(replay.stdoutText, recorded)
            let report = replay.stderrLines.first { $0.hasPrefix("swrr: found the instruction where SIGALRM was delivered") }
            print("busy_alarm: replay in " + String(format: "%.2f s", replay.seconds) + ": \(report ?? "no search report")")
            // "… after H breakpoint hits and P passes through the register-matching trap (a
            // position, W progress word(s), D arrival(s) passed over by the digest), in T ms":
            // the trap took over at the last hit, whose pass it counts again, so the point is
            // pass H - 1 + P through its instruction, one per iteration. The handler's flag is
            // seen at the loop's next load of it: in that iteration, or in the next one when the
            // point comes after the load. x changes at every pass: the registers match once, and
            // the digest agrees.
            let numbers = (report ?? "").split(separator: " ").compactMap { Int($0) }
            XCTAssertEqual(numbers.count, 5, "search report: \(report ?? "none")\n\(replay)")
            if numbers.count == 5 { XCTAssertEqual(numbers[3], 0, "arrivals passed over: \(report ?? "")") }
            if numbers.count == 5, let n = Int(iterations) {
                let pass = numbers[0] - 1 + numbers[1]
                XCTAssertTrue(pass == n || pass == n - 1, "pass \(pass) found; the loop ran \(n) iterations")
            }
        }
    }

    /// Without the trap (SWRR_FAST_SEARCH=0) only the breakpoint search is left: one stop per
    /// iteration (≈45 µs), hours for this loop. Replay must say so clearly, with its own status,
    /// once SWRR_SEARCH_LIMIT hits are spent, rather than replay something else or hang.
    func testBusyComputationWithoutTheTrapGivesUpClearly() throws {
        let (recording, iterations) = try recordBusyAlarm()
        let limit = 20_000
        let replay = try Swrr.run(["replay", recording.trace],
                                  environment: ["SWRR_SEARCH_LIMIT": String(limit), "SWRR_FAST_SEARCH": "0"],
                                  timeout: 120)
        print("busy_alarm without the trap: replay stopped after " + String(format: "%.1f s", replay.seconds)
              + " (status \(replay.status), SWRR_SEARCH_LIMIT \(limit), \(iterations) iterations recorded)")
        assertClean(replay)
        XCTAssertEqual(replay.status, 70, "\(replay)")
        let last = replay.stderrLines.last ?? ""
        XCTAssertTrue(last.hasPrefix("swrr: divergence at event "), last)
        XCTAssertTrue(last.contains("cannot find the instruction where SIGALRM was delivered within \(limit) breakpoint hits"), last)
        XCTAssertTrue(last.contains("performance counter"), last)
    }

    /// busy_alarm (-O2) recorded, its SIGALRM delivered at a position; and the number of
    /// iterations it printed.
    private func recordBusyAlarm(file: StaticString = #filePath, line: UInt = #line) throws -> (Recording, String) {
        let exe = try Fixture.busyAlarm.executable(.o2Dynamic)
        let recording = try record([exe], expectedStatus: 0, file: file, line: line)
        let recorded = recording.result.stdoutText
        XCTAssertTrue(recorded.hasPrefix("flag set after "), recorded, file: file, line: line)
        let iterations = recorded.split(separator: " ").dropFirst(3).first.map(String.init) ?? "?"
        let dump = try Swrr.run(["dump", recording.trace])
        assertClean(dump, file: file, line: line)
        let deliveries = dump.stdoutText.split(separator: "\n").filter { $0.contains("signal SIGALRM") }
        XCTAssertEqual(deliveries.count, 1, "one SIGALRM: \(dump.stdoutText.suffix(2000))", file: file, line: line)
        XCTAssertTrue(deliveries.first?.contains("at a position") ?? false,
                      "no syscall in the loop: the signal can only be delivered at a position", file: file, line: line)
        print("busy_alarm: recorded in " + String(format: "%.2f s", recording.result.seconds)
              + ", \(iterations) loop iterations; \(deliveries.first ?? "no SIGALRM")")
        return (recording, iterations)
    }
}
