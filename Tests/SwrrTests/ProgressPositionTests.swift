// Positions inside a stretch without syscalls, on live tasks (issue 16, docs/POSITIONS.md), before
// they go through the recorder: memory_spin runs alone under ptrace (its "solo" mode: no second
// thread, the loop never ends), stopped at its int3 before the loop; the process is copied there
// (fork: the same memory, registers and FPU state), which plays the replay from the last event.
// The original is interrupted after ~50 ms, the pass analysis signs its state; the copy then runs
// with the stub comparing registers and progress words, and the memory digest decides at each
// match. The copy must stop at exactly the original's pass: its `iterations` equal.
import CSwrrShim
import Foundation
import Glibc
import SwrrKernel
import SwrrTracee
import XCTest

final class ProgressPositionTests: XCTestCase {
    func testSpinO0() throws { try checkExactPass("spin", .o0Dynamic, showRegistersAlone: true) }
    func testSpinO2() throws { try checkExactPass("spin", .o2Dynamic, showRegistersAlone: true) }
    func testNestedO0() throws { try checkExactPass("nested", .o0Dynamic) }
    func testNestedO2() throws { try checkExactPass("nested", .o2Dynamic) }
    func testCallsO0() throws { try checkExactPass("calls", .o0Dynamic) }
    func testCallsO2() throws { try checkExactPass("calls", .o2Dynamic) }
    func testFixedO0() throws { try checkExactPass("fixed", .o0Dynamic) }
    func testFixedO2() throws { try checkExactPass("fixed", .o2Dynamic) }
    func testSpinO0Static() throws { try checkExactPass("spin", .o0Static, showRegistersAlone: true) }
    func testNestedO2Static() throws { try checkExactPass("nested", .o2Static) }

    /// The stub's word comparison alone, in the process itself: at an instruction of the spin
    /// loop whose registers repeat, a trap wanting `iterations` = now + 1000 stops exactly there
    /// (the arrival where the task stands is the first pass, so 1001 passes); one wanting a value
    /// already passed never matches and uses up its budget; four words (three of them constant)
    /// match like one.
    func testStubComparesMemoryWords() throws {
        for (count, ahead) in [(1, UInt64(1000)), (4, UInt64(777))] {
            let (task, iterations, flag) = try ProgressFixture.startSolo("spin", .o2Dynamic)
            defer { task.kill() }
            try ProgressFixture.run(task, forMs: 5)
            let analysis = try analysisWithRepeatingRegisters(task, tries: 20)
            XCTAssertTrue(analysis.registersCarryNoProgress, "some instruction of the -O2 spin loop has equal registers at every pass")
            let regs = analysis.signature.registers
            let now = try ProgressFixture.word(task, iterations)
            // Constant words beside flag, inside its mapping.
            let region = try XCTUnwrap(try WritableMemory.regions(of: task).first { $0.start <= flag && flag < $0.end })
            let constant = [flag & ~7, (flag & ~7) + 8, (flag & ~7) + 16, (flag & ~7) + 24]
                .filter { $0 != iterations && $0 + 8 <= region.end }
                .map { ProgressWord(address: $0, value: (try? ProgressFixture.word(task, $0)) ?? 0) }
            let words = [ProgressWord(address: iterations, value: now + ahead)] + constant.prefix(count - 1)
            XCTAssertEqual(words.count, count)
            let trap = try XCTUnwrap(try RegisterMatchTrap.install(in: task, target: regs, budget: 1_000_000, words: words))
            try task.resume(.cont)
            XCTAssertEqual(try task.wait(), .signal(SIGTRAP))
            let hit = try trap.classify(try task.registers())
            XCTAssertEqual(try trap.passes(), ahead + 1, "\(count) words")
            XCTAssertEqual(try ProgressFixture.word(task, iterations), now + ahead)
            guard case .match(let state) = hit else { trap.remove(); return XCTFail("expected a match, got \(hit)") }
            trap.remove()
            try task.setRegisters(state)

            // From there, a value already passed: no match, the budget runs out.
            let passed = try XCTUnwrap(try RegisterMatchTrap.install(in: task, target: regs, budget: 5000,
                                                                     words: [ProgressWord(address: iterations, value: now)]))
            defer { passed.remove() }
            try task.resume(.cont)
            XCTAssertEqual(try task.wait(), .signal(SIGTRAP))
            XCTAssertEqual(try passed.classify(try task.registers()), .exhausted)
            XCTAssertEqual(try passed.passes(), 5000)
            XCTAssertEqual(try ProgressFixture.word(task, iterations), now + ahead + 4999)
        }
    }

