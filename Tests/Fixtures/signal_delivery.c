/* signal_delivery.c: signal handlers and what they see and restore.
 *
 * Usage: signal_delivery MODE
 *   alarm-nanosleep  alarm(1) interrupts a 5 s nanosleep: -1 EINTR, the handler ran once
 *   siginfo          kill(getpid(), SIGUSR1) with an SA_SIGINFO handler; prints si_signo,
 *                    si_code (SI_USER) and whether si_pid == getpid()
 *   altstack         a SIGSEGV handler on an alternate stack (sigaltstack, SA_ONSTACK) checks
 *                    that it runs there and siglongjmps out; three faults at different addresses,
 *                    then a stack overflow caught the same way
 *   xmm              xmm0-xmm15 hold known values across a signal delivered at a raw kill
 *                    syscall; the handler computes with doubles and overwrites every xmm
 *                    register before returning; rt_sigreturn must bring all of them back.
 *                    Then a double computation runs while SIGALRM (setitimer, 1 ms) interrupts
 *                    the nanosleeps in it; its results are printed exactly (%a)
 *   resethand        an SA_RESETHAND handler runs once and leaves SIG_DFL behind
 *   sigtimedwait     blocked signals taken by sigtimedwait (one raised, one sent by a child),
 *                    and a sigtimedwait that times out (EAGAIN)
 *   signalfd         blocked signals read from a signalfd: raised, and queued with a value
 *   sigqueue         sigqueue (rt_sigqueueinfo) and pthread_sigqueue (rt_tgsigqueueinfo) with
 *                    values an SA_SIGINFO handler prints
 *   timer            POSIX timers (timer_create, SIGEV_SIGNAL with a value): a one-shot timer and
 *                    a periodic one stopped after three expirations
 *   masked-wait      SIGCHLD and SIGUSR2 blocked; pselect, ppoll and epoll_pwait wait with an
 *                    empty mask of their own until a child's exit: the SIGCHLD handler runs with
 *                    the call's mask (USR2 not blocked there), the call fails with EINTR and the
 *                    program's mask is back afterwards (as make waits for its jobs)
 *   suspend-mask     SIGUSR1 and SIGUSR2 blocked; sigsuspend with a mask that still blocks SIGUSR2
 *                    until a child's kill(SIGUSR1) arrives: the handler runs once. (A trace damaged
 *                    to say SIGUSR2 there makes replay's real rt_sigsuspend sleep for good.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

/* Installs an SA_SIGINFO handler for `sig`. */
static void on_siginfo(int sig, void (*fn)(int, siginfo_t *, void *)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

static void on_alarm(int sig) {
    (void)sig;
    handled++;
}

static int alarm_nanosleep(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    struct timespec req = {5, 0}, rem = {0, 0};
    errno = 0;
    int r = nanosleep(&req, &rem);
    int e = errno;
    printf("nanosleep = %d errno %s, handler ran %d time(s), remaining more than 3 s: %s\n", r,
           strerrorname_np(e), (int)handled, rem.tv_sec >= 3 ? "yes" : "no");
    return r == -1 && e == EINTR && handled == 1 ? 0 : 1;
}

static volatile int seen_signo, seen_code, seen_pid, seen_uid;

static void on_usr1(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    seen_signo = info->si_signo;
    seen_code = info->si_code;
    seen_pid = info->si_pid;
    seen_uid = info->si_uid;
}

static int siginfo_mode(void) {
    on_siginfo(SIGUSR1, on_usr1);
    int r = kill(getpid(), SIGUSR1);
    printf("kill = %d\n", r);
    printf("si_signo %d (SIGUSR1 is %d)\n", seen_signo, SIGUSR1);
    printf("si_code %d (SI_USER is %d)\n", seen_code, SI_USER);
    printf("si_pid == getpid(): %s\n", seen_pid == getpid() ? "yes" : "no");
    printf("si_uid == getuid(): %s\n", seen_uid == (int)getuid() ? "yes" : "no");
    return seen_signo == SIGUSR1 && seen_code == SI_USER && seen_pid == getpid() ? 0 : 1;
}

static sigjmp_buf recover;
static char *alt_base;
static size_t alt_size = 64 * 1024;
static volatile int on_alt, fault_code;
static void *volatile fault_addr;

static void on_segv(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    char here;
    on_alt = &here >= alt_base && &here < alt_base + alt_size;
    fault_addr = info->si_addr;
    fault_code = info->si_code;
    siglongjmp(recover, 1);
}

static int recurse(int depth) {
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth > (1 << 30)) return pad[0]; // never: the stack runs out long before
    return recurse(depth + 1) + pad[0];
}

