// The bound of Task.wait (StallWatch.swift) without a cost per wait. Arming a timer around each
// waitpid costs two timer_settime calls, measured at 1.8-2.4 µs per wait here, against ≈45 µs
// for a whole ptrace stop round trip: a few percent of every replay. Instead each bounded wait
// only registers itself (a mutex, no syscall) and blocks in one waitpid; one background thread per
// process looks at the waited-for tasks every `interval` and, for a task that has made no
// progress for its bound, records the TaskStuck and sends SIGURG to the waiting thread, whose
// waitpid then returns EINTR (the handler is installed without SA_RESTART).
//
// The signal is sent with the lock held and only while the wait is registered (again at each look
// until the waiter unregisters), and a waiter takes the lock right after waitpid returns to
// unregister: so SIGURG reaches the waiter in its waitpid, or just before or after it where the
// handler only runs; it never interrupts an unrelated syscall of swrr (the futex of the lock
// itself is retried by glibc).
import CSwrrShim
import Glibc

final class WaitWatchdog {
    static let shared = WaitWatchdog()
    /// How often the thread looks at the waited-for tasks.
    static let interval: UInt32 = 200_000   // µs

    private struct Waiting {
        var watch: StallWatch
        /// The kernel tid of the thread in waitpid.
        var waiter: pid_t
        var generation: UInt64
        var stuck: TaskStuck?
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Registered waits, by the tid of the task waited for (one tracer thread waits for a task).
    private var waiting: [pid_t: Waiting] = [:]
    private var generation: UInt64 = 0
    private var started = false

    private init() {
        swrr_wake_setup()
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        waiting.reserveCapacity(16)
    }

    /// The calling thread is about to wait for task (tgid, tid), for at most `limit` seconds
    /// without progress.
    func begin(tid: pid_t, tgid: pid_t, limit: Double) {
        let now = StallWatch.now()
        let waiter = swrr_gettid()
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if !started { startThread() }
        generation &+= 1
        waiting[tid] = Waiting(watch: StallWatch(tid: tid, tgid: tgid, limit: limit, now: now),
                               waiter: waiter, generation: generation, stuck: nil)
    }

    /// The wait for `tid` is over; its TaskStuck if the watchdog found it stuck.
    func end(tid: pid_t) -> TaskStuck? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return waiting.removeValue(forKey: tid)?.stuck
    }

    /// After an interrupted waitpid: the TaskStuck if the wait for `tid` was found stuck (which
    /// ends it), nil if it goes on (another signal interrupted it).
    func endIfStuck(tid: pid_t) -> TaskStuck? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard let stuck = waiting[tid]?.stuck else { return nil }
        waiting[tid] = nil
        return stuck
    }

    private func startThread() {
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if pthread_create(&thread, &attributes, { _ in
            WaitWatchdog.shared.run()
            return nil
        }, nil) == 0 {
            started = true
        }
        pthread_attr_destroy(&attributes)
    }

    private func run() {
        // The watchdog's own thread takes no SIGURG meant for a waiter (tgkill names the thread,
        // but a SIGURG sent to the process must not land here either).
        var urg = sigset_t()
        sigemptyset(&urg)
        sigaddset(&urg, SIGURG)
        pthread_sigmask(SIG_BLOCK, &urg, nil)
        while true {
            usleep(Self.interval)
            look()
        }
    }

    /// Looks at every task waited for since before the last look.
    private func look() {
        pthread_mutex_lock(mutex)
        let due = waiting.values.map { ($0.watch, $0.generation) }
        pthread_mutex_unlock(mutex)
        for (watch, gen) in due {
            // /proc is read without the lock: waits come and go meanwhile.
            let activity = TaskActivity.read(tgid: watch.tgid, tid: watch.tid)
            let now = StallWatch.now()
            pthread_mutex_lock(mutex)
            if var w = waiting[watch.tid], w.generation == gen {
                if w.stuck == nil {
                    w.stuck = w.watch.observe(activity, at: now)
                    waiting[watch.tid] = w
                }
                // Again at every look until the waiter has gone: a SIGURG that came before it
                // entered waitpid only ran the handler.
                if w.stuck != nil { _ = swrr_wake_thread(w.waiter) }
            }
            pthread_mutex_unlock(mutex)
        }
    }
}
