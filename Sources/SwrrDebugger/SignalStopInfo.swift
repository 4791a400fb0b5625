// What a thread stopped by a signal received, for a front end's exception details: the
// recorded siginfo (replay hands the program the recorded one with PTRACE_SETSIGINFO, so it is
// what its handler reads or what killed it), and whether the signal policy stops at this signal
// whatever the program does with it.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrKernel

public struct SignalStopInfo: Equatable, Sendable {
    public var tid: Int32
    public var signal: Int32
    /// "SIGSEGV".
    public var name: String
    /// "Segmentation fault" (strsignal).
    public var meaning: String
    /// The recorded siginfo (nil when the replay is not at the signal's delivery any more).
    public var info: SignalInfo?
    /// The policy stops at every delivery of this signal, handled or not.
    public var stopsAlways: Bool
}

extension Debugger {
    /// The signal `tid` stopped for at the last stop; an error when it did not stop for one.
    public func signalStop(tid: Int32) throws -> SignalStopInfo {
        guard case .signal(let stopped, let number)? = lastStop, stopped == tid else {
            let what = lastStop.map { "the last stop: \($0.description)" } ?? "no run has stopped yet"
            throw SessionError("thread \(tid) did not stop for a signal (\(what))")
        }
        let event = try replay.deliveredSignal(tid: tid)
        return SignalStopInfo(tid: tid, signal: number, name: SignalNames.name(number),
                              meaning: String(cString: strsignal(number)),
                              info: event.flatMap { SignalInfo(raw: $0.siginfo) },
                              stopsAlways: breakpoints.signals.stops(at: number))
    }
}
