// The rr paper's five workloads (issue 18) at a reduced size: benchmarks/paper-workloads generates
// each (`--prepare NAME DIR --quick`, the one definition the benchmark measures too), and each is
// recorded once and replayed once; the replay must print exactly what the recording printed and
// end with its status. A missing Debian package is a failure naming it (make test installs them:
// the Makefile's DEB_PACKAGES), never a skip.
import Foundation
import SwrrTestSupport
import XCTest

final class PaperWorkloadTests: XCTestCase {
    /// What `paper-workloads --prepare` prints: a program to record (argv, cwd, env), or a server
    /// with the load to run against it and the command that shuts it down.
    struct Workload: Decodable {
        var argv: [String]?
        var cwd: String?
        var env: [String: String]?
        var server: [String]?
        var port: Int?
        var load: [String]?
        var shutdown: [String]?
    }

    static let script = BuiltProduct.packageRoot.appendingPathComponent("benchmarks/paper-workloads").path

    /// Generates workload `name` (small size) in a fresh directory.
    func prepare(_ name: String) throws -> (Workload, String) {
        let dir = try makeTemporaryDirectory("paper-" + name)
        // A missing program ends it with status 2 and names its Debian package: the thrown
        // failure (the test's error) shows that.
        let r = try Subprocess.check(["/usr/bin/python3", Self.script, "--prepare", name, dir, "--quick"], timeout: 300)
        return (try JSONDecoder().decode(Workload.self, from: r.stdout), dir)
    }

    /// Records the workload's program and replays it once (`timedRoundTrip`).
    func roundTrip(_ name: String) throws -> (Recording, Workload) {
        let (w, _) = try prepare(name)
        let argv = try XCTUnwrap(w.argv, "no argv for \(name)")
        let recording = try timedRoundTrip(argv, label: "paper " + name, expectedStatus: 0, replays: 1,
                                           environment: (w.env ?? [:]).mapValues { $0 }, directory: w.cwd,
                                           timeout: 300, replayTimeout: { min(600, 30 + 10 * $0.result.seconds) })
        return (recording, w)
    }

    /// cp -a of 1,500 files (~18 MB, a glibc checkout's shape): the copy is identical.
    func testCp() throws {
        let (recording, w) = try roundTrip("cp")
        XCTAssertEqual(recording.result.stdoutText, "")
        let argv = try XCTUnwrap(w.argv)
        let diff = try Subprocess.run(["diff", "-r", "--no-dereference", argv[2], argv[3]], timeout: 120)
        XCTAssertEqual(diff.status, 0, "the recorded cp's copy differs: \(diff)")
    }

    /// configure (10 header and 5 function checks) and make -j2 of 12 files, make check.
    func testMake() throws {
        let (recording, _) = try roundTrip("make")
        assertContains(recording.result.stdoutText, [
            "checking for stdio.h... yes", "checking for no_such_function_x... no", "checking the size of long... 8",
            "ar rcs libwork.a", "checksum 3874201804945603550"])
    }

    /// node: ray tracer, JSON and regexps, splay tree, two worker threads (scale 1).
    func testOctane() throws {
        let (recording, _) = try roundTrip("octane")
        XCTAssertEqual(recording.result.stdoutText, """
            raytrace 64x48 3064189
            json+regexp 409830
            splay 29921891
            workers 1123194 1940995

            """)
    }

    /// python3 -m test test_json test_htmlparser.
    func testHtmltest() throws {
        let (recording, _) = try roundTrip("htmltest")
        assertContains(recording.result.stdoutText, ["All 2 tests OK.", "Tests result: SUCCESS"])
    }

    /// redis-server recorded while redis-benchmark (not recorded) sends it 7 × 2,000 requests,
    /// then redis-cli shutdown: the server's recording ends by itself, and its replay prints the
    /// same log and ends with the same status.
    func testSambatest() throws {
        let (w, dir) = try prepare("sambatest")
        let server = try XCTUnwrap(w.server), port = try XCTUnwrap(w.port)
        let load = try XCTUnwrap(w.load), shutdown = try XCTUnwrap(w.shutdown)
        let trace = dir + "/trace"
        let child = try Subprocess.Child([Swrr.path(), "record", "-o", trace, "--"] + server)
        defer { child.kill(SIGKILL) }
        let deadline = Date().addingTimeInterval(120)
        while !accepts(port: port) {
            guard child.isRunning, Date() < deadline else {
                let r = child.wait(timeout: 5)
                XCTFail("the recorded redis-server did not accept connections on port \(port): \(r)")
                return
            }
            usleep(20_000)
        }
        let l = try Subprocess.run(load, timeout: 300)
        XCTAssertEqual(l.status, 0, "redis-benchmark: \(l)")
        // One result line per test, "NAME: N requests per second, p50=…" (the progress lines in
        // between, ending in \r, say rps=; LPUSH's second run before LRANGE_100 may print one too).
        let results = Set(l.stdoutText.split(whereSeparator: { $0 == "\r" || $0 == "\n" })
            .filter { $0.contains(" requests per second") }
            .compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) })
        XCTAssertTrue(results.isSuperset(of: ["SET", "GET", "INCR", "LPUSH", "RPOP", "HSET", "LRANGE_100 (first 100 elements)"]),
                      "redis-benchmark's results: \(results.sorted())")
        let s = try Subprocess.run(shutdown, timeout: 60)
        XCTAssertEqual(s.status, 0, "redis-cli shutdown: \(s)")
        let r = child.wait(timeout: 120)
        assertClean(r)
        XCTAssertEqual(r.status, 0, "the recorded redis-server's status: \(r)")
        XCTAssertFalse(r.stderrText.contains("recording stopped"), "\(r)")
        assertContains(r.stdoutText, ["Ready to accept connections", "ready to exit, bye bye"], "redis-server's log")
        let recording = Recording(trace: trace, result: r)
        let replay = try assertReplaysIdentically(recording, timeout: min(600, 30 + 10 * r.seconds))
        print("timing: paper sambatest: record " + String(format: "%.2f", r.seconds) + " s, replay "
              + String(format: "%.2f", replay.seconds) + " s")
    }

    /// True when a TCP connection to 127.0.0.1:`port` succeeds.
    func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
