// The engine's side of checkpoints: taking them (automatically at event boundaries as the replay
// runs, or on request), and restoring one as the starting point of a silent replay
// (ReverseExecution.restore(nearestTo:)) instead of starting the program again.
import Glibc
import SwrrTracee

extension ReplayDebugEngine {
    /// Takes a checkpoint here if one is due (at an event boundary, while the replay runs).
    func checkpointIfDue() {
        guard outcome == nil, stepOver.isEmpty, checkpoints.isDue(event: eventNumber),
              session.checkpointObstacle() == nil else { return }
        _ = try? takeCheckpoint(explicit: false)
    }

    /// A checkpoint of the replay where it stands (an event boundary).
    @discardableResult
    func takeCheckpoint(explicit: Bool) throws -> Checkpoint {
        guard let session = session else { throw DebuggerError.ended }
        guard position.isEventBoundary, position.event == eventNumber else {
            throw DebuggerError.refused("a checkpoint can only be taken between two events (this is \(position)); " +
                                        "step to the next event or take it at a breakpoint before the event starts")
        }
        if let why = session.checkpointObstacle() {
            throw DebuggerError.refused("no checkpoint can be taken at event \(eventNumber): \(why)")
        }
        let breakpoints = self.breakpoints
        let state: SessionCheckpoint
        do {
            state = try session.takeCheckpoint { tgid, copy in
                for (address, byte) in breakpoints.originals(tgid: tgid)
                where (try? copy.readMemory(address, count: 1)) == [0xCC] {
                    try copy.writeMemory(address, [byte])
                }
            }
        } catch let e as DebuggerError {
            throw e
        } catch {
            throw DebuggerError.other("taking a checkpoint at event \(eventNumber) failed: \(error)")
        }
        let tid = position.tid != 0 ? position.tid : currentTid
        return try checkpoints.add(state, at: ReplayPosition(event: eventNumber, tid: tid), explicit: explicit)
    }

    /// Continues from checkpoint `cp`: the live replay is replaced by new copies of its
    /// processes, with the debugger's breakpoints and watchpoints in them.
    func restore(_ cp: Checkpoint) throws {
        finish()
        let s = try ReplaySession.restore(cp.state, echo: echoForSession)
        installSession(s)
        currentTid = cp.position.tid != 0 ? cp.position.tid : mainTid
        position = ReplayPosition(event: eventNumber, tid: currentTid)
        checkpoints.moved(to: cp.cost)
    }
}
