/* processes.c: process trees. Every mode prints what it observes (line-buffered, so a fork never
 * duplicates buffered output) and exits with a status that depends on what happened, so a replay
 * that reaps, execs or signals differently prints or exits differently.
 *
 * Usage: processes MODE [N]
 *   exit-codes    children exit with 0, 1, 7, 42 and 255, reaped one at a time by waitpid, then
 *                 five more reaped in whatever order wait4(-1) returns them; exits 3
 *   forks N       N children (default 100), each prints its index; the parent reaps them in
 *                 creation order and prints each status
 *   big-forks N   exit-codes, after filling N MiB (default 512) of memory: every fork copies
 *                 that many page tables, so the parent spends milliseconds inside fork()
 *   exec-sh       fork + exec of /bin/sh -c 'ls / | sort | head -3'; prints the shell's status
 *   child-segv    a child dies of SIGSEGV; the parent prints WIFSIGNALED and WTERMSIG
 *   vfork-exec    vfork + exec of /bin/echo; prints the status
 *   socketpair N  N round trips (default 200) of a counter between parent and child over a
 *                 socketpair; the child adds one each time
 *   epoll         a child writes five messages into a pipe (sleeping 2 ms between them); the
 *                 parent waits for them with epoll_wait and prints each chunk it reads
 *   sysv-shm      a SysV shared memory segment written by a child through a second attachment
 *                 and through the inherited one, read by the parent after waitpid; IPC_STAT,
 *                 shmdt, a new attachment that still sees the data, IPC_RMID; exits 4
 *   groups        process groups and sessions: a child makes itself a session leader (setsid),
 *                 the parent moves another child into a new group (setpgid) and kills that group
 *   kill          kill and tgkill from the parent to a child with handlers, then SIGTERM kills it
 *   subreaper     prctl PR_SET_NAME / PR_GET_NAME, PR_SET_CHILD_SUBREAPER; a grandchild with
 *                 PR_SET_PDEATHSIG is orphaned, gets its signal, is reparented to the parent and
 *                 reaped there by waitid
 *   execveat      execveat of /bin/echo relative to a directory fd, and of an O_PATH fd
 *                 (AT_EMPTY_PATH)
 *   core          children die of SIGABRT, SIGQUIT (RLIMIT_CORE 0) and SIGSEGV (RLIMIT_CORE
 *                 unlimited, in a temporary directory); the parent prints the raw status and
 *                 WCOREDUMP, then dies of SIGQUIT itself (status 131 from a shell)
 *   inet          a TCP server on 127.0.0.1 (socket, setsockopt, bind, listen, getsockname,
 *                 accept4, getsockopt, getpeername) and a client child (connect) exchanging text
 *   scm-rights    the read end of a pipe passed to a child over a unix socket (SCM_RIGHTS)
 *   eventfd       eventfd2 counters: plain, semaphore, and one written by a child
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    printf("FAILED: %s: %s\n", what, strerror(errno));
    exit(99);
}

static void print_status(const char *who, int status) {
    if (WIFEXITED(status))
        printf("%s: exited with %d\n", who, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", who, WTERMSIG(status));
    else
        printf("%s: status 0x%x\n", who, status);
}

static int exit_codes(void) {
    static const int codes[] = {0, 1, 7, 42, 255};
    for (int i = 0; i < 5; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            printf("child %d: exiting with %d\n", i, codes[i]);
            _exit(codes[i]);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid) die("waitpid");
        char who[32];
        snprintf(who, sizeof who, "child %d", i);
        print_status(who, status);
    }
    // Five at once, reaped in the order the kernel reports them (the recording decides it).
    pid_t pids[5];
    for (int i = 0; i < 5; i++) {
        pids[i] = fork();
        if (pids[i] < 0) die("fork");
        if (pids[i] == 0) _exit(10 + i);
    }
    int sum = 0;
    for (int n = 0; n < 5; n++) {
        int status;
        struct rusage usage;
        pid_t pid = wait4(-1, &status, 0, &usage);
        int index = -1;
        for (int i = 0; i < 5; i++)
            if (pids[i] == pid) index = i;
        if (index < 0) die("wait4 returned an unknown pid");
        printf("wait4: child %d exited with %d\n", index, WEXITSTATUS(status));
        sum += WEXITSTATUS(status);
    }
    errno = 0;
    int r = wait(NULL);
    printf("sum %d, wait with no children = %d errno %s\n", sum, r, strerrorname_np(errno));
    return 3;
}

static int forks(int n) {
    pid_t *pids = calloc(n, sizeof *pids);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) die("fork");
        if (pids[i] == 0) {
            printf("child %d running\n", i);
            _exit(i % 256);
        }
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) != pids[i]) die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != i % 256) bad++;
        printf("reaped child %d: %d\n", i, WEXITSTATUS(status));
    }
    printf("%d children, %d with a wrong status\n", n, bad);
    return bad == 0 ? 0 : 1;
}

static int big_forks(int mib) {
    size_t size = (size_t)mib << 20;
    char *p = malloc(size);
    if (!p) die("malloc");
    memset(p, 1, size);
    int r = exit_codes();
    long sum = 0;
    for (size_t i = 0; i < size; i += 4096) sum += p[i];
    printf("%d MiB still filled: %s\n", mib, sum == (long)(size / 4096) ? "yes" : "no");
    return r;
}

static int exec_sh(void) {
    printf("parent before exec\n");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "ls / | sort | head -3", (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("sh", status);
    return 0;
}

static int child_segv(void) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none); // no core file
        printf("child about to fault\n");
        *(volatile int *)16 = 1;
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    printf("WIFSIGNALED %d WTERMSIG %d (%s)\n", WIFSIGNALED(status), WTERMSIG(status),
           sigabbrev_np(WTERMSIG(status)));
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV ? 0 : 1;
}

static int vfork_exec(void) {
    printf("before vfork\n");
    pid_t pid = vfork();
    if (pid < 0) die("vfork");
    if (pid == 0) {
        execl("/bin/echo", "echo", "hello from /bin/echo after vfork", (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("echo", status);
    return 0;
}

static int ping_pong(int rounds) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(sv[0]);
        long v;
        int served = 0;
        while (read(sv[1], &v, sizeof v) == sizeof v) {
            v += 1;
            if (write(sv[1], &v, sizeof v) != sizeof v) _exit(98);
            served++;
        }
        printf("child served %d round trips\n", served);
        _exit(served == rounds ? 0 : 1);
    }
    close(sv[1]);
    long v = 1000;
    for (int i = 0; i < rounds; i++) {
        long sent = v;
        if (write(sv[0], &v, sizeof v) != sizeof v) die("write");
        if (read(sv[0], &v, sizeof v) != sizeof v) die("read");
        if (v != sent + 1) {
            printf("round %d: sent %ld got %ld\n", i, sent, v);
            return 1;
        }
        v += 1;
        if (i % 50 == 0) printf("round %d: %ld\n", i, v);
    }
    shutdown(sv[0], SHUT_WR);
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("child", status);
    printf("final %ld after %d round trips\n", v, rounds);
    return 0;
}

static int sysv_shm(void) {
    int id = shmget(IPC_PRIVATE, 3 * 4096 + 100, IPC_CREAT | 0600);
    if (id < 0) { perror("shmget"); return 1; }
    long *p = shmat(id, NULL, 0);
    if (p == (void *)-1) { perror("shmat"); return 1; }
    p[0] = 100;
    pid_t c = fork();
    if (c == 0) {
        long *q = shmat(id, NULL, 0);          /* a second attachment, elsewhere */
        if (q == (void *)-1 || q == p) _exit(2);
        for (int i = 1; i < 1000; i++) q[i] = q[i - 1] + i;
        p[1500] = 7;                           /* through the attachment inherited by fork */
        shmdt(q);
        _exit(0);
    }
    int status = 0;
    waitpid(c, &status, 0);
    long sum = 0;
    for (int i = 0; i < 1600; i++) sum += p[i];
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0) { perror("shmctl"); return 1; }
    printf("child status %d; p[999] %ld p[1500] %ld sum %ld; size %zu, attachments %lu\n",
           WEXITSTATUS(status), p[999], p[1500], sum, (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch);
    if (shmdt(p) != 0) { perror("shmdt"); return 1; }
    long *again = shmat(id, NULL, SHM_RDONLY);
    if (again == (void *)-1) { perror("shmat again"); return 1; }
    printf("attached again read-only: p[999] %ld\n", again[999]);
    shmdt(again);
    printf("IPC_RMID %d\n", shmctl(id, IPC_RMID, NULL));
    return 4;
}

