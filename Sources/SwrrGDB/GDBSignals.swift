// gdb's own signal numbers (gdb/signals.def), which the remote protocol uses in stop replies;
// they match Linux's for the classic signals only.
import Glibc

enum GDBSignals {
    /// Linux signal number → gdb's.
    static func gdbNumber(_ linux: Int32) -> Int {
        let map: [Int32: Int] = [
            SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGFPE: 8, SIGKILL: 9,
            SIGBUS: 10, SIGSEGV: 11, SIGSYS: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGURG: 16,
            SIGSTOP: 17, SIGTSTP: 18, SIGCONT: 19, SIGCHLD: 20, SIGTTIN: 21, SIGTTOU: 22, SIGIO: 23,
            SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGUSR1: 30,
            SIGUSR2: 31, SIGPWR: 32,
        ]
        if let n = map[linux] { return n }
        // Real-time signals: GDB_SIGNAL_REALTIME_34 is 46 … 64 is 76 (gdb numbers SIGRTMIN+k
        // from 34); 32 and 33 are 77 and 45.
        if linux == 32 { return 77 }
        if linux == 33 { return 45 }
        if linux >= 34 && linux <= 64 { return 46 + Int(linux - 34) }
        return 143   // GDB_SIGNAL_UNKNOWN
    }
}
