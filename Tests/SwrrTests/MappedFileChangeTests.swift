// A file that grows, shrinks and is written by syscalls while mapped (issue 14,
// Tests/Fixtures/mapped_file_changes.c): replay emulates pwrite/write/writev/ftruncate/fallocate,
// so the recorder keeps what each did to a mapped file (SwrrRecord/MappedFileUpdates.swift) and
// replay applies it to its copy at the same event. Every page the fixture reads through its
// MAP_SHARED and MAP_PRIVATE mappings, the SIGBUS pages past a shrunk end, the mremap'ed mapping
// and the pages a forked child changed must replay exactly, with buffering on and off.
import Foundation
import Glibc
import SwrrTestSupport
import XCTest

final class MappedFileChangeTests: XCTestCase {
    func checkMappedFileChanges(_ variant: Variant, buffering: Bool, existing: Bool = false) throws {
        let exe = try Fixture.mappedFileChanges.executable(variant)
        let work = try makeTemporaryDirectory("mapped")
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        var program = [exe, work]
        if existing {
            // A page of random bytes last modified two hours ago, on the trace's filesystem: a file
            // mapped read-only would be kept by a hard link (TraceWriter.isStable), which would be
            // the live file; mapped through a writable descriptor it must be copied.
            let file = work + "/old"
            let random = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom"))
            try random.readData(ofLength: 4096).write(to: URL(fileURLWithPath: file))
            var times = [timeval(tv_sec: time(nil) - 7200, tv_usec: 0), timeval(tv_sec: time(nil) - 7200, tv_usec: 0)]
            XCTAssertEqual(utimes(file, &times), 0)
            program.append(file)
        }
        let recording = try assertRoundTrip(program, expectedStatus: 0, environment: env)
        let out = recording.result.stdoutText
        if existing {
            let kept = try FileManager.default.contentsOfDirectory(atPath: recording.trace + "/files").filter { $0.hasSuffix("-old") }
            XCTAssertEqual(kept.count, 1, "\(kept)")
            var st = stat()
            XCTAssertEqual(stat(recording.trace + "/files/" + (kept.first ?? ""), &st), 0)
            XCTAssertEqual(st.st_nlink, 1, "the trace keeps the file mapped writable as a copy, not a link")
        }
        // The pages past each end raise SIGBUS at the same offsets as natively, in both mappings.
        XCTAssertEqual(lines(startingWith: "start ", in: out).suffix(2),
                       ["start shared page 1: SIGBUS at +4096", "start private page 1: SIGBUS at +4096"], out)
        XCTAssertEqual(lines(startingWith: "shrunk ", in: out).filter { $0.contains("SIGBUS") },
                       ["shrunk shared page 2: SIGBUS at +8192", "shrunk private page 3: SIGBUS at +12288"], out)
        XCTAssertEqual(lines(startingWith: "after child shrink shared", in: out), ["after child shrink shared page 2: SIGBUS at +8192"], out)
        XCTAssertEqual(lines(startingWith: "grown shared page 2: ", in: out), ["grown shared page 2: 00000000"], out)
        // What pwrite wrote shows in both mappings alike; the private page the program wrote does not follow.
        let pwriteShared = lines(startingWith: "pwrite shared page 1: ", in: out).first?.suffix(8)
        XCTAssertNotNil(pwriteShared, out)
        XCTAssertEqual(lines(startingWith: "pwrite private page 1: ", in: out).first?.suffix(8), pwriteShared, out)
        XCTAssertNotEqual(lines(startingWith: "copied private", in: out).first?.suffix(8),
                          lines(startingWith: "copied shared", in: out).first?.suffix(8), out)
        // The child's pwrite past its ftruncate, read by the parent through the shared mapping.
        let child = lines(startingWith: "child shared page 6: ", in: out).first?.suffix(8)
        XCTAssertNotNil(child, out)
        XCTAssertEqual(lines(startingWith: "parent shared page 6: ", in: out).first?.suffix(8), child, out)
        XCTAssertEqual(lines(startingWith: "child status ", in: out), ["child status 0"], out)
        // Emptied by open(O_TRUNC): SIGBUS at the first page; the private mapping's copied page
        // past the new end was dropped too, and shows the file again (zeros) once it regrew.
        XCTAssertEqual(lines(startingWith: "truncated shared", in: out), ["truncated shared page 0: SIGBUS at +0"], out)
        XCTAssertEqual(lines(startingWith: "rewritten private", in: out), ["rewritten private page 1: 00000000"], out)
        XCTAssertEqual(lines(startingWith: "size ", in: out), ["size 8192"], out)
        XCTAssertEqual(out.split(separator: "\n").count, 35, out)
    }

