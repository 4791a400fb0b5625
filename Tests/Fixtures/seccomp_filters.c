/* seccomp_filters.c: seccomp filters installed by the program itself (issue 14). Each run prints
 * a fresh random token first, so a replay that does not feed back the recorded values prints
 * another one.
 *
 * Usage: seccomp_filters MODE
 *   filters   no_new_privs and the seccomp mode at the start (0, 0), libseccomp's probes
 *             (EINVAL, EFAULT), the available actions and notification sizes, an unprivileged child
 *             (setuid(65534): run as root) refused a filter without no_new_privs (EACCES);
 *             thread A starts, then a filter is installed with SECCOMP_FILTER_FLAG_TSYNC (so A
 *             has it too): getppid fails with EPERM (a call the preload library buffers),
 *             getpgid traps to a SIGSYS handler (si_errno = 77) that prints what it got and
 *             makes the call return 1000 + si_errno, personality(0xffffffff) kills the calling
 *             thread, getsid kills the process; a second filter installed with
 *             prctl(PR_SET_SECCOMP) by the main thread alone makes getpriority fail with EACCES
 *             there (and in children), not in thread A; thread B, started afterwards, inherits
 *             both. A, B and the main thread each call getppid and getpgid; thread C calls
 *             personality and dies alone; a child calls getsid and dies by SIGSYS (the parent
 *             prints its status); another child blocks SIGSYS and dies by it at getpgid (TRAP's
 *             signal is forced); process_vm_writev, which swrr cannot record, fails with EROFS
 *             in the main thread. The second filter also fails getpgid with EACCES, which loses
 *             to the first filter's TRAP (the most restrictive action of all filters wins).
 *   trap-default, kill-process, kill-thread
 *             the program itself dies by SIGSYS: TRAP with no handler, KILL_PROCESS while another
 *             thread waits in read, KILL_THREAD of its only thread
 *   exec      two filters (the second kills syscall numbers from 1000 up), then exec: after it
 *             getppid still fails with EPERM and buffered reads go on
 *   library   a filter killing kcmp and perf_event_open (calls swrr's preload library makes for
 *             itself, never the program) and failing fstat: reads of a file and a pipe, fstat
 *             (EACCES) and writes to a copy of stdout go on as natively
 *   strict    prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT): swrr refuses it by name
 *   computed  a filter returning its accumulator (BPF_RET|BPF_A): swrr refuses it by name
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define ON(nr, action) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, (action))

static struct sock_filter first[] = {
    LOAD(arch),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    LOAD(nr),
    ON(SYS_getppid, SECCOMP_RET_ERRNO | EPERM),
    ON(SYS_getpgid, SECCOMP_RET_TRAP | 77),
    ON(SYS_personality, SECCOMP_RET_KILL_THREAD),
    ON(SYS_getsid, SECCOMP_RET_KILL_PROCESS),
    ON(SYS_process_vm_writev, SECCOMP_RET_ERRNO | EROFS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* Stacked on the first: getpgid's ERRNO here loses to the older filter's TRAP, which is more
 * restrictive (the kernel takes the most restrictive action of all filters). */
