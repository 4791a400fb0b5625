// SIGTERM and SIGHUP to `swrr record` finish the trace instead of losing its end.
//
// With the default action swrr died, PTRACE_O_EXITKILL killed the program with it, and the trace
// had no end marker: replay said it ended early (the recording was interrupted), status 75,
// whatever was in the last incomplete chunk lost. Now a handler notes the signal, and the
// recorder's loop, before it resumes anything, stops the recording as an unsupported syscall does:
// the program is killed, every chunk written and the end marker says the recording was stopped
// and by what. `swrr record` then exits with 128 + the signal, as for a process the signal ended.
// SIGINT and SIGQUIT still go to the program (RecordCommand ignores them in swrr).
//
// The loop may sit in waitpid(-1) for as long as the program runs or blocks (pause, a read from
// a terminal), and the shared wait helper retries EINTR. So the handler wakes it another way: it
// forks a child that exits at once (the raw fork syscall, so no atfork handler runs inside a
// signal handler), and a waitpid(-1) in any thread of swrr returns for any child of the process
// (Linux, without __WNOTHREAD). The loop ignores the end of a pid it does not trace.
import CSwrrShim
import Glibc
import SwrrKernel

public enum StopSignals {
    /// Catches SIGTERM and SIGHUP for the rest of the process, each unless it was ignored when
    /// swrr started (`nohup swrr record …` keeps recording through a hangup, as asked).
    public static func install() {
        let ignored = swrr_ignored_signals()
        for sig in [SIGTERM, SIGHUP] where (ignored >> UInt64(sig - 1)) & 1 == 0 {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = noteStopSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
        }
    }

    /// The signal that asked the recording to stop, if one did.
    static var received: Int32? {
        let sig = stopSignal
        return sig == 0 ? nil : sig
    }
}

/// Written only by the handler (once), read by the recorder's loop.
nonisolated(unsafe) private var stopSignal: Int32 = 0

private let noteStopSignal: @convention(c) (Int32) -> Void = { sig in
    if stopSignal == 0 { stopSignal = sig }
    let saved = errno
    if swrr_syscall6(57 /* fork */, 0, 0, 0, 0, 0, 0) == 0 {
        _ = swrr_syscall6(60 /* exit */, 0, 0, 0, 0, 0, 0)
    }
    errno = saved
}
