// ChunkPipeline: compresses and appends the trace writer's chunks on a thread of its own, so the
// recorder's loop never waits for zstd or the disk (issue 7, part 5).
//
// Chunks are handled strictly in submission order by one serial queue, so the writer's rule
// "the data chunk before the events chunk that points into it" still holds on disk. At most
// `maxPending` chunks wait (each at most 1 MiB of data or 256 KiB of events plus slack): beyond
// that the submitter blocks until one is written, so memory stays bounded whatever the disk's
// speed. The first failure is kept and reported by every later call; chunks after it are dropped,
// so the files still end with whole chunks (ChunkAppender cuts a failed write back).
//
// Measured on the 100,000-syscall loop (benchmarks/record-overhead): the recorder's own user time
// is ≈ 5 % of the recording's wall time, zstd a small part of that; the point of the thread is
// that it stays small when syscall buffering makes each event carry many syscalls.
//
// The thread runs where the pipeline's maker could, not on the recorded program's CPU. The
// recorder's loop runs bound to that one CPU (CPUBinding.onCPU), and Dispatch makes its worker
// thread lazily, at the first chunk, from inside that loop: it inherited the binding, so zstd and
// the writes took turns with the program on one CPU while the machine's other CPUs idled.
// Measured (release, 2 CPUs): the trace-writer thread took 18 ms of CPU in a 150 ms recording of
// record-overhead's python3 row (zstd 8 ms, the kernel's writes 8 ms).
import Dispatch
import Glibc
import SwrrTracee

final class ChunkPipeline {
    static let maxPending = 4

    private let queue = DispatchQueue(label: "swrr.trace-writer")
    private let slots = DispatchSemaphore(value: ChunkPipeline.maxPending)
    private let lock = PipelineLock()
    private var failure: Error?
    /// The affinity of the thread that made the pipeline (swrr's own, before any binding).
    private let home = CPUBinding.Affinity.ofCallingThread()

    /// Queues one chunk: encoded and appended to `file` after every chunk queued before it.
    /// Throws the failure of an earlier chunk, if any.
    func submit(kind: ChunkKind, first: UInt64, raw: [UInt8], to file: ChunkAppender) throws {
        try submit { try file.append(try ChunkEncoder.encode(kind: kind, first: first, raw: raw)) }
    }

    /// Queues work that writes to the trace, run after everything queued before it (a kept
    /// file's checksum: see TraceWriter.addFile).
    func submit(_ job: @escaping () throws -> Void) throws {
        try check()
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            home?.applyToCallingThread()
            if lock.withLock({ failure != nil }) { return }
            do {
                try job()
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// Waits until every queued chunk is on disk (or dropped after a failure), then reports the
    /// first failure.
    func drain() throws {
        queue.sync {}
        try check()
    }

    private func check() throws {
        if let e = lock.withLock({ failure }) { throw e }
    }
}

/// A pthread mutex (the module imports no Foundation).
private final class PipelineLock {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}
