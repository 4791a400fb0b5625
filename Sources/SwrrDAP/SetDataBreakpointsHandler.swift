// `setDataBreakpoints`: replaces the data breakpoints with hardware watchpoints (at most four,
// the x86 debug registers) on the dataIds dataBreakpointInfo handed out, with a condition and a
// hit condition as line breakpoints have. A hit stops with reason "data breakpoint" and the new
// value in its description (going backwards: the value before the write).
import SwrrReplay

public struct SetDataBreakpointsHandler: UntypedRequestHandler {
    public let command = "setDataBreakpoints"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let bps = try arguments.objects("breakpoints") else {
            throw RequestError("setDataBreakpoints: the argument 'breakpoints' is required")
        }
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let table = adapter.session.breakpoints
        for d in table.data {
            try? t.debugger.removeWatchpoint(address: d.address, length: d.length, kind: d.kind)
        }
        table.data = []
        var out: [JSONObject] = []
        for (i, bp) in bps.enumerated() {
            let a = Arguments(bp, command: "setDataBreakpoints breakpoints[\(i)]")
            let dataId = try a.requiredString("dataId")
            let access = try a.string("accessType") ?? "write"
            let condition = try a.string("condition")
            let hitCondition = try a.string("hitCondition")
            let parts = dataId.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, let address = parseAddress(parts[0]), let length = Int(parts[1]),
                  [1, 2, 4, 8].contains(length) else {
                out.append(["verified": false, "message": "'\(dataId)' is not a dataId from dataBreakpointInfo"])
                continue
            }
            let kind: WatchKind = access == "write" ? .write : .readWrite
            let id = table.newID()
            do {
                try t.debugger.setWatchpoint(address: address, length: length, kind: kind)
            } catch {
                out.append(["id": id, "verified": false, "message": "\(error)"])
                continue
            }
            var d = DataBreakpoint(id: id, address: address, length: length, kind: kind, name: parts[3],
                                   typeName: parts[2].isEmpty ? nil : parts[2])
            d.lastValue = t.dataValue(d, tid: (try? t.liveThread(nil)) ?? t.focusTid)
            d.condition = condition
            d.hitCondition = hitCondition
            table.data.append(d)
            out.append(["id": id, "verified": true, "message": "watching \(d.name) (\(access))"])
        }
        return ["breakpoints": out]
    }
}
