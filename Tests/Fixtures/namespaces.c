/* namespaces.c: what an unprivileged program does with namespaces (issue 14: containers and
 * sandboxes). Each run prints a fresh random token first (and uses it as hostname and file
 * content), so a replay that does not feed back the recorded values prints another one.
 *
 * Run as root (as the tests are here), it first drops to uid/gid 65534 (setgroups, setresgid,
 * setresuid) so that unshare(CLONE_NEWUSER) is what an unprivileged program does; every mode
 * then enters a user namespace of its own, where it is uid 0 (uid_map/gid_map/setgroups written
 * as ordinary files).
 *
 * Usage: namespaces MODE
 *   mount   user and mount namespace (one unshare): a tmpfs mounted over /tmp, a file created,
 *           written, read and mmap'd there; this program copied into it and run from it (exec
 *           of a file only the program's mount namespace has); umount2 of the tmpfs
 *   pivot   user and mount namespace, as a container starts: a tmpfs made with the new mount API
 *           (fsopen, fsconfig, fsmount, move_mount), this program and the files it has mapped
 *           copied into it at their paths, a bind mount of one (open_tree, move_mount), a
 *           read-only remount (mount_setattr), pivot_root into it and the old root detached;
 *           then this program run there (its libraries are the copies: files whose names the
 *           recorder sees as other files), and chroot
 *   pid     clone(CLONE_NEWPID | CLONE_NEWUTS): a child that is pid 1, with its own children
 *           (fork results 2, 3, 4 in its namespace), their wait statuses, signals sent by
 *           namespace-local ids (one handled: si_pid 1; one fatal), a signal from outside (si_pid
 *           0), a nested pid namespace from unshare(CLONE_NEWPID), and one left
 *           running, which the kernel kills when the namespace's init exits; the parent's fork
 *           result compared with the child's pid outside (NSpid)
 *   uts     unshare(CLONE_NEWUTS): sethostname/setdomainname and uname; a child with a uts
 *           namespace of its own, which the parent joins with setns through /proc/CHILD/ns/uts
 *   bind DIR  user and mount namespace: DIR/a bind-mounted over DIR/b, then DIR/b read and
 *           mmap'd (it holds a's bytes now, where the recorder, outside, still sees b's)
 *   files   no namespace: unshare(CLONE_FILES) in a child that shared its parent's descriptor
 *           table (clone with CLONE_FILES); the parent then points its descriptor 1 elsewhere,
 *           and the child's descriptor 1 is still the output
 *   others  unshare of net, ipc and cgroup namespaces: only a loopback device, a fresh SysV id
 *           space; a time namespace whose monotonic clock a child sees 1000 s ahead
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994

static unsigned long token;

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        printf("FAILED: writing %s: %s\n", path, strerror(errno));
        exit(3);
    }
    close(fd);
}

/* Drops root (when run as root), then enters a new user namespace (with `more` namespaces in
 * the same unshare), mapping the outer uid and gid to 0 inside. */
static void enter_user_namespace(int more) {
    if (getuid() == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0) {
            printf("FAILED: dropping root: %s\n", strerror(errno));
            exit(3);
        }
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    /* A change of credentials made the process non-dumpable, which makes its /proc files root's:
     * its own uid_map would no longer be writable by it. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (unshare(CLONE_NEWUSER | more) != 0) {
        printf("FAILED: unshare(CLONE_NEWUSER | 0x%x): %s\n", more, strerror(errno));
        exit(3);
    }
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    write_file("/proc/self/gid_map", map);
    printf("in a user namespace: uid %u, gid %u, outer uid unprivileged: %s\n", (unsigned)getuid(),
           (unsigned)getgid(), uid != 0 ? "yes" : "no");
}

/* ---- mount ---- */

static int run_from_tmpfs(void) {
    struct statfs sf;
    /* The token came in the environment. */
    const char *t = getenv("NS_TOKEN");
    printf("exec'd from the tmpfs: on a tmpfs: %s, token passed: %s\n",
           statfs("/proc/self/exe", &sf) == 0 && sf.f_type == TMPFS_MAGIC ? "yes" : "no",
           t && strlen(t) > 0 ? "yes" : "no");
    return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode) {
    int in = open(from, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, mode);
    char buf[65536];
    ssize_t k = 0;
    while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, k) != k) { k = -1; break; }
    }
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    return in >= 0 && out >= 0 && k == 0 ? 0 : -1;
}

