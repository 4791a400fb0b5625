// What a signal will do to a traced task, read from /proc/PID/status (SigCgt, SigIgn): the
// recorder decides from it how to deliver a signal away from a syscall (SwrrRecord/SignalRecorder.swift),
// and replay whether a signal after an interrupted wait runs a handler (SyscallReplay.swift).
public enum SignalDisposition {
    case ignored     // SIG_IGN, or default action "ignore" (SIGCHLD, SIGCONT, SIGURG, SIGWINCH)
    case stops       // default action "stop"
    case fatal       // default action "terminate" or "core"
    case caught      // a handler runs
}

public enum SignalPolicy {
    static let defaultIgnore: Set<Int32> = [17, 18, 23, 28]
    static let defaultStop: Set<Int32> = [19, 20, 21, 22]

    /// `signal` must be a signal number (1...64); another number is taken as fatal.
    public static func disposition(of signal: Int32, tid: Int32) -> SignalDisposition {
        guard signal >= 1 && signal <= 64 else { return .fatal }
        let status = readTextFile("/proc/\(tid)/status") ?? ""
        let bit = UInt64(1) << UInt64(signal - 1)
        if mask("SigCgt", in: status) & bit != 0 { return .caught }
        if mask("SigIgn", in: status) & bit != 0 || defaultIgnore.contains(signal) { return .ignored }
        if defaultStop.contains(signal) { return .stops }
        return .fatal
    }

    /// The signals the task's process ignores (SigIgn: bit n-1 for signal n): what survives an
    /// execve of its dispositions.
    public static func ignored(tid: Int32) -> UInt64 {
        mask("SigIgn", in: readTextFile("/proc/\(tid)/status") ?? "")
    }

    /// Whether the thread blocks `signal` (SigBlk); false for a number that is not a signal.
    public static func isBlocked(_ signal: Int32, tid: Int32) -> Bool {
        guard signal >= 1 && signal <= 64 else { return false }
        return mask("SigBlk", in: readTextFile("/proc/\(tid)/status") ?? "") & (UInt64(1) << UInt64(signal - 1)) != 0
    }

    /// Whether `signal` is pending for the thread itself (SigPnd: its private queue, where the
    /// kernel puts a trap's SIGTRAP); false for a number that is not a signal.
    public static func isPending(_ signal: Int32, tid: Int32) -> Bool {
        guard signal >= 1 && signal <= 64 else { return false }
        return mask("SigPnd", in: readTextFile("/proc/\(tid)/status") ?? "") & (UInt64(1) << UInt64(signal - 1)) != 0
    }

    static func mask(_ key: String, in status: String) -> UInt64 {
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            return UInt64(line.dropFirst(key.count + 1).trimmingCharacters(in: " \t"), radix: 16) ?? 0
        }
        return 0
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
