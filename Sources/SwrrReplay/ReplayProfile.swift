// SWRR_PROFILE=1: where a client operation's time goes in the replay (benchmarks/reverse's
// profile of issue 16 item 3): counts and seconds of the costly steps (scans, checkpoint
// restores and takes, stretch checkpoints, point searches and their stops, state digests),
// written on stderr after each resume request the engine serves, then reset. Off by default:
// one branch per counted step.
import Foundation
import Glibc

enum ReplayProfile {
    static let enabled = getenv("SWRR_PROFILE").map { String(cString: $0) == "1" } ?? false
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    nonisolated(unsafe) private static var seconds: [String: Double] = [:]

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

    /// Writes what was counted since the last report (nothing when nothing was) and resets.
    static func report(_ what: String) {
        guard enabled, !counts.isEmpty else { return }
        let items = counts.keys.sorted().map { k in
            seconds[k].map { "\(k) \(counts[k]!) (\(String(format: "%.3f", $0)) s)" } ?? "\(k) \(counts[k]!)"
        }
        fputs("swrr profile: \(what): \(items.joined(separator: ", "))\n", stderr)
        counts = [:]
        seconds = [:]
    }
}
