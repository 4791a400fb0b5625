// A tracer that waits for a task's next stop must not wait forever for a task that will never
// stop by itself: one asleep in the kernel (a real rt_sigsuspend whose signal never comes, an
// exec waiting in de_thread for threads its tracer keeps stopped) or a zombie thread group leader
// whose threads are still stopped. A task that computes is another matter: it may run for minutes
// without a syscall and still reach its stop.
//
// So a bounded wait looks at the task (TaskActivity, from /proc) every so often while it waits: a
// task in state R, or whose CPU time grew since the last look, is making progress. Only a task
// that makes none for the whole bound is stuck (TaskStuck). Task.wait has WaitWatchdog look for
// it; a wait in slices (the debugger's) calls `check()` between slices, which reads /proc at most
// every `sampleInterval`.
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
        seconds == seconds.rounded() && seconds < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}

/// The progress rule for one wait for task (tgid, tid).
public struct StallWatch {
    public let tid: pid_t
    public let tgid: pid_t
    /// Seconds without progress after which the task is stuck.
    public let limit: Double
    static let sampleInterval: UInt64 = 200_000_000   // ns
    private var lastProgress: UInt64
    private var lastSample: UInt64 = 0
    private var lastCPU: UInt64?

    public init(task: Task, limit: Double) {
        self.init(tid: task.tid, tgid: task.tgid, limit: limit)
    }

    init(tid: pid_t, tgid: pid_t, limit: Double, now: UInt64 = StallWatch.now()) {
        self.tid = tid
        self.tgid = tgid
        self.limit = limit
        lastProgress = now
    }

    /// Looks at the task (at most every sampleInterval); throws TaskStuck once it has made no
    /// progress for `limit` seconds since the watch started or it last made some.
    public mutating func check() throws {
        let now = Self.now()
        guard now &- lastSample >= Self.sampleInterval else { return }
        if let stuck = observe(TaskActivity.read(tgid: tgid, tid: tid), at: now) { throw stuck }
    }

    /// Takes in what the task was doing at `now`: the TaskStuck once it has made no progress for
    /// `limit` seconds, else nil.
    mutating func observe(_ activity: TaskActivity?, at now: UInt64) -> TaskStuck? {
        lastSample = now
        if let a = activity, a.isRunning || (lastCPU != nil && a.cpuTicks != lastCPU) {
            lastProgress = now
        }
        lastCPU = activity?.cpuTicks
        let idle = now > lastProgress ? Double(now - lastProgress) / 1e9 : 0
        return idle >= limit ? TaskStuck(tid: tid, seconds: limit, activity: activity) : nil
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
