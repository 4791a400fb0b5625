// Time-slice preemption and prompt signals while recording, replayed exactly (issue 16 items 1-2,
// docs/POSITIONS.md): the fixtures of Tests/Fixtures/progress recorded by `swrr record` and
// replayed by `swrr replay`, with syscall buffering and with SWRR_SYSCALLBUF=0. Every replay must
// be identical to its recording (output, status, registers at every event: a divergence fails).
//
// - heartbeat: a thread computing for 2 s beside one ticking every 100 ms: the ticks interleave
//   with the computation (each prints the computing thread's progress), at least 5 of them while
//   it is under way (natively about 19; none when the computing thread is never preempted);
// - memory_spin spin/nested/calls/fixed at -O0 and -O2: loops whose progress is only in memory,
//   preempted at positions and replayed at the exact pass (registers alone found pass 0);
// - signal_delay: a signal sent to a computing thread by another thread (tgkill) or by a timer is
//   delivered at a position within a slice (the recorder says how long it held it back).
// - blocked_write: a read() blocked beside spinning threads finishes into a global while the
//   recorder analyses a position: it is recorded before that position, as replay must write it.
//
// `make test` runs each memory_spin case `recordings` times (3); SWRR_POSITIONS_STRESS=N runs it N
// times (benchmarks/positions-stress sets 20, the issue's count).
import Foundation
import SwrrTestSupport
import SwrrTrace
import SwrrTracee
import XCTest

final class PreemptionTests: XCTestCase {
    static let recordings: Int = {
        if let v = ProcessInfo.processInfo.environment["SWRR_POSITIONS_STRESS"], let n = Int(v), n > 0 { return n }
        return 3
    }()

    static let unbuffered: [String: String?] = ["SWRR_SYSCALLBUF": "0"]

    // MARK: heartbeat

    /// The ticker is not starved: its ticks interleave with the computing thread's progress.
    /// Each tick prints the computer's `work` (its outer rounds so far): a tick that shows a work
    /// strictly between 0 and the final count ran while the computation was under way, so the
    /// computer was preempted for it there. A recorder that never preempts the computer lets the
    /// ticker run only after it (every tick shows the final count, or none comes at all).
    /// Not a count of ticks: that measured how much CPU the loaded machine gave the recorder
    /// (11 of the 15 asserted before, at load 7-10; natively 20). At least 5 distinct values: the
    /// ticker got the CPU 5 times in 2 s, a wait of about 400 ms per tick at most where the
    /// recorder's slice is 50 ms (measured at load 9.5, debug build: buffered 12-15, unbuffered
    /// 19). The replay prints the same interleaving (identical output).
    func checkHeartbeat(environment: [String: String?]) throws {
        let exe = try ProgressFixture.executable("heartbeat", .o2Dynamic)
        let recording = try record([exe], expectedStatus: 0, environment: environment)
        let out = recording.result.stdoutText
        // "ticks T work W done"
        let last = try XCTUnwrap(lines(startingWith: "ticks ", in: out).last, out).split(separator: " ")
        let final = try XCTUnwrap(last.count == 5 ? UInt64(last[3]) : nil, out)
        // "tick N work W"
        let works = try lines(startingWith: "tick ", in: out).map { line in
            let f = line.split(separator: " ")
            return try XCTUnwrap(f.count == 4 ? UInt64(f[3]) : nil, line)
        }
        XCTAssertEqual(works, works.sorted(), "the computation's progress went backwards between ticks: \(out)")
        let during = Set(works.filter { $0 > 0 && $0 < final })
        print("heartbeat \(environment.isEmpty ? "buffered" : "unbuffered"): \(works.count) ticks, \(during.count) while "
              + "the computation was under way (final work \(final)), record \(String(format: "%.2f", recording.result.seconds)) s")
        XCTAssertGreaterThanOrEqual(during.count, 5, "the ticker starved beside the computing thread: \(out)")
        try assertReplaysIdentically(recording)
    }

    func testHeartbeatTicksBuffered() throws { try checkHeartbeat(environment: [:]) }
    func testHeartbeatTicksUnbuffered() throws { try checkHeartbeat(environment: Self.unbuffered) }

    // MARK: memory_spin