/* Runs PATH with the argument MODE and the one environment entry ENV (or none) in a child;
 * returns its exit status. */
static int run_in_child(const char *path, char *mode, char *env) {
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"ns-exe", mode, NULL};
        char *envp[] = {env, NULL};
        execve(path, argv, envp);
        printf("FAILED: execve: %s\n", strerror(errno));
        _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int mount_mode(const char *self) {
    enter_user_namespace(CLONE_NEWNS);
    struct stat before, after;
    stat("/tmp", &before);
    int r = mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
    printf("mount(/, MS_REC|MS_PRIVATE) = %d\n", r);
    r = mount("swrr-ns", "/tmp", "tmpfs", 0, "size=4m,mode=0755");
    printf("mount(tmpfs, /tmp) = %d\n", r);
    if (r != 0) { printf("FAILED: %s\n", strerror(errno)); return 3; }
    struct statfs sf;
    printf("/tmp is a tmpfs: %s\n", statfs("/tmp", &sf) == 0 && sf.f_type == TMPFS_MAGIC ? "yes" : "no");

    char text[4096];
    memset(text, '.', sizeof text);
    int n = snprintf(text, sizeof text, "token %lx\n", token);
    text[n] = '.';
    int fd = open("/tmp/ns-file", O_CREAT | O_RDWR | O_EXCL, 0644);
    if (fd < 0 || write(fd, text, sizeof text) != (ssize_t)sizeof text) {
        printf("FAILED: writing /tmp/ns-file: %s\n", strerror(errno));
        return 3;
    }
    char back[4096];
    printf("read back: %s\n", pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back &&
           memcmp(back, text, sizeof text) == 0 ? "same" : "different");
    char *m = mmap(NULL, sizeof text, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) { printf("FAILED: mmap: %s\n", strerror(errno)); return 3; }
    char line[64];
    snprintf(line, sizeof line, "token %lx\n", token);
    printf("mapped file holds the token: %s\n", memcmp(m, line, strlen(line)) == 0 ? "yes" : "no");
    munmap(m, sizeof text);

    /* A copy of this program in the tmpfs, run from there: the recorder must keep the file the
     * program's mount namespace has, not whatever its own /tmp/ns-exe is. */
    if (copy_file(self, "/tmp/ns-exe", 0755) != 0) { printf("FAILED: copying: %s\n", strerror(errno)); return 3; }
    char env[64];
    snprintf(env, sizeof env, "NS_TOKEN=%lx", token);
    printf("child exited %d\n", run_in_child("/tmp/ns-exe", "from-tmpfs", env));
    unlink("/tmp/ns-exe");
    r = umount2("/tmp", MNT_DETACH);
    printf("umount2(/tmp) = %d, the /tmp from before back: %s\n", r,
           stat("/tmp", &after) == 0 && after.st_dev == before.st_dev && after.st_ino == before.st_ino ? "yes" : "no");
    return 0;
}

