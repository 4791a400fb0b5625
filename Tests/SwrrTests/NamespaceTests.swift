// Namespaces (issue 14, Tests/Fixtures/namespaces.c): an unprivileged program (the fixture drops
// root first) in a user namespace of its own, with a mount namespace inside (a tmpfs, a file
// written, read and mapped there, a program run from it; a bind mount over a file the recorder
// can see), a pid namespace (its init's children with namespace-local ids, waits, kills by such
// ids, the si_pid of signals from inside and outside the namespace, a nested namespace, a process the kernel kills when the init exits), a new root
// (the descriptor-based mount API, pivot_root, chroot), uts (hostname,
// setns into another process's namespace), net/ipc/cgroup and time; and unshare(CLONE_FILES). Recorded and replayed twice with
// identical output, buffered and with SWRR_SYSCALLBUF=0; the recording prints what a native run
// prints but for its token. Replay creates no namespace (SwrrKernel/NamespaceFlags.swift).
import Foundation
import SwrrTestSupport
import XCTest

final class NamespaceTests: XCTestCase {
    static let unbuffered: [String: String?] = ["SWRR_SYSCALLBUF": "0"]
    static let userNamespace = "in a user namespace: uid 0, gid 0, outer uid unprivileged: yes\n"

    func checkMount(_ variant: Variant, _ environment: [String: String?] = [:]) throws {
        XCTAssertEqual(try tokenRoundTrip(.namespaces, "mount", variant, environment: environment), Self.userNamespace + """
            mount(/, MS_REC|MS_PRIVATE) = 0
            mount(tmpfs, /tmp) = 0
            /tmp is a tmpfs: yes
            read back: same
            mapped file holds the token: yes
            exec'd from the tmpfs: on a tmpfs: yes, token passed: yes
            child exited 0
            umount2(/tmp) = 0, the /tmp from before back: yes

            """)
    }

    func testMountNamespaceTmpfsFileMapAndExecO0Dynamic() throws { try checkMount(.o0Dynamic) }
    func testMountNamespaceTmpfsFileMapAndExecO2Static() throws { try checkMount(.o2Static) }
    func testMountNamespaceTmpfsFileMapAndExecUnbuffered() throws { try checkMount(.o0Dynamic, Self.unbuffered) }

    /// As a container starts: a new root made with the descriptor-based mount API, pivot_root,
    /// this program run there with copies of its libraries (files whose names the recorder sees
    /// as other files: kept through /proc/TID/map_files and /proc/TID/fd/N), chroot.
    func checkPivot(_ variant: Variant, _ environment: [String: String?] = [:]) throws {
        XCTAssertEqual(try tokenRoundTrip(.namespaces, "pivot", variant, environment: environment), Self.userNamespace + """
            fsopen: a descriptor, fsconfig = 0, 0, fsmount: a descriptor, move_mount = 0
            copied this program and its mapped files: yes
            open_tree: a descriptor, move_mount = 0, mount_setattr(MOUNT_ATTR_RDONLY) = 0
            pivot_root = 0, chdir(/) = 0, umount2(/old, MNT_DETACH) = 0
            run from the new root: / is a tmpfs: yes, /copied-flag reads "copied", /old gone: yes, /ro read-only: yes
            chroot(/ro) = 0, /flag there: yes
            child exited 0

            """)
    }

    func testPivotRootIntoANewRootO0Dynamic() throws { try checkPivot(.o0Dynamic) }
    func testPivotRootIntoANewRootO2Static() throws { try checkPivot(.o2Static) }
    func testPivotRootIntoANewRootUnbuffered() throws { try checkPivot(.o0Dynamic, Self.unbuffered) }