    /// JIT code the program rewrites without a syscall (jit_loop rwx: the immediate of its
    /// generated `add` changes between rounds): a position in a later round, searched from before
    /// the first with the stub's jump over that `add`, is never reached silently. The program's
    /// rewrite lands on the jump, and the search ends in a fault or a mismatch.
    func testJitCodeRewrittenUnderThePatchIsNotReachedSilently() throws {
        let (original, page, _) = try ProgressFixture.startAtTrap("jit_loop", ["rwx", "trap"], .o2Dynamic)
        defer { original.kill() }
        let copy = try ProgressFixture.copy(original)
        defer { copy.kill() }
        var found: ProgressWordFinder.Analysis?
        for _ in 0..<40 where found == nil {
            try ProgressFixture.run(original, forMs: 2)
            guard case .position(let a) = try ProgressWordFinder.analyze(original) else { continue }
            let round = try ProgressFixture.word(original, page + 4) & 0xFFFF_FFFF
            if (page..<page + 4096).contains(a.signature.registers.rip) && round >= 2 { found = a }
        }
        let a = try XCTUnwrap(found, "a position in jit_loop's generated code, in round 2 or later")
        XCTAssertTrue(a.changed.isEmpty, "the generated loop counts in rax and rdi")
        let trap = try XCTUnwrap(try RegisterMatchTrap.install(in: copy, target: a.signature.registers, budget: 1 << 40,
                                                               words: a.signature.words),
                                 "the stub's jump goes into the private RWX page")
        defer { trap.remove() }
        try copy.resume(.cont)
        let stop = try copy.wait()
        var reached = false
        if stop == .signal(SIGTRAP), case .match(let state) = try trap.classify(try copy.registers()) {
            try trap.unpatch()
            reached = try a.signature.matches(copy, registers: state, excluding: [trap.stubRange])
        }
        print("progress jit_loop rwx: position at 0x\(String(a.signature.registers.rip, radix: 16)), words "
              + a.signature.words.map { "[0x\(String($0.address, radix: 16))] = \($0.value)" }.joined(separator: ", ")
              + ", the copy's search ended with \(stop)")
        XCTAssertFalse(reached)
    }

    /// Stopped before the loop (at memory_spin's int3, straight-line code run once), the pass
    /// analysis does not come back to its instruction: with one attempt it signs the state there
    /// without words; with more, the second attempt starts inside the loop, where the task ran to.
    func testAnalysisOutsideALoopRetriesFromWhereTheTaskRanTo() throws {
        let (task, iterations, _) = try ProgressFixture.startSolo("spin", .o2Dynamic)
        defer { task.kill() }
        let copy = try ProgressFixture.copy(task)
        defer { copy.kill() }
        guard case .noLoop(let sig) = try ProgressWordFinder.analyze(task, attempts: 1) else { return XCTFail("expected noLoop") }
        XCTAssertTrue(sig.words.isEmpty)
        XCTAssertTrue(HardwareBreakpoint.sameState(sig.registers, try task.registers()))
        XCTAssertTrue(try sig.matches(task, registers: try task.registers()))
        guard case .position(let a) = try ProgressWordFinder.analyze(copy, attempts: 3) else { return XCTFail("expected a position") }
        XCTAssertGreaterThanOrEqual(a.attempts, 2)
        XCTAssertEqual(a.signature.words.first?.address, iterations)
    }

    /// A pass whose second arrival is one frame shallower than its first (recurse: the return
    /// path of a recursive function) leaves the callee's frame as dead stack, which the digest
    /// reads as zeros (MemoryDigest.swift): no progress word is taken there. One was, signed as
    /// 0 where the memory is not, and the stub never matched: make -j2 --chaos's replays of cc1
    /// positions with words such as [0x7fffffffdf80] = 0 diverged (4 of 4). The signature of the
    /// state where the task stands holds its words' values, and a copy reaches it.
    func testNoProgressWordInTheDeadStack() throws {
        for variant in [Variant.o0Dynamic, .o2Dynamic] {
            let (task, _, _) = try ProgressFixture.startSolo("recurse", variant)
            defer { task.kill() }
            let descend = try task.registers().rdx
            let copy = try ProgressFixture.copy(task)
            defer { copy.kill() }
            // To the deepest call's return: its return address is on the stack at its entry.
            let returnAddress = try ProgressFixture.runToBreakpoint(task, at: descend) { $0.rdi == 0 }.rsp
            let deepest = try ProgressFixture.runToBreakpoint(task, at: try ProgressFixture.word(task, returnAddress)) { _ in true }
            guard case .position(let a) = try ProgressWordFinder.analyze(task) else { return XCTFail("\(variant): expected a position") }
            let sig = a.signature
            let dead = try XCTUnwrap(WritableMemory.deadStack(of: try task.mappings(), stackPointer: sig.registers.rsp))
            print("progress recurse \(variant.rawValue): position at 0x\(String(sig.registers.rip, radix: 16)), rsp " +
                  "0x\(String(sig.registers.rsp, radix: 16)) (first arrival 0x\(String(a.firstRegisters.rsp, radix: 16)), " +
                  "deepest return 0x\(String(deepest.rsp, radix: 16))), \(a.changed.count) words changed, words " +
                  sig.words.map { "[0x\(String($0.address, radix: 16))] = \($0.value)" }.joined(separator: ", "))
            XCTAssertGreaterThan(sig.registers.rsp, a.firstRegisters.rsp, "\(variant): the second arrival is shallower")
            for w in sig.words {
                XCTAssertFalse(dead.contains(w.address), "\(variant): word at 0x\(String(w.address, radix: 16)) in the dead stack")
                XCTAssertEqual(try ProgressFixture.word(task, w.address), w.value, "\(variant): word at 0x\(String(w.address, radix: 16))")
            }
            let (reached, _, _) = try reach(sig, in: copy, budget: 1_000_000)
            XCTAssertTrue(reached, "\(variant): the copy reaches the signed state")
        }
    }

