// gdb's Ctrl-C during a resume. While gdb waits for a stop reply its only message is a raw 0x03
// byte, but the packet loop is busy inside the (synchronous) resume. A watcher thread polls the
// connection meanwhile and, as soon as anything arrives (the 0x03, or the connection closing),
// asks the replay to pause (ReplayDebugger.interrupt: it stops at the next exact position and
// the resume returns with reason .interrupted, told to gdb as T02). The watcher reads nothing:
// the packet loop reads the 0x03 afterwards and skips it.
import Dispatch
import Glibc
import SwrrReplay

final class InterruptWatcher {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    /// Starts watching `fd` for input, interrupting `debugger` when some arrives.
    init(fd: Int32, debugger: ReplayDebugger) {
        pthread_mutex_init(lock, nil)
        DispatchQueue.global().async { [self] in
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while isRunning {
                let n = poll(&p, 1, 50)
                if n > 0 {
                    debugger.interrupt()
                    break
                }
            }
            done.signal()
        }
    }

    private var isRunning: Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return running
    }

    /// Stops watching (waits for the thread to finish).
    func stop() {
        pthread_mutex_lock(lock)
        running = false
        pthread_mutex_unlock(lock)
        done.wait()
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }
}
