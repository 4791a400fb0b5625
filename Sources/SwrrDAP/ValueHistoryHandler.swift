// Custom request `valueHistory` {expression, frameId?, limit?}: the successive values of a
// variable (an lvalue in the frame's scope) or of "0xADDR,SIZE" over the whole recording, each
// with where it was written (event, thread, function, file, line) and a `positionId` that
// `gotoHistoryEntry` travels to. The debug console's `-history EXPR` (EvaluateHandler) is the
// same pass, shown as a variablesReference whose children are the entries.
//
// The pass is SwrrDebugger's ValueHistory: it replays the whole recording with hardware
// watchpoints and comes back to where the user is (bounded by `limit`, 10,000 entries by
// default, and the core's time limit; a bound marks it incomplete). It runs on the run thread
// like any run (the session is "running" meanwhile, with no `continued`: the position does not
// change), and the response goes out when it ends, so the read loop stays free: a `pause` ends
// the pass with what it found (marked incomplete), a `cancel` answers the request as cancelled
// (CancelHandler.swift), and a long pass reports progress (LongRun.swift).
import SwrrDebugger

public struct ValueHistoryHandler: TypedRequestHandler {
    public let command = "valueHistory"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ValueHistoryArguments, adapter: Adapter) throws -> ValueHistoryResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        try HistoryQuery.start(arguments.expression, frameId: arguments.frameId, limit: arguments.limit,
                               adapter: adapter, target: t, command: command) { h in
            let ids = h.entries.map { t.historyPositions.add($0.position) }
            let entries = zip(h.entries, ids).map { e, id in
                ValueHistoryResponseBody.Entry(index: e.index, value: e.value, event: e.event, threadId: Int(e.tid),
                                               processId: Int(e.pid), function: e.function, file: e.location?.file,
                                               line: e.location?.line, positionId: id, description: e.summary)
            }
            return try BodyEncoder.object(ValueHistoryResponseBody(
                name: h.name, address: hex(h.address), size: h.length, initial: h.initial, entries: entries,
                passedOver: h.passedOver, complete: h.isComplete, incomplete: h.incomplete?.description,
                description: h.summary))
        }
        return nil
    }
}

/// What `valueHistory` and `-history` share: the location from the text, the core's pass.
enum HistoryQuery {
    /// The debug console's command word.
    static let consoleCommand = "-history"

    /// The text after `-history ` when `expression` is that command, else nil.
    static func consoleArgument(_ expression: String) -> String? {
        let t = expression.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix(consoleCommand) else { return nil }
        let rest = t.dropFirst(consoleCommand.count)
        guard rest.isEmpty || rest.first!.isWhitespace else { return nil }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// Starts the history of `text` on the run thread: "0xADDR,SIZE" (bytes), else an lvalue
    /// evaluated in frame `frameId` (the focus thread's top frame when nil). The request is
    /// answered with `body(history)` when the pass ends.
    static func start(_ text: String, frameId: Int?, limit: Int?, adapter: Adapter, target t: DebuggerTarget,
                      command: String, body: @escaping (ValueHistory) throws -> JSONObject?) throws {
        let pass = try self.pass(text, frameId: frameId, limit: limit, target: t, command: command)
        try t.beginHistory(pass)
        adapter.runStarted(title: "Value history of \(text.trimmingCharacters(in: .whitespaces))", forward: true)
        adapter.respondLater { finished in
            guard case .history(let r) = finished else { return nil }
            return try body(r.get())
        }
        try adapter.session.move(to: .running)
    }

    /// The pass, its arguments checked here (on the read loop, where frame ids are valid).
    private static func pass(_ text: String, frameId: Int?, limit: Int?, target t: DebuggerTarget,
                             command: String) throws -> (Debugger) throws -> ValueHistory {
        let spec = text.trimmingCharacters(in: .whitespaces)
        guard !spec.isEmpty else { throw RequestError("\(command): an expression or 0xADDR,SIZE is needed") }
        var limits = ValueHistoryLimits()
        if let n = limit { limits.maxEntries = n }
        // A session of a process tree: the writes of its own process (the core's is the parent's).
        if t.ownProcessOnly { limits.process = t.processID }
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count == 2, let a = parseAddress(String(parts[0])),
           let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
            return { [limits] core in try core.valueHistory(address: a, length: n, limits: limits) }
        }
        let tid: Int32
        var index = 0
        if let f = frameId {
            guard let frame = t.inspection.frames[f] else {
                throw RequestError("\(command): unknown frameId \(f) (frames are valid until the replay resumes)")
            }
            (tid, index) = frame
        } else {
            tid = try t.liveThread(nil)
        }
        return { [limits, index] core in try core.valueHistory(of: spec, tid: tid, frame: index, limits: limits) }
    }

    /// `-history` in the debug console: the summary, and the entries as children
    /// ("#1" = "event 12  thread 4242  main  loop.c:17  = 5  (position 3)").
    static func evaluate(_ text: String, frameId: Int?, adapter: Adapter, target t: DebuggerTarget) throws {
        try start(text, frameId: frameId, limit: nil, adapter: adapter, target: t, command: consoleCommand) { h in
            let rows = h.entries.map { e -> VariablesResponseBody.Variable in
                let id = t.historyPositions.add(e.position)
                return VariablesResponseBody.Variable(name: "#\(e.index)", value: e.place + "  = \(e.value)  (position \(id))",
                                                      variablesReference: 0)
            }
            return try BodyEncoder.object(EvaluateResponseBody(
                result: h.summary, variablesReference: rows.isEmpty ? 0 : t.inspection.handle(.rows(rows))))
        }
    }
}

/// The positions value histories handed out, by id, for `gotoHistoryEntry` (kept until the
/// session ends: a position stays valid wherever the replay is).
final class HistoryPositions {
    private var positions: [TravelPosition] = []

    func add(_ p: TravelPosition) -> Int {
        positions.append(p)
        return positions.count
    }

    func position(_ id: Int) -> TravelPosition? {
        id >= 1 && id <= positions.count ? positions[id - 1] : nil
    }
}
