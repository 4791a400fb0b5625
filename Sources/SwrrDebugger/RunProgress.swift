// Where a run under way has got to, for a front end's progress report (swrr-dap's
// progressStart/progressUpdate). Read from any thread while the run's thread waits on the
// engine: nothing here goes through the engine's mailbox, which is busy until the run stops.
import SwrrReplay

extension Debugger {
    /// The event number of the replay now. During a continue it climbs from where the run started
    /// to its stop; during a reverse search it climbs again from the checkpoint a stretch is
    /// re-executed from; during a value history pass from the start of the recording to its end.
    /// Any thread.
    public var progressEvent: Int { replay.liveEventNumber }
}
