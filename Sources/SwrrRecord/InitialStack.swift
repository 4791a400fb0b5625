// The stack the kernel builds at execve: argc, argv, envp, the auxiliary vector, and the strings
// and AT_RANDOM bytes they point to. Two things here are nondeterministic or unsafe for replay:
// - AT_RANDOM's 16 random bytes (glibc's stack protector and pointer guard come from them), and
// - AT_SYSINFO_EHDR, which tells libc where the vDSO is: vDSO clock_gettime/gettimeofday/time run
//   without entering the kernel, so the recorder would never see them. Rewriting the entry to
//   AT_IGNORE makes libc fall back to real syscalls, which are recorded.
// The recorder patches the auxv, then saves the whole initial stack; replay writes it back.
import SwrrKernel
import SwrrTracee
import SwrrTrace

enum InitialStack {
    /// Rewrites AT_SYSINFO_EHDR to AT_IGNORE in the auxv of a task that just exec'd.
    static func hideVDSO(task: Task, rsp: UInt64) throws {
        var p = rsp
        func word(_ a: UInt64) throws -> UInt64 { try task.readMemory(a, count: 8).loadU64(at: 0) }
        let argc = try word(p)
        p += 8 * (argc + 2)                    // argc, argv[0..argc-1], NULL
        var guardCount = 0
        while try word(p) != 0 {               // envp
            p += 8
            guardCount += 1
            if guardCount > 1 << 20 { throw RecordError.tracee("malformed initial stack (environment)") }
        }
        p += 8
        for _ in 0..<256 {                     // auxv pairs
            let type = try word(p)
            if type == AuxvType.null { return }
            if type == AuxvType.sysinfoEhdr {
                try task.writeMemory(p, withUnsafeBytes(of: AuxvType.ignore.littleEndian) { Array($0) })
            }
            p += 16
        }
        throw RecordError.tracee("malformed initial stack (auxiliary vector)")
    }

    /// The bytes from rsp to the top of the [stack] mapping.
    static func capture(task: Task, rsp: UInt64, mappings: [MapsLine]) throws -> MemoryWrite {
        guard let stack = mappings.first(where: { $0.start <= rsp && rsp < $0.end }) else {
            throw RecordError.tracee("no mapping contains the initial stack pointer")
        }
        return MemoryWrite(address: rsp, bytes: try task.readMemory(rsp, count: Int(stack.end - rsp)))
    }
}
