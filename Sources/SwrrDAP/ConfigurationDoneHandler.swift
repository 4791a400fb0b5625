// `configurationDone`: the client has sent its breakpoints. The replay then stops at the entry
// (stopOnEntry) or runs forward (announced with `continued`). A client that can start sessions
// is then asked for one per other process of the recording (ChildSessions.swift).

public struct ConfigurationDoneHandler: TypedRequestHandler {
    public let command = "configurationDone"
    public var validStates: Set<SessionState> { [.launched] }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> NoBody? {
        if let target = adapter.session.target, let owner = target.owner {
            // A child session of a tree: the replay is where the parent's is; it shows that.
            if owner.isRunning {
                try adapter.session.move(to: .running)
                adapter.afterResponse(ContinuedEventBody(threadId: target.focusThread, allThreadsContinued: true))
            } else {
                adapter.report(owner.lastStop)
            }
            return nil
        }
        // The tree first: the parent's breakpoints are scoped to its process before it runs.
        ChildSessions.request(adapter)
        if adapter.session.configuration?.stopOnEntry == true {
            adapter.report(.entry)
        } else {
            try Resume.start(adapter)
        }
        return nil
    }
}