static int epoll_pipe(void) {
    int p[2];
    if (pipe(p) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 5; i++) {
            char msg[32];
            int len = snprintf(msg, sizeof msg, "message %d;", i);
            if (write(p[1], msg, len) != len) _exit(98);
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        _exit(0);
    }
    close(p[1]);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) die("epoll_ctl");
    char all[256] = "";
    int wakeups = 0;
    for (;;) {
        struct epoll_event out[4];
        int n = epoll_wait(ep, out, 4, 5000);
        if (n <= 0) {
            printf("epoll_wait = %d\n", n);
            return 1;
        }
        wakeups++;
        if (out[0].data.u64 != 0x1234) printf("wrong data 0x%llx\n", (unsigned long long)out[0].data.u64);
        char buf[128];
        ssize_t r = read(p[0], buf, sizeof buf - 1);
        if (r <= 0) {
            printf("end of pipe (events 0x%x)\n", out[0].events);
            break;
        }
        buf[r] = 0;
        printf("read %zd: %s\n", r, buf);
        strncat(all, buf, sizeof all - strlen(all) - 1);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("writer", status);
    printf("all after %d wakeups: %s\n", wakeups, all);
    return strcmp(all, "message 0;message 1;message 2;message 3;message 4;") == 0 ? 0 : 1;
}