static int altstack_mode(void) {
    alt_base = malloc(alt_size);
    stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        perror("sigaltstack");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    int bad = 0;
    static const uintptr_t addrs[] = {0x10, 0x1000, 0xdead0000};
    for (int i = 0; i < 3; i++) {
        on_alt = 0;
        if (sigsetjmp(recover, 1) == 0) {
            *(volatile int *)addrs[i] = i;
            printf("no fault at %#lx\n", (unsigned long)addrs[i]);
            bad++;
        } else {
            printf("fault %d at %p code %d, handler on the alternate stack: %s\n", i, fault_addr, fault_code,
                   on_alt ? "yes" : "no");
            if (!on_alt || fault_addr != (void *)addrs[i]) bad++;
        }
    }
    on_alt = 0;
    if (sigsetjmp(recover, 1) == 0) {
        recurse(0);
        bad++;
    } else {
        printf("stack overflow caught, handler on the alternate stack: %s\n", on_alt ? "yes" : "no");
        if (!on_alt) bad++;
    }
    stack_t now;
    sigaltstack(NULL, &now);
    printf("alternate stack still set: %s, now in use: %s\n", now.ss_sp == alt_base ? "yes" : "no",
           (now.ss_flags & SS_ONSTACK) ? "yes" : "no");
    return bad;
}

/* xmm */

static volatile double handler_result;

