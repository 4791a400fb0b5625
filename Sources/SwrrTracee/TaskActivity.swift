// What the kernel says a task is doing right now, from /proc: its scheduler state, the CPU time
// it has used, and, when it sleeps, the syscall and kernel function it sleeps in. A tracer that
// waits for a stop uses it to tell a task that computes (state R, its CPU time growing) from one
// that will never stop by itself (asleep in the kernel, or a zombie leader waiting for threads).
//
// Measured on the kernel here: /proc/TGID/task/TID/stat has the thread's own utime and stime
// (/proc/TID/stat adds up the whole thread group); /proc/PID/syscall is "running" for a task on
// a CPU, "-1 SP PC" for one that sleeps outside a syscall, and "NR ARGS… SP PC" for one asleep in
// syscall NR; /proc/PID/wchan names the kernel function it sleeps in ("hrtimer_nanosleep" for
// nanosleep, "sigsuspend" for rt_sigsuspend), or "0" for a task that is not asleep.
import Glibc
import SwrrKernel

public struct TaskActivity: Equatable, Sendable {
    /// The state letter of /proc/PID/stat: R running or runnable, S sleeping, D uninterruptible
    /// sleep, t stopped by its tracer, T stopped by a signal, Z zombie, X dead.
    public var state: Character
    /// utime + stime, in clock ticks (10 ms here).
    public var cpuTicks: UInt64
    /// The syscall it sleeps in (nil when it runs, or sleeps outside any syscall).
    public var syscall: Int?
    /// The kernel function it sleeps in ("" when none is named).
    public var wchan: String

    public init(state: Character, cpuTicks: UInt64, syscall: Int? = nil, wchan: String = "") {
        self.state = state
        self.cpuTicks = cpuTicks
        self.syscall = syscall
        self.wchan = wchan
    }

    /// The task's activity now; nil when /proc no longer has it.
    public static func read(tgid: pid_t, tid: pid_t) -> TaskActivity? {
        guard let stat = readTextFile("/proc/\(tgid)/task/\(tid)/stat"),
              var activity = TaskActivity(stat: stat) else { return nil }
        if activity.state != "R" {
            activity.syscall = readTextFile("/proc/\(tgid)/task/\(tid)/syscall").flatMap(Self.syscallNumber)
            let w = readTextFile("/proc/\(tgid)/task/\(tid)/wchan")?.trimmingCharacters(in: "\n") ?? ""
            activity.wchan = w == "0" ? "" : w
        }
        return activity
    }

    /// Parses the fields of /proc/PID/stat that matter here. The command name (field 2) is in
    /// parentheses and may itself hold spaces and parentheses: fields are counted after the last ')'.
    public init?(stat text: String) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the name: state (field 3) is fields[0], utime (14) fields[11], stime (15) fields[12].
        guard fields.count > 12, let s = fields[0].first,
              let utime = UInt64(fields[11]), let stime = UInt64(fields[12]) else { return nil }
        let (sum, overflow) = utime.addingReportingOverflow(stime)
        self.init(state: s, cpuTicks: overflow ? .max : sum)
    }

    /// The syscall task `tid` sleeps in now and the address its `syscall` instruction returns to
    /// (the PC field of /proc/PID/syscall); nil when it runs (the kernel answers "running" for a
    /// task on a CPU or runnable), sleeps outside any syscall, or is gone. One read of /proc.
    public static func sleepingSyscall(tgid: pid_t, tid: pid_t) -> (number: Int, pc: UInt64)? {
        guard let text = readTextFile("/proc/\(tgid)/task/\(tid)/syscall") else { return nil }
        return sleepingSyscall(text)
    }

    /// The number and PC of a /proc/PID/syscall line ("NR ARG1…ARG6 SP PC"); nil for "running",
    /// "-1 SP PC" or anything else.
    static func sleepingSyscall(_ text: String) -> (number: Int, pc: UInt64)? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 9, let number = syscallNumber(text), let last = fields.last,
              last.hasPrefix("0x"), let pc = UInt64(last.dropFirst(2), radix: 16) else { return nil }
        return (number, pc)
    }

    /// The syscall number of a /proc/PID/syscall line ("running" and "-1 …": none). A number
    /// outside the kernel's range is none too.
    static func syscallNumber(_ text: String) -> Int? {
        guard let first = text.split(separator: " ").first, let n = Int(String(first).trimmingCharacters(in: "\n")),
              n >= 0, n < 1 << 20 else { return nil }
        return n
    }

    /// Whether the task is making progress by itself: running or runnable.
    public var isRunning: Bool { state == "R" }

    /// What it is doing, in words: "asleep in the kernel in rt_sigsuspend (state S, wchan sigsuspend)".
    public var description: String {
        let wchanNote = wchan.isEmpty ? "" : ", wchan \(wchan)"
        switch state {
        case "R":
            return "running user code"
        case "S", "D":
            let inCall = syscall.map { "in \(SyscallTable.name($0))" } ?? "outside any syscall"
            return "asleep in the kernel \(inCall) (state \(state)\(wchanNote))"
        case "t":
            return "stopped by ptrace with no stop left to report (state t\(wchanNote))"
        case "T":
            return "stopped by a signal (state T)"
        case "Z":
            return "a zombie: it has exited, and the kernel reports a thread group leader's end only after its other threads' (state Z)"
        case "X":
            return "dead (state X)"
        default:
            return "in state \(state)\(wchanNote)"
        }
    }
}
