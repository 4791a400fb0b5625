// MemoryDigest and MemorySnapshot (issue 16, docs/POSITIONS.md): the digest of a stopped
// process's writable memory is the digest of its snapshot, changes with one word and comes back
// with it, is equal in a fork copy, and leaves swrr's pages out; the snapshot diff names the
// changed word. The measurements print hashing speed (swrr_hash64 in C, zlib's crc32, a Swift
// loop) and the cost of a digest for a small C fixture, a JVM and a node process.
import CSwrrShim
import Foundation
import Glibc
@testable import SwrrTrace
import SwrrTestSupport
import SwrrTracee
import XCTest

final class MemoryDigestTests: XCTestCase {
    func testDigestFollowsOneWordAndIgnoresSwrrPages() throws {
        let (task, iterations, _) = try ProgressFixture.startSolo("spin", .o0Dynamic)
        defer { task.kill() }
        let before = try MemorySnapshot.take(task)
        let digest = try MemoryDigest.of(task)
        XCTAssertEqual(MemoryDigest.of(before), digest, "a snapshot digests as the memory it copied")
        XCTAssertGreaterThan(digest.bytes, 100_000, "a dynamic executable's writable memory: stack, .data, libc's")
        XCTAssertEqual(digest.unreadable, 0)
        // Digests are independent of the read size.
        XCTAssertEqual(try MemoryDigest.of(task, chunk: 4096), digest)

        let old = try ProgressFixture.word(task, iterations)
        try task.writeMemory(iterations, withUnsafeBytes(of: (old ^ 0x100).littleEndian) { Array($0) })
        let changed = try MemoryDigest.of(task)
        XCTAssertNotEqual(changed, digest)
        let after = try MemorySnapshot.take(task)
        XCTAssertEqual(after.changes(since: before), [MemorySnapshot.Change(address: iterations, old: old, new: old ^ 0x100)])
        try task.writeMemory(iterations, withUnsafeBytes(of: old.littleEndian) { Array($0) })
        XCTAssertEqual(try MemoryDigest.of(task), digest)

        // A fork copy has the same digest; a page swrr maps in it (its scratch page) is left out,
        // and a page excluded by address too.
        let copy = try ProgressFixture.copy(task)
        defer { copy.kill() }
        XCTAssertEqual(try MemoryDigest.of(copy), digest)
        try ScratchPage.map(in: copy)
        try copy.writeMemory(ScratchPage.address, [1, 2, 3])
        XCTAssertEqual(try MemoryDigest.of(copy), digest)
        let stack = try XCTUnwrap(try copy.mappings().first { $0.name == "[stack]" })
        XCTAssertNotEqual(try MemoryDigest.of(copy, excluding: [stack.start..<stack.end]), digest)
        XCTAssertEqual(try MemoryDigest.of(copy, excluding: [stack.start..<stack.end]),
                       try MemoryDigest.of(task, excluding: [stack.start..<stack.end]))
    }

    /// The stack below the red zone is dead (the kernel may put a signal frame there at any
    /// time): digested as zeros with `deadBelow`, while the red zone and the live frames count.
    /// Replay needs it: ld.so's XSAVEC images left there differ between recording and replay.
    func testDeadStackBelowTheRedZoneDigestsAsZeros() throws {
        let (task, _, _) = try ProgressFixture.startSolo("spin", .o0Dynamic)
        defer { task.kill() }
        let sp = try task.registers().rsp
        let digest = try MemoryDigest.of(task, deadBelow: sp), whole = try MemoryDigest.of(task)
        let deep = (sp - 2048) & ~7, redZone = sp - 64, live = sp + 8
        for (address, counts) in [(deep, false), (redZone, true), (live, true)] {
            let old = try task.readMemory(address, count: 8)
            try task.writeMemory(address, old.map { $0 ^ 0x5a })
            XCTAssertNotEqual(try MemoryDigest.of(task), whole, "without deadBelow every word counts")
            XCTAssertEqual(try MemoryDigest.of(task, deadBelow: sp) != digest, counts,
                           "a word at rsp\(Int64(bitPattern: address &- sp)) \(counts ? "counts" : "is dead")")
            XCTAssertEqual(try MemorySnapshot.take(task, deadBelow: sp).digest, try MemoryDigest.of(task, deadBelow: sp))
            try task.writeMemory(address, old)
        }
        XCTAssertEqual(try MemoryDigest.of(task, deadBelow: sp), digest)
        let maps = try task.mappings()
        let stack = try XCTUnwrap(maps.first { $0.name == "[stack]" })
        XCTAssertEqual(WritableMemory.deadStack(of: maps, stackPointer: sp), stack.start..<(sp - 128))
        XCTAssertNil(WritableMemory.deadStack(of: maps, stackPointer: 0x10), "rsp outside any mapping: nothing is dead")
    }