static int bind_mode(const char *dir) {
    /* The working directory, entered before root is dropped: DIR may lie under directories only
     * root can search (the tests' are 0700). unshare(CLONE_NEWNS) moves it to the new
     * namespace's copy of its mount (a descriptor opened before would stay in the old one, where
     * a bind mount may not take its source from). */
    if (chdir(dir) != 0) { printf("FAILED: %s: %s\n", dir, strerror(errno)); return 3; }
    enter_user_namespace(CLONE_NEWNS);
    const char *a = "a", *b = "b";
    int r = mount(a, b, NULL, MS_BIND, NULL);
    printf("mount(DIR/a, DIR/b, MS_BIND) = %d%s%s\n", r, r ? " " : "", r ? strerrorname_np(errno) : "");
    int fd = open(b, O_RDONLY);
    char line[64] = "";
    ssize_t n = fd >= 0 ? pread(fd, line, sizeof line - 1, 0) : -1;
    if (n > 0) line[strcspn(line, "\n")] = 0;
    printf("DIR/b reads: %s\n", line);
    char *m = fd >= 0 ? mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    if (m == MAP_FAILED) { printf("FAILED: mmap: %s\n", strerror(errno)); return 3; }
    printf("DIR/b mapped: %.*s\n", (int)strcspn(m, "\n"), m);
    return 0;
}

/* ---- pivot ---- */

/* mkdir -p of the directories of `path` (under `root`). */
static void make_parents(const char *root, const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s%s", root, path);
    for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        mkdir(dir, 0755);
        *p = '/';
    }
}

/* The ELF interpreter this program names (PT_INTERP), "" for a static one: the kernel opens it by
 * that name, which need not be the name in the maps (/lib64/... is a link to /usr/lib/...). */
static void interpreter(char *out, size_t size) {
    out[0] = 0;
    int fd = open("/proc/self/exe", O_RDONLY);
    Elf64_Ehdr eh;
    if (fd < 0 || pread(fd, &eh, sizeof eh, 0) != sizeof eh) { if (fd >= 0) close(fd); return; }
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (pread(fd, &ph, sizeof ph, eh.e_phoff + (off_t)i * eh.e_phentsize) != sizeof ph) break;
        if (ph.p_type == PT_INTERP && ph.p_filesz < size && pread(fd, out, ph.p_filesz, ph.p_offset) == (ssize_t)ph.p_filesz) {
            out[ph.p_filesz] = 0;
            break;
        }
    }
    close(fd);
}

static int in_new_root(void) {
    struct statfs sf;
    int fd = open("/copied-flag", O_RDONLY);
    char flag[32] = "";
    ssize_t n = fd >= 0 ? read(fd, flag, sizeof flag - 1) : -1;
    if (n > 0) flag[n] = 0;
    int w = open("/ro/new", O_CREAT | O_WRONLY, 0644);
    printf("run from the new root: / is a tmpfs: %s, /copied-flag reads \"%s\", /old gone: %s, "
           "/ro read-only: %s\n",
           statfs("/", &sf) == 0 && sf.f_type == TMPFS_MAGIC ? "yes" : "no", flag,
           access("/old/proc", F_OK) != 0 ? "yes" : "no", w < 0 && errno == EROFS ? "yes" : "no");
    int c = chroot("/ro");
    printf("chroot(/ro) = %d, /flag there: %s\n", c, access("/flag", F_OK) == 0 ? "yes" : "no");
    return 0;
}

