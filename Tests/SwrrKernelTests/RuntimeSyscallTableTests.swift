// The runtime syscalls (RuntimeSyscalls.swift) and the numbers no kernel has
// (NonexistentSyscalls.swift): what each spec says, and the memory sendmmsg/recvmmsg outputs cover.
import XCTest
@testable import SwrrKernel

final class RuntimeSyscallTableTests: XCTestCase {
    typealias Memory = IPCSyscallTableTests.Memory

    func spec(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> SyscallSpec {
        try XCTUnwrap(RuntimeSyscalls.specs.first { $0.name == name }, "no runtime spec \(name)", file: file, line: line)
    }

    func range(_ address: UInt64, _ length: Int) -> MemoryRange { MemoryRange(address: address, length: length) }

    func ranges(_ name: String, _ args: [UInt64], result: Int64, memory: Memory = Memory()) throws -> [MemoryRange] {
        try SyscallOutputs.ranges(for: try spec(name), args: args + [UInt64](repeating: 0, count: 6 - args.count),
                                  result: result, readMemory: memory.read)
    }

    func testNumbersNamesAndActions() throws {
        for s in RuntimeSyscalls.specs {
            XCTAssertEqual(syscallNames[s.number], s.name, "spec \(s.name) has number \(s.number)")
            XCTAssertTrue(SyscallTable.spec(s.number)?.name == s.name, "\(s.name) is not in the by-number table")
        }
        XCTAssertEqual(Set(RuntimeSyscalls.specs.map(\.name)),
                       ["sched_getaffinity", "sched_setaffinity", "getcpu", "membarrier", "pkey_mprotect",
                        "pkey_alloc", "pkey_free", "sendmmsg", "recvmmsg"])
        // Protection keys change the task's PKRU register and page protections: run on replay.
        for name in ["pkey_alloc", "pkey_free", "pkey_mprotect"] {
            XCTAssertEqual(try spec(name).replay, .execute, name)
        }
        for name in ["sched_getaffinity", "sched_setaffinity", "getcpu", "membarrier", "sendmmsg", "recvmmsg"] {
            XCTAssertEqual(try spec(name).replay, .emulate, name)
        }
        // sched_setaffinity never runs while recording and reports success (errno 0).
        XCTAssertEqual(try spec("sched_setaffinity").record, .refuse(errno: 0))
        XCTAssertEqual(RecordAction.skipSucceeding, .refuse(errno: 0))
        for s in RuntimeSyscalls.specs where s.name != "sched_setaffinity" {
            XCTAssertEqual(s.record, .run, s.name)
        }
    }

    func testFixedOutputs() throws {
        XCTAssertEqual(try ranges("getcpu", [0x100, 0x200, 0], result: 0), [range(0x100, 4), range(0x200, 4)])
        XCTAssertEqual(try ranges("getcpu", [0x100, 0, 0x300], result: 0), [range(0x100, 4)], "no node asked")
        XCTAssertEqual(try ranges("getcpu", [0x100, 0x200, 0], result: -14), [])
        // The kernel returns the bytes it copied of its cpumask.
        XCTAssertEqual(try ranges("sched_getaffinity", [0, 128, 0x400], result: 32), [range(0x400, 32)])
        XCTAssertEqual(try ranges("sched_getaffinity", [0, 4, 0x400], result: -22), [])
        for name in ["sched_setaffinity", "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect"] {
            XCTAssertEqual(try spec(name).outputs, [], name)
        }
    }

    /// An mmsghdr array at 0x1000: three entries of 64 bytes, each a msghdr (name at 0x2000 + i *
    /// 0x100 with namelen 16 after the call, one iovec of 12 bytes at 0x3000 + i * 0x100, control
    /// at 0x6000 + i * 0x100 with controllen 32, flags) and msg_len at 56: 8, 12, 3.
    func mmsghdrMemory() -> Memory {
        var memory = Memory()
        var array: [UInt8] = []
        let lengths: [UInt64] = [8, 12, 3]
        for i in 0..<3 {
            let step = UInt64(i) * 0x100
            for v: UInt64 in [0x2000 + step, 16, 0x3000 + step + 0x80, 1, 0x6000 + step, 32, 0x20] {
                array += withUnsafeBytes(of: v.littleEndian) { Array($0) }
            }
            array += withUnsafeBytes(of: lengths[i].littleEndian) { Array($0) } // msg_len + padding
            memory.put(0x3000 + step + 0x80, u64s: [0x3000 + step, 12])          // the entry's iovec
        }
        memory.put(0x1000, array)
        return memory
    }

    func testRecvmmsgCoversEveryReceivedEntry() throws {
        let memory = mmsghdrMemory()
        var expected: [MemoryRange] = []
        for (i, len) in [8, 12].enumerated() {
            let entry = 0x1000 + UInt64(i) * 64, step = UInt64(i) * 0x100
            expected += [range(entry + 56, 4), range(entry + 8, 4), range(0x2000 + step, 16),
                         range(0x3000 + step, len), range(entry + 40, 8), range(0x6000 + step, 32), range(entry + 48, 4)]
        }
        // Two datagrams received into three entries, with a timeout: the third entry is untouched.
        XCTAssertEqual(try ranges("recvmmsg", [3, 0x1000, 3, 0x10000, 0x9000], result: 2, memory: memory),
                       expected + [range(0x9000, 16)])
        XCTAssertEqual(try ranges("recvmmsg", [3, 0x1000, 3, 0, 0], result: 2, memory: memory), expected)
        XCTAssertEqual(try ranges("recvmmsg", [3, 0x1000, 3, 0, 0x9000], result: -11, memory: memory), [])
        // A result beyond UIO_MAXIOV is not one the kernel gave: nothing is read.
        XCTAssertEqual(try ranges("recvmmsg", [3, 0x1000, 3, 0, 0], result: 1025, memory: memory), [])
    }

    func testSendmmsgCoversEachSentLength() throws {
        XCTAssertEqual(try ranges("sendmmsg", [3, 0x1000, 4, 0], result: 3),
                       [range(0x1000 + 56, 4), range(0x1000 + 64 + 56, 4), range(0x1000 + 128 + 56, 4)])
        XCTAssertEqual(try ranges("sendmmsg", [3, 0x1000, 4, 0], result: 0), [])
        XCTAssertEqual(try ranges("sendmmsg", [3, 0, 4, 0], result: 2), [], "no array")
        XCTAssertEqual(try ranges("sendmmsg", [3, 0x1000, 4, 0], result: -9), [])
    }

    // MARK: numbers no kernel has

    func testNonexistentNumbersAreRefusedWithENOSYS() throws {
        // Measured on kernel 6.18: each of these returns -1/ENOSYS.
        for n in [-1, -2, Int(Int32.min), 337, 400, 423, 470, 511, 512, 547, 600, 2000, 0x4000_0027, 0x4000_0203,
                  Int(Int32.max)] {
            let s = try XCTUnwrap(SyscallTable.spec(n), "no spec for \(n)")
            XCTAssertEqual(s.number, n)
            XCTAssertEqual(s.record, .refuse(errno: 38), "\(n)")
            XCTAssertEqual(s.replay, .emulate, "\(n)")
            XCTAssertEqual(s.outputs, [], "\(n)")
            XCTAssertEqual(s.fdEffect, .none, "\(n)")
            XCTAssertTrue(NonexistentSyscalls.contains(n), "\(n)")
        }
        XCTAssertEqual(SyscallTable.spec(-1)?.name, "syscall_-1")
        XCTAssertEqual(SyscallTable.spec(400)?.name, "syscall_400")
    }

    func testNumbersSomeKernelHasAreStillRefusedByName() {
        // 335 is uretprobe since 6.11 (SIGILL outside its trampoline), 336 uprobe, 451-469 exist on
        // 6.18: unsupported, and named in the message.
        for (n, name) in [(335, "uretprobe"), (336, "uprobe"), (451, "cachestat"), (462, "mseal"),
                          (469, "file_setattr"), (211, "get_thread_area"), (169, "reboot")] {
            XCTAssertNil(SyscallTable.spec(n), name)
            XCTAssertFalse(NonexistentSyscalls.contains(n), name)
            XCTAssertEqual(SyscallTable.name(n), name)
            XCTAssertEqual(Unsupported.syscall(number: n).description, "unsupported syscall \(name) (number \(n))")
        }
        // The kernel reads the number as an int: 0x100000027 is getpid there, so numbers outside
        // Int32 are not "nonexistent" ones.
        XCTAssertNil(SyscallTable.spec(0x1_0000_0027))
        XCTAssertNil(SyscallTable.spec(Int(Int32.min) - 1))
        XCTAssertFalse(NonexistentSyscalls.contains(Int.max))
    }

    func testSwrrsOwnCallsKeepTheirSpecs() {
        for (n, name) in SyscallBufferLayout.callNames {
            XCTAssertEqual(SyscallTable.name(n), name)
        }
        for n in [SyscallBufferLayout.registerBufferCall, SyscallBufferLayout.bufferMismatchCall,
                  SyscallBufferLayout.registerDeschedCall] {
            XCTAssertFalse(NonexistentSyscalls.contains(n), "\(n)")
        }
        XCTAssertEqual(SyscallTable.spec(SyscallBufferLayout.registerBufferCall)?.name, "swrr_register_buffer")
        XCTAssertEqual(SyscallTable.spec(SyscallBufferLayout.registerDeschedCall)?.name, "swrr_register_desched")
        // The record-only pseudo calls are buffer records, never the library's syscalls: a program
        // making one gets ENOSYS, as from any number no kernel has.
        for n in [SyscallBufferLayout.fdClassCall, SyscallBufferLayout.pathClassCall] {
            XCTAssertTrue(NonexistentSyscalls.contains(n), "\(n)")
            XCTAssertEqual(SyscallTable.spec(n)?.record, .refuse(errno: 38))
        }
        // swrr's calls count as its own only from the stub's traced syscall instruction.
        XCTAssertTrue(SyscallBufferLayout.isOwnCall(SyscallBufferLayout.registerBufferCall, rip: SyscallBufferLayout.swrrCallEnd))
        XCTAssertFalse(SyscallBufferLayout.isOwnCall(SyscallBufferLayout.registerBufferCall, rip: 0x401002))
        XCTAssertFalse(SyscallBufferLayout.isOwnCall(SyscallBufferLayout.registerBufferCall, rip: SyscallBufferLayout.untracedSyscallEnd))
        XCTAssertFalse(SyscallBufferLayout.isOwnCall(39, rip: SyscallBufferLayout.swrrCallEnd))
    }

    /// No name of `newerNames` is also in the generated table, and none is a number in use there.
    func testNewerNamesExtendTheGeneratedTable() {
        for (n, name) in NonexistentSyscalls.newerNames {
            XCTAssertTrue(n >= syscallNames.count || syscallNames[n].isEmpty, "\(n) \(name)")
            XCTAssertFalse(syscallNames.contains(name), name)
        }
    }
}
