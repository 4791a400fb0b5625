// Why a recording could not start or had to stop. Each case reads as one sentence for the user.
import SwrrKernel

public enum RecordError: Error, CustomStringConvertible {
    case programNotFound(String)
    case notExecutable(String, String)
    case execFailed(String, String)
    case unsupported(Unsupported, event: Int)
    case tracee(String)
    /// `swrr record` received SIGTERM or SIGHUP (StopSignals.swift).
    case stopped(signal: Int32)

    public var description: String {
        switch self {
        case .programNotFound(let p):
            return "cannot record \(p): no such program (check the name or your PATH)"
        case .notExecutable(let p, let why):
            return "cannot record \(p): not executable (\(why))"
        case .execFailed(let p, let why):
            return "cannot record \(p): exec failed: \(why)"
        case .unsupported(let u, let event):
            return "recording stopped: \(u) at event \(event); swrr cannot record this yet, " +
                "and the trace replays up to that point"
        case .tracee(let what):
            return "recording failed: \(what)"
        case .stopped(let signal):
            return "recording stopped: swrr record received \(SignalNames.name(signal)); the program was killed, " +
                "and the trace replays up to that point"
        }
    }

    /// The reason stored in an aborted trace (shown by replay and dump).
    public var traceReason: String {
        switch self {
        case .unsupported(let u, _): return u.description
        case .stopped(let signal): return "swrr record received \(SignalNames.name(signal))"
        default: return description
        }
    }

    /// The exit status `swrr record` uses for this error (shell conventions for exec failures).
    public var exitStatus: Int32 {
        switch self {
        case .programNotFound: return 127
        case .notExecutable, .execFailed: return 126
        case .unsupported: return 69   // EX_UNAVAILABLE
        case .tracee: return 70        // EX_SOFTWARE
        case .stopped(let signal): return 128 + signal
        }
    }
}
