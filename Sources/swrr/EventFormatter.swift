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
            }
            return prefix + "signal \(SignalNames.name(e.signal)) code \(e.code) \(point), rip 0x\(hex(e.registers.rip))"
        case .syscallEntry(let e):
            return prefix + "\(SyscallTable.name(Int(e.number))) entered and blocked; other tasks run"
        case .preempt(let e):
            return prefix + "switched away while spinning at 0x\(hex(e.registers.rip))"
        case .exit(let e):
            return prefix + "exit: " + WaitStatus.describe(e.waitStatus)
        }
    }

    static func syscall(_ e: SyscallEvent) -> String {
        let name = SyscallTable.name(Int(e.number))
        let spec = SyscallTable.spec(Int(e.number))
        let kinds = spec?.args ?? Array(repeating: .hex, count: 6)
        var parts: [String] = []
        for (i, kind) in kinds.enumerated() where i < e.args.count {
            let v = e.args[i]
            switch kind {
            case .int: parts.append(String(Int64(bitPattern: v)))
            case .uint: parts.append(String(v))
            case .hex, .ptr: parts.append("0x" + hex(v))
            case .fd:
                let fd = Int32(truncatingIfNeeded: v)
                parts.append(fd == -100 ? "AT_FDCWD" : String(fd))
            case .path:
                parts.append(i < e.strings.count ? quoted(e.strings[i]) : "0x" + hex(v))
            }
        }
        var s = "\(name)(\(parts.joined(separator: ", "))) = " + result(e.result, name: name)
        if !e.writes.isEmpty {
            s += " [wrote \(e.writes.reduce(0) { $0 + $1.bytes.count }) bytes]"
        }
        if e.echoFd != 0 { s += e.echoFd == 1 ? " [stdout]" : " [stderr]" }
        if let f = e.mappedFile { s += " [maps \(f.originalPath)]" }
        return s
    }

    static func result(_ r: Int64, name: String) -> String {
        if r < 0 && r > -4096 { return "-1 \(ErrnoNames.name(Int32(-r)))" }
        if name == "mmap" || name == "brk" || name == "mremap" { return "0x" + hex(UInt64(bitPattern: r)) }
        return String(r)
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += "\\x" + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}
