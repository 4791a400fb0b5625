// Stop replies: how a DebugStop is told to gdb. `T05thread:TID;` plus `swbreak:;`, `hwbreak:;`
// or `watch:ADDR;` for the debugger's own traps; `T<sig>` for a signal the program receives;
// `T05…replaylog:end;` at the end of the recording while the program is still there to inspect
// (the replay holds it at the entry of its final exit_group, as rr does: gdb keeps the session
// and can go backwards from there), `W<code>`/`X<sig>` only when the program is gone (it died
// of a signal); and `T05…replaylog:begin;` when going backwards reached the start.
import Glibc
import SwrrReplay
import SwrrTracee

enum StopReplies {
    /// `held`: at the end, the program still exists (stopped before its exit).
    static func reply(_ stop: DebugStop, held: Bool) -> String {
        let thread = "thread:\(hex(stop.tid));"
        switch stop.reason {
        case .breakpoint:
            return "T05\(thread)swbreak:;"
        case .hardwareBreakpoint:
            return "T05\(thread)hwbreak:;"
        case .watchpoint(let address, let kind):
            let key: String
            switch kind {
            case .write: key = "watch"
            case .readWrite: key = "awatch"
            case .execute: key = "hwbreak"
            }
            return "T05\(thread)\(key):\(hex(address));"
        case .step, .taskCreated, .taskExited, .exec, .jumped:
            return "T05\(thread)"
        case .startOfRecording:
            return "T05\(thread)replaylog:begin;"
        case .interrupted:
            return "T02\(thread)"
        case .signal(let s):
            return "T\(hex(GDBSignals.gdbNumber(s), width: 2))\(thread)"
        case .end(.completed) where held:
            return "T05\(thread)replaylog:end;"
        case .end(.completed(let status)):
            if WaitStatus.shellStatus(status) == 128 + (status & 0x7f), status & 0x7f != 0 {
                return "X\(hex(GDBSignals.gdbNumber(status & 0x7f), width: 2))"
            }
            return "W\(hex(WaitStatus.shellStatus(status) & 0xff, width: 2))"
        case .end(.endedEarly):
            return "T05\(thread)replaylog:end;"
        }
    }
}
