// The CPU time a process has used (user + system, all its threads), read through its POSIX CPU
// clock (clock_getcpuclockid). A bound on how long a tracee may run is a bound on the work it
// does: its CPU time is that work, while wall-clock time also counts the time other work on the
// machine held the CPUs (this one has 2 cores shared with several builds: load average 7-13).
// The process clock rather than the thread's: the kernel reads a thread's CPU clock only from
// inside its thread group (posix-cpu-timers.c, pid_for_clock), a process's from anywhere; and
// while swrr runs one thread of a process, the others are stopped or blocked in the kernel.
// The process clock is exact for a thread running at the moment (task_sched_runtime), where
// /proc's utime and stime advance in 10 ms ticks here.
import Glibc

public enum ProcessCPUTime {
    /// The CPU time process `pid` has used, in milliseconds; nil when its clock cannot be read
    /// (the process is gone).
    public static func ms(_ pid: Int32) -> Double? {
        var clock = clockid_t()
        guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return nil }
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }
}
