// Which of the tracee's file descriptors still refer to swrr's own stdout and stderr. Writes to
// them are flagged in the trace so `swrr replay` can echo the program's output byte for byte
// without storing the bytes: replay reads them from the replayed program's memory.
import SwrrKernel

struct FdTable {
    /// fd -> 1 (stdout) or 2 (stderr)
    private(set) var echo: [Int64: UInt8] = [1: 1, 2: 2]

    func echoTarget(_ fd: UInt64) -> UInt8 { echo[Self.descriptor(fd)] ?? 0 }

    /// The descriptor a syscall argument names: the kernel takes descriptors as 32-bit ints
    /// (`unsigned int fd` for write, close, dup2, fcntl), so write(1L << 32 | 1, ...) writes to
    /// stdout (measured), and its echo must be replayed as one to 1.
    static func descriptor(_ arg: UInt64) -> Int64 { Int64(Int32(truncatingIfNeeded: arg)) }

    /// Applies a finished call's effect on the descriptor table. `pair` reads the two fds written
    /// by pipe-like calls.
    mutating func apply(_ effect: FdEffect, args: [UInt64], result: Int64, pair: () -> (Int64, Int64)?) {
        guard result >= 0 else { return }
        func arg(_ i: Int) -> Int64 { Self.descriptor(args[i]) }
        switch effect {
        case .none, .unshares:
            break   // (unshares: the table is copied, RecordProcess.apply)
        case .returnsFd:
            echo[result] = nil
        case .dupResult:
            echo[result] = echo[arg(0)]
        case .dupTo(let a):
            if arg(a) != arg(0) { echo[arg(a)] = echo[arg(0)] }
        case .closes(let a):
            echo[arg(a)] = nil
        case .fdPair:
            if let (r, w) = pair() { echo[r] = nil; echo[w] = nil }
        case .fcntlDup:
            // F_DUPFD (0) and F_DUPFD_CLOEXEC (1030) return a copy; other commands return values.
            // (The command is an unsigned int too.)
            if UInt32(truncatingIfNeeded: args[1]) == 0 || UInt32(truncatingIfNeeded: args[1]) == 1030 {
                echo[result] = echo[arg(0)]
            }
        case .closesRange(let first, let last):
            let lo = Int64(UInt32(truncatingIfNeeded: args[first])), hi = Int64(UInt32(truncatingIfNeeded: args[last]))
            for fd in echo.keys where fd >= lo && fd <= hi { echo[fd] = nil }
        }
    }
}
