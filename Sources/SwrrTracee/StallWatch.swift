// A tracer that waits for a task's next stop must not wait forever for a task that will never
// stop by itself: one asleep in the kernel (a real rt_sigsuspend whose signal never comes, an
// exec waiting in de_thread for threads its tracer keeps stopped) or a zombie thread group leader
// whose threads are still stopped. A task that computes is another matter: it may run for minutes
// without a syscall and still reach its stop.
//
// So a wait with a bound looks at the task (TaskActivity, from /proc) between slices of waiting:
// a task in state R, or whose CPU time grew since the last look, is making progress. Only a task
// that makes none for the whole bound is stuck (TaskStuck). Progress is re-checked at most every
// `sampleInterval`, so a long computation under a debugger waiting in 50 ms slices reads /proc a
// few times a second, not at every slice.
import Glibc

/// Thrown by a bounded wait (Task.wait with `stuckAfter` set, or a StallWatch) for a task that
/// made no progress for the whole bound while its tracer waited for its stop.
public struct TaskStuck: Error, CustomStringConvertible {
    /// The real tid of the task.
    public let tid: pid_t
    /// How long it made no progress.
    public let seconds: Double
    /// What it was doing at the end (nil: /proc no longer has it).
    public let activity: TaskActivity?

    /// "asleep in the kernel in rt_sigsuspend (state S, wchan sigsuspend) for 2 s".
    public var what: String {
        "\(activity?.description ?? "gone from /proc without reporting its end") for \(Self.format(seconds)) s"
    }

    public var description: String { "task \(tid) made no progress while swrr waited for its stop: \(what)" }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

public struct StallWatch {
    public let task: Task
    /// Seconds without progress after which the task is stuck.
    public let limit: Double
    static let sampleInterval: UInt64 = 200_000_000   // ns
    private var lastProgress: UInt64
    private var lastSample: UInt64 = 0
    private var lastCPU: UInt64?

    public init(task: Task, limit: Double) {
        self.task = task
        self.limit = limit
        lastProgress = Self.now()
    }

    /// Looks at the task (at most every sampleInterval); throws TaskStuck once it has made no
    /// progress for `limit` seconds since the watch started or it last made some.
    public mutating func check() throws {
        let now = Self.now()
        guard now &- lastSample >= Self.sampleInterval else { return }
        lastSample = now
        let activity = TaskActivity.read(tgid: task.tgid, tid: task.tid)
        if let a = activity, a.isRunning || (lastCPU != nil && a.cpuTicks != lastCPU) {
            lastProgress = now
        }
        lastCPU = activity?.cpuTicks
        let idle = Double(now &- lastProgress) / 1e9
        if idle >= limit {
            throw TaskStuck(tid: task.tid, seconds: limit, activity: activity)
        }
    }

    /// How long one slice of a bounded wait lasts: a quarter of the bound, within 50 ms ... 1 s, so
    /// a stuck task is found at most a slice after its bound.
    public static func sliceMs(for limit: Double) -> Int32 {
        guard limit.isFinite else { return 1000 }
        return Int32(min(1000, max(50, limit * 250)))
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
