// An execution breakpoint in debug register DR0, set through ptrace (measured: DR0–DR3 work on
// these VMs). Unlike int3 it does not modify code, which matters while several threads share it
// and while replay compares memory. Execution breakpoints are faults: the stop comes before the
// instruction runs, and resuming with RF set in eflags skips the breakpoint once.
import CSwrrShim

public final class HardwareBreakpoint {
    public static let resumeFlag: UInt64 = 0x10000
    public static let trapFlag: UInt64 = 0x100
    let task: Task

    public init(task: Task) { self.task = task }

    public func set(_ address: UInt64) throws {
        guard swrr_poke_debugreg(task.tid, 0, address) == 0,
              swrr_poke_debugreg(task.tid, 7, 0x1) == 0 else {   // L0, execute, length 1
            throw TraceeError.errno("setting a hardware breakpoint in task \(task.tid)")
        }
    }

    public func clear() {
        _ = swrr_poke_debugreg(task.tid, 7, 0)
        _ = swrr_poke_debugreg(task.tid, 6, 0)
    }

    /// Equal registers, ignoring the resume and trap flags that breakpoints and steps leave.
    public static func sameState(_ a: Registers, _ b: Registers) -> Bool {
        var x = a, y = b
        x.eflags &= ~(resumeFlag | trapFlag)
        y.eflags &= ~(resumeFlag | trapFlag)
        return x == y
    }
}