static struct sock_filter second[] = {
    LOAD(nr),
    ON(SYS_getpriority, SECCOMP_RET_ERRNO | EACCES),
    ON(SYS_getpgid, SECCOMP_RET_ERRNO | EACCES),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static void on_sigsys(int sig, siginfo_t *si, void *context) {
    ucontext_t *uc = context;
    char line[160];
    int n = snprintf(line, sizeof line, "  SIGSYS: signal %d code %d syscall %d errno %d arch 0x%x, rax %lld\n",
                     sig, si->si_code, si->si_syscall, si->si_errno, si->si_arch,
                     (long long)uc->uc_mcontext.gregs[REG_RAX]);
    write(1, line, n);
    uc->uc_mcontext.gregs[REG_RAX] = 1000 + si->si_errno;
}

static void calls(const char *who) {
    errno = 0;
    long ppid = syscall(SYS_getppid);
    printf("%s: getppid = %ld (%s)\n", who, ppid, strerror(errno));
    fflush(stdout);
    long pgid = syscall(SYS_getpgid, 0);
    printf("%s: getpgid = %ld\n", who, pgid);
    errno = 0;
    long prio = syscall(SYS_getpriority, PRIO_PROCESS, 0);
    printf("%s: getpriority %s (%s)\n", who, prio == -1 ? "failed" : "ran", strerror(errno));
    fflush(stdout);
}

static int start_pipe[2];

static void *thread_a(void *arg) {
    (void)arg;
    char c;
    if (read(start_pipe[0], &c, 1) != 1) return NULL;
    calls("thread A");
    return NULL;
}

static void *thread_b(void *arg) {
    (void)arg;
    calls("thread B");
    return NULL;
}

static void *thread_c(void *arg) {
    (void)arg;
    syscall(SYS_personality, 0xffffffffUL);
    printf("thread C: still alive after personality\n");
    return NULL;
}

/* Natively no_new_privs and the seccomp mode are 0 at the start, and an unprivileged task
 * without no_new_privs may not install a filter (EACCES): swrr's own filter must not show. */
static void privileges(void) {
    printf("at the start: PR_GET_NO_NEW_PRIVS = %d, PR_GET_SECCOMP = %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
           prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    /* libseccomp's probes: they change nothing. */
    errno = 0;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL);
    printf("probe strict mode with flags 1 = %ld (%s)\n", r, strerror(errno));
    errno = 0;
    r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, NULL);
    printf("probe NEW_LISTENER with no filter = %ld (%s)\n", r, strerror(errno));
    unsigned int action = SECCOMP_RET_KILL_PROCESS;
    printf("GET_ACTION_AVAIL(KILL_PROCESS) = %ld\n", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));
    struct seccomp_notif_sizes sizes = {0};
    r = syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
    printf("GET_NOTIF_SIZES = %ld: %u %u %u\n", r, sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("unprivileged child: setuid(65534) = %d\n", setuid(65534));
        struct sock_fprog prog = {.len = sizeof second / sizeof second[0], .filter = second};
        errno = 0;
        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
        printf("unprivileged child: filter without no_new_privs = %ld (%s)\n", r, strerror(errno));
        errno = 0;
        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, NULL);
        printf("unprivileged child: probe with no filter = %ld (%s)\n", r, strerror(errno));
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
        printf("unprivileged child: with no_new_privs = %ld, PR_GET_NO_NEW_PRIVS = %d, PR_GET_SECCOMP = %d\n", r,
               prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
}

static int filters(void) {
    privileges();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    if (pipe(start_pipe) != 0) return 1;
    pthread_t a, b, c;
    pthread_create(&a, NULL, thread_a, NULL);

    printf("PR_SET_NO_NEW_PRIVS = %d\n", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    struct sock_fprog prog1 = {.len = sizeof first / sizeof first[0], .filter = first};
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog1);
    printf("seccomp(SET_MODE_FILTER, TSYNC) = %ld\n", r);
    struct sock_fprog prog2 = {.len = sizeof second / sizeof second[0], .filter = second};
    printf("prctl(PR_SET_SECCOMP, FILTER) = %d\n", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog2));
    printf("PR_GET_SECCOMP = %d, PR_GET_NO_NEW_PRIVS = %d\n", prctl(PR_GET_SECCOMP), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    /* The program's memory still holds its own filters, as it wrote them. */
    printf("filters as written: %s\n", first[5].k == (SECCOMP_RET_ERRNO | EPERM) && second[2].k == (SECCOMP_RET_ERRNO | EACCES) && second[4].k == (SECCOMP_RET_ERRNO | EACCES)
                                        ? "yes" : "no");
    fflush(stdout);

    if (write(start_pipe[1], "x", 1) != 1) return 1;
    pthread_join(a, NULL);
    pthread_create(&b, NULL, thread_b, NULL);
    pthread_join(b, NULL);
    calls("main");
    /* A call swrr cannot record, which the filter keeps from running. */
    errno = 0;
    long w = syscall(SYS_process_vm_writev, getpid(), NULL, 0, NULL, 0, 0);
    printf("main: process_vm_writev = %ld (%s)\n", w, strerror(errno));
    pthread_create(&c, NULL, thread_c, NULL);
    pthread_join(c, NULL);
    printf("thread C joined\n");
    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0) {
        syscall(SYS_getsid, 0);
        printf("child: still alive after getsid\n");
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("child: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited with",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    fflush(stdout);

    /* TRAP's SIGSYS is forced: blocked, it kills the process. */
    pid = fork();
    if (pid == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSYS);
        sigprocmask(SIG_BLOCK, &set, NULL);
        syscall(SYS_getpgid, 0);
        printf("child with SIGSYS blocked: still alive after getpgid\n");
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("child with SIGSYS blocked: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited with",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return 0;
}

/* The program itself dies by its filter: TRAP with SIGSYS at SIG_DFL, KILL_PROCESS while another
 * thread waits in read, KILL_THREAD of its only thread. */
static void *waiter(void *arg) {
    (void)arg;
    char c;
    read(start_pipe[0], &c, 1);
    return NULL;
}

static int self_death(const char *mode) {
    struct sock_fprog prog = {.len = sizeof first / sizeof first[0], .filter = first};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    printf("filter = %ld\n", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
    if (strcmp(mode, "trap-default") == 0) {
        printf("getpgid with SIGSYS at SIG_DFL\n");
        fflush(stdout);
        syscall(SYS_getpgid, 0);
    } else if (strcmp(mode, "kill-process") == 0) {
        if (pipe(start_pipe) != 0) return 1;
        pthread_t t;
        pthread_create(&t, NULL, waiter, NULL);
        printf("getsid with a thread waiting in read\n");
        fflush(stdout);
        syscall(SYS_getsid, 0);
    } else {
        printf("personality in the only thread\n");
        fflush(stdout);
        syscall(SYS_personality, 0xffffffffUL);
    }
    printf("still alive\n");
    return 0;
}

/* Filters stay across exec. The second one kills any syscall number from 1000 up, which no
 * program makes natively (swrr's preload library uses such numbers to talk to swrr). */
static struct sock_filter high_numbers[] = {
    LOAD(nr),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1000, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static int exec_with_filters(void) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct sock_fprog prog = {.len = sizeof first / sizeof first[0], .filter = first};
    struct sock_fprog high = {.len = sizeof high_numbers / sizeof high_numbers[0], .filter = high_numbers};
    printf("filters = %ld %ld\n", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog),
           syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &high));
    fflush(stdout);
    char *argv[] = {"seccomp_filters", "after-exec", NULL};
    execv("/proc/self/exe", argv);
    return 1;
}

static int after_exec(void) {
    errno = 0;
    long ppid = syscall(SYS_getppid);
    printf("after exec: getppid = %ld (%s), PR_GET_SECCOMP = %d\n", ppid, strerror(errno), prctl(PR_GET_SECCOMP));
    /* Buffered calls after the exec: a file read in small pieces. */
    FILE *f = fopen("/proc/self/exe", "r");
    long n = 0;
    char buf[64];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) n += (long)got;
    fclose(f);
    printf("after exec: read %s bytes\n", n > 1000 ? "over 1000" : "too few");
    return 0;
}