/* groups: setsid, setpgid, getpgid, getsid, kill of a process group. */
static int groups(void) {
    pid_t a = fork();
    if (a < 0) die("fork");
    if (a == 0) {
        pid_t sid = setsid();
        printf("child a: setsid is its pid: %s, getsid(0) too: %s, getpgid(0) too: %s\n",
               sid == getpid() ? "yes" : "no", getsid(0) == getpid() ? "yes" : "no",
               getpgid(0) == getpid() ? "yes" : "no");
        errno = 0;
        int r = setpgid(0, 0);
        printf("child a: setpgid as session leader = %d errno %s\n", r, strerrorname_np(errno));
        _exit(0);
    }
    int status;
    if (waitpid(a, &status, 0) != a) die("waitpid a");
    print_status("child a", status);

    int go[2], back[2];
    if (pipe(go) != 0 || pipe(back) != 0) die("pipe");
    pid_t b = fork();
    if (b < 0) die("fork");
    if (b == 0) {
        close(go[1]);
        char c;
        if (read(go[0], &c, 1) != 1) _exit(98);
        printf("child b: in its own group: %s, same session as the parent: %s\n",
               getpgrp() == getpid() ? "yes" : "no", getsid(0) == getsid(getppid()) ? "yes" : "no");
        if (write(back[1], "b", 1) != 1) _exit(98);
        for (;;) pause();
    }
    close(go[0]);
    close(back[1]);
    int r = setpgid(b, b);
    int own = getpgid(b) == b;
    printf("parent: setpgid(b, b) = %d, getpgid(b) is b: %s, parent's group unchanged: %s\n", r,
           own ? "yes" : "no", getpgid(0) == getpgrp() && getpgrp() != b ? "yes" : "no");
    char c;
    if (write(go[1], "g", 1) != 1) die("write");
    if (read(back[0], &c, 1) != 1) die("read");
    printf("parent: kill(-b, SIGTERM) = %d\n", kill(-b, SIGTERM));
    if (waitpid(b, &status, 0) != b) die("waitpid b");
    print_status("child b", status);
    errno = 0;
    r = kill(-b, 0);
    printf("group b after its only member was reaped: kill = %d errno %s\n", r, strerrorname_np(errno));
    return 0;
}

