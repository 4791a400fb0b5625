// DebugTarget over SwrrReplay's ReplaySession: replays forward, one event per `advance`, and
// hands the program's recorded writes to stdout and stderr to `output` as they are replayed past.
import SwrrReplay
import SwrrTrace
import SwrrTracee

public final class ReplayTarget: DebugTarget {
    public let traceDirectory: String
    private var session: ReplaySession?
    private let mainThread: TargetThread
    public let processID: Int
    public let programPath: String
    private var finished: TargetStop?

    /// Opens the trace and starts the replay at the program's first instruction. `output` gets
    /// (1 or 2, bytes).
    public init(traceDirectory: String, output: @escaping (UInt8, [UInt8]) -> Void) throws {
        self.traceDirectory = traceDirectory
        // The recorded main thread id is the tid of the first exec event.
        let reader = try TraceReader(directory: traceDirectory)
        var tid = 1
        if case .exec(let exec)? = try reader.next() { tid = Int(exec.tid) }
        programPath = reader.header.program
        processID = tid
        let name = String(programPath.split(separator: "/").last ?? "main")
        mainThread = TargetThread(id: tid, name: "\(name) (\(tid))")
        session = try ReplaySession(traceDirectory: traceDirectory, echo: output)
    }

    public var machineWarnings: [String] { session?.machineWarnings() ?? [] }

    public func threads() -> [TargetThread] { [mainThread] }
    public var focusThread: Int { mainThread.id }
    public var eventNumber: Int { session?.eventNumber ?? 0 }
    public var atEnd: Bool { finished != nil }

    public func advance() throws -> TargetStop? {
        if let f = finished { return f }
        guard let s = session else { return nil }
        guard let outcome = try s.step() else { return nil }
        let stop: TargetStop
        switch outcome {
        case .completed(let status):
            stop = .endOfRecording(
                exitCode: Int(WaitStatus.shellStatus(status)),
                description: "The end of the recording was reached: the program \(WaitStatus.describe(status)) " +
                    "(event \(s.eventNumber)). Reverse execution is not available yet in this version of swrr-dap.")
        case .endedEarly(let event, let reason):
            stop = .endOfRecording(
                exitCode: nil,
                description: "The end of the recording was reached at event \(event): the recording was " +
                    (reason.map { "stopped (\($0))" } ?? "interrupted") + " before the program ended.")
        }
        finished = stop
        return stop
    }

    public func kill() {
        session?.kill()
        session = nil
    }

    deinit { kill() }
}