    /// `mode` recorded `recordings` times with buffering and as many without; each recording has
    /// at least one preemption at a position and replays identically.
    func checkMemorySpin(_ mode: String, _ variant: Variant) throws {
        let exe = try ProgressFixture.executable("memory_spin", variant)
        for environment in [[:], Self.unbuffered] {
            for i in 0..<Self.recordings {
                let recording = try record([exe, mode], expectedStatus: 0, environment: environment)
                let out = recording.result.stdoutText
                let what = "\(mode) \(variant.rawValue) \(environment.isEmpty ? "buffered" : "unbuffered") #\(i + 1)"
                let count = lines(startingWith: "\(mode) iterations ", in: out).first?.split(separator: " ").last.flatMap { UInt64($0) }
                XCTAssertNotNil(count, "\(what): \(out)")
                if mode == "fixed" { XCTAssertEqual(count, 0, what) } else { XCTAssertGreaterThan(count ?? 0, 1000, what) }
                let positions = try preemptionsAtPositions(recording.trace)
                XCTAssertGreaterThan(positions, 0, "\(what): the spinning thread was never preempted at a position")
                let replay = try assertReplaysIdentically(recording)
                if !recording.isReplayedIdentically(by: replay) { return }
                print("memory_spin \(what): \(out.trimmingCharacters(in: .newlines)), \(positions) preemption(s), "
                      + String(format: "record %.2f s, replay %.2f s", recording.result.seconds, replay.seconds))
            }
        }
    }

    func testSpinO0() throws { try checkMemorySpin("spin", .o0Dynamic) }
    func testSpinO2() throws { try checkMemorySpin("spin", .o2Dynamic) }
    func testNestedO0() throws { try checkMemorySpin("nested", .o0Dynamic) }
    func testNestedO2() throws { try checkMemorySpin("nested", .o2Dynamic) }
    func testCallsO0() throws { try checkMemorySpin("calls", .o0Dynamic) }
    func testCallsO2() throws { try checkMemorySpin("calls", .o2Dynamic) }
    func testFixedO0() throws { try checkMemorySpin("fixed", .o0Dynamic) }
    func testFixedO2() throws { try checkMemorySpin("fixed", .o2Dynamic) }

    // MARK: signals to a computing thread

    /// The signal is delivered at a position, held back by the recorder for at most a slice plus
    /// a margin for this loaded machine (the rule before held it 200 ms), and the replay is
    /// identical (the same delay printed, the same count of work done before the handler ran).
    func checkSignal(_ mode: String, environment: [String: String?]) throws {
        let exe = try ProgressFixture.executable("signal_delay", .o2Dynamic)
        var env = environment
        env["SWRR_PREEMPT_REPORT"] = "1"
        let recording = try record([exe, mode], expectedStatus: 0, environment: env)
        let out = recording.result.stdoutText
        let delay = lines(startingWith: "\(mode): delay ", in: out).first?.split(separator: " ")[2]
        XCTAssertNotNil(delay.flatMap { Int($0) }, out)
        // "swrr: position of task T (a held SIGUSR1) at 0x...: ..., N ms, signal held M ms"
        let report = try XCTUnwrap(recording.result.stderrText.split(separator: "\n").first { $0.contains("(a held SIG") },
                                   "no signal delivered at a position: \(recording.result.stderrText)")
        let held = try XCTUnwrap(report.components(separatedBy: "signal held ").last?.split(separator: " ").first.flatMap { Int($0) },
                                 String(report))
        print("signal_delay \(mode) \(environment.isEmpty ? "buffered" : "unbuffered"): the program measured \(delay ?? "?") ms, "
              + "the recorder held it \(held) ms: \(report)")
        // Delivered within a slice (50 ms; measured 53-68 ms on an idle machine, printed above):
        // the bound only tells that apart from holding the signal until a syscall, which this
        // computation never makes, with room for a loaded machine (tests never fail on timing).
        XCTAssertLessThanOrEqual(held, 2000, "held back as if until a syscall: \(report)")
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertTrue(dump.stdoutText.contains("at a position"), "the signal event is not at a position")
        try assertReplaysIdentically(recording)
    }

