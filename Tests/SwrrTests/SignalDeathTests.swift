// Deaths by signal (issue 14): children killed by SIGKILL and SIGTERM from their parent while they
// wait, by raise and kill of SIGSYS, by SIGPIPE from a write to a pipe without readers, by
// raise(SIGTERM) and by abort(); and the recorded program itself ending each of those ways
// (Tests/Fixtures/signal_deaths.c). Each is recorded and replayed with identical output and the
// same status, and the recording prints what a native run prints but for its random token.
import Foundation
import SwrrTestSupport
import XCTest

final class SignalDeathTests: XCTestCase {
    private func check(_ mode: String, _ variant: Variant, status: Int32, environment: [String: String?] = [:],
                       file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try tokenRoundTrip(.signalDeaths, mode, variant, status: status, environment: environment, file: file, line: line)
    }

    func checkChildren(_ variant: Variant) throws {
        XCTAssertEqual(try check("children", variant, status: 0), """
            parent: kill(child, SIGKILL) = 0
            child SIGKILL in pause: killed by signal 9 (KILL), core dumped: no, raw status 0x9
            parent: kill(child, SIGKILL) = 0
            child SIGKILL in read: killed by signal 9 (KILL), core dumped: no, raw status 0x9
            child raise(SIGSYS): killed by signal 31 (SYS), core dumped: no, raw status 0x1f
            child kill(self, SIGSYS): killed by signal 31 (SYS), core dumped: no, raw status 0x1f
            child SIGPIPE: killed by signal 13 (PIPE), core dumped: no, raw status 0xd
            parent: kill(child, SIGTERM) = 0
            child SIGTERM in pause: killed by signal 15 (TERM), core dumped: no, raw status 0xf
            parent: kill(child, SIGTERM) = 0
            child SIGTERM in sleep: killed by signal 15 (TERM), core dumped: no, raw status 0xf
            child raise(SIGTERM): killed by signal 15 (TERM), core dumped: no, raw status 0xf
            child abort(): killed by signal 6 (ABRT), core dumped: no, raw status 0x6

            """)
    }

    func testChildrenDyingBySignalsO0Dynamic() throws { try checkChildren(.o0Dynamic) }
    func testChildrenDyingBySignalsO2Static() throws { try checkChildren(.o2Static) }

    /// The program itself: swrr record and replay both exit with 128 + the signal.
    func checkSelf(_ variant: Variant) throws {
        for (mode, status) in [("self-abort", 134), ("self-pipe", 141), ("self-term", 143), ("self-sys", 159),
                               ("self-kill", 137)] as [(String, Int32)] {
            XCTAssertEqual(try check(mode, variant, status: status), "", mode)
        }
    }

    func testProgramDyingBySignalsO0Dynamic() throws { try checkSelf(.o0Dynamic) }
    func testProgramDyingBySignalsO2Static() throws { try checkSelf(.o2Static) }

    /// With buffering (whatever the pass's default), the write to a pipe without readers is made
    /// inside the preload library and SIGPIPE comes there, away from any recorded syscall: the
    /// replay exited with 3 (the write returned) before waitForEnd let the raised signal through.
    func testSigpipeInsideABufferedWrite() throws {
        XCTAssertEqual(try check("self-pipe", .o0Dynamic, status: 141, environment: ["SWRR_SYSCALLBUF": "1"]), "")
    }
}
