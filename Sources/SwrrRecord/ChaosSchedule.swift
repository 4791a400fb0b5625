// Chaos mode (`swrr record --chaos`, issue 16 item 4, docs/CHAOS.md): the scheduler's choices made
// at random, from a seed, to make rare interleavings show. rr's chaos mode is the model (random
// priorities, random slice lengths, threads starved for a while even when nothing else can run);
// the numbers are ours. Every switch it causes is at a point replay finds again (a syscall, or a
// state signature for a preemption: SlicePreemption.swift), so a chaos recording replays as any
// other; the seed (in the trace header) only repeats the choices, not the program's timing.
//
// What it randomizes, and why:
// - slice lengths: 1 ms to 50 ms (most short: a race window of a few ms is cut only by a slice
//   that ends inside it; a slice that ends while the task is alone and not starved costs nothing
//   but a timer), and sometimes 50 ms to 1 s, so the running task starves runnable others;
// - which runnable task goes next: each task has a random priority (0-3, redrawn at random
//   moments, 0 to 2 s apart), the highest runnable goes first, ties at random;
// - whether a task keeps the slot through a syscall exit while another is runnable (half the time);
// - starvation: at the end of a slice a task is, with probability 1/2, kept off the slot for
//   2^k ms (k uniform in 3...10: 8 ms to 1 s) even when nothing else is runnable, so that what
//   other threads do when they wake (a sleep ending, I/O) lands inside its unfinished work. As in
//   rr, the length is a guess over powers of two (one of them is within 2× of any delay a bug
//   needs); shorter than 8 ms it would be no longer than an ordinary switch (a pass analysis
//   takes 1-17 ms, the wait for stops wakes every 2 ms). After a starvation of D ms none starts
//   for 4·D ms, so at most a fifth of the run is spent starving. A task is never starved when it
//   is the recording's only one: nothing could happen meanwhile.
//
// The clock is the scheduler's (milliseconds): a slice is at least 1 ms, the resolution of the
// recorder's wait for stops.

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, every seed is a good one, and the
/// same seed gives the same sequence on every machine (Swift's generators cannot be seeded).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum ChaosSeed {
    /// A seed for `--chaos` without `--chaos-seed`: from the kernel's random source.
    public static func fresh() -> UInt64 {
        var g = SystemRandomNumberGenerator()
        return g.next()
    }
}

final class ChaosSchedule {
    let seed: UInt64
    private var random: SeededGenerator

    static let priorities: ClosedRange<Int> = 0...3
    static let priorityRefreshMaxMs: UInt64 = 2_000
    static let starveProbabilityInverse: UInt64 = 2
    static let starveExponents: ClosedRange<UInt64> = 3...10
    /// A starvation of D ms is followed by at least this many times D without one.
    static let starveCooldownFactor: UInt64 = 4

    /// When the priorities are drawn again (scheduler clock, ms).
    private(set) var prioritiesRefreshAt: UInt64 = 0
    /// No starvation begins before this (scheduler clock, ms).
    private(set) var noStarvationBefore: UInt64 = 0

    init(seed: UInt64) {
        self.seed = seed
        random = SeededGenerator(seed: seed)
    }

    private func uniform(_ range: ClosedRange<UInt64>) -> UInt64 {
        UInt64.random(in: range, using: &random)
    }

    /// One chance in `n`.
    private func oneIn(_ n: UInt64) -> Bool { uniform(1...n) == 1 }

    /// A slice length (ms): 1 ms a third of the time, 2-10 ms a third, 1-50 ms a quarter, 51 ms
    /// to 1 s a twelfth (the task keeps the CPU while others wait).
    func sliceMs() -> UInt64 {
        switch uniform(1...12) {
        case 1...4: return 1
        case 5...8: return uniform(2...10)
        case 9...11: return uniform(1...50)
        default: return uniform(51...1_000)
        }
    }

    /// A priority for a new task, or for every task when `refreshPriorities` says so.
    func priority() -> Int {
        Int(uniform(UInt64(Self.priorities.lowerBound)...UInt64(Self.priorities.upperBound)))
    }

    /// Whether the priorities are due to be drawn again at `now`; if so the next refresh is set.
    func refreshPriorities(at now: UInt64) -> Bool {
        guard now >= prioritiesRefreshAt else { return false }
        prioritiesRefreshAt = now + uniform(0...Self.priorityRefreshMaxMs)
        return true
    }

    /// One of `candidates` (not empty), at random.
    func pick<T>(_ candidates: [T]) -> T {
        candidates[Int(uniform(0...UInt64(candidates.count - 1)))]
    }

    /// Whether a task keeps the slot through a syscall's exit while another task is runnable.
    func keepsSlotThroughSyscall() -> Bool { oneIn(2) }

    /// At the end of a task's slice at `now`: how long it is kept off the slot (ms), or nil.
    func starvation(at now: UInt64) -> UInt64? {
        guard now >= noStarvationBefore, oneIn(Self.starveProbabilityInverse) else { return nil }
        let d = UInt64(1) << uniform(Self.starveExponents)
        noStarvationBefore = now + d * (1 + Self.starveCooldownFactor)
        return d
    }
}
