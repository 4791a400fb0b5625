// `setDataBreakpoints`: replaces the data breakpoints with hardware watchpoints (at most four,
// the x86 debug registers) on the dataIds dataBreakpointInfo handed out, with a condition and a
// hit condition as line breakpoints have. A hit stops with reason "data breakpoint" and the new
// value in its description (going backwards: the value before the write).
import SwrrReplay

public struct SetDataBreakpointsHandler: TypedRequestHandler {
    public let command = "setDataBreakpoints"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: SetDataBreakpointsArguments, adapter: Adapter) throws -> SetBreakpointsResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let table = adapter.session.breakpoints
        for d in table.data {
            try? t.debugger.removeWatchpoint(address: d.address, length: d.length, kind: d.kind)
        }
        table.data = []
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
            let kind: WatchKind = access == "write" ? .write : .readWrite
            let id = table.newID()
            do {
                try t.debugger.setWatchpoint(address: address, length: length, kind: kind)
            } catch {
                out.append(Breakpoint(id: id, verified: false, message: "\(error)"))
                continue
            }
            var d = DataBreakpoint(id: id, address: address, length: length, kind: kind, name: parts[3],
                                   typeName: parts[2].isEmpty ? nil : parts[2])
            d.lastValue = t.dataValue(d, tid: (try? t.liveThread(nil)) ?? t.focusTid)
            d.condition = a.condition
            d.hitCondition = a.hitCondition
            table.data.append(d)
            out.append(Breakpoint(id: id, verified: true, message: "watching \(d.name) (\(access))"))
        }
        return SetBreakpointsResponseBody(breakpoints: out)
    }
}
