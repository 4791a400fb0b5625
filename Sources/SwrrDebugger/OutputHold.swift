// The replayed program's output while the replay runs ahead on trial. A forward `goto` searches
// by running on, possibly to the end of the recording, and when the line does not run again it
// goes back where it was (GotoTravel.swift): the output of that trial run is the client's only
// if the replay stays ahead. Otherwise it would reach the client twice, once from the trial and
// once when the replay passes it for real (measured before: a goto that could not move re-sent
// the program's later output). Going back itself is quiet (the engine's seek echoes nothing).
import Foundation

public final class OutputHold {
    private let lock = NSLock()
    /// Output held back (nil: none is; output goes straight through).
    private var held: [(fd: UInt8, bytes: [UInt8])]?
    private let forward: (UInt8, [UInt8]) -> Void

    public init(forward: @escaping (UInt8, [UInt8]) -> Void) {
        self.forward = forward
    }

    /// The replay's echo (called on the engine's thread).
    public func echo(_ fd: UInt8, _ bytes: [UInt8]) {
        lock.lock()
        if held != nil {
            held!.append((fd, bytes))
            lock.unlock()
            return
        }
        lock.unlock()
        forward(fd, bytes)
    }

    /// Holds output back from now on.
    public func hold() {
        lock.lock()
        held = held ?? []
        lock.unlock()
    }

    /// Sends what was held (the replay stays past it) and lets output through again.
    public func release() {
        lock.lock()
        let out = held ?? []
        held = nil
        lock.unlock()
        for o in out { forward(o.fd, o.bytes) }
    }

    /// Drops what was held (the replay went back before it) and lets output through again.
    public func discard() {
        lock.lock()
        held = nil
        lock.unlock()
    }
}