    func testSignatureEncodingRoundTripsAndRefusesBadInput() throws {
        let regs = Registers(values: (0..<Registers.count).map { UInt64($0) &* 0x1234_5678_9ABC })
        let s = StateSignature(registers: regs, fpDigest: 7, memory: MemoryDigest(value: 0xFEED, bytes: 1 << 20, unreadable: 4096),
                               words: [ProgressWord(address: 0x601040, value: 99), ProgressWord(address: 0x7ffff000, value: 1)])
        let e = s.encoded
        XCTAssertEqual(e.count, StateSignature.encodedLength(words: 2))
        XCTAssertEqual(StateSignature(encoded: e), s)
        var badVersion = e; badVersion[0] = StateSignature.version &+ 1
        XCTAssertNil(StateSignature(encoded: badVersion))
        var oldVersion = e; oldVersion[0] = 1
        XCTAssertNil(StateSignature(encoded: oldVersion), "version 1 digested the dead stack")
        oldVersion[0] = 2
        XCTAssertNil(StateSignature(encoded: oldVersion), "version 2 digested the other threads' dead stacks")
        var tooMany = e; tooMany[1] = 5
        XCTAssertNil(StateSignature(encoded: tooMany))
        XCTAssertNil(StateSignature(encoded: Array(e.dropLast())))
        var unaligned = e; unaligned[e.count - 16] |= 3      // the second word's address
        XCTAssertNil(StateSignature(encoded: unaligned))
        var huge = e; huge[2 + (Registers.count + 2) * 8 + 7] = 0x80   // memory.bytes ≥ 2^47
        XCTAssertNil(StateSignature(encoded: huge))
    }

    // MARK: the proof

