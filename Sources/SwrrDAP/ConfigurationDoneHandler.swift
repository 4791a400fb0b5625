// `configurationDone`: the client has sent its breakpoints. The replay then stops at the entry
// (stopOnEntry) or runs forward (announced with `continued`). A client that can start sessions
// is then asked for one per other process of the recording (ChildSessions.swift).

public struct ConfigurationDoneHandler: TypedRequestHandler {
    public let command = "configurationDone"
    public var validStates: Set<SessionState> { [.launched] }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> NoBody? {
        if adapter.session.configuration?.stopOnEntry == true {
            adapter.report(.entry)
        } else {
            try Resume.start(adapter)
        }
        ChildSessions.request(adapter)
        return nil
    }
}
