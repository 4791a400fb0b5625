import Foundation
// The replay debugger under test: a ReplayDebugger on a fixture's recording (GDBFixture), killed
// after each test, and reading the replayed program's integers.
import SwrrReplay
import SwrrTestSupport
import XCTest

extension ReplayDebugger {
    /// A little-endian integer of the current task's memory.
    func int32(at address: UInt64) throws -> Int32 {
        Int32(truncatingIfNeeded: try int64(at: address, size: 4))
    }

    func int64(at address: UInt64, size: Int = 8) throws -> Int64 {
        let b = try readMemory(address, count: size)
        return Int64(bitPattern: (0..<size).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * UInt64($1)) })
    }
}

/// A test case driving one ReplayDebugger on a fixture's recording, killed after each test.
class DebuggerTestCase: XCTestCase {
    var debugger: ReplayDebugger?

    override func tearDown() {
        debugger?.kill()
        debugger = nil
        super.tearDown()
    }

    /// The debugger of fixture `name` (recorded once per test run; it exits with `status`).
    func start(_ name: String = "loop", status: Int32 = 3,
               echo: ((UInt8, [UInt8]) -> Void)? = nil) throws -> (ReplayDebugger, GDBFixture.Recording) {
        let rec = try GDBFixture.recording(name, status: status)
        let d = try ReplayDebugger(traceDirectory: rec.trace, echo: echo)
        debugger = d
        return (d, rec)
    }

    /// Runs `operation` while another thread asks for a pause every 50 ms after `delay`
    /// seconds, until the operation returns.
    func interrupting(_ d: ReplayDebugger, after delay: TimeInterval,
                      _ operation: () throws -> DebugStop) rethrows -> DebugStop {
        let finished = Flag()
        let pauser = Thread {
            Thread.sleep(forTimeInterval: delay)
            while !finished.value {
                d.interrupt()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        pauser.start()
        defer { finished.value = true }
        return try operation()
    }
}
