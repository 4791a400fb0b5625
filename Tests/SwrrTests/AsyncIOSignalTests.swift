// Signal-driven I/O (issue 14, Tests/Fixtures/async_io_signals.c): SIGIO from a socket with
// O_ASYNC owned by the process (F_SETOWN), caught while the program waits in sigsuspend, and a
// real-time signal chosen with F_SETSIG carrying si_fd, si_code and si_band. A child's exit
// wakes a sigsuspend with a SIGCHLD that has no handler, which the kernel answers by restarting
// the call: replay must restart it too rather than hold the call with its temporary mask (it hung
// there without buffering). Recorded and replayed with identical output, as natively but the token.
import Foundation
import SwrrTestSupport
import XCTest

final class AsyncIOSignalTests: XCTestCase {
    static let expected = """
        F_SETOWN = 0
        F_SETFL O_ASYNC = 0
        F_GETOWN is the pid: yes
        write 1: SIGIO handled 1 time(s) in all, read 3
        write 2: SIGIO handled 2 time(s) in all, read 3
        write 3: SIGIO handled 3 time(s) in all, read 3
        write by a second child after the first one's exit: SIGIO handled 4 time(s) in all, read 4
        F_SETSIG(SIGRTMIN) = 0
        SIGRTMIN handled 1 time(s), si_fd is the pipe: yes, si_code POLL_IN: yes, POLLIN in si_band: yes

        """

    func testSigioAndSetsigO0Dynamic() throws {
        XCTAssertEqual(try tokenRoundTrip(.asyncIOSignals, "sigio", .o0Dynamic), Self.expected)
    }

    func testSigioAndSetsigO2Static() throws {
        XCTAssertEqual(try tokenRoundTrip(.asyncIOSignals, "sigio", .o2Static), Self.expected)
    }

    /// Without buffering every wait is a traced syscall, and the SIGCHLD of the writer's exit lands
    /// on the parent's sigsuspend (whatever the pass's default).
    func testSigioWithoutBuffering() throws {
        XCTAssertEqual(try tokenRoundTrip(.asyncIOSignals, "sigio", .o0Dynamic, environment: ["SWRR_SYSCALLBUF": "0"]),
                       Self.expected)
    }
}
