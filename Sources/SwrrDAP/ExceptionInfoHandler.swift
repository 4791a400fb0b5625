// `exceptionInfo`: what the signal a thread stopped for says (the recorded siginfo, through the
// core's Debugger.signalStop): its name as the exception id, si_code by name, the fault address
// of SIGSEGV/SIGBUS/SIGILL/SIGFPE, the sender of a signal a process sent. An error when the
// thread did not stop for a signal. breakMode is "always": the signal filters ("fatal-signals",
// "all-signals") stop at a delivery whether or not the program handles the signal; "unhandled"
// only when the filters changed since and no longer select it.
import SwrrDebugger
import SwrrKernel

public struct ExceptionInfoHandler: TypedRequestHandler {
    public let command = "exceptionInfo"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ExceptionInfoArguments, adapter: Adapter) throws -> ExceptionInfoResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let s: SignalStopInfo
        do {
            s = try t.core.signalStop(tid: arguments.threadId)
        } catch let e as SessionError {
            throw RequestError("exceptionInfo: \(e.message)")
        }
        var details = ExceptionInfoResponseBody.ExceptionDetails(typeName: "siginfo_t", signalNumber: Int(s.signal))
        var message = "\(s.name) (\(s.meaning))"
        if let info = s.info {
            details.code = Int(info.code)
            details.codeName = info.codeName
            message += ", si_code \(info.codeName)"
            if let a = info.faultAddress {
                details.faultAddress = hex(a)
                message += ", fault address \(hex(a))"
            }
            if let pid = info.senderPid, let uid = info.senderUid {
                details.senderPid = Int(pid)
                details.senderUid = Int(uid)
                message += ", sent by pid \(pid) (uid \(uid))"
            }
        }
        details.message = message
        return ExceptionInfoResponseBody(exceptionId: s.name, description: message,
                                         breakMode: s.stopsAlways ? "always" : "unhandled", details: details)
    }
}