/* kill: signals between two recorded processes. */
static volatile sig_atomic_t usr1, usr2;
static volatile pid_t usr1_from;
static void on_usr(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (sig == SIGUSR1) { usr1++; usr1_from = info->si_pid; }
    else usr2++;
}

static int kill_child(void) {
    int ready[2];
    if (pipe(ready) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_usr;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGUSR2, &sa, NULL);
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigaddset(&block, SIGUSR2);
        sigprocmask(SIG_BLOCK, &block, &old);
        if (write(ready[1], "r", 1) != 1) _exit(98);
        while (!usr1 || !usr2) sigsuspend(&old);
        printf("child: SIGUSR1 %d time(s) from the parent: %s, SIGUSR2 %d time(s)\n", (int)usr1,
               usr1_from == getppid() ? "yes" : "no", (int)usr2);
        if (write(ready[1], "d", 1) != 1) _exit(98);
        for (;;) pause();
    }
    char c;
    if (read(ready[0], &c, 1) != 1) die("read ready");
    int k = kill(pid, SIGUSR1);
    long t = syscall(SYS_tgkill, pid, pid, SIGUSR2);
    if (read(ready[0], &c, 1) != 1) die("read done");
    printf("parent: kill(child, SIGUSR1) = %d, tgkill(child, child, SIGUSR2) = %ld\n", k, t);
    printf("parent: kill(child, SIGTERM) = %d\n", kill(pid, SIGTERM));
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("child", status);
    return 0;
}

/* subreaper: prctl, an orphan reparented to a subreaper, PR_SET_PDEATHSIG, waitid. */
static volatile sig_atomic_t pdeath;
static void on_pdeath(int sig) { (void)sig; pdeath++; }

static int subreaper(void) {
    char name[16] = "";
    printf("PR_SET_NAME = %d\n", prctl(PR_SET_NAME, "swrr-reaper", 0, 0, 0));
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("PR_GET_NAME: %s\n", name);
    printf("PR_SET_CHILD_SUBREAPER = %d\n", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int is = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &is, 0, 0, 0);
    printf("PR_GET_CHILD_SUBREAPER: %d\n", is);
    pid_t reaper = getpid();
    int sync[2], report[2];
    if (pipe(sync) != 0 || pipe(report) != 0) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild < 0) _exit(97);
        if (grandchild == 0) {
            signal(SIGUSR1, on_pdeath);
            sigset_t block, old;
            sigemptyset(&block);
            sigaddset(&block, SIGUSR1);
            sigprocmask(SIG_BLOCK, &block, &old);
            prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
            int sig = 0;
            prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
            if (write(sync[1], "s", 1) != 1) _exit(98);
            while (!pdeath) sigsuspend(&old);
            printf("grandchild: PR_GET_PDEATHSIG %d, got it %d time(s), reparented to the subreaper: %s\n",
                   sig, (int)pdeath, getppid() == reaper ? "yes" : "no");
            _exit(5);
        }
        char c;
        if (read(sync[0], &c, 1) != 1) _exit(98);
        if (write(report[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(98);
        printf("child: exiting, leaving its child behind\n");
        _exit(4);
    }
    pid_t grandchild;
    if (read(report[0], &grandchild, sizeof grandchild) != sizeof grandchild) die("read");
    siginfo_t first, info;
    memset(&first, 0, sizeof first);
    if (waitid(P_PID, child, &first, WEXITED) != 0) die("waitid child");
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED) != 0) die("waitid all");
    /* Printed only now: the grandchild prints as soon as the child's death wakes it. */
    printf("waitid(child): pid matches %s, code CLD_EXITED %s, status %d\n", first.si_pid == child ? "yes" : "no",
           first.si_code == CLD_EXITED ? "yes" : "no", first.si_status);
    printf("waitid(P_ALL): the grandchild: %s, code CLD_EXITED %s, status %d\n",
           info.si_pid == grandchild ? "yes" : "no", info.si_code == CLD_EXITED ? "yes" : "no", info.si_status);
    errno = 0;
    int r = waitid(P_ALL, 0, &info, WEXITED | WNOHANG);
    printf("waitid with no children = %d errno %s\n", r, strerrorname_np(errno));
    return 0;
}

