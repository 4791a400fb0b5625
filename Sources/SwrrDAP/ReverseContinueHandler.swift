// `reverseContinue`: runs backwards to the previous breakpoint hit (condition true), data
// breakpoint trap, or the start of the recording. Announced with `continued`.

public struct ReverseContinueHandler: TypedRequestHandler {
    public let command = "reverseContinue"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ReverseContinueArguments, adapter: Adapter) throws -> NoBody? {
        try Resume.start(adapter, .reverseContinue)
        return nil
    }
}