    /// Another thread's dead stack is dead too (measured: thread_exits' sigkill test, a struct
    /// stat the preload library left 56 bytes below the blocked epoll thread's frame in the
    /// recording, zeros on replay: the spinning thread's position was missed 5 of 5 times).
    /// dead_stacks: main at an int3, a second thread blocked in read(); a word 1 KiB below the
    /// second thread's rsp counts only without its stack pointer, its live frame always.
    func testAnotherThreadsDeadStackDigestsAsZeros() throws {
        let (task, _, _) = try ProgressFixture.startAtTrap("dead_stacks", [], .o0Dynamic)
        defer { task.kill() }
        try task.resume(.cont)
        XCTAssertEqual(try task.wait(), .event(.clone))
        let thread = Task(tid: pid_t(truncatingIfNeeded: try task.eventMessage()), tgid: task.tgid)
        try task.resume(.cont)
        XCTAssertEqual(try thread.wait(), .event(.stop), "a seized clone's first stop")
        try thread.resume(.cont)
        XCTAssertEqual(try task.wait(), .signal(SIGTRAP), "main's second int3, the thread blocked by then")
        try thread.interrupt()
        XCTAssertEqual(try thread.wait(), .event(.stop))
        let blockedIn = try thread.registers()
        XCTAssertEqual(blockedIn.origRax, 0, "the thread is in read()")
        let sp = try task.registers().rsp, other = blockedIn.rsp
        let maps = try task.mappings()
        let mapping = try XCTUnwrap(maps.first { $0.start < other && other <= $0.end })
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: sp, otherStacks: [other]),
                       [mapping.start..<(other - 128), try XCTUnwrap(maps.first { $0.name == "[stack]" }).start..<(sp - 128)],
                       "the pthread stack (above its PROT_NONE guard) and main's [stack]")
        let both = try MemoryDigest.of(task, deadBelow: sp, otherStacks: [other]), mainOnly = try MemoryDigest.of(task, deadBelow: sp)
        for (address, deadThere) in [((other - 1024) & ~7, true), (other - 64, false), (other + 8, false)] {
            let old = try task.readMemory(address, count: 8)
            try task.writeMemory(address, old.map { $0 ^ 0xa5 })
            let at = "a word at the thread's rsp\(Int64(bitPattern: address &- other))"
            XCTAssertNotEqual(try MemoryDigest.of(task, deadBelow: sp), mainOnly, "\(at) counts without its stack pointer")
            XCTAssertEqual(try MemoryDigest.of(task, deadBelow: sp, otherStacks: [other]) == both, deadThere, "\(at)")
            XCTAssertEqual(try MemorySnapshot.take(task, deadBelow: sp, otherStacks: [other]).digest, try MemoryDigest.of(task, deadBelow: sp, otherStacks: [other]))
            XCTAssertEqual(try SnapshotReference.take(task, deadBelow: sp, otherStacks: [other]).digest, try MemoryDigest.of(task, deadBelow: sp, otherStacks: [other]))
            try task.writeMemory(address, old)
        }
        XCTAssertEqual(try MemoryDigest.of(task, deadBelow: sp, otherStacks: [other]), both)
        // Through the signature as the recorder and the replay take it.
        let signature = try StateSignature.of(task, words: [], otherStacks: [other])
        let dead = (other - 2048) & ~7
        let old = try task.readMemory(dead, count: 8)
        try task.writeMemory(dead, old.map { $0 ^ 0xff })
        XCTAssertTrue(try signature.matches(task, registers: try task.registers(), otherStacks: [other]))
        XCTAssertFalse(try signature.matches(task, registers: try task.registers()), "without the other thread's rsp it differs")
        try task.writeMemory(dead, old)
    }

    /// Which other threads' stack pointers leave memory out: only those in a thread's stack, [stack] or an
    /// anonymous mapping right above a PROT_NONE guard (glibc's pthread stacks); not a Go heap
    /// arena (PROT_NONE above its mapped part), a file mapping, or a mapping two threads point into.
    func testDeadStacksOnlyInThreadStacks() {
        let maps = ["00600000-00604000 rw-p 00000000 08:01 1 /bin/x",
                    "c000000000-c000400000 rw-p 00000000 00:00 0", "c000400000-c004000000 ---p 00000000 00:00 0",
                    "7ffff0000000-7ffff0001000 ---p 00000000 00:00 0", "7ffff0001000-7ffff0801000 rw-p 00000000 00:00 0",
                    "7ffff0801000-7ffff0802000 ---p 00000000 00:00 0", "7ffff0802000-7ffff1002000 rw-p 00000000 00:00 0",
                    "7ffff1002000-7ffff1003000 rw-p 00000000 00:00 0",
                    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]"].compactMap { MapsLine(parsing: Substring($0)) }
        XCTAssertEqual(maps.count, 9)
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: nil, otherStacks: [0x7ffff0400000, 0x7ffffffef000]),
                       [0x7ffff0001000..<0x7ffff03fff80, 0x7ffffffde000..<0x7ffffffeef80], "a pthread stack and [stack]")
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: nil, otherStacks: [0xc000200000]), [], "a goroutine's stack in Go's heap")
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: nil, otherStacks: [0x603000]), [], "a file's data")
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: nil, otherStacks: [0x7ffff1002800]), [], "no guard below")
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: nil, otherStacks: [0x7ffff0900000, 0x7ffff0a00000]), [],
                       "two threads in one mapping: not one thread's stack")
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: nil, otherStacks: [0x7ffff0001040]), [], "the red zone reaches the bottom")
        XCTAssertEqual(WritableMemory.deadStacks(of: maps, stackPointer: 0xc000200000, otherStacks: [0x7ffff0400000, 0xc000300000]),
                       [0xc000000000..<0xc0001fff80, 0x7ffff0001000..<0x7ffff03fff80],
                       "the positioned thread's in any writable mapping (version 2's rule), not another's in the same mapping")
    }

    func testWritableRegionsCutExclusions() {
        let maps = ["00400000-00401000 r-xp 00000000 08:01 1 /bin/x", "00600000-00604000 rw-p 00000000 08:01 1 /bin/x",
                    "70000000-70002000 rw-p 00000000 00:00 0", "7ffff7fc0000-7ffff7fc4000 r--p 00000000 00:00 0 [vvar]",
                    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]"].compactMap { MapsLine(parsing: Substring($0)) }
        let r = WritableMemory.regions(of: maps, excluding: [0x601000..<0x602000])
        XCTAssertEqual(r.map { $0.start..<$0.end }, [0x600000..<0x601000, 0x602000..<0x604000, 0x7ffffffde000..<0x7ffffffff000])
    }

    /// Hashing speed on 64 MiB in memory: swrr_hash64 (C), zlib's crc32, and a Swift loop (on
    /// 4 MiB: it is slow in a debug build). Each must give the same value twice and another when
    /// one byte changes.
    func testMeasureHashSpeed() {
        var data = [UInt8](repeating: 0, count: 64 << 20)
        for i in stride(from: 0, to: data.count, by: 4096) { data[i] = UInt8(truncatingIfNeeded: i >> 12) }
        func time(_ f: () -> UInt64) -> (UInt64, Double) {
            let t = Date()
            let v = f()
            return (v, Date().timeIntervalSince(t))
        }
        let hash = { (d: [UInt8]) -> UInt64 in var h = Hasher64(); h.add(bytes: d); return h.value }
        let (h1, th) = time { hash(data) }
        let (c1, tc) = time { data.withUnsafeBytes { UInt64(CRC32.checksum($0)) } }
        let small = Array(data.prefix(4 << 20))
        let (s1, ts) = time {
            small.withUnsafeBytes { b -> UInt64 in
                var h: UInt64 = 0
                for i in 0..<(b.count / 8) { h = (h ^ b.load(fromByteOffset: i * 8, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15 }
                return h
            }
        }
        print(String(format: "hash speed: swrr_hash64 %.0f MB/s, zlib crc32 %.0f MB/s, Swift loop %.0f MB/s",
                     64 * 1.048576 / th, 64 * 1.048576 / tc, 4 * 1.048576 / ts))
        XCTAssertEqual(hash(data), h1)
        XCTAssertNotEqual(s1, 0)
        data[12345] ^= 1
        XCTAssertNotEqual(hash(data), h1)
        XCTAssertNotEqual(data.withUnsafeBytes { UInt64(CRC32.checksum($0)) }, c1)
    }

    /// The digest of a small C fixture, a JVM and a node process, each waiting (nanosleep or
    /// sleep in the runtime) after it printed "ready": its writable memory, its resident size
    /// (smaps_rollup) and the time of one digest and one snapshot.
    func testMeasureDigestCost() throws {
        let spin = try ProgressFixture.startSolo("spin", .o2Dynamic)
        defer { spin.task.kill() }
        try measure("memory_spin", spin.task.tid)

        let dir = try TestDirectory.makeUnique(prefix: "digest")
        try "class Ready { public static void main(String[] a) throws Exception { System.out.println(\"ready\"); Thread.sleep(60000); } }"
            .write(toFile: dir + "/Ready.java", atomically: true, encoding: .utf8)
        try Subprocess.check(["/usr/bin/javac", "-d", dir, dir + "/Ready.java"])
        try measureRuntime("java (Ready, sleeping)", "/usr/bin/java", ["-cp", dir, "Ready"])
        try measureRuntime("node (setTimeout)", "/usr/bin/node",
                           ["-e", "console.log('ready'); setTimeout(() => {}, 60000)"])
    }

    /// A node process computing over a heap of ~70 MB, stopped whole (SIGSTOP: every thread
    /// stands still) twice a few ms apart: MemorySnapshot keeps exactly the pages, digest and
    /// changed words of a page-by-page reference reading (SnapshotReference), with a dead stack
    /// cut out. Prints the time of each snapshot, of the diff and of the reference.
    func testSnapshotOfComputingNodeMatchesReference() throws {
        let script = """
            const keep = []; for (let i = 0; i < 400000; i++) keep.push({ i, s: 'item' + i, a: [i, i + 1] });
            console.log('ready');
            let n = 0; for (;;) { for (let i = 0; i < keep.length; i++) { keep[i].i += 1; n += keep[i].a[0]; } }
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/node")
        p.arguments = ["-e", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        XCTAssertTrue(String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("ready"))
        usleep(300_000)
        let pid = p.processIdentifier, task = Task(tid: pid)
        func ms(_ t: Date) -> Double { Date().timeIntervalSince(t) * 1000 }
        func stopAll() throws {
            XCTAssertEqual(kill(pid, SIGSTOP), 0)
            // Every thread in state T (stopped) before memory is read: none may write meanwhile.
            for _ in 0..<2000 {
                let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
                let stopped = threads.allSatisfy { tid in
                    (readTextFile("/proc/\(pid)/task/\(tid)/stat") ?? "").split(separator: ")").last?.dropFirst().first == "T"
                }
                if stopped { return }
                usleep(1000)
            }
            XCTFail("node did not stop")
        }
        let stack = try XCTUnwrap(try task.mappings().first { $0.name == "[stack]" })
        let sp = stack.end - (stack.end - stack.start) / 4
        func take() throws -> (MemorySnapshot, SnapshotReference) {
            try stopAll()
            defer { kill(pid, SIGCONT) }
            let t0 = Date()
            let fast = try MemorySnapshot.take(task, deadBelow: sp)
            let tFast = ms(t0)
            let t1 = Date()
            let digest = try MemoryDigest.of(task, deadBelow: sp)
            let tDigest = ms(t1)
            let t2 = Date()
            let reference = try SnapshotReference.take(task, deadBelow: sp)
            print(String(format: "node snapshot: %.1f MiB kept of %.1f MiB writable, %.1f ms (digest alone %.1f ms, reference %.1f ms)",
                         Double(fast.byteCount) / 1048576, Double(fast.digest.bytes) / 1048576, tFast, tDigest, ms(t2)))
            XCTAssertEqual(fast.pageAddresses, reference.pages.keys.sorted())
            XCTAssertEqual(fast.byteCount, reference.pages.count * 4096)
            XCTAssertEqual(fast.digest, reference.digest)
            XCTAssertEqual(digest, reference.digest)
            return (fast, reference)
        }
        let (before, beforeReference) = try take()
        usleep(5000)
        let (after, afterReference) = try take()
        for limit in [4096, 100_000] {
            let t0 = Date()
            let changes = after.changes(since: before, limit: limit)
            let tDiff = ms(t0)
            let expected = afterReference.changes(since: beforeReference, limit: limit)
            print(String(format: "node diff: %d changed words (limit %d), %.1f ms", changes.count, limit, tDiff))
            XCTAssertEqual(changes, expected)
            XCTAssertGreaterThan(changes.count, 0, "node computed between the snapshots")
        }
        XCTAssertEqual(before.changes(since: before), [])
    }

    private func measureRuntime(_ label: String, _ path: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let line = out.fileHandleForReading.availableData
        XCTAssertTrue(String(decoding: line, as: UTF8.self).hasPrefix("ready"), "\(label) printed ready")
        usleep(200_000)
        try measure(label, p.processIdentifier)
    }

    private func measure(_ label: String, _ pid: pid_t) throws {
        let task = Task(tid: pid)
        let t0 = Date()
        let d = try MemoryDigest.of(task)
        let digestSeconds = Date().timeIntervalSince(t0)
        let t1 = Date()
        let snap = try MemorySnapshot.take(task)
        let snapSeconds = Date().timeIntervalSince(t1)
        let rss = readTextFile("/proc/\(pid)/smaps_rollup")?.split(separator: "\n")
            .first { $0.hasPrefix("Rss:") }.map { String($0.split(separator: " ").dropFirst().first ?? "?") } ?? "?"
        let regions = try WritableMemory.regions(of: task).count
        print(String(format: "digest %@: %d writable regions, %.1f MiB writable (%@ kB resident in all), digest %.1f ms (%.0f MB/s of mappings), snapshot %.1f ms (%.1f MiB of non-zero pages)",
                     label, regions, Double(d.bytes) / 1048576, rss, digestSeconds * 1000,
                     Double(d.bytes) / 1e6 / max(digestSeconds, 1e-9), snapSeconds * 1000, Double(snap.byteCount) / 1048576))
        XCTAssertGreaterThan(d.bytes, 0)
        XCTAssertLessThanOrEqual(UInt64(snap.byteCount), d.bytes)
    }
}
