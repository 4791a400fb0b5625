// Which syscall ends a whole thread group rather than the calling thread, as data the recorder
// reads (the table's ReplayAction.exit covers both exit and exit_group).
extension SyscallSpec {
    /// exit_group: the kernel ends every thread of the process. Threads blocked in syscalls at
    /// that moment may still report their calls' exits (measured: a 1 ms nanosleep that completed
    /// just before the kill showed its exit stop after the exit_group entry), but none of them
    /// runs user code again.
    public var endsThreadGroup: Bool { replay == .exit && number == Syscall.exit_group.number }
}