/* A filter that kills the calls the preload library makes for itself (kcmp, perf_event_open for
 * its desched event) and fails fstat: the program never makes the first two, and must run as
 * natively; a read of a file, a pipe and writes to a copy of stdout go on. */
static struct sock_filter library_calls[] = {
    LOAD(nr),
    ON(SYS_kcmp, SECCOMP_RET_KILL_PROCESS),
    ON(SYS_perf_event_open, SECCOMP_RET_KILL_PROCESS),
    ON(SYS_fstat, SECCOMP_RET_ERRNO | EACCES),
    ON(SYS_newfstatat, SECCOMP_RET_ERRNO | EACCES),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static int library(void) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct sock_fprog prog = {.len = sizeof library_calls / sizeof library_calls[0], .filter = library_calls};
    printf("filter = %ld\n", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
    fflush(stdout);
    int fd = open("/proc/self/exe", O_RDONLY);
    char buf[64];
    long n = 0, r;
    while ((r = read(fd, buf, sizeof buf)) > 0) n += r;
    close(fd);
    int pfd[2];
    if (pipe(pfd) != 0) return 1;
    write(pfd[1], "hello", 5);
    r = read(pfd[0], buf, 5);
    struct stat st;
    errno = 0;
    int s = fstat(pfd[0], &st);
    int out = dup(1);
    dprintf(out, "file read %s, pipe read %ld, fstat %d (%s)\n", n > 1000 ? "in full" : "short", r, s, strerror(errno));
    dprintf(out, "written to a copy of stdout\n");
    return 0;
}

static int strict(void) {
    fflush(stdout);
    long r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
    /* Natively only read, write, _exit and sigreturn are allowed now. */
    char line[64];
    int n = snprintf(line, sizeof line, "strict mode = %ld\n", r);
    write(1, line, n);
    syscall(SYS_exit, 0);
    return 0;
}

static int computed(void) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct sock_fprog prog = {.len = 2, .filter = f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    printf("computed action filter = %ld\n", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
    return 0;
}

int main(int argc, char **argv) {
    unsigned long long token = 0;
    if (getrandom(&token, sizeof token, 0) != sizeof token) return 2;
    if (argc < 2) return 2;
    if (strcmp(argv[1], "after-exec") == 0) return after_exec();
    printf("token %llx\n", token);
    fflush(stdout);
    if (strcmp(argv[1], "filters") == 0) return filters();
    if (strcmp(argv[1], "strict") == 0) return strict();
    if (strcmp(argv[1], "exec") == 0) return exec_with_filters();
    if (strcmp(argv[1], "library") == 0) return library();
    if (strcmp(argv[1], "trap-default") == 0 || strcmp(argv[1], "kill-process") == 0
        || strcmp(argv[1], "kill-thread") == 0) return self_death(argv[1]);
    if (strcmp(argv[1], "computed") == 0) return computed();
    return 2;
}
