// SWRR_PROFILE=1: where a client operation's time goes in the replay (benchmarks/reverse's
// profile of issue 16 item 3): counts and seconds of the costly steps (scans, checkpoint
// restores and takes, stretch checkpoints, point searches and their stops, state digests),
// written on stderr after each resume request the engine serves, then reset. A plain replay
// (`swrr replay`) writes at its end each kind of event it replayed (`ReplaySession.step`), its
// count, wall-clock seconds (the program's run up to the event included) and the seconds of
// CPU the replaying thread spent on it (swrr's own work: ptrace requests, reads and writes of
// the program's memory, the trace), and the ptrace stops swrr waited for in it (Task.stopsWaited:
// each a round trip through the scheduler, which is what replay and recording compare on). Off by
// default: one branch per counted step.
import Foundation
import Glibc
import SwrrTracee

enum ReplayProfile {
    static let enabled = getenv("SWRR_PROFILE").map { String(cString: $0) == "1" } ?? false
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    nonisolated(unsafe) private static var seconds: [String: Double] = [:]
    nonisolated(unsafe) private static var cpuSeconds: [String: Double] = [:]
    nonisolated(unsafe) private static var stops: [String: Int] = [:]

    static func count(_ key: String, _ n: Int = 1) {
        guard enabled else { return }
        counts[key, default: 0] += n
    }

    /// Runs `body`, counting it under `key` and adding its wall-clock time.
    static func time<T>(_ key: String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let start = CheckpointStore.now()
        defer {
            counts[key, default: 0] += 1
            seconds[key, default: 0] += Double(CheckpointStore.now() - start) / 1e9
        }
        return try body()
    }

    /// Runs `body`, counting it under `key()` (made only when profiling) and adding its wall-clock
    /// time and the CPU time of the calling thread.
    static func timeWithCPU<T>(_ key: () -> String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let k = key()
        let start = CheckpointStore.now(), cpu = threadCPU(), waited = Task.stopsWaited
        defer {
            counts[k, default: 0] += 1
            stops[k, default: 0] += Task.stopsWaited - waited
            seconds[k, default: 0] += Double(CheckpointStore.now() - start) / 1e9
            cpuSeconds[k, default: 0] += Double(threadCPU() - cpu) / 1e9
        }
        return try body()
    }

    private static func threadCPU() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Writes what was counted since the last report (nothing when nothing was) and resets:
    /// one line, or with `byTime` one line per key, the longest first.
    static func report(_ what: String, byTime: Bool = false) {
        guard enabled, !counts.isEmpty else { return }
        func item(_ k: String) -> String {
            guard let s = seconds[k] else { return "\(k) \(counts[k]!)" }
            let cpu = cpuSeconds[k].map { String(format: ", cpu %.3f s", $0) } ?? ""
            let waited = stops[k].map { ", \($0) stops" } ?? ""
            return "\(k) \(counts[k]!) (\(String(format: "%.3f", s)) s\(cpu)\(waited))"
        }
        if byTime {
            let keys = counts.keys.sorted { (seconds[$0] ?? 0, $1) > (seconds[$1] ?? 0, $0) }
            let total = seconds.values.reduce(0, +), cpu = cpuSeconds.values.reduce(0, +)
            fputs("swrr profile: \(what): \(String(format: "%.3f s, cpu %.3f s", total, cpu)), \(stops.values.reduce(0, +)) stops\n", stderr)
            for k in keys { fputs("  \(item(k))\n", stderr) }
        } else {
            fputs("swrr profile: \(what): \(counts.keys.sorted().map(item).joined(separator: ", "))\n", stderr)
        }
        counts = [:]
        seconds = [:]
        cpuSeconds = [:]
        stops = [:]
    }
}
