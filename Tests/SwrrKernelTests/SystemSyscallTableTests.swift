// The long tail's specs (SystemSyscalls.swift, the SysV and POSIX message calls of
// IPCSyscalls.swift) and the command-dependent outputs of SyscallOutputs+Commands.swift.
import XCTest
@testable import SwrrKernel

final class SystemSyscallTableTests: XCTestCase {
    func ranges(_ name: String, _ args: [UInt64], result: Int64,
                readMemory: SyscallOutputs.ReadMemory = { _, _ in nil }) throws -> [MemoryRange] {
        let spec = try XCTUnwrap(SyscallTable.all.first { $0.name == name }, "no spec \(name)")
        return try SyscallOutputs.ranges(for: spec, args: args + [UInt64](repeating: 0, count: 6 - args.count),
                                         result: result, readMemory: readMemory)
    }

    func range(_ address: UInt64, _ length: Int) -> MemoryRange { MemoryRange(address: address, length: length) }

    /// Every spec's number is the kernel's number for its name (asm/unistd_64.h), once in `all`.
    func testNumbersMatchKernelNames() {
        XCTAssertGreaterThan(SystemSyscalls.specs.count, 60)
        for spec in SystemSyscalls.specs {
            XCTAssertEqual(syscallNames[spec.number], spec.name, "spec \(spec.name) has number \(spec.number)")
            XCTAssertEqual(SyscallTable.all.filter { $0.number == spec.number }.count, 1, spec.name)
        }
    }

    /// Every `.dynamic` spec of this table has its case in SyscallOutputs+Commands.swift (an
    /// unknown name would yield no ranges at all, silently); refusing a command counts as a case.
    func testEveryDynamicSpecHasItsCase() throws {
        for spec in SystemSyscalls.specs where spec.outputs.contains(.dynamic) {
            do {
                let r = try SyscallOutputs.commandRanges(spec: spec, args: [2, 0x1000, 0, 0x1000, 0, 0], result: 1) { _, _ in nil }
                XCTAssertNotNil(r, "\(spec.name) has no case in SyscallOutputs.commandRanges")
            } catch is Unsupported {}
        }
    }

    /// Calls the CPU consults without a syscall run on replay; the machine's clock is never set.
    func testReplayActions() throws {
        for name in ["modify_ldt", "iopl", "ioperm"] {
            XCTAssertEqual(SystemSyscalls.specs.first { $0.name == name }?.replay, .execute, name)
        }
        for name in ["clock_settime", "settimeofday", "landlock_restrict_self", "mlockall", "sched_setscheduler"] {
            XCTAssertEqual(SystemSyscalls.specs.first { $0.name == name }?.replay, .emulate, name)
        }
        XCTAssertEqual(SystemSyscalls.specs.first { $0.name == "bpf" }?.record, .refuse(errno: 1))
        XCTAssertEqual(SystemSyscalls.specs.first { $0.name == "splice" }?.record, .refuseWhenEchoing(fdArg: 2, errno: 22))
        // process_vm_writev: emulated, its bytes copied by replay into the target named by argument 0.
        let writev = try XCTUnwrap(SyscallTable.spec(311))
        XCTAssertEqual(writev.replay, .emulate)
        XCTAssertEqual(writev.writesTask, RemoteWrite(pidArg: 0, localArg: 1, localCountArg: 2, remoteArg: 3, remoteCountArg: 4))
        XCTAssertEqual(writev.outputs, [], "nothing of the caller's own memory changes")
    }

    func testSysVControlOutputsByCommand() throws {
        XCTAssertEqual(try ranges("semctl", [5, 0, 2, 0x1000], result: 0), [range(0x1000, 104)])   // IPC_STAT
        XCTAssertEqual(try ranges("semctl", [5, 0, 19, 0x1000], result: 3), [range(0x1000, 40)])   // SEM_INFO
        XCTAssertEqual(try ranges("semctl", [5, 0, 16, 7], result: 0), [])                        // SETVAL: a value
        // GETALL: 2 bytes per semaphore, the count learnt by the recorder after the call; before
        // it (the entry's check) nothing; a set whose count cannot be learnt stops the recording.
        let spec = try XCTUnwrap(SyscallTable.all.first { $0.name == "semctl" })
        XCTAssertEqual(try SyscallOutputs.ranges(for: spec, args: [5, 0, 13, 0x1000, 0, 0], result: 0, readMemory: { _, _ in nil },
                                                 semaphoreCount: { $0 == 5 ? 7 : nil }), [range(0x1000, 14)])
        XCTAssertEqual(try ranges("semctl", [5, 0, 13, 0x1000], result: 0), [])
        XCTAssertEqual(try ranges("semctl", [5, 0, 17, 0x1000], result: 0), [])
        XCTAssertThrowsError(try SyscallOutputs.ranges(for: spec, args: [6, 0, 13, 0x1000, 0, 0], result: 0, readMemory: { _, _ in nil },
                                                       semaphoreCount: { $0 == 5 ? 7 : nil })) { e in
            XCTAssertEqual((e as? Unsupported)?.description, "unsupported semctl command GETALL (13): the number of semaphores of set 6 cannot be learnt")
        }
        XCTAssertEqual(try ranges("msgctl", [5, 2, 0x2000], result: 0), [range(0x2000, 120)])
        XCTAssertEqual(try ranges("msgctl", [5, 12, 0x2000], result: 0), [range(0x2000, 32)])
        XCTAssertEqual(try ranges("msgctl", [5, 0, 0x2000], result: 0), [])
        XCTAssertEqual(try ranges("msgrcv", [5, 0x3000, 32, 0, 0], result: 11), [range(0x3000, 19)])
        XCTAssertEqual(try ranges("msgrcv", [5, 0x3000, 32, 0, 0], result: -42), [])
    }

