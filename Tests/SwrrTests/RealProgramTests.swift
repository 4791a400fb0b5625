// Real programs that fork, exec and start threads (issue 3): shell pipelines, make driving gcc
// over a two-file C project (make, sh, gcc, cc1, as, collect2, ld and the built program: a dozen
// processes), and python3 with threading. Each is recorded and replayed twice, every replay
// printing exactly what the recording printed.
import Foundation
import SwrrTestSupport
import XCTest

final class RealProgramTests: XCTestCase {
    func testShellPipelines() throws {
        let program = ["/bin/sh", "-c", "echo a; echo b | tr a-z A-Z; seq 1 20 | sort -r | head -5"]
        let native = try nativeOutput(program)
        let recording = try timedRoundTrip(program, label: "sh -c pipelines")
        XCTAssertEqual(recording.result.stdoutText, "a\nB\n9\n8\n7\n6\n5\n")
        assertSameAsNative(recording, native)
    }

    /// `make` in a fresh directory: two compilations, a link, then the program and a shell
    /// script (exec through its `#!` interpreter) run from the Makefile. The recording builds
    /// for real; replay does not touch files, so the products deleted after recording stay absent.
    func testMakeBuildsTwoFileProject() throws {
        let dir = try makeTemporaryDirectory("make")
        let files = [
            "util.h": "int triangle(int n);\n",
            "util.c": "#include \"util.h\"\nint triangle(int n) { return n <= 0 ? 0 : n + triangle(n - 1); }\n",
            "main.c": "#include <stdio.h>\n#include \"util.h\"\n"
                + "int main(void) { printf(\"triangle(10) = %d\\n\", triangle(10)); return 0; }\n",
            "done.sh": "#!/bin/sh\necho \"built $(ls *.o | wc -l) objects\"\n",
            "Makefile": "all: prog\n\t./prog\n\t./done.sh\n"
                + "prog: main.o util.o\n\tgcc -o prog main.o util.o\n"
                + "%.o: %.c util.h\n\tgcc -O2 -c $< -o $@\n",
        ]
        for (name, text) in files {
            try text.write(toFile: "\(dir)/\(name)", atomically: false, encoding: .utf8)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/done.sh")
        let products = ["main.o", "util.o", "prog"]

        // --no-print-directory: under `make test` this make is nested (MAKELEVEL) and would announce
        // its directory.
        let recording = try record(["make", "--no-print-directory"], expectedStatus: 0, directory: dir)
        XCTAssertEqual(recording.result.stdoutText, """
            gcc -O2 -c main.c -o main.o
            gcc -O2 -c util.c -o util.o
            gcc -o prog main.o util.o
            ./prog
            triangle(10) = 55
            ./done.sh
            built 2 objects

            """)
        for p in products {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(p)"), "the recording did not build \(p)")
            try? FileManager.default.removeItem(atPath: "\(dir)/\(p)")
        }
        var replays: [Double] = []
        for _ in 0..<2 {
            replays.append(try assertReplaysIdentically(recording).seconds)
        }
        for p in products {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/\(p)"), "replay created \(p)")
        }
        let dump = try Swrr.run(["dump", recording.trace])
        assertClean(dump)
        let execs = dump.stdoutText.split(separator: "\n").filter { $0.contains(" exec \"") }
        for program in ["/make\"", "cc1\"", "-as\"", "collect2\"", "-ld", "/prog\"", "dash\""] {
            XCTAssertTrue(execs.contains { $0.contains(program) }, "no exec of \(program) in:\n\(execs.joined(separator: "\n"))")
        }
        print("timing: make (\(execs.count) execs): record " + String(format: "%.2f", recording.result.seconds)
              + " s, replays " + replays.map { String(format: "%.2f", $0) }.joined(separator: " s, ") + " s")
    }

    static let python = "/usr/bin/python3"

    /// `python3 -c` running `work(n)` in four threads (n = 0…3), joining them, then `report`.
    func pythonThreads(setup: String, work: String, report: String) throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw Subprocess.SpawnError(description: "\(Self.python) is not installed (make deps installs python3)")
        }
        return [Self.python, "-c", """
            import threading
            items = []
            \(setup)
            def work(n):
            \(work)
            threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            \(report)
            """]
    }

    /// Four threads appending to one list; the sorted list does not depend on the schedule.
    func testPythonThreadsAppendingToAList() throws {
        let program = try pythonThreads(setup: "", work: """
                for i in range(100):
                    items.append(n * 1000 + i)
            """, report: "print(len(items), sorted(items)[:3], sorted(items)[-3:])")
        let native = try nativeOutput(program)
        let recording = try timedRoundTrip(program, label: "python3 threading, 4 threads appending")
        XCTAssertEqual(recording.result.stdoutText, "400 [0, 1, 2] [3097, 3098, 3099]\n")
        assertSameAsNative(recording, native)
    }

    /// The same with a threading.Lock taken around each append, and the order in which the
    /// threads appended printed too (whatever the recording saw; replay must print it again).
    /// Natively this takes about 20 ms; the 60 s limit of every recording applies.
    func testPythonThreadsSharingALock() throws {
        let program = try pythonThreads(setup: "lock = threading.Lock()", work: """
                for i in range(200):
                    with lock:
                        items.append(n * 1000 + i)
            """, report: """
            print(len(items), sum(items))
            print(sorted(items)[:3], sorted(items)[-3:])
            print("arrival order of the threads:", [items[i] // 1000 for i in range(0, 800, 50)])
            """)
        let recording = try timedRoundTrip(program, label: "python3 threading with a Lock")
        XCTAssertTrue(recording.result.stdoutText.hasPrefix("800 1279600\n[0, 1, 2] [3197, 3198, 3199]\n"),
                      recording.result.stdoutText)
    }
}