static void on_usr2(int sig) {
    (void)sig;
    double a = handler_result + 1.25, b = 3.0;
    for (int i = 0; i < 10; i++) a = a * b - a / 7.0;
    handler_result = a;
    // Overwrite every xmm register with garbage.
    static const double junk[2] = {-12345.678, 9876.54321};
    __asm__ volatile(
        "movupd %0, %%xmm0\n\tmovupd %0, %%xmm1\n\tmovupd %0, %%xmm2\n\tmovupd %0, %%xmm3\n\t"
        "movupd %0, %%xmm4\n\tmovupd %0, %%xmm5\n\tmovupd %0, %%xmm6\n\tmovupd %0, %%xmm7\n\t"
        "movupd %0, %%xmm8\n\tmovupd %0, %%xmm9\n\tmovupd %0, %%xmm10\n\tmovupd %0, %%xmm11\n\t"
        "movupd %0, %%xmm12\n\tmovupd %0, %%xmm13\n\tmovupd %0, %%xmm14\n\tmovupd %0, %%xmm15\n\t"
        :
        : "m"(junk)
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void on_tick(int sig) {
    (void)sig;
    handled++;
    static const double junk[2] = {1e300, -1e-300};
    __asm__ volatile("movupd %0, %%xmm0\n\tmovupd %0, %%xmm1\n\tmovupd %0, %%xmm2\n\tmovupd %0, %%xmm3\n\t"
                     :
                     : "m"(junk)
                     : "xmm0", "xmm1", "xmm2", "xmm3");
}

static int xmm_mode(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);

    double before[32], after[32];
    for (int i = 0; i < 32; i++) before[i] = (i + 1) * 1.5 + 1.0 / (i + 3);
    memset(after, 0, sizeof after);
    long pid = getpid();
    long ret;
    // Load xmm0-15, kill ourselves with a raw syscall (the signal is delivered on its way out,
    // while xmm0-15 hold the values), store xmm0-15.
    __asm__ volatile(
        "movupd 0(%[in]), %%xmm0\n\tmovupd 16(%[in]), %%xmm1\n\tmovupd 32(%[in]), %%xmm2\n\t"
        "movupd 48(%[in]), %%xmm3\n\tmovupd 64(%[in]), %%xmm4\n\tmovupd 80(%[in]), %%xmm5\n\t"
        "movupd 96(%[in]), %%xmm6\n\tmovupd 112(%[in]), %%xmm7\n\tmovupd 128(%[in]), %%xmm8\n\t"
        "movupd 144(%[in]), %%xmm9\n\tmovupd 160(%[in]), %%xmm10\n\tmovupd 176(%[in]), %%xmm11\n\t"
        "movupd 192(%[in]), %%xmm12\n\tmovupd 208(%[in]), %%xmm13\n\tmovupd 224(%[in]), %%xmm14\n\t"
        "movupd 240(%[in]), %%xmm15\n\t"
        "mov %[nr], %%eax\n\tmov %[pid], %%rdi\n\tmov %[sig], %%esi\n\tsyscall\n\tmov %%rax, %[ret]\n\t"
        "movupd %%xmm0, 0(%[out])\n\tmovupd %%xmm1, 16(%[out])\n\tmovupd %%xmm2, 32(%[out])\n\t"
        "movupd %%xmm3, 48(%[out])\n\tmovupd %%xmm4, 64(%[out])\n\tmovupd %%xmm5, 80(%[out])\n\t"
        "movupd %%xmm6, 96(%[out])\n\tmovupd %%xmm7, 112(%[out])\n\tmovupd %%xmm8, 128(%[out])\n\t"
        "movupd %%xmm9, 144(%[out])\n\tmovupd %%xmm10, 160(%[out])\n\tmovupd %%xmm11, 176(%[out])\n\t"
        "movupd %%xmm12, 192(%[out])\n\tmovupd %%xmm13, 208(%[out])\n\tmovupd %%xmm14, 224(%[out])\n\t"
        "movupd %%xmm15, 240(%[out])\n\t"
        : [ret] "=m"(ret)
        : [in] "r"(before), [out] "r"(after), [nr] "i"(SYS_kill), [pid] "m"(pid), [sig] "i"(SIGUSR2)
        : "rax", "rdi", "rsi", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
          "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    int same = 0;
    for (int i = 0; i < 32; i++) same += before[i] == after[i];
    printf("kill = %ld, handler result %a, xmm registers restored: %d of 32 doubles\n", ret, handler_result,
           same);
    for (int i = 0; i < 32; i += 8) printf("xmm%d low: %a\n", i / 2, after[i]);

    // Doubles kept in registers across signals that land on nanosleep.
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    double x = 1.0, y = 0.5, z = 2.0;
    int eintr = 0;
    for (int i = 0; i < 200; i++) {
        x = x * 1.0000001 + y / z;
        y = x / (y + 3.0) + y * 0.5;
        z = z + x / (i + 1.0);
        struct timespec ts = {0, 200 * 1000};
        if (nanosleep(&ts, NULL) != 0) eintr++;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("x %a y %a z %a\n", x, y, z);
    printf("SIGALRM handled %d times, %d nanosleeps interrupted\n", (int)handled, eintr);
    return same == 32 ? 0 : 1;
}

/* resethand */
static volatile sig_atomic_t reset_runs;
static void on_reset(int sig) { (void)sig; reset_runs++; }

static int resethand_mode(void) {
    struct sigaction sa, now;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_reset;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &now);
    printf("handler ran %d time(s), disposition now SIG_DFL: %s\n", (int)reset_runs,
           now.sa_handler == SIG_DFL ? "yes" : "no");
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored afterwards, handler runs still %d\n", (int)reset_runs);
    return reset_runs == 1 ? 0 : 1;
}

/* sigtimedwait */
static int sigtimedwait_mode(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    siginfo_t info;
    struct timespec timeout = {1, 0};
    int sig = sigtimedwait(&set, &info, &timeout);
    printf("sigtimedwait = %s, si_code %d\n", sigabbrev_np(sig), info.si_code);
    pid_t pid = fork();
    if (pid == 0) _exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
    sig = sigwaitinfo(&set, &info);
    printf("sigwaitinfo = %s, si_code SI_USER: %s, from the child: %s\n", sigabbrev_np(sig),
           info.si_code == SI_USER ? "yes" : "no", info.si_pid == pid ? "yes" : "no");
    int status;
    waitpid(pid, &status, 0);
    printf("child status %d\n", WEXITSTATUS(status));
    struct timespec brief = {0, 10 * 1000 * 1000};
    errno = 0;
    sig = sigtimedwait(&set, &info, &brief);
    printf("sigtimedwait with nothing pending = %d errno %s\n", sig, strerrorname_np(errno));
    return 0;
}

/* signalfd */
static int signalfd_mode(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (fd < 0) { perror("signalfd"); return 1; }
    raise(SIGUSR1);
    union sigval v = {.sival_int = 4242};
    sigqueue(getpid(), SIGRTMIN, v);
    for (int i = 0; i < 2; i++) {
        struct signalfd_siginfo si;
        ssize_t n = read(fd, &si, sizeof si);
        printf("read %zd: ssi_signo %s, ssi_code %d, ssi_int %d, from itself: %s\n", n,
               si.ssi_signo == (unsigned)SIGRTMIN ? "SIGRTMIN" : sigabbrev_np(si.ssi_signo), si.ssi_code,
               si.ssi_int, si.ssi_pid == (unsigned)getpid() ? "yes" : "no");
    }
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    printf("signalfd with a new mask on the same fd: %s\n", signalfd(fd, &set, 0) == fd ? "same fd" : "other");
    return 0;
}

/* sigqueue */
static volatile int queued_value[4], queued_code[4], queued_runs;
static void on_queued(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    if (queued_runs < 4) {
        queued_value[queued_runs] = info->si_value.sival_int;
        queued_code[queued_runs] = info->si_code;
    }
    queued_runs++;
}

static int sigqueue_mode(void) {
    on_siginfo(SIGRTMIN, on_queued);
    on_siginfo(SIGRTMIN + 1, on_queued);
    union sigval v = {.sival_int = 12345};
    int r = sigqueue(getpid(), SIGRTMIN, v);
    v.sival_int = 678;
    int t = pthread_sigqueue(pthread_self(), SIGRTMIN + 1, v);
    printf("sigqueue = %d, pthread_sigqueue = %d, handler runs %d\n", r, t, queued_runs);
    for (int i = 0; i < queued_runs && i < 4; i++)
        printf("run %d: value %d, si_code SI_QUEUE: %s\n", i, queued_value[i], queued_code[i] == SI_QUEUE ? "yes" : "no");
    return queued_runs == 2 ? 0 : 1;
}

/* timer */
static volatile sig_atomic_t timer_runs;
static volatile int timer_value, timer_code;
static void on_timer(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    timer_runs++;
    timer_value = info->si_value.sival_int;
    timer_code = info->si_code;
}

/* masked-wait */
static volatile sig_atomic_t usr2_blocked_in_handler;

static void on_sigchld(int sig) {
    (void)sig;
    handled++;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
}

/* Installs a plain handler `fn` for `sig`, and blocks `sig` and `also`. */
static void handle_blocked(int sig, void (*fn)(int), int also) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigaction(sig, &sa, NULL);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, sig);
    sigaddset(&blocked, also);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
}

