// Process attributes a program reads back (issue 14, Tests/Fixtures/process_attributes.c): its
// parent-death signal, which swrr sets for the tracee until it is seized, must read 0 at the start
// as natively; a stack limit lowered by the program, which replay must lower too (prlimit64 of the
// calling process's RLIMIT_STACK runs for real) for the stack to overflow at the recorded depth.
// Recorded and replayed with identical output; the recording prints what a native run prints but
// for its random token.
import Foundation
import SwrrTestSupport
import XCTest

final class ProcessAttributeTests: XCTestCase {
    func checkPdeathsig(_ variant: Variant) throws {
        XCTAssertEqual(try tokenRoundTrip(.processAttributes, "pdeathsig", variant), """
            at the start: PR_GET_PDEATHSIG = 0, signal 0
            PR_SET_PDEATHSIG(SIGUSR2) = 0, now signal 12
            child: signal 0 (fork clears it)
            PR_SET_PDEATHSIG(0) = 0, now signal 0

            """)
    }

    func testParentDeathSignalIsTheProgramsOwnO0Dynamic() throws { try checkPdeathsig(.o0Dynamic) }
    func testParentDeathSignalIsTheProgramsOwnO2Static() throws { try checkPdeathsig(.o2Static) }

    /// The exact depth goes to stderr, which every replay must print as the recording did (with the
    /// limit emulated the replay diverged at the SIGSEGV: rsp 0x7fffff7fec60, recorded 0x7ffffffbee60).
    func checkStackLimit(_ variant: Variant, mode: String = "stack-limit") throws {
        XCTAssertEqual(try tokenRoundTrip(.processAttributes, mode, variant), """
            setrlimit(RLIMIT_STACK, 256 KiB) = 0
            overflow caught, depth between 150 and 256: yes, handler on the alternate stack: yes
            RLIMIT_STACK now 256 KiB

            """)
    }

    func testLoweredStackLimitOverflowsIntoAnAltstackHandlerO0Dynamic() throws { try checkStackLimit(.o0Dynamic) }
    func testLoweredStackLimitOverflowsIntoAnAltstackHandlerO2Static() throws { try checkStackLimit(.o2Static) }
    /// The raw setrlimit syscall (160) lowers it on replay too (SyscallTable: executeWhen RLIMIT_STACK).
    func testRawSetrlimitStackLimitO0Dynamic() throws { try checkStackLimit(.o0Dynamic, mode: "raw-stack-limit") }
    func testRawSetrlimitStackLimitO2Static() throws { try checkStackLimit(.o2Static, mode: "raw-stack-limit") }
}
