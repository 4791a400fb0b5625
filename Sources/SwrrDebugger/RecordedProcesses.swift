// Multi-process recordings. Every recorded thread is listed with its process (`threads`); the
// `process` a debugger is opened with picks the process being debugged (default: the first, the
// recorded program's own): breakpoints, data breakpoints and signals stop only in its threads,
// and the replay passes over their hits in the other processes. A debugger opened over a front
// end's replay (the gdb server's) debugs every process (`Debugger.allProcesses`). A stop on
// entry is at the start of the recording, where only the first process exists.
import SwrrKernel
import SwrrTrace

public enum RecordedProcesses {
    /// The processes of a recording, in the order they appear: the first one, then the children
    /// of fork, vfork and clone without CLONE_THREAD, and of clone3 (whose flags are in the
    /// program's memory, not in the event: its threads are listed too).
    public static func list(_ traceDirectory: String) throws -> [Int32] {
        let reader = try TraceReader(directory: traceDirectory)
        var out: [Int32] = []
        while let event = try reader.next() {
            switch event {
            case .exec(let e) where out.isEmpty:
                out.append(e.tid)
            case .syscall(let e) where e.result > 0 && !out.contains(e.createdTid):
                if SyscallTable.spec(Int(e.number))?.createsProcess(args: e.args) == true { out.append(e.createdTid) }
            default:
                break
            }
        }
        return out
    }
}
