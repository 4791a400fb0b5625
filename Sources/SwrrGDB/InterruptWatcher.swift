// gdb's Ctrl-C during a resume. While gdb waits for a stop reply its only message is a raw 0x03
// byte, but the packet loop is busy inside the (synchronous) resume. A watcher thread polls the
// connection meanwhile and, as soon as anything arrives (the 0x03, or the connection closing),
// asks the replay to pause (ReplayDebugger.interrupt for a step, the core's Debugger.pause for a
// continue, which also ends its passing over false hits: it stops at the next exact position and
// the resume returns with reason .interrupted, told to gdb as T02). The watcher reads nothing:
// the packet loop reads the 0x03 afterwards and skips it.
//
// The same poll waits on a pipe that `stop` writes to, so the watcher ends as soon as the resume
// has (with a poll timeout instead, every resume took at least one timeout: reverse operations in
// benchmarks/reverse measured in steps of 52 ms with poll(…, 50)).
import Dispatch
import Glibc

final class InterruptWatcher {
    /// Read end, write end; `stop` writes one byte.
    private var wake: [Int32] = [-1, -1]
    private let done = DispatchSemaphore(value: 0)

    /// Starts watching `fd` for input, calling `interrupt` (on another thread) when some arrives.
    init(fd: Int32, interrupt: @escaping () -> Void) {
        if pipe(&wake) != 0 {
            // Without the pipe the watcher could never be told to end: watch nothing.
            wake = [-1, -1]
            done.signal()
            return
        }
        for end in wake { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let stopRead = wake[0]
        DispatchQueue.global().async { [done] in
            var p = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                     pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)]
            while true {
                let n = poll(&p, 2, -1)
                if n < 0 && errno == EINTR { continue }
                // stop() first: input that arrives once the resume is over is the packet loop's,
                // and an interrupt now would pause the next resume instead.
                if n <= 0 || p[1].revents != 0 { break }
                if p[0].revents != 0 {
                    interrupt()
                    break
                }
            }
            done.signal()
        }
    }

    /// Stops watching (waits for the thread to finish).
    func stop() {
        if wake[1] >= 0 {
            var byte: UInt8 = 1
            _ = write(wake[1], &byte, 1)
        }
        done.wait()
    }

    deinit {
        for end in wake where end >= 0 { close(end) }
    }
}
