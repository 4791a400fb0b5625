// Job control (issue 14, Tests/Fixtures/job_control.c): a child with three threads stopped by
// SIGSTOP and SIGTSTP and continued by SIGCONT, its parent seeing WIFSTOPPED and WIFCONTINUED
// through waitpid, and no thread running while the child is stopped (the recorder leaves a
// group-stop stopped: SwrrRecord/JobControl.swift); a blocked mask and a pending signal carried
// across exec. Recorded and replayed with identical output, as a native run prints but its token.
import Foundation
import SwrrTestSupport
import XCTest

final class JobControlTests: XCTestCase {
    func checkStopCont(_ variant: Variant) throws {
        XCTAssertEqual(try tokenRoundTrip(.jobControl, "stop-cont", variant), """
            kill(child, SIGSTOP) = 0
            waitpid(WUNTRACED) = child: yes, WIFSTOPPED 1, WSTOPSIG STOP
            threads counting while stopped: 0 of 3
            kill(child, SIGCONT) = 0
            waitpid(WCONTINUED) = child: yes, WIFCONTINUED 1
            threads counting after SIGCONT: 3 of 3
            kill(child, SIGTSTP) = 0
            waitpid(WUNTRACED) = child: yes, WIFSTOPPED 1, WSTOPSIG TSTP
            kill(child, SIGKILL) = 0
            waitpid = child: yes, killed by KILL

            """)
    }

    func testStopAndContinueAThreadedChildO0Dynamic() throws { try checkStopCont(.o0Dynamic) }
    func testStopAndContinueAThreadedChildO2Static() throws { try checkStopCont(.o2Static) }

    func checkMaskAcrossExec(_ variant: Variant) throws {
        XCTAssertEqual(try tokenRoundTrip(.jobControl, "mask-exec", variant), """
            before exec: USR1 blocked 1, USR2 blocked 1, TERM blocked 0; USR1 pending 1, USR2 pending 0
            after exec: USR1 blocked 1, USR2 blocked 1, TERM blocked 0; USR1 pending 1, USR2 pending 0
            sigwaitinfo = USR1, from itself: yes
            after sigwaitinfo: USR1 blocked 1, USR2 blocked 1, TERM blocked 0; USR1 pending 0, USR2 pending 0

            """)
    }

    func testBlockedMaskAndPendingSignalAcrossExecO0Dynamic() throws { try checkMaskAcrossExec(.o0Dynamic) }
    func testBlockedMaskAndPendingSignalAcrossExecO2Static() throws { try checkMaskAcrossExec(.o2Static) }
}
