// The IPC, timer and signal-wait syscalls (IPCSyscalls.swift): numbers, names and rules
// checked as SyscallTableTests checks the core table, and the memory each call's outputs cover.
import XCTest
@testable import SwrrKernel

final class IPCSyscallTableTests: XCTestCase {
    func spec(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> SyscallSpec {
        try XCTUnwrap(IPCSyscalls.specs.first { $0.name == name }, "no ipc spec \(name)", file: file, line: line)
    }

    /// Tracee memory for the output rules: a few regions, read only where they are.
    struct Memory {
        var regions: [UInt64: [UInt8]] = [:]

        mutating func put(_ address: UInt64, _ bytes: [UInt8]) { regions[address] = bytes }
        mutating func put(_ address: UInt64, u64s: [UInt64]) {
            put(address, u64s.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } })
        }
        mutating func put(_ address: UInt64, u32: UInt32) {
            put(address, withUnsafeBytes(of: u32.littleEndian) { Array($0) })
        }

        func read(_ address: UInt64, _ count: Int) -> [UInt8]? {
            for (start, bytes) in regions where address >= start && address - start + UInt64(count) <= UInt64(bytes.count) {
                let from = Int(address - start)
                return Array(bytes[from..<from + count])
            }
            return nil
        }
    }

    func ranges(_ name: String, _ args: [UInt64], result: Int64, memory: Memory = Memory()) throws -> [MemoryRange] {
        try SyscallOutputs.ranges(for: try spec(name), args: args + [UInt64](repeating: 0, count: 6 - args.count),
                                  result: result, readMemory: memory.read)
    }

    func range(_ address: UInt64, _ length: Int) -> MemoryRange { MemoryRange(address: address, length: length) }

    // MARK: the table itself

    /// Every spec's number must be the kernel's number for its name (asm/unistd_64.h).
    func testNumbersMatchKernelNames() {
        XCTAssertFalse(IPCSyscalls.specs.isEmpty)
        for spec in IPCSyscalls.specs {
            XCTAssertEqual(syscallNames[spec.number], spec.name, "spec \(spec.name) has number \(spec.number)")
        }
    }

    /// No number twice in the ipc table, and none also in another family: `all` holds each ipc
    /// number at most once (once, as it includes this table).
    func testNoNumberIsSpecifiedTwice() {
        var seen: Set<Int> = []
        for spec in IPCSyscalls.specs {
            XCTAssertTrue(seen.insert(spec.number).inserted, "\(spec.name) twice in the ipc table")
            let inAll = SyscallTable.all.filter { $0.number == spec.number }
            XCTAssertLessThanOrEqual(inAll.count, 1, "\(spec.name) is specified more than once in all")
        }
        // This table joined with the other families still makes the by-number dictionary.
        let others = SyscallTable.all.filter { !seen.contains($0.number) }
        XCTAssertEqual(Set((others + IPCSyscalls.specs).map(\.number)).count, others.count + IPCSyscalls.specs.count)
        // socket and connect are here with the other socket calls; alarm is a process's.
        XCTAssertNotNil(IPCSyscalls.specs.first { $0.number == 41 && $0.name == "socket" })
        XCTAssertNotNil(IPCSyscalls.specs.first { $0.number == 42 && $0.name == "connect" })
        XCTAssertFalse(seen.contains(37 /* alarm */))
    }

    func testTheIssuesCallsAreAllThere() {
        let names = Set(IPCSyscalls.specs.map(\.name))
        for name in ["socketpair", "bind", "listen", "accept", "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg",
                     "shutdown", "getsockopt", "setsockopt", "getsockname", "getpeername",
                     "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
                     "eventfd", "eventfd2", "memfd_create", "signalfd", "signalfd4",
                     "timerfd_create", "timerfd_settime", "timerfd_gettime", "shmget", "shmat", "shmdt", "shmctl",
                     "pause", "rt_sigtimedwait", "rt_sigpending", "rt_sigsuspend", "rt_sigqueueinfo",
                     "rt_tgsigqueueinfo", "setitimer", "getitimer",
                     "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"] {
            XCTAssertTrue(names.contains(name), name)
        }
    }

    /// For the whole table (core and IPC): rules and fd effects only name declared arguments.
    func testArgumentRulesReferToDeclaredArguments() {
        for spec in SyscallTable.all {
            let n = spec.args.count
            XCTAssertLessThanOrEqual(n, 6, spec.name)
            for rule in spec.outputs {
                switch rule {
                case .fixed(let a, _), .resultSized(let a):
                    XCTAssertLessThan(a, n, spec.name)
                case .argSized(let a, let b, _), .iovecs(let a, let b), .sockaddr(let a, let b):
                    XCTAssertLessThan(a, n, spec.name); XCTAssertLessThan(b, n, spec.name)
                case .dynamic:
                    break
                }
            }
            switch spec.fdEffect {
            case .dupTo(let a), .closes(let a), .fdPair(let a), .unshares(let a, _):
                XCTAssertLessThan(a, n, spec.name)
            case .closesRange(let a, let b):
                XCTAssertLessThan(a, n, spec.name); XCTAssertLessThan(b, n, spec.name)
            case .none, .returnsFd, .dupResult, .fcntlDup:
                break
            }
        }
        for spec in IPCSyscalls.specs {
            XCTAssertNil(spec.writesToFd, "\(spec.name): socket writes are not echoed")
            XCTAssertEqual(spec.record, .run, spec.name)
        }
    }

    /// Every `.dynamic` spec is one SyscallOutputs knows by name (an unknown name yields no
    /// ranges at all, silently).
    func testEveryDynamicSpecHasItsCase() throws {
        let big = Memory(regions: [0x1000: [UInt8](repeating: 0, count: 4096)])
        for spec in IPCSyscalls.specs where spec.outputs.contains(.dynamic) {
            // A buffer at argument 1 for most; shmctl's and msgctl's command is argument 1,
            // semctl's argument 2 (IPC_STAT here).
            let args: [UInt64]
            switch spec.name {
            case "shmctl", "msgctl": args = [1, 2, 0x1000, 0, 0, 0]
            case "semctl": args = [1, 0, 2, 0x1000, 0, 0]
            default: args = [3, 0x1000, 14, 0x1000, 0, 0]
            }
            let ranges = try SyscallOutputs.dynamicRanges(spec: spec, args: args, result: 1, readMemory: big.read)
            XCTAssertFalse(ranges.isEmpty, "\(spec.name) has no case in SyscallOutputs.dynamicRanges")
        }
    }

    func testDescriptorEffects() throws {
        XCTAssertEqual(try spec("socketpair").fdEffect, .fdPair(arg: 3))
        for name in ["accept", "accept4", "epoll_create", "epoll_create1", "eventfd", "eventfd2", "memfd_create",
                     "signalfd", "signalfd4", "timerfd_create"] {
            XCTAssertEqual(try spec(name).fdEffect, .returnsFd, name)
        }
        for spec in IPCSyscalls.specs where spec.fdEffect != .none {
            XCTAssertTrue(spec.fdEffect == .returnsFd || spec.name == "socketpair", spec.name)
        }
    }

    func testReplayActions() throws {
        for spec in IPCSyscalls.specs {
            let expected: ReplayAction = ["shmat": .shmAttach, "shmdt": .shmDetach][spec.name] ?? .emulate
            XCTAssertEqual(spec.replay, expected, spec.name)
        }
    }

    // MARK: the memory the outputs cover

    func testFixedOutputs() throws {
        XCTAssertEqual(try ranges("socketpair", [1, 1, 0, 0x7000], result: 0), [range(0x7000, 8)])
        XCTAssertEqual(try ranges("socketpair", [1, 1, 0, 0x7000], result: -24), [])
        XCTAssertEqual(try ranges("timerfd_settime", [5, 0, 0x100, 0x200], result: 0), [range(0x200, 32)])
        XCTAssertEqual(try ranges("timerfd_settime", [5, 0, 0x100, 0], result: 0), [], "no old value asked")
        XCTAssertEqual(try ranges("timerfd_gettime", [5, 0x300], result: 0), [range(0x300, 32)])
        XCTAssertEqual(try ranges("rt_sigtimedwait", [0x10, 0x400, 0, 8], result: 10), [range(0x400, 128)])
        XCTAssertEqual(try ranges("rt_sigtimedwait", [0x10, 0x400, 0x20, 8], result: -11), [], "EAGAIN: no siginfo")
        XCTAssertEqual(try ranges("rt_sigpending", [0x500, 8], result: 0), [range(0x500, 8)])
        XCTAssertEqual(try ranges("getitimer", [0, 0x600], result: 0), [range(0x600, 32)])
        XCTAssertEqual(try ranges("setitimer", [0, 0x600, 0x700], result: 0), [range(0x700, 32)])
        XCTAssertEqual(try ranges("timer_create", [1, 0, 0x800], result: 0), [range(0x800, 4)])
        XCTAssertEqual(try ranges("timer_settime", [0, 0, 0x900, 0xa00], result: 0), [range(0xa00, 32)])
        XCTAssertEqual(try ranges("timer_gettime", [0, 0xb00], result: 0), [range(0xb00, 32)])
        for name in ["bind", "listen", "sendto", "sendmsg", "shutdown", "setsockopt", "epoll_ctl", "eventfd2",
                     "pause", "rt_sigsuspend", "timer_delete", "shmget", "shmdt"] {
            XCTAssertEqual(try spec(name).outputs, [], name)
        }
    }

    func testSocketAddressesFollowTheirLength() throws {
        var memory = Memory()
        memory.put(0x2000, u32: 16)                       // sockaddr_in
        XCTAssertEqual(try ranges("accept", [3, 0x1000, 0x2000], result: 4, memory: memory),
                       [range(0x2000, 4), range(0x1000, 16)])
        XCTAssertEqual(try ranges("accept4", [3, 0x1000, 0x2000, 0x80000], result: 4, memory: memory),
                       [range(0x2000, 4), range(0x1000, 16)])
        XCTAssertEqual(try ranges("accept", [3, 0, 0], result: 4), [], "accept(fd, NULL, NULL)")
        XCTAssertEqual(try ranges("getsockname", [3, 0x1000, 0x2000], result: 0, memory: memory),
                       [range(0x2000, 4), range(0x1000, 16)])
        XCTAssertEqual(try ranges("getpeername", [3, 0x1000, 0x2000], result: -107, memory: memory), [])
        memory.put(0x2100, u32: 4)                        // an int option
        XCTAssertEqual(try ranges("getsockopt", [3, 1, 4, 0x1100, 0x2100], result: 0, memory: memory),
                       [range(0x2100, 4), range(0x1100, 4)])
    }

    func testRecvfromStaysInsideItsBuffer() throws {
        var memory = Memory()
        memory.put(0x2000, u32: 110)                      // sockaddr_un
        XCTAssertEqual(try ranges("recvfrom", [3, 0x1000, 64, 0, 0x3000, 0x2000], result: 20, memory: memory),
                       [range(0x1000, 20), range(0x2000, 4), range(0x3000, 110)])
        // MSG_TRUNC: a 9000-byte datagram into a 64-byte buffer.
        XCTAssertEqual(try ranges("recvfrom", [3, 0x1000, 64, 0x20, 0, 0], result: 9000),
                       [range(0x1000, 64)])
        XCTAssertEqual(try ranges("recvfrom", [3, 0x1000, 64, 0, 0, 0], result: 0), [], "end of stream")
        XCTAssertEqual(try ranges("recvfrom", [3, 0x1000, 64, 0, 0x3000, 0x2000], result: -11, memory: memory), [])
    }

    /// struct msghdr at 0x1000: name 0x2000 (namelen after the call 16), two iovecs at 0x3000
    /// (8 bytes at 0x4000, 100 at 0x5000), control 0x6000 (controllen after the call 24, one
    /// SCM_RIGHTS message with two descriptors: 16-byte header + 8), flags.
    func msghdrMemory(name: UInt64 = 0x2000, control: UInt64 = 0x6000, controllen: UInt64 = 24) -> Memory {
        var memory = Memory()
        var header: [UInt8] = []
        for v: UInt64 in [name, 16, 0x3000, 2, control, controllen, 0x20 /* MSG_TRUNC */] {
            header += withUnsafeBytes(of: v.littleEndian) { Array($0) }
        }
        memory.put(0x1000, header)
        memory.put(0x3000, u64s: [0x4000, 8, 0x5000, 100])
        return memory
    }

    func testRecvmsgCoversEverythingTheKernelWritesBack() throws {
        let all = try ranges("recvmsg", [3, 0x1000, 0x40000000], result: 50, memory: msghdrMemory())
        XCTAssertEqual(all, [
            range(0x1008, 4), range(0x2000, 16),          // msg_namelen, the name
            range(0x4000, 8), range(0x5000, 42),          // 50 bytes over the iovecs
            range(0x1028, 8), range(0x6000, 24),          // msg_controllen, the control messages
            range(0x1030, 4),                             // msg_flags
        ])
        // No name asked: msg_namelen is not written either; no control data.
        XCTAssertEqual(try ranges("recvmsg", [3, 0x1000, 0], result: 3, memory: msghdrMemory(name: 0, control: 0, controllen: 0)),
                       [range(0x4000, 3), range(0x1028, 8), range(0x1030, 4)])
        // A truncated datagram reports more than the iovecs hold; they are filled, not overrun.
        XCTAssertEqual(try ranges("recvmsg", [3, 0x1000, 0x20], result: 5000, memory: msghdrMemory(control: 0, controllen: 0)),
                       [range(0x1008, 4), range(0x2000, 16), range(0x4000, 8), range(0x5000, 100),
                        range(0x1028, 8), range(0x1030, 4)])
        // End of stream still writes the header fields.
        XCTAssertEqual(try ranges("recvmsg", [3, 0x1000, 0], result: 0, memory: msghdrMemory(name: 0, control: 0, controllen: 0)),
                       [range(0x1028, 8), range(0x1030, 4)])
        XCTAssertEqual(try ranges("recvmsg", [3, 0x1000, 0], result: -11, memory: msghdrMemory()), [])
        // An unreadable msghdr or iovec array yields what can be known, without trapping.
        XCTAssertEqual(try ranges("recvmsg", [3, 0x9000, 0], result: 10, memory: msghdrMemory()), [])
        var noIovecs = msghdrMemory(name: 0, control: 0, controllen: 0)
        noIovecs.regions[0x3000] = nil
        XCTAssertEqual(try ranges("recvmsg", [3, 0x1000, 0], result: 10, memory: noIovecs),
                       [range(0x1028, 8), range(0x1030, 4)])
    }

    func testEpollWaitCoversTheReadyEvents() throws {
        for name in ["epoll_wait", "epoll_pwait", "epoll_pwait2"] {
            XCTAssertEqual(try ranges(name, [4, 0x1000, 16, 0x10, 0, 8], result: 3), [range(0x1000, 36)], name)
            XCTAssertEqual(try ranges(name, [4, 0x1000, 16, 0x10, 0, 8], result: 0), [], "\(name) timed out")
            XCTAssertEqual(try ranges(name, [4, 0x1000, 16, 0x10, 0, 8], result: -4), [], "\(name) interrupted")
        }
    }

    func testShmctlByCommand() throws {
        XCTAssertEqual(try ranges("shmctl", [7, 2, 0x1000], result: 0), [range(0x1000, 112)])   // IPC_STAT
        XCTAssertEqual(try ranges("shmctl", [7, 13, 0x1000], result: 7), [range(0x1000, 112)])  // SHM_STAT
        XCTAssertEqual(try ranges("shmctl", [7, 15, 0x1000], result: 7), [range(0x1000, 112)])  // SHM_STAT_ANY
        XCTAssertEqual(try ranges("shmctl", [0, 3, 0x1000], result: 2), [range(0x1000, 72)])    // IPC_INFO
        XCTAssertEqual(try ranges("shmctl", [0, 14, 0x1000], result: 2), [range(0x1000, 48)])   // SHM_INFO
        for command: UInt64 in [0, 1, 11, 12] {                                                 // RMID, SET, (UN)LOCK
            XCTAssertEqual(try ranges("shmctl", [7, command, 0x1000], result: 0), [], "command \(command)")
        }
        XCTAssertEqual(try ranges("shmctl", [7, 2, 0x1000], result: -22), [])
    }
}
