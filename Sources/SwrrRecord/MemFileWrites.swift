// Writes into a recorded task's memory through /proc/PID/mem. gdb places and removes its
// breakpoints that way (pwrite64 of one int3 byte, and of the original byte back; measured with
// gdb 13.1 recording `gdb -batch -ex run -ex bt` of a crashing program), and a program may patch
// its own code through /proc/self/mem. Replay emulates every write (it has no such descriptor,
// and a write to a file must not happen twice), so the recorder keeps where the bytes went: the
// task and the address (SyscallEvent.memFileWrite). Replay copies the call's bytes from the
// caller's buffer into the replayed task, as for process_vm_writev. The preload library never
// buffers a write to a procfs file (SWRR_FD_PROC), so every such write reaches this check.
//
// The path's pid is read in the caller's view of /proc; a task in another pid namespace with its
// own /proc names a process by an id swrr does not see, and such writes are not followed (the
// id must be a recorded task).
import SwrrKernel
import SwrrTrace
import SwrrTracee

enum MemFileWrites {
    /// The task and address a finished write-like call (`result` > 0 bytes) wrote through a
    /// descriptor of /proc/PID/mem or /proc/PID/task/TID/mem, when that task is recorded.
    static func target(of spec: SyscallSpec, args: [UInt64], result: Int64, task: Task,
                       isRecorded: (Int32) -> Bool) throws -> MemFileWrite? {
        guard result > 0, spec.writesToFd != nil, case .writes(let fdArg, let at)? = spec.fileChange else { return nil }
        let fd = Int32(truncatingIfNeeded: args[fdArg])
        guard fd >= 0, let path = readLink("/proc/\(task.tid)/fd/\(fd)"), let tid = memFileTask(path),
              isRecorded(tid) else { return nil }
        let address = try MappedFileUpdates.writeStart(at, fdArg: fdArg, args: args, written: UInt64(result), task: task)
        return MemFileWrite(tid: tid, address: address)
    }

    /// The task of a path "/proc/PID/mem" or "/proc/PID/task/TID/mem" (what readlink of a
    /// descriptor says: /proc/self was resolved when it was opened), nil for any other path.
    static func memFileTask(_ path: String) -> Int32? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        // "", "proc", PID, "mem"  or  "", "proc", PID, "task", TID, "mem"
        guard parts.count == 4 || parts.count == 6, parts[0].isEmpty, parts[1] == "proc", parts.last == "mem",
              let pid = Int32(parts[2]), pid > 0 else { return nil }
        if parts.count == 4 { return pid }
        guard parts[3] == "task", let tid = Int32(parts[4]), tid > 0 else { return nil }
        return tid
    }
}
