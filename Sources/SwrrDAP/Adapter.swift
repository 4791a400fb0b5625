// The adapter: reads framed messages, dispatches each request to its handler through
// HandlerRegistry, answers, and emits events. While the replay runs, it alternates between
// advancing the target and reading requests (so `pause` and `disconnect` are served at once).
//
// Nothing here writes to file descriptor 1: `standardStreams()` moves the protocol to private
// descriptors first, because the recorded program inherits 0, 1 and 2.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrDebugger

public final class Adapter {
    public let session = Session()
    let reader: FrameReader
    let writer: FrameWriter
    private let seqLock = NSLock()
    private var nextSeq = 1
    private var queued: [OutgoingMessage] = []
    private var finished = false
    /// A handler is running: events about its effect wait for its response.
    private var inHandler = false
    /// The request being handled.
    private(set) var currentRequest: Request?
    /// The handler answers later (`respondLater`): no response goes out when it returns.
    private var responseDeferred = false
    /// The operation under way on the run thread (LongRun.swift).
    private(set) var longRun: LongRun?
    /// Frames read while the loop was busy (a launch recording, `servingCancel`): served first.
    private var backlog: [Frame] = []
    /// The process tree this session is one of (ProcessTree.swift): the parent's, or the one
    /// whose connection this adapter serves.
    var tree: ProcessTree?
    /// The process a child session of a tree shows (set at its launch).
    var joinedProcess: Int?
    /// The client's `initialize` request as received (a child session's proxy sends it on).
    var initializeRequest: JSONObject?
    /// Set by a `launch` naming a parent session (`__swrrParent`): the loop ends, and swrr-dap
    /// forwards the session there (ChildProxy.swift) with these requests first.
    public private(set) var forwarding: (socketPath: String, opening: [[UInt8]])?
    /// The client's input, for the proxy that takes over from the loop.
    public var clientReader: FrameReader { reader }

    /// The replayed program's output, as `output` events.
    lazy var programOutput = OutputForwarder { [unowned self] category, text in
        self.sendEvent(OutputEventBody(category: category, output: text))
    }

    public init(input: Int32, output: Int32) {
        reader = FrameReader(fd: input)
        writer = FrameWriter(fd: output)
    }

