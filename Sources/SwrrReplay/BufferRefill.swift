// Replaying syscall buffering (issue 7): a BufferFlushEvent puts the recorded records back into
// the task's buffer before the task runs the stretch that made them. The preload library, in
// replay mode (the stub page says so), then takes each result and output from there without a
// syscall or a ptrace stop, and stops buffering exactly where it did when recorded: at the
// header's limit, which the event gives.
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension SyscallReplayer {
    func refillBuffer(_ ev: BufferFlushEvent) throws {
        let t = try tasks.replayTask(ev.tid)
        let start = ev.buffer + UInt64(SyscallBufferLayout.headerSize)
        guard ev.records.address >= start,
              ev.records.address + UInt64(ev.records.bytes.count) <= start + UInt64(SyscallBufferLayout.recordSpace),
              UInt64(ev.limit) <= UInt64(SyscallBufferLayout.recordSpace) else {
            throw ReplayError.trace("a buffer flush of task \(ev.tid) lies outside its buffer at 0x\(String(ev.buffer, radix: 16))")
        }
        try t.task.writeMemory(ev.records.address, ev.records.bytes)
        let limit = withUnsafeBytes(of: ev.limit.littleEndian) { Array($0) }
        // Each refill also clears the library's remembered descriptor classes (the recorder
        // cleared them at the flush that ended the previous stretch with records; stretches
        // without records never use them: swrr_syscallbuf.h).
        if ev.records.address == start {
            // The recorder emptied the buffer before these records, outside a call: used, limit,
            // locked and armed (both 0 there) and classes.
            try t.task.writeMemory(ev.buffer, [0, 0, 0, 0] + limit + [UInt8](repeating: 0, count: 12))
        } else {
            try t.task.writeMemory(ev.buffer + UInt64(SyscallBufferLayout.limitOffset), limit)
            try t.task.writeMemory(ev.buffer + UInt64(SyscallBufferLayout.classesOffset), [0, 0, 0, 0])
        }
    }
}
