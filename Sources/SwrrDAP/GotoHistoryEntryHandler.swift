// Custom request `gotoHistoryEntry` {"positionId": N}: travels in time to a value-history entry
// (`valueHistory`'s positionId, or the "(position N)" of a `-history` row): right after that
// write, in the writing thread, backwards or forwards. Announced with `continued`, then `stopped`
// with reason "goto" ("At write 3 of counter (= 30) (thread 4242, event 12)").

public struct GotoHistoryEntryHandler: TypedRequestHandler {
    public let command = "gotoHistoryEntry"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: GotoHistoryEntryArguments, adapter: Adapter) throws -> NoBody? {
        let id = arguments.positionId
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        guard let p = t.historyPositions.position(id) else {
            throw RequestError("gotoHistoryEntry: unknown positionId \(id) (ask valueHistory for a variable's entries first)")
        }
        try Resume.start(adapter, .gotoPosition(p))
        return nil
    }
}
