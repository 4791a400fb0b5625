// A task's ids in nested pid namespaces. A task in a pid namespace (clone with CLONE_NEWPID, a
// fork after unshare(CLONE_NEWPID) or setns into one) has an id in its own namespace and one in
// every namespace above it. ptrace, waitpid and /proc name it by its id in the tracer's (the
// outermost one /proc shows); the program sees others: its getpid, its parent's fork result,
// the si_pid of signals it receives. Measured (6.18, the namespaces fixture): the init of a new
// namespace reads getpid() = 1 while swrr sees, say, 48211, and its own children are 2, 3, 4
// there.

public enum PidNamespaces {
    /// The NSpid line of /proc/TID/status: the task's ids from the outermost namespace /proc shows
    /// to its own (one id when it is in that namespace). nil when the task is gone or an id is
    /// not a positive 32-bit number.
    public static func ids(of tid: Int32) -> [Int32]? {
        guard let status = readTextFile("/proc/\(tid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("NSpid:") {
            let fields = line.dropFirst("NSpid:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            let ids = fields.compactMap { Int32($0) }.filter { $0 > 0 }
            return ids.count == fields.count && !ids.isEmpty ? ids : nil
        }
        return nil
    }

    /// The id of a task whose ids are `task` as seen from inside the pid namespace of a task
    /// whose ids are `viewer` (both as `ids(of:)` reads them): a fork's result in the parent
    /// (the kernel returns the child's id in the parent's own namespace, which is an ancestor of
    /// the child's or the same). nil when the viewer's namespace is deeper than the task's.
    public static func id(of task: [Int32], seenBy viewer: [Int32]) -> Int32? {
        let level = viewer.count - 1
        guard level >= 0, level < task.count else { return nil }
        return task[level]
    }
}
