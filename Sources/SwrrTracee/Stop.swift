// Decoding wait(2) statuses of a ptrace'd task into the kinds of stop swrr distinguishes.
import CSwrrShim
import Glibc
import SwrrKernel

/// ptrace event numbers (status >> 16 on a SIGTRAP stop).
public enum PtraceEvent: Int32, Sendable {
    case fork = 1, vfork = 2, clone = 3, exec = 4, vforkDone = 5, exit = 6, seccomp = 7
    case stop = 128  // group-stop or PTRACE_INTERRUPT of a seized task
}

public enum Stop: Equatable, Sendable {
    /// A syscall entry or exit (SIGTRAP|0x80 with PTRACE_O_TRACESYSGOOD). Which one the tracer
    /// must know from its own state: the kernel does not say.
    case syscall
    /// A signal-delivery stop: the signal is about to be delivered unless the tracer suppresses it.
    case signal(Int32)
    /// A ptrace event stop.
    case event(PtraceEvent)
    /// The task exited with this code.
    case exited(Int32)
    /// The task was killed by this signal.
    case killed(signal: Int32, coreDumped: Bool)

    public init(waitStatus s: Int32) {
        if swrr_wifexited(s) != 0 {
            self = .exited(swrr_wexitstatus(s))
        } else if swrr_wifsignaled(s) != 0 {
            self = .killed(signal: swrr_wtermsig(s), coreDumped: swrr_wcoredump(s) != 0)
        } else {
            let sig = swrr_wstopsig(s)
            if sig == (SIGTRAP | 0x80) {
                self = .syscall
            } else if (s >> 16) != 0 {
                self = .event(PtraceEvent(rawValue: (s >> 16) & 0xff) ?? .stop)
            } else {
                self = .signal(sig)
            }
        }
    }

    public var isTermination: Bool {
        switch self {
        case .exited, .killed: return true
        default: return false
        }
    }
}

/// A wait status for a task that exited normally or by signal, as wait(2) encodes it.
public enum WaitStatus {
    public static func exited(_ code: Int32) -> Int32 { (code & 0xff) << 8 }
    public static func killed(_ signal: Int32, core: Bool) -> Int32 { signal | (core ? 0x80 : 0) }

    /// Whether `replayed` ends a task the way `recorded` did. The core-dump bit does not count:
    /// whether the kernel writes a core depends on RLIMIT_CORE, the working directory and
    /// core_pattern, and replay emulates setrlimit and chdir (and spawns with RLIMIT_CORE 1,
    /// Spawner.replayFlags), so a replayed task never dumps (measured: a child with RLIMIT_CORE
    /// unlimited recorded as 0x8b replays as 0x0b).
    public static func sameEnd(_ replayed: Int32, _ recorded: Int32) -> Bool {
        if swrr_wifsignaled(replayed) != 0 && swrr_wifsignaled(recorded) != 0 {
            return swrr_wtermsig(replayed) == swrr_wtermsig(recorded)
        }
        return replayed == recorded
    }

    /// The exit status a shell would show: the code, or 128 + signal.
    public static func shellStatus(_ status: Int32) -> Int32 {
        if swrr_wifexited(status) != 0 { return swrr_wexitstatus(status) }
        if swrr_wifsignaled(status) != 0 { return 128 + swrr_wtermsig(status) }
        return 1
    }

    public static func describe(_ status: Int32) -> String {
        if swrr_wifexited(status) != 0 { return "exited with status \(swrr_wexitstatus(status))" }
        if swrr_wifsignaled(status) != 0 {
            let sig = swrr_wtermsig(status)
            return "killed by \(SignalNames.name(sig))" + (swrr_wcoredump(status) != 0 ? " (core dumped)" : "")
        }
        return "status \(status)"
    }
}