    func testSignalFromAThreadBuffered() throws { try checkSignal("thread", environment: [:]) }
    func testSignalFromAThreadUnbuffered() throws { try checkSignal("thread", environment: Self.unbuffered) }
    func testSignalFromATimerBuffered() throws { try checkSignal("timer", environment: [:]) }
    func testSignalFromATimerUnbuffered() throws { try checkSignal("timer", environment: Self.unbuffered) }

    // MARK: the program's signal mask

    /// trap_mask: two threads that block every signal compute side by side and are preempted
    /// at positions; each still finds SIGTRAP blocked afterwards, as natively (the analysis's
    /// single steps and breakpoint stops are forced SIGTRAPs, which the kernel unblocks: before
    /// the recorder put the mask back, both printed "unblocked"), and the replay is identical.
    func testPositionsLeaveTheSignalMaskAlone() throws {
        let exe = try ProgressFixture.executable("trap_mask", .o2Dynamic)
        XCTAssertEqual(try Subprocess.check([exe]).stdoutText, "main: SIGTRAP blocked\nworker: SIGTRAP blocked\n", "natively")
        for environment in [[:], Self.unbuffered] {
            let recording = try record([exe], expectedStatus: 0, environment: environment)
            let what = environment.isEmpty ? "buffered" : "unbuffered"
            let positions = try preemptionsAtPositions(recording.trace)
            print("trap_mask \(what): \(positions) preemption(s) at positions, record \(String(format: "%.2f", recording.result.seconds)) s")
            XCTAssertGreaterThan(positions, 0, "\(what): never preempted at a position")
            XCTAssertEqual(recording.result.stdoutText, "main: SIGTRAP blocked\nworker: SIGTRAP blocked\n", what)
            try assertReplaysIdentically(recording)
        }
    }

    // MARK: code the program writes

    /// jit_loop rwx runs 40 × 20 rounds of code it rewrites in an RWX page beside a thread that sleeps
    /// 5 ms at a time: the computing thread is preempted, never at a position in the page (the
    /// recorder gives those up, before the pass analysis copies memory, and tries again 1 ms
    /// later: replay could only search the page by breakpoint, one stop per pass), and the replay
    /// is identical.
    func testJitCodeIsPreemptedOutsideItsWritablePage() throws {
        let exe = try ProgressFixture.executable("jit_loop", .o2Dynamic)
        for environment in [[:], Self.unbuffered] {
            var env = environment
            env["SWRR_PREEMPT_REPORT"] = "1"
            let recording = try record([exe, "rwx", "ticker"], expectedStatus: 0, environment: env)
            XCTAssertEqual(recording.result.stdoutText, "jit total 42000000000\n", "40 × the 20 rounds")
            let reports = recording.result.stderrLines.filter { $0.hasPrefix("swrr: position of task") }
            let givenUpLines = reports.filter { $0.contains("in writable code, given up") }
            let givenUp = givenUpLines.count
            let taken = reports.filter { !$0.contains("given up") }
            // Refused where the position would be, before the pass analysis copies memory.
            XCTAssertEqual(givenUpLines.filter { !$0.contains("before the analysis copied memory") }, [],
                           "positions in the page given up after the analysis")
            print("jit_loop rwx ticker \(environment.isEmpty ? "buffered" : "unbuffered"): \(taken.count) position(s) taken, "
                  + "\(givenUp) given up in the page, record \(String(format: "%.2f", recording.result.seconds)) s")
            XCTAssertGreaterThan(try preemptionsAtPositions(recording.trace), 0, "never preempted")
            XCTAssertFalse(taken.contains { $0.contains("in writable code") }, "a position in the page: \(taken)")
            let replay = try assertReplaysIdentically(recording, timeout: 300)
            print("jit_loop rwx ticker: replay \(String(format: "%.2f", replay.seconds)) s")
        }
    }

    // MARK: memory the kernel writes for a blocked call

