// Test support: fixtures compiled at test time (SwrrTestSupport) and run under ptrace to a breakpoint.
import CSwrrShim
import Foundation
import Glibc
import SwrrDebugInfo
import SwrrTestSupport
import SwrrTracee
import XCTest

enum Fixtures {
    static let sourceDir = FixtureCompiler.fixtures + "/debuginfo"

    /// A directory for executables the tests derive from the fixtures (stripped, sections removed).
    static let buildDir: String = {
        do { return try TestDirectory.makeUnique(prefix: "debuginfo") } catch { fatalError("\(error)") }
    }()

    /// Compiles `source` with `compiler` and `flags` once per test run; returns the binary path.
    static func build(_ source: String, compiler: String = "gcc", flags: [String] = ["-O0"],
                      extra: [String] = []) throws -> String {
        let name = ([source, compiler] + flags + extra).joined(separator: "_").replacingOccurrences(of: "/", with: "_")
        return try FixtureCompiler.compile(sourceDir + "/" + source, compiler: compiler, flags: ["-g"] + flags,
                                           trailing: extra, name: name)
    }

    /// Runs `tool` (on PATH) to its end; returns its output (stderr with stdout), throws when it fails.
    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        try Subprocess.check([tool] + args, mergingStderr: true, timeout: 300).stdoutText
    }

    /// The line number of the line tagged `MARK:name` in a fixture source.
    static func line(_ name: String, in source: String = "program.c") -> Int {
        let text = try! String(contentsOfFile: sourceDir + "/" + source, encoding: .utf8)
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where l.contains("MARK:\(name)") && (l.hasSuffix("MARK:\(name)") || l.contains("MARK:\(name) ")) {
            return i + 1
        }
        fatalError("no MARK:\(name) in \(source)")
    }
}

/// A fixture process stopped under ptrace; killed on deinit.
final class LiveProcess {
    let task: Task
    private(set) var space: AddressSpace

    init(_ path: String, args: [String] = []) throws {
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ([String](arrayLiteral: "PATH=/usr/bin:/bin")).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        let options = 0x10 /* TRACEEXEC */ | 0x100000 /* EXITKILL */
        let pid = swrr_spawn_seized(path, argv, envp, "/tmp", Int32(SWRR_SPAWN_NO_ASLR | SWRR_SPAWN_NULL_STDOUT),
                                    0, 0, 0, 0, options)
        guard pid > 0 else { throw DebugInfoError("spawn failed: \(errno)") }
        task = Task(tid: pid)
        space = AddressSpace()
        try task.resume(.cont)
        while true {
            let s = try task.wait()
            if s == .event(.exec) { break }
            if s.isTermination { throw DebugInfoError("fixture ended before exec: \(s)") }
            try task.resume(.cont)
        }
        task.addressSpaceChanged()
        space = AddressSpace(mappings: try task.mappings(), target: task)
    }

    deinit { task.kill() }

    /// Runs until `address` is reached (int3 there, removed on arrival). Signals other than the
    /// breakpoint's SIGTRAP are passed to the program.
    func run(to address: UInt64) throws {
        let saved = try task.readMemory(address, count: 1)
        try task.writeMemory(address, [0xCC])
        defer { try? task.writeMemory(address, saved) }
        var signal: Int32 = 0
        while true {
            try task.resume(.cont, signal: signal)
            signal = 0
            let s = try task.wait()
            switch s {
            case .signal(SIGTRAP):
                var r = try task.registers()
                if r.rip - 1 == address {
                    r.rip -= 1
                    try task.setRegisters(r)
                    return
                }
            case .signal(let sig): signal = sig
            case .exited, .killed: throw DebugInfoError("fixture ended before reaching \(String(address, radix: 16)): \(s)")
            default: break
            }
        }
    }

    /// After libraries are loaded (first stop in main), refresh the module list.
    func reloadModules() throws { space.update(mappings: try task.mappings(), target: task) }

    func runToLine(_ file: String, _ line: Int) throws {
        let addrs = space.addresses(file: file, line: line)
        guard let a = addrs.first else { throw DebugInfoError("no address for \(file):\(line)") }
        try run(to: a)
        try reloadModules()
    }

    func runToFunction(_ name: String) throws {
        guard let a = space.breakpointAddress(function: name) else { throw DebugInfoError("no function \(name)") }
        try run(to: a)
        try reloadModules()
    }

    func backtrace() throws -> [Frame] { try space.backtrace(task).frames }
}