    func checkPid(_ variant: Variant, _ environment: [String: String?] = [:]) throws {
        XCTAssertEqual(try tokenRoundTrip(.namespaces, "pid", variant, environment: environment), Self.userNamespace + """
            init: getpid() = 1, getppid() = 0, NSpid levels 2
            init: SIGUSR2 from outside the namespace: si_pid 0, si_code SI_USER: yes
            first child: getpid() = 2, getppid() = 1
            first child: SIGUSR1 from init: si_pid 1
            init: fork() = 2, kill(2, SIGUSR1) = 0, waitpid(-1) = 2, exited 7
            init: fork() = 3, kill(3, SIGTERM) = 0, waitpid = 3, killed by TERM
            init: fork() = 4, left running
            nested: getpid() = 1, getppid() = 0, NSpid levels 3
            init: unshare(CLONE_NEWPID) = 0, fork() = 5, waitpid = 5, exited 9
            init: hostname pid-ns
            parent: clone() gave the child's pid outside: yes, > 1: yes, waitpid: it, exited 5
            parent: hostname unchanged: yes

            """)
    }

    func testPidNamespaceIdsWaitsAndKillsO0Dynamic() throws { try checkPid(.o0Dynamic) }
    func testPidNamespaceIdsWaitsAndKillsO2Static() throws { try checkPid(.o2Static) }
    func testPidNamespaceIdsWaitsAndKillsUnbuffered() throws { try checkPid(.o0Dynamic, Self.unbuffered) }

    func checkUts(_ variant: Variant, _ environment: [String: String?] = [:]) throws {
        XCTAssertEqual(try tokenRoundTrip(.namespaces, "uts", variant, environment: environment), Self.userNamespace + """
            sethostname = 0, setdomainname = 0, uname: the token: yes, yes
            child unshared: y; setns(its uts namespace) = 0, hostname now the child's: yes
            setns(uts fd, CLONE_NEWPID) = -1 (EINVAL)
            child: its own hostname kept: yes
            child exited 0

            """)
    }

    func testUtsNamespaceHostnameAndSetnsO0Dynamic() throws { try checkUts(.o0Dynamic) }
    func testUtsNamespaceHostnameAndSetnsO2Static() throws { try checkUts(.o2Static) }
    func testUtsNamespaceHostnameAndSetnsUnbuffered() throws { try checkUts(.o0Dynamic, Self.unbuffered) }

    func checkOthers(_ variant: Variant, _ environment: [String: String?] = [:]) throws {
        XCTAssertEqual(try tokenRoundTrip(.namespaces, "others", variant, environment: environment), Self.userNamespace + """
            unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWCGROUP) = 0
            interface 1 lo
            shmget in the new ipc namespace = 0
            cgroups seen from the new cgroup namespace: all at its root: yes
            unshare(CLONE_NEWTIME) = 0, offset written: yes, child's monotonic clock ahead by about 1000 s: yes

            """)
    }

    func testNetIpcCgroupTimeNamespacesO0Dynamic() throws { try checkOthers(.o0Dynamic) }
    func testNetIpcCgroupTimeNamespacesUnbuffered() throws { try checkOthers(.o2Static, Self.unbuffered) }

    /// unshare(CLONE_FILES) in a child that shared its parent's descriptor table: the parent's
    /// descriptor 1 then points to /dev/null, the child's is still the output, whose write the
    /// replay must echo (it did not: the recorder's table of output descriptors stayed shared).
    func checkFiles(_ environment: [String: String?]) throws {
        XCTAssertEqual(try tokenRoundTrip(.namespaces, "files", .o0Dynamic, environment: environment), """
            child: unshare(CLONE_FILES) done; its descriptor 1 is still the output
            parent: child unshared: y, /dev/null was descriptor 1, child exited 0

            """)
    }

    func testUnshareFilesKeepsTheChildsOutputEchoed() throws { try checkFiles([:]) }
    func testUnshareFilesKeepsTheChildsOutputEchoedUnbuffered() throws { try checkFiles(Self.unbuffered) }