    /// blocked_write: the main thread blocks in read() on a timerfd (into a global it zeroes first)
    /// while two threads spin and are preempted at positions whose digests cover that global; a
    /// read that finishes while the recorder analyses a position is recorded before it (the
    /// recorder says "digest taken again"), so replay has written the bytes when it reaches the
    /// position. Each recording replays identically: before, 5 of 5 replays diverged at a
    /// position or were still searching after 120 s (load 8-10). Two recordings per mode.
    func testABlockedCallFinishingDuringAnAnalysisIsRecordedBeforeThePosition() throws {
        let exe = try ProgressFixture.executable("blocked_write", .o2Dynamic)
        for environment in [[:], Self.unbuffered] {
            for i in 1...2 {
                var env = environment
                env["SWRR_PREEMPT_REPORT"] = "1"
                let recording = try record([exe], expectedStatus: 0, environment: env)
                let what = "\(environment.isEmpty ? "buffered" : "unbuffered") #\(i)"
                XCTAssertEqual(recording.result.stdoutText, "reads 8 fired 8 ballast 1\n", what)
                let positions = try preemptionsAtPositions(recording.trace)
                XCTAssertGreaterThan(positions, 0, "\(what): the spinning threads were never preempted at a position")
                let again = recording.result.stderrLines.filter { $0.contains("digest taken again") }.count
                let replay = try assertReplaysIdentically(recording, timeout: 120)
                print("blocked_write \(what): \(positions) preemption(s), \(again) digest(s) taken again after a read "
                      + String(format: "finished, record %.2f s, replay %.2f s", recording.result.seconds, replay.seconds))
            }
        }
    }

    // MARK: exec'd programs

    /// ended_buffers: three threads register syscall buffers, the process execs itself, and the
    /// new image's loop is preempted at a position whose registers and progress words repeat
    /// every 65,536 passes: replay passes over those arrivals by the digest, and at each compares
    /// the registered buffers' headers with the previous arrival's. The old image's threads'
    /// buffers are not mapped any more: before, 2 of 2 replays failed ("cannot read 64 bytes at
    /// 0x7ffff71c9000"), as `go build` then the built program did with the go tool's buffers.
    /// Two recordings, each replayed identically, with arrivals passed over (SWRR_SEARCH_REPORT).
    func testBuffersFromBeforeAnExecAtAPositionPassedOver() throws {
        let exe = try ProgressFixture.executable("ended_buffers", .o2Dynamic)
        for i in 1...2 {
            // Buffered in both passes of `make test`: the buffers are the point.
            let recording = try record([exe], expectedStatus: 0, environment: SyscallBufferTests.buffered)
            let out = recording.result.stdoutText
            XCTAssertTrue(out.hasPrefix("passes "), "#\(i): \(out)")
            let dump = try Swrr.run(["dump", recording.trace]).stdoutText
            let registered = dump.split(separator: "\n").filter { $0.contains("swrr_register_buffer(") }
            XCTAssertGreaterThanOrEqual(registered.count, 5, "#\(i): main's and the three threads' buffers, then the new image's: \(registered)")
            XCTAssertGreaterThan(try preemptionsAtPositions(recording.trace), 0, "#\(i): never preempted at a position")
            let replay = try Swrr.run(["replay", recording.trace], environment: ["SWRR_SEARCH_REPORT": "1"], timeout: 120)
            XCTAssertTrue(recording.isReplayedIdentically(by: replay), "#\(i): \(replay)")
            // "swrr: found ... (a position, 4 progress word(s), N arrival(s) passed over by the digest), in M ms"
            let passedOver = replay.stderrLines.filter { $0.hasPrefix("swrr: found ") }.compactMap { line in
                line.components(separatedBy: " arrival(s) passed over").first?.split(separator: " ").last.flatMap { Int($0) }
            }
            print("ended_buffers #\(i): \(out.trimmingCharacters(in: .newlines)), arrivals passed over \(passedOver), "
                  + String(format: "record %.2f s, replay %.2f s", recording.result.seconds, replay.seconds))
            // Whether the search passes arrivals over (and so reads the buffers' headers) depends on
            // the words the recorder found: since the stretch after a pass (alarmpos) they often
            // name the pass exactly and none is passed over. Replay identical is what must hold.
            if passedOver.max() ?? 0 == 0 { print("ended_buffers #\(i): no arrival passed over (the words named the pass)") }
        }
    }

