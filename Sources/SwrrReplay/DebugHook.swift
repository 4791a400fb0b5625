// What a debugger sees of ReplaySession.resume, the only place the program's code runs: it says
// how to resume each task (PTRACE_SYSEMU, or PTRACE_SYSEMU_SINGLESTEP to run one instruction),
// waits for the task's stops (so that a pause can interrupt a long run), and looks at every stop
// first. A stop it claims as its own (an int3 it inserted, a debug register it programmed, a step
// it asked for, a pause) ends ReplaySession.step early with that stop as a value
// (`ReplayStep.trap`); the event stays under way, and the next step goes on with it from where
// the task stands. The debugger decides there, outside the replay, whether the trap is a stop for
// its client or a count on its way somewhere (ReplayDebugEngine.drive).
import SwrrTracee

protocol ReplayDebugHook: AnyObject {
    /// How to resume `task` now: .sysemu normally, .sysemuSingleStep to run one instruction.
    func resumeMode(for task: ReplayTask) throws -> ResumeMode
    /// What a stop of `task` in resume() is to the debugger.
    func classify(_ stop: Stop, of task: ReplayTask) throws -> HookVerdict
    /// Waits for the task's next stop (ReplayInterrupt.swift: a pause can interrupt it).
    func waitForStop(of task: ReplayTask) throws -> Stop
}

/// The debugger's answer about a stop in ReplaySession.resume.
enum HookVerdict {
    /// Not the debugger's: the replay decides (the stop it waits for, a dropped signal, a
    /// divergence).
    case notMine
    /// The debugger's, and nothing to report (a breakpoint carried over, a late interrupt):
    /// resume as before.
    case resume
    /// The debugger's: `step` returns it.
    case stop(DebugTrap)
}

/// A stop of the debugger's in the middle of an event.
struct DebugTrap {
    enum Kind: Equatable {
        /// An int3 of the debugger's; rip is already taken back onto it.
        case breakpoint(UInt64)
        /// A hardware execution breakpoint.
        case hardwareBreakpoint(UInt64)
        /// A hardware watchpoint fired (after the access).
        case watchpoint(Watchpoint)
        /// A single step the debugger asked for is done.
        case step
        /// A pause (PTRACE_INTERRUPT) stopped the task where it was.
        case interrupted
        /// The replay's own interrupt of a long stretch without events, to take a checkpoint
        /// there (StretchCheckpoints.swift); never a client's stop.
        case stretch
        /// The task reached the state a seek's `.signature` segment names (ReplaySession.waypoint).
        case waypoint
    }
    let task: ReplayTask
    let kind: Kind
    let registers: Registers
    /// An int3 trap on the arrival the current position already stands on (reached by a step or
    /// a jump): carried over, not a new arrival (ReplayPosition's counting rules).
    var sameArrival = false
    /// The trap also completes a single step.
    var stepDone = false

    /// The stop reason a client sees for it.
    var reason: StopReason {
        switch kind {
        case .breakpoint(let a): return .breakpoint(a)
        case .hardwareBreakpoint(let a): return .hardwareBreakpoint(a)
        case .watchpoint(let w): return .watchpoint(address: w.address, kind: w.kind)
        case .step: return .step
        case .interrupted, .stretch, .waypoint: return .interrupted
        }
    }

    /// The watchpoint that fired, if that is what it is.
    var watchpoint: Watchpoint? {
        if case .watchpoint(let w) = kind { return w }
        return nil
    }
}

/// What one call of ReplaySession.step did.
enum ReplayStep {
    /// The next event was replayed whole.
    case event
    /// A stop of the debugger's interrupted the event under way.
    case trap(DebugTrap)
    /// There are no more events.
    case end(ReplayOutcome)
}
