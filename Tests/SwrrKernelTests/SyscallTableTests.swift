import XCTest
@testable import SwrrKernel

final class SyscallTableTests: XCTestCase {
    /// Every spec's number must be the kernel's number for its name (asm/unistd_64.h).
    func testNumbersMatchKernelNames() {
        for spec in SyscallTable.all where spec.number < syscallNames.count {
            XCTAssertEqual(syscallNames[spec.number], spec.name, "spec \(spec.name) has number \(spec.number)")
        }
        // swrr's own calls lie beyond the kernel's numbers.
        for spec in SyscallTable.all where spec.number >= syscallNames.count {
            XCTAssertEqual(SyscallBufferLayout.callNames[spec.number], spec.name)
        }
    }

    /// The families SyscallTable merges hold each number once, and `all` is exactly their union
    /// (a number in two families would make `specs` trap at its first use).
    func testEveryNumberIsSpecifiedOnce() {
        let families: [(String, [SyscallSpec])] = [
            ("file", FileSyscalls.specs), ("process", ProcessSyscalls.specs), ("memory", MemorySyscalls.specs),
            ("ipc", IPCSyscalls.specs), ("runtime", RuntimeSyscalls.specs), ("system", SystemSyscalls.specs),
            ("namespace", NamespaceSyscalls.specs), ("swrr", SyscallTable.swrrCalls),
        ]
        var family: [Int: String] = [:]
        for (name, specs) in families {
            XCTAssertFalse(specs.isEmpty, name)
            for spec in specs {
                if let other = family.updateValue(name, forKey: spec.number) {
                    XCTFail("\(spec.name) (\(spec.number)) is in the \(other) and the \(name) tables")
                }
            }
        }
        XCTAssertEqual(SyscallTable.all.count, families.map(\.1.count).reduce(0, +))
        XCTAssertEqual(SyscallTable.specs.count, family.count)
        XCTAssertEqual(Set(SyscallTable.specs.keys), Set(family.keys))
    }

    func testUnknownNamesAreStillNamed() {
        XCTAssertEqual(SyscallTable.name(0), "read")
        XCTAssertEqual(SyscallTable.name(435), "clone3")
        XCTAssertEqual(SyscallTable.name(9999), "syscall_9999")
        XCTAssertEqual(Unsupported.syscall(number: 435).description, "unsupported syscall clone3 (number 435)")
    }

