// Node.js (issue 12): a script with timers, a worker thread (worker_threads) and crypto random
// numbers. V8 starts platform worker threads and libuv's thread pool, protects its code with
// memory protection keys (pkey_alloc) where the kernel has them, and waits in epoll.
import Foundation
import SwrrTestSupport
import XCTest

final class NodeRuntimeTests: XCTestCase {
    func testTimersWorkerThreadAndCrypto() throws {
        let node = try Tool.find("node", missing: "install Node.js (Debian's nodejs package, "
                                 + "or the machine's own node on PATH)")
        let dir = try makeTemporaryDirectory("node")
        let recording = try assertRuntimeRoundTrip([node.path, RuntimeProgram.source("timers-worker.js")],
                                                   label: "node timers, worker, crypto", directory: dir)
        assertContains(recording.result.stdoutText, ["worker n=3000000 sum=8999997 uuid=", "worker exit code: 1"])
    }
}