static int pivot_mode(void) {
    enter_user_namespace(CLONE_NEWNS);
    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
    const char *root = "/tmp/ns-root";
    /* /tmp may be a tmpfs or not; the new root is a tmpfs of its own, mounted on a directory
     * made in a tmpfs over /tmp (so nothing is left behind). */
    if (mount("swrr-ns", "/tmp", "tmpfs", 0, "size=64m,mode=0755") != 0) { printf("FAILED: tmpfs\n"); return 3; }
    mkdir(root, 0755);
    int fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    int c1 = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "64m", 0);
    int c2 = syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
    int mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    int mv = syscall(SYS_move_mount, mnt, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH);
    printf("fsopen: %s, fsconfig = %d, %d, fsmount: %s, move_mount = %d\n", fs >= 0 ? "a descriptor" : "failed",
           c1, c2, mnt >= 0 ? "a descriptor" : "failed", mv);
    close(mnt);
    close(fs);

    /* This program and every file it has mapped, at their paths. */
    char self[4096] = "";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 3;
    self[n] = 0;
    char to[8192];
    snprintf(to, sizeof to, "%s/ns-exe", root);
    int copied = copy_file("/proc/self/exe", to, 0755) == 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4608];
    while (maps && fgets(line, sizeof line, maps)) {
        char *path = strchr(line, '/');
        if (!path) continue;
        path[strcspn(path, "\n")] = 0;
        if (strcmp(path, self) == 0) continue;
        snprintf(to, sizeof to, "%s%s", root, path);
        if (access(to, F_OK) == 0) continue;
        make_parents(root, path);
        copied &= copy_file(path, to, 0755) == 0;
    }
    if (maps) fclose(maps);
    char interp[4096];
    interpreter(interp, sizeof interp);
    snprintf(to, sizeof to, "%s%s", root, interp);
    if (interp[0] == '/' && access(to, F_OK) != 0) {
        make_parents(root, interp);
        copied &= copy_file(interp, to, 0755) == 0;
    }
    snprintf(to, sizeof to, "%s/copied-flag", root);
    int f = open(to, O_CREAT | O_WRONLY, 0644);
    if (f < 0 || write(f, "copied", 6) != 6) return 3;
    close(f);
    printf("copied this program and its mapped files: %s\n", copied ? "yes" : "no");

    /* /ro: a bind mount of a directory holding a flag, made read-only. */
    snprintf(to, sizeof to, "%s/ro-source", root);
    mkdir(to, 0755);
    snprintf(to, sizeof to, "%s/ro-source/flag", root);
    f = open(to, O_CREAT | O_WRONLY, 0644);
    close(f);
    snprintf(to, sizeof to, "%s/ro", root);
    mkdir(to, 0755);
    char from[8192];
    snprintf(from, sizeof from, "%s/ro-source", root);
    int tree = syscall(SYS_open_tree, AT_FDCWD, from, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    int mv2 = syscall(SYS_move_mount, tree, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH);
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    int sa = syscall(SYS_mount_setattr, AT_FDCWD, to, 0, &attr, sizeof attr);
    printf("open_tree: %s, move_mount = %d, mount_setattr(MOUNT_ATTR_RDONLY) = %d\n",
           tree >= 0 ? "a descriptor" : "failed", mv2, sa);
    close(tree);

    snprintf(to, sizeof to, "%s/old", root);
    mkdir(to, 0755);
    int p = syscall(SYS_pivot_root, root, to);
    int cd = chdir("/");
    int u = umount2("/old", MNT_DETACH);
    printf("pivot_root = %d, chdir(/) = %d, umount2(/old, MNT_DETACH) = %d\n", p, cd, u);
    /* The preload library, when recorded with one, is among the copies. */
    const char *preload = getenv("LD_PRELOAD");
    char env[4200];
    if (preload) snprintf(env, sizeof env, "LD_PRELOAD=%s", preload);
    printf("child exited %d\n", run_in_child("/ns-exe", "in-new-root", preload ? env : NULL));
    return 0;
}

/* ---- pid ---- */

static int report_pipe[2];

/* This process's pid in the outermost pid namespace /proc shows (the first NSpid field), and
 * how many levels there are. */
static void nspid(long *outer, int *levels) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    *outer = -1;
    *levels = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "NSpid:", 6) != 0) continue;
        char *p = line + 6, *end;
        for (;;) {
            long v = strtol(p, &end, 10);
            if (end == p) break;
            if (*levels == 0) *outer = v;
            (*levels)++;
            p = end;
        }
    }
    if (f) fclose(f);
}

