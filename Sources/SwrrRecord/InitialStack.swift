// The stack the kernel builds at execve: argc, argv, envp, the auxiliary vector, and the strings
// and AT_RANDOM bytes they point to. AT_RANDOM's 16 random bytes (glibc's stack protector and
// pointer guard come from them) differ from run to run, so the recorder saves the whole initial
// stack and replay writes it back. AT_SYSINFO_EHDR stays as the kernel wrote it: the vDSO it
// points to is patched into real syscalls (SwrrTracee's VDSO.swift) and is at the same address
// on replay.
import SwrrTracee
import SwrrTrace

enum InitialStack {
    /// The bytes from rsp to the top of the [stack] mapping.
    static func capture(task: Task, rsp: UInt64, mappings: [MapsLine]) throws -> MemoryWrite {
        guard let stack = mappings.first(where: { $0.start <= rsp && rsp < $0.end }) else {
            throw RecordError.tracee("no mapping contains the initial stack pointer")
        }
        return MemoryWrite(address: rsp, bytes: try task.readMemory(rsp, count: Int(stack.end - rsp)))
    }
}