    /// exec_stack: a child execs "/proc/self/exe" (no libc, a stack it maps itself: nothing writes
    /// below the kernel's initial stack) and spins beside its parent waking every 20 ms, so it is
    /// preempted at positions whose digest covers the whole [stack]. Replay execs the trace's copy
    /// (a longer path: the kernel's stack reaches lower than the recorded one written over it);
    /// before, the replay's leftovers below the recorded rsp made every such position
    /// unreachable (2 of 2 diverged), as with `go build` then the built program. Two recordings.
    func testAnExecdProgramsStackBelowTheRecordedOneIsAsRecorded() throws {
        let exe = try FixtureCompiler.compile(FixtureCompiler.fixtures + "/progress/exec_stack.c",
                                              flags: ["-g", "-O2", "-static", "-nostdlib", "-fno-stack-protector", "-Wall"])
        XCTAssertEqual(try Subprocess.check([exe]).stdoutText, "child status 62\n", "natively")
        for i in 1...2 {
            let recording = try record([exe], expectedStatus: 0)
            XCTAssertEqual(recording.result.stdoutText, "child status 62\n", "#\(i)")
            let dump = try Swrr.run(["dump", recording.trace]).stdoutText
            XCTAssertEqual(dump.split(separator: "\n").filter { $0.contains("] exec \"") }.count, 2,
                           "#\(i): the program's start and the child's exec: \(dump.prefix(2000))")
            let positions = try preemptionsAtPositions(recording.trace)
            XCTAssertGreaterThan(positions, 0, "#\(i): the spinning child was never preempted at a position")
            let replay = try assertReplaysIdentically(recording, timeout: 120)
            print("exec_stack #\(i): \(positions) preemption(s), "
                  + String(format: "record %.2f s, replay %.2f s", recording.result.seconds, replay.seconds))
        }
    }

    // MARK: a position that is not reached

    /// A trace whose first preemption's memory digest is changed (one bit): replay reaches the
    /// recorded pass (registers and progress word match), the digest differs, the arrival is
    /// passed over, and no later one matches (the word only grows) before the trap's budget ends:
    /// a divergence at that event's number, never a silent stop at a wrong pass.
    func testADamagedSignatureIsAReportedDivergence() throws {
        let exe = try ProgressFixture.executable("memory_spin", .o2Dynamic)
        let recording = try record([exe, "spin"], expectedStatus: 0)
        let damaged = try makeTemporaryDirectory("damaged") + "/trace"
        var index: Int?
        try TraceRewriting.copy(recording.trace, to: damaged) { events in
            for (i, e) in events.enumerated() {
                guard case .preempt(var p) = e, var sig = p.signature, !sig.words.isEmpty else { continue }
                sig.memory.value ^= 1
                p.signature = sig
                events[i] = .preempt(p)
                index = i
                return
            }
        }
        let event = try XCTUnwrap(index, "no preemption with progress words in the recording")
        // A budget of 5 × 10^8 passes (SWRR_SEARCH_LIMIT × 10,000; about 1.5 s): past the recorded pass
        // (50 ms of spinning, 2-5 × 10^7 passes), far short of the default.
        let r = try Swrr.run(["replay", damaged], environment: ["SWRR_SEARCH_LIMIT": "50000", "SWRR_SEARCH_REPORT": "1"],
                             timeout: 120)
        let last = r.stderrLines.last ?? ""
        print("damaged signature at event \(event): status \(r.status), \(last)")
        XCTAssertEqual(r.status, 70, "\(r)")
        XCTAssertTrue(last.hasPrefix("swrr: divergence at event \(event): cannot find the point where the recording switched away"),
                      last)
        XCTAssertTrue(last.contains("1 arrival(s) with the recorded registers passed over by the state digest"),
                      "the recorded pass was reached and rejected once: \(last)")
        XCTAssertFalse(r.stdoutText.contains("spin iterations"), "the replay went on past the position: \(r.stdoutText)")
    }

    // MARK: helpers

    /// PreemptEvents with a state signature in the trace (`swrr dump`'s wording).
    private func preemptionsAtPositions(_ trace: String) throws -> Int {
        let dump = try Swrr.run(["dump", trace])
        XCTAssertEqual(dump.status, 0, "swrr dump: \(dump)")
        return dump.stdoutText.split(separator: "\n").filter { $0.contains("switched away at the end of a slice") }.count
    }
}
