// A long operation as the client sees it (a run or a value history pass on the run thread, the
// recording of a `launch`): the request it came from, its progress events, whether `cancel`
// ended it, and, for a request whose response waits for the end (`valueHistory`, `-history`),
// how to answer.
//
// Progress goes out only to a client that announced `supportsProgressReporting`, and only for an
// operation that is still under way after `startAfter` (most steps and continues end in tens of
// milliseconds: a start/end pair for each would be an event storm), then at most every
// `updateEvery`. The read loop calls `tick` between its 20 ms waits for the run thread (during
// a recording, the thread that reads requests meanwhile does: Adapter.servingCancel).
import Foundation
import SwrrDebugger

final class LongRun {
    /// An operation still running after this long gets a progressStart.
    static let startAfter: TimeInterval = 0.4
    /// At most four updates a second.
    static let updateEvery: TimeInterval = 0.25

    let requestSeq: Int
    let command: String
    let title: String
    /// The message and percentage (when one is known) after so many seconds.
    private let state: (TimeInterval) -> (String, Double?)
    /// What stops the operation.
    private let stop: () -> Void
    let started = Date()
    /// The progressId, once progressStart went out.
    private(set) var progressId: String?
    private var lastUpdate = Date.distantPast
    private var lastMessage = ""
    private(set) var cancelled = false
    /// The response of a request answered at the end: made from what the run thread finished with.
    var respond: ((DebuggerTarget.Finished) throws -> JSONObject?)?

    private static var nextId = 1

    init(requestSeq: Int, command: String, title: String, state: @escaping (TimeInterval) -> (String, Double?),
         stop: @escaping () -> Void) {
        self.requestSeq = requestSeq
        self.command = command
        self.title = title
        self.state = state
        self.stop = stop
    }

    /// Whether `cancel` with these arguments names this operation.
    func isNamed(by arguments: CancelArguments) -> Bool {
        if let r = arguments.requestId, r == requestSeq { return true }
        if let p = arguments.progressId, p == progressId { return true }
        return false
    }

    func cancel() {
        cancelled = true
        stop()
    }

    /// Progress events due now. `reportsProgress`: the client announced supportsProgressReporting.
    func tick(_ adapter: Adapter, reportsProgress: Bool) {
        guard reportsProgress else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(started)
        if progressId == nil {
            guard elapsed >= Self.startAfter else { return }
            let id = "swrr-progress-\(Self.nextId)"
            Self.nextId += 1
            progressId = id
            let (message, percentage) = state(elapsed)
            lastUpdate = now
            lastMessage = message
            adapter.sendEvent(ProgressStartEventBody(progressId: id, title: title, requestId: requestSeq,
                                                     cancellable: true, message: message, percentage: percentage))
            return
        }
        guard let id = progressId, now.timeIntervalSince(lastUpdate) >= Self.updateEvery else { return }
        let (message, percentage) = state(elapsed)
        guard message != lastMessage else { return }
        lastUpdate = now
        lastMessage = message
        adapter.sendEvent(ProgressUpdateEventBody(progressId: id, message: message, percentage: percentage))
    }

    /// progressEnd, when progressStart went out.
    func end(_ adapter: Adapter, message: String? = nil) {
        guard let id = progressId else { return }
        progressId = nil
        adapter.sendEvent(ProgressEndEventBody(progressId: id, message: message ?? (cancelled ? "cancelled" : nil)))
    }

    /// "event 1234, 2.5 s" and, going forward (the replay climbing from the start to the stop:
    /// forward runs, value history passes) in a recording whose length is known, the share of
    /// its events replayed.
    static func replayState(_ target: DebuggerTarget, forward: Bool) -> (TimeInterval) -> (String, Double?) {
        { [weak target] elapsed in
            let event = target?.progressEvent ?? 0
            let seconds = String(format: "%.1f s", elapsed)
            if forward, let total = target?.recordingEvents, total > 0 {
                let share = min(100, max(0, Double(event) * 100 / Double(total)))
                return ("event \(event) of \(total), \(seconds)", share.rounded())
            }
            return ("event \(event), \(seconds)", nil)
        }
    }

    /// The title of a run's progress.
    static func title(_ request: RunRequest, command: String) -> String {
        switch request {
        case .continue: return command == "configurationDone" ? "Replaying to the first stop" : "Replaying forward"
        case .next, .stepIn, .stepOut, .stepInTarget: return "Stepping"
        case .reverseContinue: return "Running backwards"
        case .stepBack: return "Stepping back"
        case .reverseStepOut: return "Stepping back out"
        case .gotoEvent, .gotoLine, .gotoPosition: return "Travelling in time"
        }
    }

    static func isForward(_ request: RunRequest) -> Bool {
        switch request {
        case .continue, .next, .stepIn, .stepOut, .stepInTarget: return true
        default: return false
        }
    }
}

/// A flag one thread sets and another reads.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
