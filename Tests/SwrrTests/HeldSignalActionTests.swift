// rt_sigaction sets that replay without a debugger holds back until the kernel's disposition
// matters (SwrrReplay/DeferredSignalActions.swift; Tests/Fixtures/held_signal_actions.c): a
// handler set before a signal, a fork, a thread; SIG_DFL set again before a fatal signal; an
// execve after SIG_DFL over a SIG_IGN the kernel has, and posix_spawn's child resetting a handled
// signal. A set made too late shows as a handler that does not run or a death that does not come:
// the replay diverges or prints other lines.
import Foundation
import SwrrTestSupport
import XCTest

final class HeldSignalActionTests: XCTestCase {
    private let expected: [String: String] = [
        "handler": "handler ran for signal 10\n",
        "fork": "child: handler ran for signal 10\nchild exited with 0\n",
        "thread": "thread: handler ran for signal 10\n",
        "default": "child killed by signal 12\n",
        "exec": "SIGUSR2 handled: 12\nchild killed by signal 10\n",
        "spawn": "child killed by signal 10\n",
    ]

    func check(_ mode: String, _ variant: Variant, file: StaticString = #filePath, line: UInt = #line) throws {
        let out = try deterministicRoundTrip(.heldSignalActions, [mode], variant, file: file, line: line)
        XCTAssertEqual(out, expected[mode], file: file, line: line)
    }

    func testHandlerSetBeforeKillO0Dynamic() throws { try check("handler", .o0Dynamic) }
    func testHandlerSetBeforeKillO2Static() throws { try check("handler", .o2Static) }
    func testHandlerInheritedByForkO0Dynamic() throws { try check("fork", .o0Dynamic) }
    func testHandlerInheritedByForkO2Static() throws { try check("fork", .o2Static) }
    func testHandlerSharedWithThreadO0Dynamic() throws { try check("thread", .o0Dynamic) }
    func testHandlerSharedWithThreadO2Static() throws { try check("thread", .o2Static) }
    func testDefaultSetAgainBeforeFatalSignalO0Dynamic() throws { try check("default", .o0Dynamic) }
    func testDefaultSetAgainBeforeFatalSignalO2Static() throws { try check("default", .o2Static) }
    func testDefaultOverIgnoredBeforeExecO0Dynamic() throws { try check("exec", .o0Dynamic) }
    func testDefaultOverIgnoredBeforeExecO2Static() throws { try check("exec", .o2Static) }
    func testPosixSpawnResetsHandledSignalO0Dynamic() throws { try check("spawn", .o0Dynamic) }
    func testPosixSpawnResetsHandledSignalO2Static() throws { try check("spawn", .o2Static) }
}