    /// A file bind-mounted over another inside the program's mount namespace, on the trace's own
    /// filesystem and old enough to be hard-linked: the trace must keep the file the program
    /// mapped, not the one its name gives the recorder (which linked DIR/b, and the replay
    /// printed "DIR/b mapped: file b").
    func checkBindMount(_ environment: [String: String?]) throws {
        let dir = try makeTemporaryDirectory("bind")
        XCTAssertEqual(chmod(dir, 0o755), 0)
        let old = Date(timeIntervalSinceNow: -3 * 3600)
        for name in ["a", "b"] {
            let path = dir + "/" + name
            try Data(("file \(name)\n" + String(repeating: ".", count: 5000)).utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }
        let exe = try Fixture.namespaces.executable(.o0Dynamic)
        let native = try Subprocess.run([exe, "bind", dir])
        XCTAssertEqual(native.status, 0, "\(native)")
        let recording = try timedRoundTrip([exe, "bind", dir], label: "namespaces bind", environment: environment)
        let expected = Self.userNamespace + """
            mount(DIR/a, DIR/b, MS_BIND) = 0
            DIR/b reads: file a
            DIR/b mapped: file a

            """
        let afterToken = { (text: String) in String(text.drop { $0 != "\n" }.dropFirst()) }
        XCTAssertEqual(afterToken(native.stdoutText), expected)
        XCTAssertEqual(afterToken(recording.result.stdoutText), expected)
    }

    func testBindMountedFileIsKeptAsTheProgramSawIt() throws { try checkBindMount([:]) }
    func testBindMountedFileIsKeptAsTheProgramSawItUnbuffered() throws { try checkBindMount(Self.unbuffered) }

    /// util-linux's unshare, as a user starts a sandbox (dropped to uid 65534 first by setpriv,
    /// which sets capabilities: capset, and capget's version probe): user, mount, pid and uts
    /// namespaces, a new /proc, and the set-user-ID mount(8) run inside, where its owner is
    /// unmapped. Its replay diverged at that exec (the trace's hard link kept the set-user-ID bit,
    /// so replay's exec turned address randomization back on); the trace now holds no set-ID file.
    func checkUnshareCommand(_ environment: [String: String?]) throws {
        // The processes of the new pid namespace as the shell alone sees them (a glob, no child):
        // `ls /proc | grep -c` counted 2 or 3 natively, as grep had or had not started yet.
        let script = "id -u; echo pid $$; hostname ns-host; hostname; echo /proc/[0-9]*; mount | tail -1"
        let unshare = ["unshare", "-Urmpf", "--mount-proc", "--uts", "sh", "-c", script]
        let program = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"] + unshare
            : ["/usr/bin/" + unshare[0]] + unshare.dropFirst()
        let expected = "0\npid 1\nns-host\n/proc/1\nproc on /proc type proc (rw,nosuid,nodev,noexec,relatime)\n"
        let native = try Subprocess.run(program)
        XCTAssertEqual(native.stdoutText, expected, "\(native)")
        let recording = try timedRoundTrip(program, label: "unshare -Urmpf", environment: environment)
        XCTAssertEqual(recording.result.stdoutText, expected)
        let files = recording.trace + "/files"
        for name in try FileManager.default.contentsOfDirectory(atPath: files) {
            var st = stat()
            XCTAssertEqual(stat(files + "/" + name, &st), 0)
            XCTAssertEqual(st.st_mode & (S_ISUID | S_ISGID), 0, "\(name) is set-ID in the trace")
        }
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: files).contains { $0.hasSuffix("-mount") },
                      "mount(8) is kept")
    }

    func testUnshareCommandSandbox() throws { try checkUnshareCommand([:]) }
    func testUnshareCommandSandboxUnbuffered() throws { try checkUnshareCommand(Self.unbuffered) }

    /// `swrr dump` names clone's and unshare's flags, mount's and umount2's, setns's type, and the
    /// ids of a task created in another pid namespace.
    func testDumpShowsNamespaceCalls() throws {
        let exe = try Fixture.namespaces.executable(.o0Dynamic)
        var lines: [String] = []
        for mode in ["pid", "mount", "uts", "pivot"] {
            let recording = try record([exe, mode], expectedStatus: 0)
            let dump = try Swrr.run(["dump", recording.trace])
            XCTAssertEqual(dump.status, 0, "\(dump)")
            lines += dump.stdoutText.split(separator: "\n").map(String.init)
        }
        func has(_ pattern: String) {
            XCTAssertTrue(lines.contains { $0.range(of: pattern, options: .regularExpression) != nil },
                          "no line matches \(pattern)")
        }
        has(#"\] unshare\(CLONE_NEWUSER\) = 0$"#)
        // The init of the new namespace: 1 for itself, its pid outside for its parent and swrr.
        has(#"\] clone\(CLONE_NEWUTS\|CLONE_NEWPID\|SIGCHLD, 0x[0-9a-f]+, 0x0, 0x0, 0x[0-9a-f]+\) = ([0-9]+) \[task \1, 1 in its own pid namespace\]$"#)
        // Its children: 2 for it and for themselves, another number for swrr.
        has(#"\] clone\(CLONE_CHILD_CLEARTID\|CLONE_CHILD_SETTID\|SIGCHLD, 0x0, 0x0, 0x[0-9a-f]+, 0x0\) = 2 \[task [0-9]+, 2 in its own pid namespace\]$"#)
        has(#"\] clone\(.*\) = 5 \[task [0-9]+, 1 in its own pid namespace\]$"#)
        has(#"\] unshare\(CLONE_NEWPID\) = 0$"#)
        has(#"\] kill\(3, 15\) = 0$"#)
        has(#"\] unshare\(CLONE_NEWNS\|CLONE_NEWUSER\) = 0$"#)
        has(#"\] mount\("none", "/", "", MS_REC\|MS_PRIVATE, 0x0\) = 0$"#)
        has(#"\] mount\("swrr-ns", "/tmp", "tmpfs", 0, 0x[0-9a-f]+\) = 0$"#)
        // Kept through /proc/TID/fd/N and /proc/TID/exe (the recorder has no such files), named
        // as the program named them.
        has(#"\] mmap\(0x0, 4096, 0x1, 0x2, 3, 0x0\) = 0x[0-9a-f]+ \[maps /tmp/ns-file\]$"#)
        has(#"\] exec "/tmp/ns-exe" \("#)
        has(#"\] umount2\("/tmp", MNT_DETACH\) = 0$"#)
        has(#"\] sethostname\(0x[0-9a-f]+, [0-9]+\) = 0$"#)
        has(#"\] setdomainname\(0x[0-9a-f]+, [0-9]+\) = 0$"#)
        has(#"\] setns\([0-9]+, CLONE_NEWUTS\) = 0$"#)
        has(#"\] setns\([0-9]+, CLONE_NEWPID\) = -1 EINVAL$"#)
        has(#"\] fsopen\("tmpfs", 0x1\) = [0-9]+$"#)
        has(#"\] fsconfig\([0-9]+, 1, "size", 0x[0-9a-f]+, 0\) = 0$"#)
        has(#"\] fsmount\([0-9]+, 0x1, 0x0\) = [0-9]+$"#)
        has(#"\] move_mount\([0-9]+, "", AT_FDCWD, "/tmp/ns-root", 0x4\) = 0$"#)
        has(#"\] open_tree\(AT_FDCWD, "/tmp/ns-root/ro-source", 0x80001\) = [0-9]+$"#)
        has(#"\] mount_setattr\(AT_FDCWD, "/tmp/ns-root/ro", 0x0, 0x[0-9a-f]+, 32\) = 0$"#)
        has(#"\] pivot_root\("/tmp/ns-root", "/tmp/ns-root/old"\) = 0$"#)
        has(#"\] exec "/ns-exe" \("#)
        has(#"\] chroot\("/ro"\) = 0$"#)
    }
}
