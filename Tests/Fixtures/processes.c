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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
