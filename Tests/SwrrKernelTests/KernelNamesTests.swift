import XCTest
@testable import SwrrKernel

/// The names swrr's code uses for syscall numbers and flag bits are the kernel's.
final class KernelNamesTests: XCTestCase {
    /// Every named syscall is the number the kernel header gives its name (SyscallNames.swift).
    func testEveryNamedSyscallIsTheKernelsNumber() {
        XCTAssertEqual(Syscall.allCases.count, 21)
        for c in Syscall.allCases {
            XCTAssertTrue(c.rawValue < syscallNames.count, "\(c)")
            XCTAssertEqual(syscallNames[c.rawValue], "\(c)")
            XCTAssertEqual(Syscall(number: Int64(c.rawValue)), c)
        }
        XCTAssertEqual(Syscall.clone.number, 56)
        XCTAssertNil(Syscall(number: -1))          // orig_rax outside a syscall
        XCTAssertNil(Syscall(number: Int64.max))
        XCTAssertNil(Syscall(number: 0))           // read: not one swrr names
    }

    /// One bit each, from CLONE_NEWTIME (0x80) to CLONE_IO (0x80000000) without a gap, lowest
    /// first; the namespace bits are the word replay clears (0x7E020000).
    func testCloneFlagsCoverTheUpperBitsOnce() {
        var expected: UInt64 = 0x80
        for (flag, name) in CloneFlags.names {
            XCTAssertEqual(flag.rawValue, expected, name)
            XCTAssertTrue(name.hasPrefix("CLONE_"), name)
            expected <<= 1
        }
        XCTAssertEqual(expected, 0x1_0000_0000)
        XCTAssertEqual(CloneFlags.thread.rawValue, 0x10000)
        XCTAssertEqual(CloneFlags.cloneNamespaces.rawValue, 0x7E02_0000)
        XCTAssertEqual(CloneFlags.exitSignalMask, 0xff)
        XCTAssertEqual(FlagNames.clone.describe(0x3D0F00 | 17),
                       "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
                       + "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD")
    }

    /// fork, vfork, clone3 and clone without CLONE_THREAD create processes; a thread is not one.
    func testWhichCallsCreateProcesses() {
        func creates(_ s: Syscall, _ flags: UInt64 = 0) -> Bool {
            SyscallTable.spec(s.number)!.createsProcess(args: [flags, 0, 0, 0, 0, 0])
        }
        XCTAssertTrue(creates(.fork))
        XCTAssertTrue(creates(.vfork))
        XCTAssertTrue(creates(.clone3))
        XCTAssertTrue(creates(.clone, 0x11))          // SIGCHLD: glibc's fork
        XCTAssertFalse(creates(.clone, 0x3D0F00))     // pthread_create's flags
        XCTAssertFalse(creates(.execve))
        XCTAssertFalse(SyscallTable.spec(0)!.createsProcess(args: []))
        let creating = SyscallTable.all.filter(\.createsTask).map(\.name).sorted()
        XCTAssertEqual(creating, ["clone", "clone3", "fork", "vfork"])
    }

    /// The page swrr maps for itself: MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE.
    func testOwnPageFlags() {
        XCTAssertEqual(MmapFlags.ownPage, 0x02 | 0x20 | 0x100000)
        XCTAssertEqual(MmapFlags.typeMask, 0x03)
    }
}