    func testMappedFileChangesO0DynamicBuffered() throws { try checkMappedFileChanges(.o0Dynamic, buffering: true) }
    func testMappedFileChangesO0DynamicUnbuffered() throws { try checkMappedFileChanges(.o0Dynamic, buffering: false) }
    func testMappedFileChangesO2StaticBuffered() throws { try checkMappedFileChanges(.o2Static, buffering: true) }
    func testMappedFileChangesO2StaticUnbuffered() throws { try checkMappedFileChanges(.o2Static, buffering: false) }
    func testExistingFileMappedWritableIsCopiedO0DynamicBuffered() throws {
        try checkMappedFileChanges(.o0Dynamic, buffering: true, existing: true)
    }
    func testExistingFileMappedWritableIsCopiedO0DynamicUnbuffered() throws {
        try checkMappedFileChanges(.o0Dynamic, buffering: false, existing: true)
    }

    /// With buffering on, the writes to the mapped file are recorded syscalls that name it (the
    /// library classes it SWRR_FD_MAPPED): `swrr dump` shows each with the change it keeps.
    func testDumpShowsTheFileUpdates() throws {
        let exe = try Fixture.mappedFileChanges.executable(.o0Dynamic)
        let work = try makeTemporaryDirectory("mapped-dump")
        let recording = try record([exe, work], expectedStatus: 0)
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        let updates = dump.stdoutText.split(separator: "\n").filter { $0.contains(" [file update ") }
        // pwrite64 ×6 (two by the child), write ×2, writev, ftruncate ×5 (two by the child),
        // fallocate ×2 (the hole punched kept as a length), an open with O_TRUNC.
        XCTAssertEqual(updates.filter { $0.contains("pwrite64(") }.count, 6, updates.joined(separator: "\n"))
        XCTAssertEqual(updates.filter { $0.contains("ftruncate(") }.count, 5, updates.joined(separator: "\n"))
        XCTAssertEqual(updates.filter { $0.contains("openat(") && $0.contains("size 0, 0 bytes at 0]") }.count, 1,
                       updates.joined(separator: "\n"))
        XCTAssertEqual(updates.filter { $0.contains("fallocate(") && $0.hasSuffix(", 0 bytes at 2048, 4096 zeroed]") }.count, 1,
                       updates.joined(separator: "\n"))
        XCTAssertEqual(updates.filter { $0.contains("fallocate(") }.count, 2, updates.joined(separator: "\n"))
        XCTAssertEqual(updates.filter { $0.contains(" writev(") || $0.contains(" write(") }.count, 3, updates.joined(separator: "\n"))
    }

    /// The random bytes change every page's sum from run to run natively.
    func testFixtureOutputDiffersNatively() throws {
        let exe = try Fixture.mappedFileChanges.executable(.o0Dynamic)
        let work = try makeTemporaryDirectory("native")
        let a = try Subprocess.run([exe, work]), b = try Subprocess.run([exe, work])
        XCTAssertEqual(a.status, 0, "\(a)")
        XCTAssertEqual(b.status, 0, "\(b)")
        XCTAssertEqual(a.stdoutText.split(separator: "\n").count, 35, a.stdoutText)
        XCTAssertNotEqual(lines(startingWith: "pwrite shared", in: a.stdoutText), lines(startingWith: "pwrite shared", in: b.stdoutText))
        XCTAssertNotEqual(lines(startingWith: "parent shared page 6", in: a.stdoutText),
                          lines(startingWith: "parent shared page 6", in: b.stdoutText))
    }
}
