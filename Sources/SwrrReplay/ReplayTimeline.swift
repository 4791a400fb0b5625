// Going back in a replay (rr's ReplayTimeline): the checkpoints (Checkpointing.swift,
// CheckpointStore.swift), the silent replays that reverse execution is built from — seeks to a
// position, scans for the last breakpoint hit, step-scans for the instruction before a point
// (ReverseExecution.swift; the searches that use them: ReverseSearch.swift) — and what the
// client's forward runs showed (HitLedger.swift). It drives the engine's live replay
// (ReplayDebugEngine.drive) and counts the traps the replay returns while a seek is under way;
// the engine runs it for reverse requests and jumps.
import SwrrTracee

final class ReplayTimeline {
    unowned let engine: ReplayDebugEngine
    /// Forks of the replay to restart from.
    let checkpoints = CheckpointStore()
    /// What the client's forward runs showed about breakpoint hits.
    var ledger = HitLedger()
    /// The searches for where a reverse operation goes (ReverseSearch.swift).
    lazy var search = ReverseSearch(timeline: self)
    /// The recorded tid of each event replayed so far (by event number), for stepping backwards
    /// over event boundaries.
    var eventTids: [Int: Int32] = [:]
    /// The int3 a stretch checkpoint waits for (address, replay tid of the task), while one does
    /// (StretchCheckpoints.swift).
    var stretchBreakpoint: (addresses: Set<UInt64>, tid: Int32)?
    /// No stretch interrupt before this (timeline seconds): after an attempt that took none.
    var stretchNotBefore = 0.0
    /// The client's pause waits for those int3s (StretchCheckpoints.swift, `pauseAhead`).
    var stretchPause = false
    /// What the replay is known to be at or after: the start of `event`, or its stretch
    /// checkpoint with this signature (StretchCheckpoints.swift, `stretchFrontier`).
    var stretchAnchor: (event: Int, signature: StateSignature?) = (0, nil)
    /// The CPU time of the process a stretch interval is measured in, when the last checkpoint
    /// was taken or restored (`mark`: CheckpointStore.lastTaken then), StretchCheckpoints.swift.
    var stretchClock: (tgid: Int32, mark: Double, cpu: Double)?
    /// Which functions each stretch ran (StretchCoverage.swift).
    var coverage: StretchCoverage { engine.traps.coverage }
    /// A replay under way towards a position, silent; nil: the replay runs for the client.
    var seek: Seek? {
        didSet { engine.traps.silent = seek != nil }
    }

    init(engine: ReplayDebugEngine) {
        self.engine = engine
    }

    // The engine's live replay and where it stands.
    var session: ReplaySession! { engine.session }
    var eventNumber: Int { engine.eventNumber }
    var outcome: ReplayOutcome? { engine.outcome }
    var mainTid: Int32 { engine.mainTid }
    var position: ReplayPosition {
        get { engine.position }
        set { engine.position = newValue }
    }
    var currentTid: Int32 {
        get { engine.currentTid }
        set { engine.currentTid = newValue }
    }
    var addressSpaces: [Task] { engine.addressSpaces }
    func recordedTid(ofReplayTid tid: Int32) -> Int32? { engine.recordedTid(ofReplayTid: tid) }
    func drive() throws -> DriveEnd { try engine.drive() }
    func stopped(_ t: ReplayTask, _ result: Result<StopReason, Error>) -> DriveEnd { engine.stopped(t, result) }

    // The debugger's traps (TrapControl.swift).
    var breakpoints: SoftwareBreakpoints { engine.traps.breakpoints }
    var debugRegisters: DebugRegisters { engine.traps.debugRegisters }
    var stepState: TrapControl.StepState {
        get { engine.traps.stepState }
        set { engine.traps.stepState = newValue }
    }
    var stepOver: [Int32: TrapControl.StepOver] {
        get { engine.traps.stepOver }
        set { engine.traps.stepOver = newValue }
    }
    var establishedPending: Bool {
        get { engine.traps.establishedPending }
        set { engine.traps.establishedPending = newValue }
    }
}