    func testKeysQuotasAndLogs() throws {
        XCTAssertEqual(try ranges("keyctl", [11, 9, 0x1000, 64], result: 16), [range(0x1000, 16)])    // READ
        XCTAssertEqual(try ranges("keyctl", [6, 9, 0x1000, 8], result: 32), [range(0x1000, 8)])       // DESCRIBE, short buffer
        XCTAssertEqual(try ranges("keyctl", [21, 9], result: 0), [])                                  // INVALIDATE
        XCTAssertThrowsError(try ranges("keyctl", [99, 0], result: 0))
        XCTAssertEqual(try ranges("quotactl", [0x8000_0400, 0, 0, 0x1000], result: 0), [range(0x1000, 4)]) // Q_GETFMT
        XCTAssertEqual(try ranges("quotactl", [0x8000_0701, 0, 0, 0x1000], result: 0), [range(0x1000, 72)]) // Q_GETQUOTA grp
        XCTAssertEqual(try ranges("quotactl_fd", [3, 0x8000_0500, 0, 0x1000], result: 0), [range(0x1000, 24)])
        XCTAssertThrowsError(try ranges("quotactl", [0x5805_00, 0, 0, 0x1000], result: 0))          // Q_XGETQSTAT
        XCTAssertEqual(try ranges("syslog", [3, 0x1000, 256], result: 218), [range(0x1000, 218)])
        XCTAssertEqual(try ranges("syslog", [10, 0, 0], result: 131072), [])
        XCTAssertEqual(try ranges("get_mempolicy", [0x1000, 0x2000, 65], result: 0), [range(0x1000, 4), range(0x2000, 8)])
        XCTAssertEqual(try ranges("get_mempolicy", [0x1000, 0x2000, 1 << 40], result: 0), [range(0x1000, 4)])
    }

    /// sysfs(2) writes a NUL-terminated name: its length is found by reading up to the NUL, a page
    /// at a time (a read never crosses into the next page).
    func testSysfsNameLength() throws {
        let name = Array("ext4\0".utf8)
        let base: UInt64 = 0x1ffe    // two bytes before a page boundary
        let read: SyscallOutputs.ReadMemory = { address, count in
            guard address >= base, (address % 4096) + UInt64(count) <= 4096 || address / 4096 == (address + UInt64(count) - 1) / 4096 else { return nil }
            return (0..<count).map { i in
                let at = Int(address - base) + i
                return at < name.count ? name[at] : 0x41
            }
        }
        XCTAssertEqual(try ranges("sysfs", [2, 0, base], result: 0, readMemory: read), [range(base, 5)])
        XCTAssertEqual(try ranges("sysfs", [3], result: 30, readMemory: read), [])
    }
}

final class IoctlTableTests: XCTestCase {
    /// Each request's size field (bits 16-29 of a _IOR/_IOW number) matches what the table says the
    /// kernel writes, for the _IOR requests (whose size is the output), except FS_IOC_GETFLAGS and
    /// FS_IOC_GETVERSION, whose numbers say long while the kernel writes an int.
    func testReadRequestSizesMatchTheirNumbers() {
        for spec in IoctlTable.all where spec.request >> 30 == 2 {
            let encoded = Int((spec.request >> 16) & 0x3fff)
            if spec.name == "FS_IOC_GETFLAGS" || spec.name == "FS_IOC_GETVERSION" {
                XCTAssertEqual(spec.outputSize, 4, spec.name)
            } else {
                XCTAssertEqual(spec.outputSize, encoded, spec.name)
            }
        }
        XCTAssertEqual(IoctlTable.spec(0x8004_5430)?.name, "TIOCGPTN")
        XCTAssertEqual(IoctlTable.spec(0x802C_542A)?.outputSize, 44)
        XCTAssertEqual(Set(IoctlTable.all.map(\.request)).count, IoctlTable.all.count, "a request twice")
    }

    /// SIOCGIFCONF writes ifc_len and, through ifc_buf, the ifreqs: both found from the struct
    /// ifconf after the call; a NULL ifc_buf (the length query) and a length the
    /// kernel cannot have written give ifc_len alone, a failed call nothing.
    func testInterfaceListIsFoundThroughItsPointer() throws {
        let spec = try XCTUnwrap(SyscallTable.all.first { $0.name == "ioctl" })
        func ranges(ifcLen: Int32, buffer: UInt64, result: Int64 = 0) throws -> [MemoryRange] {
            let ifconf = withUnsafeBytes(of: ifcLen.littleEndian) { Array($0) } + [0, 0, 0, 0]
                + withUnsafeBytes(of: buffer.littleEndian) { Array($0) }
            return try SyscallOutputs.ranges(for: spec, args: [5, 0x8912, 0x1000, 0, 0, 0], result: result,
                                             readMemory: { address, count in
                address == 0x1000 && count == 16 ? ifconf : nil
            })
        }
        let header = MemoryRange(address: 0x1000, length: 4)
        XCTAssertEqual(try ranges(ifcLen: 80, buffer: 0x2000), [header, MemoryRange(address: 0x2000, length: 80)])
        XCTAssertEqual(try ranges(ifcLen: 80, buffer: 0), [header], "the length query")
        XCTAssertEqual(try ranges(ifcLen: 80, buffer: 0x2000, result: -14), [], "a failed ioctl wrote nothing")
        XCTAssertEqual(try ranges(ifcLen: -40, buffer: 0x2000), [header])
        XCTAssertEqual(try ranges(ifcLen: 1 << 30, buffer: 0x2000), [header])
        XCTAssertEqual(IoctlTable.spec(0x8927)?.outputSize, 40, "SIOCGIFHWADDR: a struct ifreq")
    }
}
