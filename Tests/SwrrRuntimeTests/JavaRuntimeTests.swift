// The JVM (issue 12): `java -version`, and a program with 4 threads compiled with javac at test
// time. The JVM starts a dozen threads of its own (GC, JIT compilers, signal dispatcher), maps
// its class data archive and reads the CPU it runs on (getcpu, sched_getaffinity).
import Foundation
import SwrrTestSupport
import XCTest

final class JavaRuntimeTests: XCTestCase {
    static let missing = "`make deps` installs Debian's openjdk-17-jdk-headless"

    /// `java -version` prints its version on stderr.
    func testJavaVersion() throws {
        let java = try Tool.find("java", missing: Self.missing)
        let recording = try assertRuntimeRoundTrip([java.path, "-version"], label: "java -version")
        assertContains(recording.result.stderrText, ["version \""], "java -version's stderr")
    }

    func testFourThreads() throws {
        let javac = try Tool.find("javac", missing: Self.missing)
        let java = try Tool.find("java", missing: Self.missing)
        let dir = try makeTemporaryDirectory("java")
        try RuntimeProgram.compile([javac.path, "-encoding", "UTF-8", "-g", "-d", dir + "/classes",
                                    RuntimeProgram.source("Threads.java")], directory: dir)
        let recording = try assertRuntimeRoundTrip([java.path, "-cp", dir + "/classes", "Threads"],
                                                   label: "java 4 threads", directory: dir)
        assertContains(recording.result.stdoutText, ["total: 47999956\n", "finishing order: [worker-"])
    }
}