static const char *describe(int status, char *buf, size_t size) {
    if (WIFEXITED(status)) snprintf(buf, size, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(buf, size, "killed by %s", sigabbrev_np(WTERMSIG(status)));
    else snprintf(buf, size, "status 0x%x", status);
    return buf;
}

static volatile sig_atomic_t got_signal, got_pid, got_code;
static int wake_pipe[2];

static void on_signal(int sig, siginfo_t *info, void *context) {
    (void)context;
    got_signal = sig;
    got_pid = info->si_pid;
    got_code = info->si_code;
    if (write(wake_pipe[1], "s", 1) != 1) _exit(4);
}

/* SIGUSR1 and SIGUSR2 caught by on_signal, which wakes await_signal through a pipe (a signal that
 * comes before the wait has left its byte there already). Installed before the namespace's init
 * is cloned: its children inherit it. */
static void catch_signals(void) {
    if (pipe(wake_pipe) != 0) exit(3);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
}

static void await_signal(int sig) {
    char c;
    while (got_signal != sig) {
        if (read(wake_pipe[0], &c, 1) != 1) exit(4);
    }
}

static int pid_init(void *arg) {
    (void)arg;
    char d[64];
    long outer;
    int levels;
    nspid(&outer, &levels);
    if (write(report_pipe[1], &outer, sizeof outer) != sizeof outer) return 3;
    close(report_pipe[1]);
    printf("init: getpid() = %d, getppid() = %d, NSpid levels %d\n", getpid(), getppid(), levels);
    /* A signal from the parent, outside the namespace: si_pid reads 0 here. */
    await_signal(SIGUSR2);
    printf("init: SIGUSR2 from outside the namespace: si_pid %d, si_code SI_USER: %s\n", got_pid,
           got_code == SI_USER ? "yes" : "no");
    pid_t a = fork();
    if (a == 0) {
        printf("first child: getpid() = %d, getppid() = %d\n", getpid(), getppid());
        /* From init, by this child's id in the namespace: si_pid reads 1. */
        await_signal(SIGUSR1);
        printf("first child: SIGUSR1 from init: si_pid %d\n", got_pid);
        _exit(7);
    }
    int sent = kill(a, SIGUSR1);
    int status = 0;
    pid_t w = waitpid(-1, &status, 0);
    printf("init: fork() = %d, kill(%d, SIGUSR1) = %d, waitpid(-1) = %d, %s\n", a, a, sent, w,
           describe(status, d, sizeof d));
    pid_t b = fork();
    if (b == 0) {
        for (;;) pause();
    }
    int k = kill(b, SIGTERM);
    w = waitpid(b, &status, 0);
    printf("init: fork() = %d, kill(%d, SIGTERM) = %d, waitpid = %d, %s\n", b, b, k, w,
           describe(status, d, sizeof d));
    pid_t left = fork();
    if (left == 0) {
        for (;;) pause();
    }
    printf("init: fork() = %d, left running\n", left);
    int u = unshare(CLONE_NEWPID);
    pid_t nested = fork();
    if (nested == 0) {
        nspid(&outer, &levels);
        printf("nested: getpid() = %d, getppid() = %d, NSpid levels %d\n", getpid(), getppid(), levels);
        _exit(9);
    }
    w = waitpid(nested, &status, 0);
    printf("init: unshare(CLONE_NEWPID) = %d, fork() = %d, waitpid = %d, %s\n", u, nested, w,
           describe(status, d, sizeof d));
    struct utsname un;
    sethostname("pid-ns", 6);
    uname(&un);
    printf("init: hostname %s\n", un.nodename);
    return 5;   /* the kernel kills `left` */
}

static int pid_mode(void) {
    enter_user_namespace(0);
    if (pipe(report_pipe) != 0) return 3;
    catch_signals();
    static char stack[256 * 1024];
    pid_t child = clone(pid_init, stack + sizeof stack, CLONE_NEWPID | CLONE_NEWUTS | SIGCHLD, NULL);
    if (child < 0) { printf("FAILED: clone: %s\n", strerror(errno)); return 3; }
    close(report_pipe[1]);
    long outer = 0;
    ssize_t n = read(report_pipe[0], &outer, sizeof outer);
    kill(child, SIGUSR2);
    int status = 0;
    pid_t w = waitpid(child, &status, 0);
    char d[64];
    printf("parent: clone() gave the child's pid outside: %s, > 1: %s, waitpid: %s, %s\n",
           n == sizeof outer && outer == child ? "yes" : "no", child > 1 ? "yes" : "no",
           w == child ? "it" : "other", describe(status, d, sizeof d));
    struct utsname un;
    uname(&un);
    printf("parent: hostname unchanged: %s\n", strcmp(un.nodename, "pid-ns") != 0 ? "yes" : "no");
    return 0;
}

/* ---- uts ---- */

static int uts_mode(void) {
    enter_user_namespace(CLONE_NEWUTS);
    char name[64], domain[64];
    snprintf(name, sizeof name, "host-%lx", token);
    snprintf(domain, sizeof domain, "domain-%lx", token);
    int r = sethostname(name, strlen(name));
    int s = setdomainname(domain, strlen(domain));
    struct utsname un;
    uname(&un);
    printf("sethostname = %d, setdomainname = %d, uname: the token: %s, %s\n", r, s,
           strcmp(un.nodename, name) == 0 ? "yes" : "no", strcmp(un.domainname, domain) == 0 ? "yes" : "no");
    int ready[2], done[2];
    if (pipe(ready) != 0 || pipe(done) != 0) return 3;
    pid_t child = fork();
    if (child == 0) {
        char other[64];
        snprintf(other, sizeof other, "child-%lx", token);
        int u = unshare(CLONE_NEWUTS);
        sethostname(other, strlen(other));
        char c = u == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1) _exit(3);
        if (read(done[0], &c, 1) != 1) _exit(3);
        uname(&un);
        printf("child: its own hostname kept: %s\n", strcmp(un.nodename, other) == 0 ? "yes" : "no");
        _exit(0);
    }
    char c = 0;
    if (read(ready[0], &c, 1) != 1) return 3;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/uts", child);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int j = setns(fd, CLONE_NEWUTS);
    uname(&un);
    char other[64];
    snprintf(other, sizeof other, "child-%lx", token);
    printf("child unshared: %c; setns(its uts namespace) = %d, hostname now the child's: %s\n", c, j,
           strcmp(un.nodename, other) == 0 ? "yes" : "no");
    int bad = setns(fd, CLONE_NEWPID);
    printf("setns(uts fd, CLONE_NEWPID) = %d (%s)\n", bad, bad ? strerrorname_np(errno) : "");
    close(fd);
    if (write(done[1], &c, 1) != 1) return 3;
    int status = 0;
    waitpid(child, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* ---- files ---- */

static int sync_pipes[4];

static int files_child(void *arg) {
    (void)arg;
    int u = unshare(CLONE_FILES);
    char c = u == 0 ? 'y' : 'n';
    if (write(sync_pipes[1], &c, 1) != 1) return 3;
    if (read(sync_pipes[2], &c, 1) != 1) return 3;
    printf("child: unshare(CLONE_FILES) done; its descriptor 1 is still the output\n");
    return 0;
}

static int files_mode(void) {
    if (pipe(sync_pipes) != 0 || pipe(sync_pipes + 2) != 0) return 3;
    static char stack[64 * 1024];
    pid_t child = clone(files_child, stack + sizeof stack, CLONE_FILES | SIGCHLD, NULL);
    if (child < 0) { printf("FAILED: clone: %s\n", strerror(errno)); return 3; }
    char c = 0;
    if (read(sync_pipes[0], &c, 1) != 1) return 3;
    int saved = dup(1);
    close(1);
    int null = open("/dev/null", O_WRONLY);
    printf("parent: this line goes to /dev/null\n");
    if (write(sync_pipes[3], &c, 1) != 1) return 3;
    int status = 0;
    waitpid(child, &status, 0);
    dup2(saved, 1);
    printf("parent: child unshared: %c, /dev/null was descriptor %d, child exited %d\n", c, null,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* ---- net, ipc, cgroup ---- */

static int others_mode(void) {
    enter_user_namespace(0);
    int r = unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWCGROUP);
    printf("unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWCGROUP) = %d\n", r);
    struct if_nameindex *ifs = if_nameindex();
    int count = 0;
    for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
        printf("interface %u %s\n", i->if_index, i->if_name);
        count++;
    }
    if (ifs) if_freenameindex(ifs);
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    printf("shmget in the new ipc namespace = %d\n", id);
    if (id >= 0) shmctl(id, IPC_RMID, NULL);
    /* Each line of /proc/self/cgroup ends in the namespace's root, "/" (hierarchies differ from
     * machine to machine: v1 here). */
    char cg[4096] = "";
    int fd = open("/proc/self/cgroup", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, cg, sizeof cg - 1) : -1;
    if (fd >= 0) close(fd);
    int lines = 0, roots = 0;
    for (char *l = strtok(n > 0 ? cg : NULL, "\n"); l; l = strtok(NULL, "\n")) {
        lines++;
        roots += strlen(l) >= 2 && strcmp(l + strlen(l) - 2, ":/") == 0;
    }
    printf("cgroups seen from the new cgroup namespace: all at its root: %s\n",
           lines > 0 && roots == lines ? "yes" : "no");

    /* A time namespace: its monotonic clock 1000 s ahead, for the children that start in it. */
    struct timespec mine, theirs;
    int t = unshare(CLONE_NEWTIME);
    fd = open("/proc/self/timens_offsets", O_WRONLY);
    const char *offset = "monotonic 1000 0";
    int w = fd >= 0 && write(fd, offset, strlen(offset)) == (ssize_t)strlen(offset);
    if (fd >= 0) close(fd);
    int pipefd[2];
    if (pipe(pipefd) != 0) return 3;
    pid_t child = fork();
    if (child == 0) {
        clock_gettime(CLOCK_MONOTONIC, &theirs);
        if (write(pipefd[1], &theirs, sizeof theirs) != sizeof theirs) _exit(3);
        _exit(0);
    }
    int got = read(pipefd[0], &theirs, sizeof theirs) == sizeof theirs;
    clock_gettime(CLOCK_MONOTONIC, &mine);
    waitpid(child, NULL, 0);
    long ahead = theirs.tv_sec - mine.tv_sec;
    printf("unshare(CLONE_NEWTIME) = %d, offset written: %s, child's monotonic clock ahead by "
           "about 1000 s: %s\n", t, w ? "yes" : "no", got && ahead >= 998 && ahead <= 1000 ? "yes" : "no");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: namespaces MODE\n"); return 2; }
    if (strcmp(argv[1], "from-tmpfs") == 0) return run_from_tmpfs();
    if (strcmp(argv[1], "in-new-root") == 0) return in_new_root();
    if (getrandom(&token, sizeof token, 0) != sizeof token) { perror("getrandom"); return 2; }
    printf("token %lx\n", token);
    if (strcmp(argv[1], "mount") == 0) return mount_mode("/proc/self/exe");
    if (strcmp(argv[1], "pivot") == 0) return pivot_mode();
    if (strcmp(argv[1], "pid") == 0) return pid_mode();
    if (strcmp(argv[1], "uts") == 0) return uts_mode();
    if (strcmp(argv[1], "others") == 0) return others_mode();
    if (strcmp(argv[1], "files") == 0) return files_mode();
    if (strcmp(argv[1], "bind") == 0 && argc > 2) return bind_mode(argv[2]);
    printf("FAILED: unknown mode %s\n", argv[1]);
    return 9;
}