    /// Moves the protocol off the standard streams: returns private close-on-exec copies of stdin
    /// and stdout, puts /dev/null on 0 and stderr on 1 (so nothing else can write into the
    /// protocol, and programs swrr-dap starts cannot read it).
    public static func standardStreams() -> (input: Int32, output: Int32) {
        let input = fcntl(0, F_DUPFD_CLOEXEC, 3)
        let output = fcntl(1, F_DUPFD_CLOEXEC, 3)
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, 0); if null > 2 { close(null) } }
        dup2(2, 1)
        signal(SIGPIPE, SIG_IGN)
        return (input, output)
    }

    // MARK: sending

    /// Sends a message with the next sequence number (any thread).
    public func send(_ message: OutgoingMessage) {
        seqLock.lock()
        let seq = nextSeq
        nextSeq += 1
        // Serialize and write under the lock, so sequence numbers go out in order.
        writer.write(OutgoingMessage.serialize(message.object(seq: seq)))
        seqLock.unlock()
    }

    public func sendEvent<Body: EventBody>(_ body: Body) {
        send(.event(body))
    }

    /// An event without a body (`initialized`, `terminated`).
    public func sendEvent(_ name: String) {
        send(.event(name, body: nil))
    }

    /// Queues an event to be sent right after the response of the request being handled.
    public func afterResponse<Body: EventBody>(_ body: Body) {
        queued.append(.event(body))
    }

    public func afterResponse(_ name: String) {
        queued.append(.event(name, body: nil))
    }

    /// Queues a reverse request (`startDebugging`) to be sent right after the current response.
    func requestAfterResponse(_ command: String, _ arguments: JSONObject) {
        queued.append(.request(command: command, arguments: arguments))
    }

    /// Sends an event now, or right after the response when a request is being handled.
    public func post<Body: EventBody>(_ body: Body) {
        if inHandler { afterResponse(body) } else { sendEvent(body) }
    }

    public func post(_ name: String) {
        if inHandler { afterResponse(name) } else { sendEvent(name) }
    }

    /// A message from swrr-dap itself to the user (debug console).
    public func console(_ text: String, category: String = "console", group: String? = nil) {
        sendEvent(OutputEventBody(category: category, output: text.hasSuffix("\n") || text.isEmpty ? text : text + "\n",
                                  group: group))
    }

    // MARK: the loop

    /// Serves until `disconnect` or the end of input; every replayed task is ended on return.
    /// Returns the exit status for swrr-dap.
    public func run() -> Int32 {
        defer {
            treeLock?.lock()
            if let tree, tree.isParent(self) { tree.shutDown() }
            session.end()
            treeLock?.unlock()
        }
        _ = programOutput   // created here, not by the first write from the replay's thread
        while !finished {
            // While the replay runs, requests and replay steps alternate, so neither a chatty
            // client nor a long replay starves the other.
            if session.state == .running, let target = session.target {
                let lock = treeLock
                lock?.lock()
                defer { lock?.unlock() }
                do {
                    if let finished = try target.advance() {
                        runFinished(finished, target: target)
                    } else {
                        longRun?.tick(self, reportsProgress: session.reportsProgress)
                    }
                } catch {
                    endLongRun()
                    replayFailed(error)
                }
                if !reader.isReady() { continue }
            }
            switch backlog.isEmpty ? reader.next() : backlog.removeFirst() {
            case .end:
                return 0
            case .malformed(let why):
                console("swrr-dap: \(why)")
            case .message(let body):
                let lock = treeLock
                lock?.lock()
                dispatch(body)
                lock?.unlock()
            }
        }
        return 0
    }

    /// The lock of the process tree this session is in (none: a session alone).
    private var treeLock: NSRecursiveLock? { tree?.lock }

    /// A `launch` named a parent session: this loop ends after it, and swrr-dap forwards the
    /// session there (the launch is answered by the parent).
    func forward(to socketPath: String, launch: Request) {
        var opening: [[UInt8]] = []
        if let i = initializeRequest { opening.append(OutgoingMessage.serialize(i)) }
        opening.append(OutgoingMessage.serialize(launch.raw))
        forwarding = (socketPath, opening)
        responseDeferred = true
        finish()
    }

    func dispatch(_ body: [UInt8]) {
        switch IncomingMessage.parse(body) {
        case .request(let request):
            handle(request)
        case .badRequest(let seq, let command, let message):
            send(.error(requestSeq: seq, command: command, message: message))
        case .response(_, let command, let success, let message):
            // The client's answer to a reverse request: only a refusal needs the user's attention.
            if !success { console("swrr-dap: the client refused '\(command.prefix(40))': \(message ?? "no reason given")") }
        case .ignored(let why), .unanswerable(let why):
            console("swrr-dap: \(why)")
        }
    }

    func handle(_ request: Request) {
        queued = []
        guard let handler = HandlerRegistry.table[request.command] else {
            send(.error(requestSeq: request.seq, command: request.command,
                        message: "unknown request '\(request.command.prefix(80))': swrr-dap does not support it"))
            return
        }
        guard handler.validStates.contains(session.state) else {
            send(.error(requestSeq: request.seq, command: request.command,
                        message: "\(request.command) is not valid now: \(session.state.whyNot)"))
            return
        }
        let wasRunning = session.target?.isRunning ?? false
        inHandler = true
        currentRequest = request
        responseDeferred = false
        defer { inHandler = false; currentRequest = nil }
        answer(requestSeq: request.seq, command: request.command) {
            let body = try handler.respond(to: request, adapter: self)
            if responseDeferred { return JSONObject??.none }
            return .some(body)
        }
        inHandler = false
        let events = queued
        queued = []
        for e in events { send(e) }
        if let tree, !wasRunning, session.state == .running, session.target?.isRunning == true {
            for other in tree.others(than: self) { other.sharedRunStarted() }
        }
    }

    /// Another session of the tree runs the replay: this one's process runs too.
    func sharedRunStarted() {
        guard session.state == .stopped, let target = session.target else { return }
        target.sharedRunStarted()
        try? session.move(to: .running)
        sendEvent(ContinuedEventBody(threadId: target.focusThread, allThreadsContinued: true))
    }

    /// Another session's run stopped: this session shows where its process is now.
    func sharedStop(_ stop: TargetStop) {
        guard session.state == .running || session.state == .stopped, let target = session.target else { return }
        target.sharedStop(stop)
        report(stop)
    }

    // MARK: operations on the run thread

    /// The request being handled started an operation on the run thread: its progress is
    /// reported and `cancel` can name it (by this request's seq or its progressId).
    func runStarted(title: String, forward: Bool) {
        endLongRun()
        guard let r = currentRequest, let target = session.target else { return }
        longRun = LongRun(requestSeq: r.seq, command: r.command, title: title,
                          state: LongRun.replayState(target, forward: forward),
                          stop: { [weak target] in target?.pause() })
    }

    /// The request being handled is answered when its operation ends, by `respond` (called on
    /// the read loop with what the run thread finished with). Must follow `runStarted`.
    func respondLater(_ respond: @escaping (DebuggerTarget.Finished) throws -> JSONObject?) {
        responseDeferred = true
        longRun?.respond = respond
    }

    /// The operation under way ends without a result (the session restarts or ends): its
    /// progress ends and a request still waiting is answered as cancelled.
    func endLongRun() {
        guard let run = longRun else { return }
        longRun = nil
        run.end(self)
        if run.respond != nil { send(.cancelled(requestSeq: run.requestSeq, command: run.command)) }
    }

    /// `cancel` of the operation under way, when the arguments name it. Whether they did.
    func cancelLongRun(_ arguments: CancelArguments) -> Bool {
        guard let run = longRun, !run.cancelled, run.isNamed(by: arguments) else { return false }
        run.cancel()
        return true
    }

    /// Runs `body` on this thread while another reads requests (the recording of a launch keeps
    /// this thread, its tracer, for as long as the program runs): `cancel` is answered at once,
    /// and `operation` stopped when the cancel names it; every other frame waits for the loop,
    /// in order. `operation` gets its progress ticks from that thread.
    func servingCancel<T>(_ operation: LongRun, _ body: () throws -> T) rethrows -> T {
        let done = OnceFlag()
        let ended = DispatchSemaphore(value: 0)
        let reports = session.reportsProgress
        Thread { [self] in
            defer { ended.signal() }
            while true {
                let ready = reader.wait(timeoutMs: 20)
                // A frame that arrived as the body ended is left to the loop.
                if done.isSet { return }
                operation.tick(self, reportsProgress: reports)
                guard ready else { continue }
                let frame = reader.next()
                if case .message(let bytes) = frame, case .request(let r) = IncomingMessage.parse(bytes), r.command == "cancel" {
                    if let a = try? ArgumentDecoder.decode(CancelArguments.self, from: r.arguments, command: r.command),
                       !operation.cancelled, operation.isNamed(by: a) {
                        operation.cancel()
                    }
                    send(.response(requestSeq: r.seq, command: r.command, body: nil))
                    continue
                }
                backlog.append(frame)
                if case .end = frame { return }
            }
        }.start()
        defer {
            done.set()
            ended.wait()
            operation.end(self)
        }
        return try body()
    }

    /// The run thread is done: progress ends, a waiting request is answered, the stop reported.
    private func runFinished(_ finished: DebuggerTarget.Finished, target: DebuggerTarget) {
        let run = longRun
        longRun = nil
        run?.end(self)
        let cancelled = run?.cancelled ?? false
        defer {
            if let tree { for other in tree.others(than: self) { other.sharedStop(target.lastStop) } }
        }
        switch finished {
        case .stop(let stop):
            report(stop, cancelled: cancelled ? run?.command : nil)
        case .history:
            try? session.move(to: .stopped)
            guard let run, let respond = run.respond else { return }
            if cancelled {
                send(.cancelled(requestSeq: run.requestSeq, command: run.command))
                // The pass went back to where the user was: say so, as for any cancelled run.
                post(StoppedEventBody(reason: "pause",
                                      description: "Cancelled \(run.command): the replay is back at event \(target.eventNumber), where it was",
                                      threadId: target.focusThread, allThreadsStopped: true))
                return
            }
            answer(requestSeq: run.requestSeq, command: run.command) { .some(try respond(finished)) }
        }
    }

    /// Sends the response `body` makes (.none: no response now, the handler answers later;
    /// .some(nil): a response without a body), or the error it throws as its message.
    private func answer(requestSeq: Int, command: String, _ body: () throws -> JSONObject??) {
        do {
            if let b = try body() { send(.response(requestSeq: requestSeq, command: command, body: b)) }
        } catch let e as RequestError {
            send(.error(requestSeq: requestSeq, command: command, message: e.message))
        } catch let e as SessionError {
            // The debugger core's messages are written for the user, as RequestError's are.
            send(.error(requestSeq: requestSeq, command: command, message: e.message))
        } catch {
            send(.error(requestSeq: requestSeq, command: command, message: "\(command): \(error)"))
        }
    }

    /// Ends the loop after the current request.
    public func finish() {
        finished = true
    }

    // MARK: stops

    /// Reports a stop of the target: `stopped`, and `exited` when the recorded program ended.
    /// `cancelled`: the command a `cancel` ended (the description says so).
    public func report(_ stop: TargetStop, cancelled: String? = nil) {
        guard let target = session.target else { return }
        programOutput.flush()
        try? session.move(to: .stopped)
        target.noteStop(stop)
        var body = StoppedEventBody(reason: "", threadId: target.focusThread, allThreadsStopped: true)
        switch stop {
        case .entry:
            body.reason = "entry"
            body.description = "Stopped at the start of the recording (the program's first instruction)"
        case .endOfRecording(_, let description):
            body.reason = "end of recording"
            body.description = description
        case .stopped(let info) where target.ownProcessOnly && info.threadId != target.focusThread:
            // A stop of another process of the tree (or of a thread this session does not
            // list): this session's process is paused where it is at that moment.
            body.reason = "pause"
            body.preserveFocusHint = true
            body.description = "Stopped where process \(target.processID) is when thread \(info.threadId) stopped (\(info.reason)), at event \(target.eventNumber)"
        case .stopped(let info):
            // target.focusThread is info.threadId, unless that thread is not listed (see
            // DebuggerTarget.refreshCaches).
            body.reason = info.reason
            body.description = info.description
            if let command = cancelled, info.reason == "pause" {
                body.description = "Cancelled \(command). " + (info.description ?? "")
            }
            body.text = info.text
            if !info.hitBreakpointIds.isEmpty { body.hitBreakpointIds = info.hitBreakpointIds }
        }
        announceThreads(target)
        announceModules(target)
        // Changes made while running wait at the end of the recording for a stop that places them.
        let all = target.breakpointsChanged
        if !target.atEnd { target.breakpointsChanged = false }
        for bp in target.core.placeBreakpointsAtStop(all: all) where bp.process == session.breakpoints.process {
            post(BreakpointEventBody(reason: "changed", breakpoint: BreakpointRequests.object(bp, session: session)))
        }
        post(body)
        if case .endOfRecording(let code?, _) = stop, !session.exitedSent, session.configuration?.exitedAtEnd ?? true {
            session.exitedSent = true
            post(ExitedEventBody(exitCode: code))
        }
    }

    /// `thread` events for the threads that appeared or ended since the last stop.
    func announceThreads(_ target: DebuggerTarget) {
        let now = Set(target.threads().map(\.id))
        for id in now.subtracting(session.knownThreads).sorted() { post(ThreadEventBody(reason: "started", threadId: id)) }
        for id in session.knownThreads.subtracting(now).sorted() { post(ThreadEventBody(reason: "exited", threadId: id)) }
        session.knownThreads = now
    }

    /// The replay failed (diverged, or the trace is damaged): say so, and end the debuggee.
    func replayFailed(_ error: Error) {
        programOutput.flush()
        console("swrr-dap: the replay failed: \(error)", category: "important")
        session.target?.kill()
        session.target = nil
        sendTerminated()
        session.end()
    }

    func sendTerminated() {
        guard !session.terminatedSent else { return }
        session.terminatedSent = true
        post("terminated")
    }
}
