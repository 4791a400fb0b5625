// Which of the tracee's file descriptors still refer to swrr's own stdout and stderr. Writes to
// them are flagged in the trace so `swrr replay` can echo the program's output byte for byte
// without storing the bytes: replay reads them from the replayed program's memory.
import SwrrKernel

struct FdTable {
    /// fd -> 1 (stdout) or 2 (stderr)
    private(set) var echo: [Int64: UInt8] = [1: 1, 2: 2]

    func echoTarget(_ fd: UInt64) -> UInt8 { echo[Int64(bitPattern: fd)] ?? 0 }

    /// Applies a finished call's effect on the descriptor table. `pair` reads the two fds written
    /// by pipe-like calls.
    mutating func apply(_ effect: FdEffect, args: [UInt64], result: Int64, pair: () -> (Int64, Int64)?) {
        guard result >= 0 else { return }
        func arg(_ i: Int) -> Int64 { Int64(bitPattern: args[i]) }
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
            if args[1] == 0 || args[1] == 1030 { echo[result] = echo[arg(0)] }
        case .closesRange(let first, let last):
            let lo = args[first], hi = args[last]
            for fd in echo.keys where UInt64(fd) >= lo && UInt64(fd) <= hi { echo[fd] = nil }
        }
    }
}