static int masked_wait_mode(void) {
    handle_blocked(SIGCHLD, on_sigchld, SIGUSR2);
    sigset_t empty;
    sigemptyset(&empty);
    int pipefd[2];
    if (pipe(pipefd) != 0) { perror("pipe"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipefd[0]};
    epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev);
    const char *names[] = {"pselect", "ppoll", "epoll_pwait"};
    for (int round = 0; round < 3; round++) {
        handled = 0;
        usr2_blocked_in_handler = -1;
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        int r;
        struct timespec timeout = {5, 0};
        if (round == 0) {
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(pipefd[0], &rd);
            r = pselect(pipefd[0] + 1, &rd, NULL, NULL, &timeout, &empty);
        } else if (round == 1) {
            struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
            r = ppoll(&p, 1, &timeout, &empty);
        } else {
            struct epoll_event out;
            r = epoll_pwait(ep, &out, 1, 5000, &empty);
        }
        int e = errno;
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        waitpid(pid, NULL, 0);
        printf("%s: %d %s, handler ran %d time(s), USR2 blocked in the handler: %s, SIGCHLD blocked after: %s\n",
               names[round], r, r < 0 ? strerrorname_np(e) : "-", (int)handled,
               usr2_blocked_in_handler ? "yes" : "no", sigismember(&now, SIGCHLD) ? "yes" : "no");
    }
    return 0;
}