    /// Runs the original to an arbitrary point, signs it, and finds it in the copy. With
    /// `showRegistersAlone`, a second copy searched with the registers alone (today's trap) stops
    /// at another pass, and the digest tells: the divergence is reported, not silent.
    private func checkExactPass(_ mode: String, _ variant: Variant, showRegistersAlone: Bool = false) throws {
        let (original, iterations, _) = try ProgressFixture.startSolo(mode, variant)
        defer { original.kill() }
        let copy = try ProgressFixture.copy(original)
        defer { copy.kill() }
        let copy2 = try ProgressFixture.copy(original)
        defer { copy2.kill() }
        XCTAssertEqual(try MemoryDigest.of(original), try MemoryDigest.of(copy), "a fork copy has the same memory")

        let runStarted = Date()
        try ProgressFixture.run(original, forMs: 50)
        let nativeNsPerPass = Date().timeIntervalSince(runStarted) * 1e9 / Double(max(1, try ProgressFixture.word(original, iterations)))
        // Prefer an instruction whose registers repeat (the case the issue describes); a loop
        // that keeps its progress in registers at every instruction (calls at -O2) has none.
        let analysis = try analysisWithRepeatingRegisters(original, tries: 12)
        let sig = analysis.signature
        let wanted = try ProgressFixture.word(original, iterations)
        print("progress \(mode) \(variant.rawValue): pc 0x\(String(sig.registers.rip, radix: 16)), iterations \(wanted), "
              + "words \(sig.words.map { "0x" + String($0.address, radix: 16) }), changed \(analysis.changed.count), "
              + "registers repeat: \(analysis.registersCarryNoProgress), fixed point: \(analysis.isFixedPoint), "
              + String(format: "analysis %.1f ms over %d KiB, %d attempt(s)", analysis.elapsedMs, analysis.snapshotBytes / 1024,
                       analysis.attempts))
        if mode == "fixed" {
            XCTAssertTrue(analysis.isFixedPoint, "while (!flag); changes nothing")
            XCTAssertEqual(wanted, 0)
        } else {
            XCTAssertTrue(sig.words.contains { $0.address == iterations }, "iterations is a progress word")
            XCTAssertGreaterThan(wanted, 1000)
        }
        XCTAssertEqual(StateSignature(encoded: sig.encoded), sig)

        let started = Date()
        let (reached, falseMatches, passes) = try reach(sig, in: copy)
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "progress \(mode) \(variant.rawValue): reached in the copy in %.1f ms, %llu passes through the stub "
                     + "(%.1f ns each; native run %.1f ns per iteration), %d false match(es) rejected by the digest",
                     seconds * 1000, passes, seconds * 1e9 / Double(max(1, passes)), nativeNsPerPass, falseMatches))
        XCTAssertTrue(reached, "the copy reached the signed state")
        XCTAssertEqual(try ProgressFixture.word(copy, iterations), wanted, "the copy stops at the original's pass")

        guard showRegistersAlone else { return }
        XCTAssertTrue(analysis.registersCarryNoProgress, "the spin loop has an instruction whose registers repeat")
        let trap = try XCTUnwrap(try RegisterMatchTrap.install(in: copy2, target: sig.registers, budget: 1 << 40))
        defer { trap.remove() }
        try copy2.resume(.cont)
        XCTAssertEqual(try copy2.wait(), .signal(SIGTRAP))
        guard case .match(let state) = try trap.classify(try copy2.registers()) else { return XCTFail("registers alone: no match") }
        let early = try ProgressFixture.word(copy2, iterations)
        print("progress \(mode) \(variant.rawValue): registers alone stop at iterations \(early) (wanted \(wanted))")
        XCTAssertNotEqual(early, wanted, "registers alone stop at an earlier pass")
        try trap.unpatch()
        XCTAssertFalse(try sig.matches(copy2, registers: state, excluding: [trap.stubRange]), "the digest tells that pass apart")
    }

    /// Analyses the pass where `task` stands and, until the instruction's registers are the same
    /// at both arrivals, again after 1, 2, 3... single steps (an interrupt lands on some
    /// instructions of a loop far more often than on others); the last analysis otherwise.
    private func analysisWithRepeatingRegisters(_ task: Task, tries: Int) throws -> ProgressWordFinder.Analysis {
        var last: ProgressWordFinder.Analysis?
        for i in 0..<tries {
            for _ in 0..<i {
                try task.resume(.singleStep)
                let stop = try task.wait()
                guard stop == .signal(SIGTRAP) else { throw TraceeError("a single step stopped with \(stop)") }
            }
            switch try ProgressWordFinder.analyze(task) {
            case .position(let a):
                if a.registersCarryNoProgress { return a }
                last = a
            case .noLoop: continue
            case .interrupted(let stop): throw TraceeError("the pass analysis was interrupted by \(stop)")
            case .refused(let pc, let reason): throw TraceeError("the pass analysis refused 0x\(String(pc, radix: 16)): \(reason)")
            }
        }
        return try XCTUnwrap(last, "no pass analysis succeeded")
    }

    /// Runs `task` to the first arrival whose state is `sig`: the stub traps where registers and
    /// progress words match, the digest decides. The task stays stopped there (in the stub).
    private func reach(_ sig: StateSignature, in task: Task, budget: UInt64 = 1 << 40) throws -> (reached: Bool, falseMatches: Int, passes: UInt64) {
        let trap = try XCTUnwrap(try RegisterMatchTrap.install(in: task, target: sig.registers, budget: budget, words: sig.words))
        defer { trap.remove() }
        var falseMatches = 0
        while falseMatches < 100_000 {
            try task.resume(.cont)
            let stop = try task.wait()
            guard stop == .signal(SIGTRAP) else { throw TraceeError("the copy stopped with \(stop)") }
            let regs = try task.registers()
            switch try trap.classify(regs) {
            case .match(let state):
                try trap.unpatch()
                let same = try sig.matches(task, registers: state, excluding: [trap.stubRange])
                try trap.patch()
                if same { return (true, falseMatches, try trap.passes()) }
                falseMatches += 1
                try trap.continueAfterPartialMatch(regs)
            case .partial:
                falseMatches += 1
                try trap.continueAfterPartialMatch(regs)
            case .exhausted, .foreign:
                return (false, falseMatches, try trap.passes())
            }
        }
        return (false, falseMatches, try trap.passes())
    }
}
