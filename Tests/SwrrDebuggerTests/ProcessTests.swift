// The process being debugged in a multi-process recording (Tests/Fixtures/dap/forks.c: the
// child runs work(2) first, then the parent work(1)): breakpoints stop only in its threads.
import SwrrDebugger
import XCTest

final class ProcessTests: XCTestCase {
    func testBreakpointsStopOnlyInTheDebuggedProcess() throws {
        let trace = try CoreFixture.trace("forks")
        let processes = try RecordedProcesses.list(trace)
        XCTAssertEqual(processes.count, 2, "\(processes)")
        let (parent, child) = (processes[0], processes[1])

        // The first process by default: the parent's call, though the child's came first.
        let first = try CoreSession("forks")
        XCTAssertEqual(first.debugger.processID, Int(parent))
        let bp = try first.breakAt("work")
        XCTAssertEqual(try first.run(.continue), .breakpoint(tid: parent, ids: [bp.id], kind: .source))
        XCTAssertEqual(try first.value("who"), "1")

        // The child: its own call; the parent's three hits later are passed over.
        let second = try CoreSession("forks", process: Int(child))
        let again = try second.breakAt("work")
        XCTAssertEqual(try second.run(.continue), .breakpoint(tid: child, ids: [again.id], kind: .source))
        XCTAssertEqual(try second.value("who"), "2")
        guard case .endOfRecording(let end) = try second.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(end.exitCode, 0, "the recording ends with the parent's exit")
        XCTAssertEqual(again.hits, 1)

        XCTAssertThrowsError(try CoreSession("forks", process: 1)) { error in
            XCTAssertEqual(error as? SessionError, SessionError(
                "there is no process 1 in this recording (its processes: \(parent), \(child))"))
        }
    }
}
