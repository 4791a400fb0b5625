// `continue`: replays forward to the next breakpoint, data breakpoint, signal (per the exception
// filters) or the end of the recording. At the end, it stops there again at once.
import SwrrDebugger

/// Starting to run: the state changes and `continued` is announced before any `stopped`.
enum Resume {
    static func start(_ adapter: Adapter, _ request: RunRequest = .continue) throws {
        guard let target = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let focus = target.focusThread   // read before the run thread may move it
        try target.begin(request)
        adapter.runStarted(title: LongRun.title(request, command: adapter.currentRequest?.command ?? ""),
                           forward: LongRun.isForward(request))
        try adapter.session.move(to: .running)
        adapter.afterResponse(ContinuedEventBody(threadId: focus, allThreadsContinued: true))
    }

    /// The thread a stepping request names, checked against the live threads.
    static func thread(_ id: Int32, _ command: String, adapter: Adapter, allowAtEnd: Bool = false) throws -> Int32 {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        if t.atEnd && !allowAtEnd { throw RequestError("\(command): the replay is at the end of the recording") }
        return try t.liveThread(id)
    }
}

public struct ContinueHandler: TypedRequestHandler {
    public let command = "continue"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ContinueArguments, adapter: Adapter) throws -> ContinueResponseBody? {
        try Resume.start(adapter)
        return ContinueResponseBody(allThreadsContinued: true)
    }
}
