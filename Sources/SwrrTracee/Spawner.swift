// Starting a program under ptrace and running it to the end of its execve.
//
// The child prepares itself in C (swrr_spawn_seized): PR_SET_PDEATHSIG until it is seized (then
// cleared: the program must see none, as natively), ADDR_NO_RANDOMIZE (so the
// kernel lays out stack, heap and libraries identically on replay; mmap results are replayed with
// MAP_FIXED anyway), PR_SET_TSC (rdtsc traps), optionally RLIMIT_STACK (it moves mmap_base), then
// stops itself; swrr seizes it with PTRACE_O_EXITKILL so it can never outlive the tracer. While
// it is stopped there, before its exec, swrr binds it to the recording's CPU (CPUBinding.swift);
// every task it creates inherits that.
import CSwrrShim
import Glibc
import SwrrKernel

public enum Spawner {
    public static let recordFlags: Int32 = Int32(SWRR_SPAWN_NO_ASLR | SWRR_SPAWN_TRAP_TSC)
    /// Replayed processes that die of SIGSEGV, SIGABRT and the like must not write cores: their
    /// setrlimit and chdir calls are emulated, so a core would land in the replayer's directory
    /// under the replayer's limit (the recorded wait status, core bit included, comes from the trace).
    public static let replayFlags: Int32 = Int32(SWRR_SPAWN_NO_ASLR | SWRR_SPAWN_TRAP_TSC
        | SWRR_SPAWN_SET_STACK_LIMIT | SWRR_SPAWN_NULL_STDIN | SWRR_SPAWN_NULL_STDOUT | SWRR_SPAWN_NO_CORE)

    /// The signal state this process would hand to a child it starts (ignored, blocked). Taken
    /// before swrr changes its own handling of SIGINT and the like.
    public static func inheritedSignals() -> (ignored: UInt64, blocked: UInt64) {
        (swrr_ignored_signals(), swrr_blocked_signals())
    }

    /// Forks and seizes a child that will execve `path` once resumed, bound to `cpu` when given.
    /// Returns its pid.
    public static func spawn(path: String, argv: [String], env: [String], cwd: String?, flags: Int32,
                             stackLimit: (UInt64, UInt64)?, signals: (ignored: UInt64, blocked: UInt64),
                             ptraceOptions: Int, cpu: Int? = nil) throws -> pid_t {
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var dir: String? = nil
        if let cwd = cwd, access(cwd, X_OK) == 0 { dir = cwd }
        let pid = cArgv.withUnsafeBufferPointer { a in
            cEnv.withUnsafeBufferPointer { e in
                swrr_spawn_seized(path, a.baseAddress, e.baseAddress, dir, flags,
                                  stackLimit?.0 ?? 0, stackLimit?.1 ?? 0, signals.ignored, signals.blocked,
                                  ptraceOptions)
            }
        }
        guard pid > 0 else { throw TraceeError.errno("cannot start \(path)") }
        if let cpu {
            do {
                try CPUBinding.bind(tid: pid, to: cpu)
            } catch {
                Task(tid: pid).kill()
                throw error
            }
        }
        return pid
    }

    /// Resumes a freshly spawned task through its execve: entry stop, PTRACE_EVENT_EXEC, exit
    /// stop. Returns the registers at the exit stop (the new program's first instruction), or
    /// throws with execve's error if it failed.
    public static func runToExec(task: Task, path: String) throws -> Registers {
        var sawExec = false
        var syscallStops = 0
        try task.resume(.syscall)
        while true {
            let stop = try task.wait()
            switch stop {
            case .syscall:
                if sawExec {
                    task.addressSpaceChanged()
                    return try task.registers()
                }
                // Only execve's stops count: the child clears its parent-death signal first
                // (swrr_spawn_seized), whose prctl stops come before them.
                guard try task.registers().origRax == UInt64(Syscall.execve.number) else { break }
                syscallStops += 1
                if syscallStops == 2 {
                    // execve returned without an exec event: it failed.
                    let r = try task.registers().syscallResult
                    task.kill()
                    throw TraceeError("execve of \(path) failed: \(String(cString: strerror(Int32(-r))))")
                }
            case .event(.exec):
                sawExec = true
            case .exited, .killed:
                throw TraceeError("\(path) ended before it started (\(stop))")
            case .signal(let s) where s == SIGSTOP:
                break  // the child's own stop, reported again after seizing
            case .signal(let s):
                // A broken image faults at once: let the signal end it rather than loop.
                try task.resume(.syscall, signal: s)
                continue
            default:
                break
            }
            try task.resume(.syscall)
        }
    }
}

/// Answers a trapped rdtsc/rdtscp the way the CPU would: EDX:EAX = TSC, ECX = TSC_AUX for rdtscp,
/// and steps over the instruction.
public enum RdtscEmulation {
    public static func apply(_ insn: TrappedInstruction, value: UInt64, aux: UInt32, to regs: inout Registers) {
        regs.rax = value & 0xffff_ffff
        regs.rdx = value >> 32
        if insn == .rdtscp { regs.rcx = UInt64(aux) }
        regs.rip += insn.length
    }
}
