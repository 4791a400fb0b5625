// The trace keeps copies of the files the program mapped (issue 2, item 5): replay works after
// the recorded executable is deleted or rebuilt with other contents.
import Foundation
import SwrrTestSupport
import XCTest

final class ChangedExecutableTests: XCTestCase {
    /// Records a private copy of `fixture`, applies `change` to that copy, replays.
    func check(_ fixture: Fixture, _ variant: Variant, change: (String) throws -> Void) throws {
        let dir = try makeTemporaryDirectory("changed")
        let program = dir + "/program"
        try FileManager.default.copyItem(atPath: try fixture.executable(variant), toPath: program)
        let work = try makeTemporaryDirectory("changed-work")
        let recording = try record([program, work], expectedStatus: 0)
        try change(program)
        try assertReplaysIdentically(recording)
        try assertReplaysIdentically(recording)
    }

    func delete(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }

    /// Replaces the file with another program (a new inode at the same path).
    func rebuild(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: try Fixture.compute.executable(.o0Dynamic), toPath: path)
    }

    /// Overwrites the file in place (same inode), as a linker writing over it might.
    func overwriteInPlace(_ path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data(repeating: 0xcc, count: 8192))
        try handle.close()
    }

    // mmap_files maps and checksums its own executable: a replay reading the changed file
    // would print another checksum.
    func testDeletedDynamicExecutable() throws { try check(.mmapFiles, .o0Dynamic, change: delete) }
    func testDeletedStaticExecutable() throws { try check(.mmapFiles, .o2Static, change: delete) }
    func testRebuiltExecutable() throws { try check(.mmapFiles, .o2Dynamic, change: rebuild) }
    func testExecutableOverwrittenInPlace() throws { try check(.mmapFiles, .o0Static, change: overwriteInPlace) }
    func testDeletedNondeterminismExecutable() throws { try check(.nondeterminism, .o2Dynamic, change: delete) }
}