    func testOutputRanges() throws {
        let read = try XCTUnwrap(SyscallTable.spec(0))
        XCTAssertEqual(try SyscallOutputs.ranges(for: read, args: [3, 0x1000, 100, 0, 0, 0], result: 7) { _, _ in nil },
                       [MemoryRange(address: 0x1000, length: 7)])
        XCTAssertEqual(try SyscallOutputs.ranges(for: read, args: [3, 0x1000, 100, 0, 0, 0], result: -2) { _, _ in nil }, [])
        // readv: 10 bytes over iovecs of 4 and 100 bytes -> 4 + 6
        let readv = try XCTUnwrap(SyscallTable.spec(19))
        var iov: [UInt8] = []
        for v: UInt64 in [0x2000, 4, 0x3000, 100] { iov += withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        XCTAssertEqual(try SyscallOutputs.ranges(for: readv, args: [3, 0x500, 2, 0, 0, 0], result: 10) { _, n in Array(iov.prefix(n)) },
                       [MemoryRange(address: 0x2000, length: 4), MemoryRange(address: 0x3000, length: 6)])
        // nanosleep writes the remaining time even when interrupted
        let nanosleep = try XCTUnwrap(SyscallTable.spec(35))
        XCTAssertEqual(try SyscallOutputs.ranges(for: nanosleep, args: [0x10, 0x20, 0, 0, 0, 0], result: -4) { _, _ in nil },
                       [MemoryRange(address: 0x20, length: 16)])
    }

    /// Calls that run for real on replay only with some arguments: prctl(PR_SET_NAME), and
    /// prlimit64 of the calling process's RLIMIT_STACK (not another resource, not another process).
    func testExecutedOnlyWithSomeArguments() throws {
        let prctl = try XCTUnwrap(SyscallTable.spec(157)), prlimit = try XCTUnwrap(SyscallTable.spec(302))
        XCTAssertEqual(prctl.replayAction(args: [15, 0x1000, 0, 0, 0, 0]), .execute)
        XCTAssertEqual(prctl.replayAction(args: [16, 0x1000, 0, 0, 0, 0]), .emulate)
        XCTAssertEqual(prlimit.replayAction(args: [0, 3, 0x1000, 0x2000, 0, 0]), .execute)
        XCTAssertEqual(prlimit.replayAction(args: [0, 3, 0, 0x2000, 0, 0]), .execute)
        XCTAssertEqual(prlimit.replayAction(args: [0, 7, 0x1000, 0, 0, 0]), .emulate)      // RLIMIT_NOFILE
        XCTAssertEqual(prlimit.replayAction(args: [4242, 3, 0x1000, 0, 0, 0]), .emulate)   // another process
        XCTAssertEqual(prlimit.replayAction(args: [0]), .emulate)                          // too few arguments
        // The raw setrlimit: always the calling process; RLIMIT_STACK runs for real.
        let setrlimit = try XCTUnwrap(SyscallTable.spec(160))
        XCTAssertEqual(setrlimit.replayAction(args: [3, 0x1000, 0, 0, 0, 0]), .execute)
        XCTAssertEqual(setrlimit.replayAction(args: [7, 0x1000, 0, 0, 0, 0]), .emulate)
    }

    /// rt_sigaction: a query (no new action) is emulated; a set stays `signalAction`, which replay
    /// runs or holds back (SwrrReplay/DeferredSignalActions.swift).
    func testSignalActionQueriesAreEmulated() throws {
        let sigaction = try XCTUnwrap(SyscallTable.spec(Syscall.rt_sigaction.number))
        XCTAssertEqual(sigaction.replayAction(args: [10, 0, 0x2000, 8, 0, 0]), .emulate)
        XCTAssertEqual(sigaction.replayAction(args: [10, 0x1000, 0x2000, 8, 0, 0]), .signalAction(newActionArg: 1))
        XCTAssertEqual(sigaction.replayAction(args: [10, 0x1000, 0, 8, 0, 0]), .signalAction(newActionArg: 1))
        XCTAssertTrue(sigaction.replayAction(args: [10, 0x1000, 0, 8, 0, 0]).setsSignalAction)
        XCTAssertFalse(sigaction.replayAction(args: [10, 0, 0x2000, 8, 0, 0]).setsSignalAction)
    }

    /// clone's CLONE_UNTRACED (0x800000) is the one bit the kernel is not given (the child must be
    /// traced: CloneFlags.hiddenFromKernel); flags without it run as they are, and no other call
    /// clears anything. clone3 never runs (ENOSYS), so it has nothing to clear.
    func testCloneUntracedIsClearedAtEntry() throws {
        let clone = try XCTUnwrap(SyscallTable.spec(Syscall.clone.number)?.clearedAtEntry)
        XCTAssertEqual(clone.arg, 0)
        // LeakSanitizer's tracer: CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED.
        XCTAssertEqual(clone.kernelValue(of: [0x800700, 0x7000, 0, 0, 0, 0]), 0x700)
        XCTAssertEqual(clone.kernelValue(of: [0x800011, 0, 0, 0, 0, 0]), 0x11)
        XCTAssertNil(clone.kernelValue(of: [0x3d0f00, 0x7000, 0x8000, 0x9000, 0xa000, 0]))   // pthread_create's
        XCTAssertNil(clone.kernelValue(of: []))
        XCTAssertEqual(SyscallTable.all.filter { $0.clearedAtEntry != nil }.map(\.name), ["clone"])
        XCTAssertEqual(SyscallTable.spec(Syscall.clone3.number)?.record, .refuse(errno: 38))
    }

    func testUnknownIoctlIsRefusedByNumber() throws {
        let ioctl = try XCTUnwrap(SyscallTable.spec(16))
        XCTAssertThrowsError(try SyscallOutputs.ranges(for: ioctl, args: [1, 0x1234, 0, 0, 0, 0], result: 0) { _, _ in nil }) { e in
            XCTAssertEqual("\(e)", "unsupported ioctl 0x1234 on fd 1")
        }
        XCTAssertEqual(try SyscallOutputs.ranges(for: ioctl, args: [1, 0x5413, 0x99, 0, 0, 0], result: 0) { _, _ in nil },
                       [MemoryRange(address: 0x99, length: 8)])
    }

    func testTrappedInstructions() {
        XCTAssertEqual(TrappedInstruction(bytes: [0x0F, 0x31, 0x90]), .rdtsc)
        XCTAssertEqual(TrappedInstruction(bytes: [0x0F, 0x01, 0xF9]), .rdtscp)
        XCTAssertNil(TrappedInstruction(bytes: [0x0F, 0x05, 0x90]))
    }
}

import SwrrTracee

final class TickSourceTests: XCTestCase {
    func testCounterConfigurationPerCPU() {
        XCTAssertEqual(HardwareTickConfig.forCPU(vendor: "GenuineIntel", family: 6, model: 0x55)?.rawConfig, 0x5101c4)
        XCTAssertEqual(HardwareTickConfig.forCPU(vendor: "AuthenticAMD", family: 0x19, model: 0x21)?.rawConfig, 0x5100d1)
        XCTAssertEqual(HardwareTickConfig.forCPU(vendor: "AuthenticAMD", family: 0x17, model: 0x31)?.rawConfig, 0x5100d1)
        XCTAssertNil(HardwareTickConfig.forCPU(vendor: "AuthenticAMD", family: 0x15, model: 2))
        XCTAssertNil(HardwareTickConfig.forCPU(vendor: "GenuineIntel", family: 15, model: 2))
    }

    /// On these VMs perf_event_open of a raw event fails (no PMU): detection must say so with
    /// the reason, never pick a source silently.
    func testDetectionStatesItsReason() {
        switch TickSource.detect() {
        case .none(let reason):
            XCTAssertFalse(reason.isEmpty)
            XCTAssertTrue(TickSource.detect().recordingDescription.hasPrefix("none ("))
        case .hardware(let c):
            XCTAssertTrue(TickSource.hardware(c).recordingDescription.contains("does not use hardware ticks yet"))
        }
        XCTAssertEqual(TickSource.detect().name == "none" || TickSource.detect().name == "hardware", true)
    }
}
