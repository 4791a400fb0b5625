// The CPU binding and the syscalls language runtimes make (issue 12, parts 3 and 4), on
// Tests/Fixtures/runtime_syscalls.c: recorded once per variant and replayed three times with
// identical output; the header names the CPU the program was bound to, everything the program saw
// of its CPU is that CPU's (getcpu and sched_getaffinity from the trace, CPUID's APIC ids executed
// for real on replay, so replay must run on the same CPU), its sched_setaffinity did not move it,
// and numbers no kernel has returned ENOSYS.
import Foundation
import SwrrTestSupport
import SwrrTrace
import SwrrTracee
import XCTest

final class RuntimeSyscallTests: XCTestCase {
    /// "key=value" fields of a line.
    func fields(_ line: String) -> [String: String] {
        var out: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let eq = word.firstIndex(of: "=") else { continue }
            out[String(word[..<eq])] = String(word[word.index(after: eq)...])
        }
        return out
    }

    func header(_ recording: Recording) throws -> TraceHeader {
        try TraceReader(directory: recording.trace).header
    }

    func checkRuntimeSyscalls(_ variant: Variant, environment: [String: String?] = [:]) throws -> (Recording, Int) {
        let exe = try Fixture.runtimeSyscalls.executable(variant)
        let recording = try assertRoundTrip([exe], expectedStatus: 0, replays: 3, environment: environment)
        let out = recording.result.stdoutText
        let h = try header(recording)
        let cpu = try XCTUnwrap(h.boundCPU, "the header names no CPU")
        XCTAssertTrue(CPUBinding.allowedCPUs().contains(cpu), "bound to CPU \(cpu), which swrr may not use")

        // Everything the program saw of its CPU is the bound CPU, before and after its
        // sched_setaffinity to the other CPUs and its sleeps.
        let leaf1 = try XCTUnwrap(h.cpu.cpuid.first { $0.leaf == 1 && $0.subleaf == 0 })
        let leafB = h.cpu.cpuid.first { $0.leaf == 0xb && $0.subleaf == 0 }
        let maxLeaf = try XCTUnwrap(h.cpu.cpuid.first { $0.leaf == 0 }).eax
        let cpuLines = lines(startingWith: "cpu ", in: out)
        XCTAssertEqual(cpuLines.count, 5, out)
        for line in cpuLines {
            let f = fields(line)
            XCTAssertEqual(f["getcpu"], "0", line)
            XCTAssertEqual(f["cpu"], "\(cpu)", line)
            XCTAssertEqual(f["sched_getcpu"], "\(cpu)", line)
            // The header's CPUID snapshot was taken on the bound CPU.
            XCTAssertEqual(f["apic"], "\(leaf1.ebx >> 24)", line)
            if maxLeaf >= 0xb, let leafB { XCTAssertEqual(f["x2apic"], "\(leafB.edx)", line) }
            // TSC_AUX is the CPU (and node << 12): the recorder's rdtscp ran on the bound CPU.
            XCTAssertEqual(f["tsc_aux"].flatMap { UInt32($0) }.map { $0 & 0xfff }, UInt32(cpu), line)
        }
        XCTAssertEqual(lines(startingWith: "affinity ", in: out).map { fields($0)["cpus"] }, ["\(cpu),", "\(cpu),"], out)
        XCTAssertEqual(lines(startingWith: "sched_setaffinity(others):", in: out), ["sched_setaffinity(others): result=0 errno=0"])

        // Protection keys: no PKU on these VMs (EINVAL), or a key; pkey_mprotect(-1) is mprotect.
        let alloc = try XCTUnwrap(lines(startingWith: "pkey_alloc:", in: out).first)
        XCTAssertTrue(alloc == "pkey_alloc: result=-1 errno=22" || fields(alloc)["errno"] == "0", alloc)
        XCTAssertEqual(lines(startingWith: "pkey_mprotect(-1):", in: out), ["pkey_mprotect(-1): result=0 errno=0"])
        XCTAssertEqual(lines(startingWith: "page:", in: out), ["page: byte=k"])

        XCTAssertEqual(lines(startingWith: "membarrier(register):", in: out), ["membarrier(register): result=0 errno=0"])
        XCTAssertEqual(lines(startingWith: "membarrier(private expedited):", in: out),
                       ["membarrier(private expedited): result=0 errno=0"])

        // Four datagrams sent in one call, received in one call into five entries of 4+12 bytes.
        XCTAssertEqual(lines(startingWith: "sendmmsg:", in: out), ["sendmmsg: result=4 errno=0 msg_len=8,24,40,3"])
        XCTAssertEqual(lines(startingWith: "recvmmsg:", in: out), ["recvmmsg: result=4 errno=0"])
        let entries = lines(startingWith: "  entry ", in: out).map(fields)
        XCTAssertEqual(entries.map { $0["msg_len"] }, ["8", "16", "16", "3", "48879"], out)
        XCTAssertEqual(entries.map { $0["flags"] }, ["0", "0x20", "0x20", "0", "0"], "MSG_TRUNC: \(out)")
        XCTAssertEqual(entries.prefix(4).map { $0["controllen"] }, ["32", "32", "32", "32"], out)
        XCTAssertEqual(Set(entries.prefix(4).map { $0["port"] }).count, 1, out)
        XCTAssertTrue(entries.prefix(4).allSatisfy { $0["timestamp"] != "-1" }, out)

        let nonexistent = lines(startingWith: "nonexistent ", in: out)
        XCTAssertEqual(nonexistent.count, 7, out)
        for line in nonexistent { XCTAssertTrue(line.hasSuffix(": result=-1 errno=38"), line) }
        return (recording, cpu)
    }

    func testRuntimeSyscallsO0Dynamic() throws { _ = try checkRuntimeSyscalls(.o0Dynamic) }
    func testRuntimeSyscallsO2Static() throws { _ = try checkRuntimeSyscalls(.o2Static) }

    /// `swrr dump` shows an int argument as the kernel reads it, the low 32 bits signed:
    /// pkey_mprotect's key -1 (passed through syscall()'s varargs as 0x00000000ffffffff) is -1,
    /// not 4294967295; off_t arguments stay 64-bit.
    func testDumpShowsIntArgumentsAsTheKernelReadsThem() throws {
        let exe = try Fixture.runtimeSyscalls.executable(.o0Dynamic)
        let recording = try record([exe], expectedStatus: 0)
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        let keys = dump.stdoutText.split(separator: "\n").filter { $0.contains("] pkey_mprotect(") }
            .map { $0.split(separator: ",").last.map { String($0.prefix(while: { $0 != ")" })) } ?? "" }
        XCTAssertTrue(keys.contains(" -1") && keys.contains(" 15"), "\(keys)")
        XCTAssertFalse(dump.stdoutText.contains("4294967295"), dump.stdoutText.suffix(2000).description)
    }

    /// The fixture's values really change from run to run and from CPU to CPU natively, so the
    /// checks above prove something.
    func testFixtureOutputDiffersNatively() throws {
        let exe = try Fixture.runtimeSyscalls.executable(.o0Dynamic)
        let cpus = CPUBinding.allowedCPUs()
        guard cpus.count >= 2 else { throw XCTSkip("swrr may use only CPU \(cpus): no second CPU to compare with") }
        let a = try Subprocess.run(["taskset", "-c", "\(cpus[0])", exe])
        let b = try Subprocess.run(["taskset", "-c", "\(cpus[1])", exe])
        XCTAssertEqual(a.status, 0, "\(a)")
        XCTAssertEqual(b.status, 0, "\(b)")
        let apicA = lines(startingWith: "cpu start:", in: a.stdoutText).map { fields($0)["apic"] }
        let apicB = lines(startingWith: "cpu start:", in: b.stdoutText).map { fields($0)["apic"] }
        XCTAssertNotEqual(apicA, apicB, "CPUID's APIC id is the same on CPUs \(cpus[0]) and \(cpus[1])")
        XCTAssertNotEqual(lines(startingWith: "  entry 0:", in: a.stdoutText), lines(startingWith: "  entry 0:", in: b.stdoutText))
    }

    /// SWRR_BIND_CPU picks the CPU (and `none` leaves the program unbound, with no CPU in the
    /// header); replay where the recorded CPU may not be used says so, once.
    func testChosenCPUAndReplayElsewhere() throws {
        let cpus = CPUBinding.allowedCPUs()
        guard cpus.count >= 2 else { throw XCTSkip("swrr may use only CPU \(cpus): no second CPU to choose") }
        let exe = try Fixture.runtimeSyscalls.executable(.o0Dynamic)
        let last = cpus[cpus.count - 1]
        let (bound, cpu) = try checkRuntimeSyscalls(.o0Dynamic, environment: ["SWRR_BIND_CPU": "\(last)"])
        XCTAssertEqual(cpu, last)

        let elsewhere = try Subprocess.run(["taskset", "-c", "\(cpus[0])", try Swrr.path(), "replay", bound.trace])
        assertClean(elsewhere)
        let warning = "swrr: warning: the recording ran on CPU \(last), which this replay may not use (CPUs \(cpus[0])); replaying on CPU \(cpus[0]):"
        XCTAssertEqual(elsewhere.stderrText.components(separatedBy: warning).count - 1, 1, "\(elsewhere)")
        // Run on another CPU, CPUID's APIC id is another: the output or the registers differ.
        XCTAssertTrue(elsewhere.stdout != bound.result.stdout || elsewhere.status == ReplayStatus.divergence, "\(elsewhere)")

        let unbound = try record([exe], expectedStatus: 0, environment: ["SWRR_BIND_CPU": "none"])
        XCTAssertNil(try header(unbound).boundCPU)
        XCTAssertEqual(lines(startingWith: "affinity start:", in: unbound.result.stdoutText).map { fields($0)["cpus"] },
                       [cpus.map { "\($0)," }.joined()])
        // It replays unbound, without a word about CPUs (its CPUID lines may differ then: the
        // scheduler places it where it likes).
        let r = try Swrr.replay(unbound.trace)
        assertClean(r)
        XCTAssertFalse(r.stderrText.contains("warning: the recording ran on CPU"), "\(r)")
    }

    func testBadChoicesAreRefused() throws {
        let exe = try Fixture.runtimeSyscalls.executable(.o0Dynamic)
        let dir = try makeTemporaryDirectory("bind")
        let notACPU = try Swrr.run(["record", "--bind-cpu", "first", "-o", dir + "/a", exe])
        XCTAssertEqual(notACPU.status, 64, "\(notACPU)")
        XCTAssertTrue(notACPU.stderrText.contains("--bind-cpu first is not a CPU index"), "\(notACPU)")
        let env = try Swrr.run(["record", "-o", dir + "/b", exe], environment: ["SWRR_BIND_CPU": "-1"])
        XCTAssertEqual(env.status, 64, "\(env)")
        XCTAssertTrue(env.stderrText.contains("SWRR_BIND_CPU=-1 is not a CPU index"), "\(env)")
        let outside = try Swrr.run(["record", "--bind-cpu", "1023", "-o", dir + "/c", exe])
        XCTAssertEqual(outside.status, 64, "\(outside)")
        XCTAssertTrue(outside.stderrText.contains("cannot bind to CPU 1023: swrr may only run on CPUs"), "\(outside)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a"))
    }
}
