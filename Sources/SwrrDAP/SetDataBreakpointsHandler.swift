// `setDataBreakpoints`: replaces the data breakpoints with hardware watchpoints (at most four,
// the x86 debug registers) on the dataIds dataBreakpointInfo handed out, with a condition and a
// hit condition as line breakpoints have. A hit stops with reason "data breakpoint" and the new
// value in its description (going backwards: the value before the write).
import SwrrDebugger
import SwrrReplay

public struct SetDataBreakpointsHandler: TypedRequestHandler {
    public let command = "setDataBreakpoints"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: SetDataBreakpointsArguments, adapter: Adapter) throws -> SetBreakpointsResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        if let owner = t.owner {
            // A child session of a process tree: the data breakpoints are the one replay's (the
            // debug registers watch every process), set in the parent session; an empty list
            // (what editors send at configuration) must not clear the parent's.
            return SetBreakpointsResponseBody(breakpoints: arguments.breakpoints.map { _ in
                Breakpoint(verified: false, message: "set data breakpoints in the parent session (process \(owner.processID)): they watch every process of the recording")
            })
        }
        t.core.clearDataBreakpoints()
        var out: [Breakpoint] = []
        for a in arguments.breakpoints {
            let dataId = a.dataId
            let access = a.accessType ?? "write"
            let parts = dataId.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, let address = parseAddress(parts[0]), let length = Int(parts[1]),
                  [1, 2, 4, 8].contains(length) else {
                out.append(Breakpoint(verified: false, message: "'\(dataId)' is not a dataId from dataBreakpointInfo"))
                continue
            }
            let request = DataBreakpointRequest(
                address: address, length: length, kind: access == "write" ? .write : .readWrite, name: parts[3],
                typeName: parts[2].isEmpty ? nil : parts[2], condition: ExpressionCondition(a.condition),
                hitCondition: a.hitCondition)
            let (id, error) = t.core.addDataBreakpoint(request)
            if let error {
                out.append(Breakpoint(id: id, verified: false, message: "\(error)"))
            } else {
                out.append(Breakpoint(id: id, verified: true, message: "watching \(request.name) (\(access))"))
            }
        }
        return SetBreakpointsResponseBody(breakpoints: out)
    }
}
