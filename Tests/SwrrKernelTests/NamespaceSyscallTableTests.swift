// The namespace calls' specs (NamespaceSyscalls.swift), what replay clears from clone's
// flags (NamespaceFlags.swift), the flag names `swrr dump` shows (FlagNames.swift), and how a
// task's id is seen from another pid namespace (SwrrTracee/PidNamespaces.swift).
import XCTest
@testable import SwrrKernel
import SwrrTracee

final class NamespaceSyscallTableTests: XCTestCase {
    /// Every spec's number is the kernel's for its name, once in `all`, and replay emulates it.
    func testNumbersMatchKernelNamesAndReplayEmulates() {
        XCTAssertEqual(Set(NamespaceSyscalls.specs.map(\.name)),
                       ["unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "sethostname", "setdomainname",
                        "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "capset"])
        for spec in NamespaceSyscalls.specs {
            XCTAssertEqual(syscallNames[spec.number], spec.name, "spec \(spec.name) has number \(spec.number)")
            XCTAssertEqual(SyscallTable.all.filter { $0.number == spec.number }.count, 1, spec.name)
            XCTAssertEqual(spec.replay, .emulate, spec.name)
            XCTAssertEqual(spec.record, .run, spec.name)
            XCTAssertEqual(spec.outputs, [], spec.name)
            XCTAssertEqual(spec.fdEffect == .returnsFd, ["open_tree", "fsopen", "fsmount", "fspick"].contains(spec.name), spec.name)
        }
        XCTAssertEqual(SyscallTable.spec(272)?.fdEffect, .unshares(flagsArg: 0, bit: 0x400))
        XCTAssertEqual(SyscallTable.spec(56)?.replay, .spawn)
        XCTAssertEqual(SyscallTable.spec(56)?.args.first, .flags(.clone))
        // clone3 still answers ENOSYS (glibc then uses clone, whose flags replay can change).
        XCTAssertEqual(SyscallTable.spec(435)?.record, .refuse(errno: 38))
    }

    /// Replay keeps every bit but the seven namespace bits clone accepts, and the exit signal
    /// (whose 0x80 is CLONE_NEWTIME's value elsewhere).
    func testReplayClearsOnlyCloneNamespaceBits() {
        let all: UInt64 = 0x7E02_0000
        XCTAssertEqual(NamespaceFlags.replayedCloneFlags(all | 0x11), 0x11)
        let thread: UInt64 = 0x003D_0F00   // glibc's pthread_create flags
        XCTAssertEqual(NamespaceFlags.replayedCloneFlags(thread), thread)
        XCTAssertEqual(NamespaceFlags.replayedCloneFlags(0x2000_0000 | 0x0120_0000 | 0x91), 0x0120_0091)
        XCTAssertEqual(NamespaceFlags.replayedCloneFlags(UInt64.max), UInt64.max & ~all)
    }

    func testFlagNames() {
        XCTAssertEqual(FlagNames.clone.describe(0x2400_0011), "CLONE_NEWUTS|CLONE_NEWPID|SIGCHLD")
        XCTAssertEqual(FlagNames.clone.describe(0x0120_0011), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD")
        XCTAssertEqual(FlagNames.clone.describe(0), "0")
        // Unknown bits come after the names, in hex; clone's exit signal is never CLONE_NEWTIME.
        XCTAssertEqual(FlagNames.clone.describe(0x1_0000_0000 | 0x80), "0x100000000|signal 128")
        XCTAssertEqual(FlagNames.namespaces.describe(0x80), "CLONE_NEWTIME")
        XCTAssertEqual(FlagNames.namespaces.describe(0x1002_0000), "CLONE_NEWNS|CLONE_NEWUSER")
        XCTAssertEqual(FlagNames.namespaces.describe(0), "0")
        XCTAssertEqual(FlagNames.mount.describe(0x4000 | 0x40000), "MS_REC|MS_PRIVATE")
        XCTAssertEqual(FlagNames.mount.describe(0x1000 | 0x4000_0000), "MS_BIND|0x40000000")
        XCTAssertEqual(FlagNames.umount.describe(2), "MNT_DETACH")
    }

    /// NSpid lists a task's ids from the outermost namespace /proc shows to its own; a fork
    /// returns the child's id in the parent's namespace (the level of the parent's last id).
    func testIdSeenFromAnotherPidNamespace() {
        let initOfNew: [Int32] = [48211, 1], itsChild: [Int32] = [48212, 2], nested: [Int32] = [48215, 5, 1]
        let outside: [Int32] = [48210]
        XCTAssertEqual(PidNamespaces.id(of: initOfNew, seenBy: outside), 48211)
        XCTAssertEqual(PidNamespaces.id(of: itsChild, seenBy: initOfNew), 2)
        XCTAssertEqual(PidNamespaces.id(of: nested, seenBy: initOfNew), 5)
        XCTAssertEqual(PidNamespaces.id(of: nested, seenBy: nested), 1)
        XCTAssertEqual(PidNamespaces.id(of: outside, seenBy: outside), 48210)
        XCTAssertNil(PidNamespaces.id(of: outside, seenBy: nested), "a deeper viewer cannot see an outer task")
        XCTAssertNil(PidNamespaces.id(of: outside, seenBy: []))
    }

    /// This process's own NSpid: one id (the tests run in the namespace /proc shows), its pid.
    func testIdsOfThisProcess() {
        XCTAssertEqual(PidNamespaces.ids(of: getpid()), [getpid()])
        XCTAssertNil(PidNamespaces.ids(of: Int32.max), "no such task")
    }
}
