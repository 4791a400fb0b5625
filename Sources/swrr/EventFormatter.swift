// How `swrr dump` shows events: strace-like lines driven by SyscallTable's argument kinds.
import SwrrKernel
import SwrrTrace
import SwrrTracee

enum EventFormatter {
    static func line(_ number: Int, _ event: Event) -> String {
        let prefix = "\(number) [\(event.tid)] "
        switch event {
        case .exec(let e):
            return prefix + "exec \(quoted(e.originalPath)) (\(e.mappings.count) mappings, " +
                "stack \(e.stack.bytes.count) bytes, entry 0x\(hex(e.registers.rip)))"
        case .syscall(let e):
            return prefix + syscall(e)
        case .rdtsc(let e):
            return prefix + (e.isRdtscp ? "rdtscp" : "rdtsc") + " at 0x\(hex(e.registers.rip)) = \(e.value)"
                + (e.isRdtscp ? " aux \(e.aux)" : "")
        case .signal(let e):
            let point: String
            switch e.point {
            case .synchronous: point = "fault"
            case .syscallBoundary: point = "after a syscall"
            case .arbitrary: point = "at an arbitrary instruction"
            case .position: point = "at a position (" + position(e.signature) + ")"
            }
            return prefix + "signal \(SignalNames.name(e.signal)) code \(e.code) \(point), rip 0x\(hex(e.registers.rip))"
        case .syscallEntry(let e):
            return prefix + "\(SyscallTable.name(Int(e.number))) entered and blocked; other tasks run"
        case .preempt(let e):
            guard let sig = e.signature else { return prefix + "switched away while spinning at 0x\(hex(e.registers.rip))" }
            return prefix + "switched away at the end of a slice at 0x\(hex(e.registers.rip)) (" + position(sig) + ")"
        case .exit(let e):
            return prefix + "exit: " + WaitStatus.describe(e.waitStatus)
        case .bufferFlush(let e):
            guard let records = BufferedSyscall.parse(e.records.bytes) else {
                return prefix + "buffered syscalls: \(e.records.bytes.count) bytes that do not parse"
            }
            return ([prefix + "\(records.count) buffered syscall\(records.count == 1 ? "" : "s"):"]
                    + records.map { "    " + buffered($0) }).joined(separator: "\n")
        }
    }

    /// One record of a flushed syscall buffer (its first three arguments are kept).
    static func buffered(_ r: BufferedSyscall) -> String {
        let name = SyscallTable.name(r.number)
        let verdict = (r.result & 1 == 1 ? "cannot block" : "may block")
            + (r.result & 2 == 2 ? ", a copy of stdout or stderr" : "")
        if r.number == SyscallBufferLayout.fdClassCall {
            return "\(name)(\(Int32(truncatingIfNeeded: r.args[0]))) = \(verdict)"
        }
        if r.number == SyscallBufferLayout.pathClassCall {
            return "\(name)(\(argument(.fd, r.args[0], string: nil)), 0x\(hex(r.args[1]))) = \(verdict)"
        }
        let kinds = SyscallTable.spec(r.number)?.args ?? []
        let parts = zip(kinds.prefix(3), r.args).map { kind, v in argument(kind, v, string: nil) }
        var s = "\(name)(\(parts.joined(separator: ", "))\(kinds.count > 3 ? ", ..." : "")) = " + result(r.result, name: name)
        if r.outputLength > 0 { s += " [\(r.outputLength) bytes]" }
        return s
    }

    static func argument(_ kind: ArgKind, _ v: UInt64, string: String?) -> String {
        switch kind {
        case .int: return String(Int32(truncatingIfNeeded: v))
        case .long: return String(Int64(bitPattern: v))
        case .uint: return String(v)
        case .hex, .ptr: return "0x" + hex(v)
        case .fd:
            let fd = Int32(truncatingIfNeeded: v)
            return fd == -100 ? "AT_FDCWD" : String(fd)
        case .path:
            return string.map(quoted) ?? "0x" + hex(v)
        case .flags(let names):
            return names.describe(v)
        case .ptraceRequest:
            return PtraceRequests.name(v)
        }
    }

    static func syscall(_ e: SyscallEvent) -> String {
        let name = SyscallTable.name(Int(e.number))
        let spec = SyscallTable.spec(Int(e.number))
        let kinds = spec?.args ?? Array(repeating: .hex, count: 6)
        var parts: [String] = []
        for (i, kind) in kinds.enumerated() where i < e.args.count {
            parts.append(argument(kind, e.args[i], string: i < e.strings.count ? e.strings[i] : nil))
        }
        var s = "\(name)(\(parts.joined(separator: ", "))) = "
        switch e.seccomp {
        case .none: s += result(e.result, name: name)
        case .skipped: s += result(e.result, name: name) + " [program's seccomp filter: not run]"
        case .trap: s += "\(e.result) [program's seccomp filter: SIGSYS, not run]"
        case .killThread: s += "? [program's seccomp filter: thread killed by SIGSYS]"
        case .killProcess: s += "? [program's seccomp filter: process killed by SIGSYS]"
        }
        if let c = e.spawned {
            // The result is the child's id in the parent's pid namespace; later lines name it by
            // swrr's.
            s += " [task \(c.tid), \(c.ownId) in its own pid namespace]"
        }
        if !e.writes.isEmpty {
            s += " [wrote \(e.writes.reduce(0) { $0 + $1.bytes.count }) bytes]"
        }
        if e.echoFd != 0 { s += e.echoFd == 1 ? " [stdout]" : " [stderr]" }
        if let f = e.mappedFile {
            // A SysV segment has no path: the recorder read it through /proc/PID/map_files.
            s += name == "shmat" ? " [SysV segment \(e.args.first ?? 0), kept in the trace]" : " [maps \(Terminal.printable(f.originalPath))]"
        }
        if let m = e.memFileWrite {
            // A write through /proc/PID/mem, repeated into the replayed task.
            s += " [memory of task \(m.tid) at 0x\(hex(m.address))]"
        }
        if let u = e.fileUpdate {
            // What the call did to a file mapped in the recording, applied to replay's copy.
            let zeros = u.zeroed > 0 ? ", \(u.zeroed) zeroed" : ""
            s += " [file update \(Terminal.printable(u.file.originalPath)): size \(u.size), \(u.bytes.count) bytes at \(u.offset)\(zeros)]"
        }
        return s
    }

    static func result(_ r: Int64, name: String) -> String {
        if r < 0 && r > -4096 { return "-1 \(ErrnoNames.name(Int32(-r)))" }
        if name == "mmap" || name == "brk" || name == "mremap" { return "0x" + hex(UInt64(bitPattern: r)) }
        return String(r)
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    /// A state signature's progress words and digests (its registers are the event's).
    static func position(_ sig: StateSignature?) -> String {
        guard let sig else { return "no signature" }
        let words = sig.words.isEmpty ? "no progress words"
            : "words " + sig.words.map { "[0x\(hex($0.address))] = \($0.value)" }.joined(separator: ", ")
        return words + ", memory digest \(hex(sig.memory.value)) over \(sig.memory.bytes) bytes"
    }

    /// A string from the trace in quotes, escaped as Terminal.printable escapes it, with quotes
    /// and backslashes escaped too.
    static func quoted(_ s: String) -> String {
        var escaped = ""
        for c in s.unicodeScalars {
            if c == "\"" || c == "\\" { escaped += "\\" }
            escaped.unicodeScalars.append(c)
        }
        return "\"" + Terminal.printable(escaped) + "\""
    }
}