/* suspend-mask */
static volatile sig_atomic_t usr1_runs;

static void on_usr1_count(int sig) {
    (void)sig;
    usr1_runs++;
}

static void on_usr2_never(int sig) {
    (void)sig;
}

static int suspend_mask_mode(void) {
    /* SIGUSR2 is caught too (it never comes): a damaged trace's SIGUSR2 is then one a handler
     * catches, which replay waits for in a real rt_sigsuspend with the call's mask. */
    handle_blocked(SIGUSR2, on_usr2_never, SIGUSR1);
    handle_blocked(SIGUSR1, on_usr1_count, SIGUSR2);
    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    sigaddset(&wait_mask, SIGUSR2);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    while (!usr1_runs) sigsuspend(&wait_mask);
    waitpid(pid, NULL, 0);
    printf("sigsuspend: handler ran %d time(s)\n", (int)usr1_runs);
    return usr1_runs == 1 ? 0 : 1;
}

static int timer_mode(void) {
    on_siginfo(SIGRTMIN + 2, on_timer);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN + 2;
    ev.sigev_value.sival_int = 77;
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) { perror("timer_create"); return 1; }
    struct itimerspec once = {{0, 0}, {0, 5 * 1000 * 1000}};
    printf("timer_settime = %d\n", timer_settime(timer, 0, &once, NULL));
    while (timer_runs < 1) sigsuspend(&old);
    printf("one-shot: handler ran %d time(s), value %d, si_code SI_TIMER: %s\n", (int)timer_runs, timer_value,
           timer_code == SI_TIMER ? "yes" : "no");
    struct itimerspec periodic = {{0, 2 * 1000 * 1000}, {0, 2 * 1000 * 1000}};
    timer_settime(timer, 0, &periodic, NULL);
    while (timer_runs < 4) sigsuspend(&old);
    struct itimerspec off = {{0, 0}, {0, 0}}, left;
    timer_settime(timer, 0, &off, NULL);
    timer_gettime(timer, &left);
    printf("periodic: handler ran %d time(s) in all, disarmed: %s\n", (int)timer_runs,
           left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0 ? "yes" : "no");
    printf("timer_delete = %d\n", timer_delete(timer));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "alarm-nanosleep")) return alarm_nanosleep();
    if (!strcmp(mode, "siginfo")) return siginfo_mode();
    if (!strcmp(mode, "altstack")) return altstack_mode();
    if (!strcmp(mode, "xmm")) return xmm_mode();
    if (!strcmp(mode, "resethand")) return resethand_mode();
    if (!strcmp(mode, "sigtimedwait")) return sigtimedwait_mode();
    if (!strcmp(mode, "signalfd")) return signalfd_mode();
    if (!strcmp(mode, "sigqueue")) return sigqueue_mode();
    if (!strcmp(mode, "timer")) return timer_mode();
    if (!strcmp(mode, "masked-wait")) return masked_wait_mode();
    if (!strcmp(mode, "suspend-mask")) return suspend_mask_mode();
    fprintf(stderr, "usage: signal_delivery alarm-nanosleep|siginfo|altstack|xmm|resethand|sigtimedwait|"
                    "signalfd|sigqueue|timer|masked-wait|suspend-mask\n");
    return 2;
}
