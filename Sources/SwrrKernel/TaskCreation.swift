// Which syscalls create a task, and whether that task is a process or a thread, as the recorder's
// process list and the debugger's (SwrrDebugger/RecordedProcesses.swift) need to know it from an event.
extension SyscallSpec {
    /// fork, vfork, clone (the table's `.spawn`) and clone3: a successful call creates a task and
    /// returns its id. (The recorder refuses clone3 with ENOSYS, glibc then uses clone.)
    public var createsTask: Bool { replay == .spawn || number == Syscall.clone3.number }

    /// Whether the task a successful call with these arguments creates is a new process: every
    /// creation but clone with CLONE_THREAD. clone3's flags are in the program's memory, not in
    /// its arguments: a clone3 counts as a process.
    public func createsProcess(args: [UInt64]) -> Bool {
        createsTask && !(number == Syscall.clone.number && CloneFlags(rawValue: args.first ?? 0).contains(.thread))
    }
}
