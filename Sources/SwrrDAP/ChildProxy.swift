// The child side of a process tree's session (ProcessTree.swift): a swrr-dap started by the
// client for a `startDebugging` configuration with `__swrrParent` forwards its session to the
// parent's swrr-dap, which owns the one replay. It has answered `initialize` itself (the client
// waits for that before it sends `launch`); it sends the parent that `initialize` and the
// `launch`, drops the parent's answer to the `initialize`, and from then on copies frames both
// ways until either side ends.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ChildProxy {
    /// Forwards the session to the parent at `socketPath`; `opening`: the requests already
    /// received (initialize, launch), sent first. Returns swrr-dap's exit status.
    public static func run(socketPath: String, opening: [[UInt8]], client: FrameReader, output: Int32) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0, ProcessTree.withAddress(socketPath, { connect(fd, $0, $1) }) == 0 else {
            let why = String(cString: strerror(errno))
            // The launch still needs an answer: the client would wait for it.
            FrameWriter(fd: output).write(OutgoingMessage.serialize(OutgoingMessage.event("output", body: [
                "category": "important",
                "output": "swrr-dap: cannot reach the parent session at \(socketPath): \(why)\n"]).object(seq: 2)))
            FrameWriter(fd: output).write(OutgoingMessage.serialize(OutgoingMessage.event("terminated", body: nil).object(seq: 3)))
            return 1
        }
        let toParent = FrameWriter(fd: fd)
        for body in opening { toParent.write(body) }
        let done = DispatchSemaphore(value: 0)
        Thread {
            // Parent to client, the first frame (initialize's response) dropped.
            let fromParent = FrameReader(fd: fd)
            let toClient = FrameWriter(fd: output)
            var first = true
            while case .message(let body) = fromParent.next() {
                if first { first = false; continue }
                toClient.write(body)
            }
            done.signal()
        }.start()
        Thread {
            // Client to parent; the end of the client's input ends the connection's writing.
            while case .message(let body) = client.next() { toParent.write(body) }
            shutdown(fd, Int32(SHUT_WR))
        }.start()
        done.wait()
        return 0
    }
}