/* execveat: relative to a directory descriptor, and of an O_PATH descriptor. */
static int exec_at(void) {
    extern char **environ;
    int dir = open("/bin", O_RDONLY | O_DIRECTORY);
    int file = open("/bin/echo", O_PATH);
    if (dir < 0 || file < 0) die("open");
    for (int i = 0; i < 2; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            char *argv_dir[] = {"echo", "execveat relative to /bin", NULL};
            char *argv_fd[] = {"echo", "execveat of an O_PATH fd", NULL};
            if (i == 0) syscall(SYS_execveat, dir, "echo", argv_dir, environ, 0);
            else syscall(SYS_execveat, file, "", argv_fd, environ, AT_EMPTY_PATH);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid) die("waitpid");
        print_status("echo", status);
    }
    return 0;
}

/* core: deaths by signals whose default action dumps core. The first two children cannot write
 * a core (RLIMIT_CORE 0); the third may, into a fresh directory that the parent then empties
 * (whether it does depends on /proc/sys/kernel/core_pattern, the same for a native run and a
 * recording). Then the program itself dies of SIGQUIT. */
static int core_deaths(void) {
    static const int sigs[] = {SIGABRT, SIGQUIT, SIGSEGV};
    char dir[] = "/tmp/swrr-core-XXXXXX";
    if (!mkdtemp(dir)) die("mkdtemp");
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            struct rlimit none = {0, 0}, all = {RLIM_INFINITY, RLIM_INFINITY};
            setrlimit(RLIMIT_CORE, i < 2 ? &none : &all);
            if (chdir(dir) != 0) _exit(97);
            if (sigs[i] == SIGABRT) abort();
            raise(sigs[i]);
            _exit(0);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid) die("waitpid");
        printf("%s: status 0x%x, WIFSIGNALED %d WTERMSIG %d WCOREDUMP %d\n", sigabbrev_np(sigs[i]), status,
               WIFSIGNALED(status), WTERMSIG(status), WCOREDUMP(status));
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) die("rm");
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    printf("now dying of SIGQUIT\n");
    raise(SIGQUIT);
    return 0;
}

/* inet: TCP over loopback between parent (server) and child (client). */
static int inet(void) {
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server < 0) die("socket");
    int one = 1;
    if (setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) die("setsockopt");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
    if (listen(server, 4) != 0) die("listen");
    socklen_t len = sizeof addr;
    if (getsockname(server, (struct sockaddr *)&addr, &len) != 0) die("getsockname");
    printf("listening on %s, a port was chosen: %s, length %u\n", inet_ntoa(addr.sin_addr),
           addr.sin_port != 0 ? "yes" : "no", (unsigned)len);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) _exit(97);
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        getpeername(c, (struct sockaddr *)&peer, &plen);
        if (write(c, "ping over tcp", 13) != 13) _exit(98);
        char buf[64];
        ssize_t n = read(c, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        printf("client: peer is the server: %s, got \"%s\"\n",
               peer.sin_port == addr.sin_port && peer.sin_addr.s_addr == addr.sin_addr.s_addr ? "yes" : "no", buf);
        _exit(0);
    }
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    int conn = accept4(server, (struct sockaddr *)&from, &flen, SOCK_CLOEXEC);
    if (conn < 0) die("accept4");
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    if (getpeername(conn, (struct sockaddr *)&peer, &plen) != 0) die("getpeername");
    int type = 0, reuse = 0;
    socklen_t olen = sizeof type;
    getsockopt(conn, SOL_SOCKET, SO_TYPE, &type, &olen);
    olen = sizeof reuse;
    getsockopt(server, SOL_SOCKET, SO_REUSEADDR, &reuse, &olen);
    printf("server: accepted from %s, same as getpeername: %s, SO_TYPE stream: %s, SO_REUSEADDR %d\n",
           inet_ntoa(from.sin_addr), from.sin_port == peer.sin_port ? "yes" : "no",
           type == SOCK_STREAM ? "yes" : "no", reuse);
    char buf[64];
    ssize_t n = read(conn, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("server: got \"%s\"\n", buf);
    if (write(conn, "pong over tcp", 13) != 13) die("write");
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("client", status);
    close(conn);
    close(server);
    return 0;
}

