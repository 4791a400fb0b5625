// `restart`: back to the start of the recording. The replay is opened again on the same trace
// (a launched program is not recorded again), the breakpoints are placed again, and it stops at
// the entry. In a process tree (ProcessTree.swift) the replay is every session's: opening
// another would leave the others on the old one, so a restart there travels to the start of
// the recording (event 1, the first) on the one timeline, and every session stops there.

public struct RestartHandler: TypedRequestHandler {
    public let command = "restart"
    public var validStates: Set<SessionState> { [.running, .stopped] }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> NoBody? {
        guard let old = adapter.session.target else {
            throw RequestError("restart: nothing is being debugged")
        }
        if adapter.tree != nil {
            try Resume.start(adapter, .gotoEvent(1))
            return nil
        }
        old.kill()
        adapter.endLongRun()
        do {
            let t = try DebuggerTarget.open(old.traceDirectory, process: old.processID, adapter: adapter)
            adapter.session.target = t
            adapter.session.breakpoints.resetHits()
            t.core.placeBreakpoints()
        } catch {
            adapter.session.target = nil
            adapter.sendTerminated()
            adapter.session.end()
            throw RequestError("restart: cannot open the recording \(old.traceDirectory) again: \(error)")
        }
        adapter.session.exitedSent = false
        adapter.report(.entry)
        return nil
    }
}