/* scm-rights: a descriptor passed over a unix socket. */
static int scm_rights(void) {
    int sv[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(p) != 0) die("socketpair/pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(sv[0]);
        close(p[0]);
        close(p[1]);
        char byte;
        struct iovec iov = {&byte, 1};
        union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int))]; } control;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof control};
        ssize_t n = recvmsg(sv[1], &msg, 0);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (n != 1 || !c || c->cmsg_type != SCM_RIGHTS) {
            printf("child: recvmsg = %zd, no descriptor\n", n);
            _exit(1);
        }
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
        char buf[64];
        ssize_t r = read(fd, buf, sizeof buf - 1);
        buf[r > 0 ? r : 0] = 0;
        printf("child: byte '%c', a descriptor arrived, read through it: \"%s\"\n", byte, buf);
        _exit(0);
    }
    close(sv[1]);
    if (write(p[1], "sent by the parent", 18) != 18) die("write");
    close(p[1]);
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                         .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    ssize_t sent = sendmsg(sv[0], &msg, 0);
    close(p[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    printf("parent: sendmsg = %zd\n", sent);
    print_status("child", status);
    return 0;
}

/* eventfd: counters, semaphore mode, a counter written by a child. */
static int event_fd(void) {
    int e = eventfd(5, EFD_CLOEXEC);
    if (e < 0) die("eventfd");
    uint64_t v = 7;
    if (write(e, &v, 8) != 8) die("write");
    if (read(e, &v, 8) != 8) die("read");
    printf("counter: %llu\n", (unsigned long long)v);
    int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    for (int i = 0; i < 3; i++) {
        v = 0;
        errno = 0;
        ssize_t r = read(s, &v, 8);
        printf("semaphore read %d: %zd value %llu errno %s\n", i, r, (unsigned long long)v, strerrorname_np(errno));
    }
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t w = 42;
        _exit(write(e, &w, 8) == 8 ? 0 : 1);
    }
    if (read(e, &v, 8) != 8) die("read");
    printf("written by the child: %llu\n", (unsigned long long)v);
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    print_status("child", status);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: processes MODE [N]\n");
        return 2;
    }
    const char *mode = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(mode, "exit-codes")) return exit_codes();
    if (!strcmp(mode, "forks")) return forks(n ? n : 100);
    if (!strcmp(mode, "big-forks")) return big_forks(n ? n : 512);
    if (!strcmp(mode, "exec-sh")) return exec_sh();
    if (!strcmp(mode, "child-segv")) return child_segv();
    if (!strcmp(mode, "vfork-exec")) return vfork_exec();
    if (!strcmp(mode, "socketpair")) return ping_pong(n ? n : 200);
    if (!strcmp(mode, "epoll")) return epoll_pipe();
    if (!strcmp(mode, "sysv-shm")) return sysv_shm();
    if (!strcmp(mode, "groups")) return groups();
    if (!strcmp(mode, "kill")) return kill_child();
    if (!strcmp(mode, "subreaper")) return subreaper();
    if (!strcmp(mode, "execveat")) return exec_at();
    if (!strcmp(mode, "core")) return core_deaths();
    if (!strcmp(mode, "inet")) return inet();
    if (!strcmp(mode, "scm-rights")) return scm_rights();
    if (!strcmp(mode, "eventfd")) return event_fd();
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
