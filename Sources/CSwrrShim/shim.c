// shim.c: implementations of swrr_shim.h. See the header for why these exist.
#define _GNU_SOURCE 1
#include "swrr_shim.h"

#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cpuid.h>
#include <linux/perf_event.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <x86intrin.h>
#include <time.h>

long swrr_ptrace(int request, pid_t pid, uintptr_t addr, uintptr_t data) {
    errno = 0;
    return ptrace((enum __ptrace_request)request, pid, (void *)addr, (void *)data);
}

int swrr_getregs(pid_t pid, struct user_regs_struct *regs) {
    return (int)ptrace(PTRACE_GETREGS, pid, NULL, regs);
}
int swrr_setregs(pid_t pid, const struct user_regs_struct *regs) {
    return (int)ptrace(PTRACE_SETREGS, pid, NULL, (void *)regs);
}
int swrr_getfpregs(pid_t pid, struct user_fpregs_struct *fpregs) {
    return (int)ptrace(PTRACE_GETFPREGS, pid, NULL, fpregs);
}
int swrr_setfpregs(pid_t pid, const struct user_fpregs_struct *fpregs) {
    return (int)ptrace(PTRACE_SETFPREGS, pid, NULL, (void *)fpregs);
}
int swrr_getsiginfo(pid_t pid, siginfo_t *info) {
    return (int)ptrace(PTRACE_GETSIGINFO, pid, NULL, info);
}
long swrr_geteventmsg(pid_t pid, unsigned long *msg) {
    return ptrace(PTRACE_GETEVENTMSG, pid, NULL, msg);
}
long swrr_peek_debugreg(pid_t pid, int index, uint64_t *value) {
    errno = 0;
    long v = ptrace(PTRACE_PEEKUSER, pid,
                    (void *)(offsetof(struct user, u_debugreg) + (size_t)index * sizeof(long)), NULL);
    if (v == -1 && errno != 0) return -1;
    *value = (uint64_t)v;
    return 0;
}
long swrr_poke_debugreg(pid_t pid, int index, uint64_t value) {
    return ptrace(PTRACE_POKEUSER, pid,
                  (void *)(offsetof(struct user, u_debugreg) + (size_t)index * sizeof(long)),
                  (void *)value);
}
int swrr_siginfo_signo(const siginfo_t *info) { return info->si_signo; }
int swrr_siginfo_code(const siginfo_t *info) { return info->si_code; }
uint64_t swrr_siginfo_addr(const siginfo_t *info) { return (uint64_t)(uintptr_t)info->si_addr; }

long swrr_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len) {
    struct iovec local = {buf, len};
    struct iovec remote = {(void *)(uintptr_t)addr, len};
    return (long)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}
long swrr_write_memory(pid_t pid, uint64_t addr, const void *buf, size_t len) {
    struct iovec local = {(void *)buf, len};
    struct iovec remote = {(void *)(uintptr_t)addr, len};
    return (long)process_vm_writev(pid, &local, 1, &remote, 1, 0);
}

// struct pm_scan_arg and PAGEMAP_SCAN of the kernel's uapi linux/fs.h (6.7); Debian 12's
// headers predate them, so they are spelled out here: twelve __u64 fields, 96 bytes.
struct swrr_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
_Static_assert(sizeof(struct swrr_pm_scan_arg) == 96, "struct pm_scan_arg is twelve __u64");
#define SWRR_PAGEMAP_SCAN _IOWR('f', 16, struct swrr_pm_scan_arg)

long swrr_pagemap_scan(int fd, uint64_t start, uint64_t end, uint64_t anyof, uint64_t *regions, size_t count,
                       uint64_t *walk_end) {
    struct swrr_pm_scan_arg arg = {
        .size = sizeof arg, .start = start, .end = end, .walk_end = start,
        .vec = (uint64_t)(uintptr_t)regions, .vec_len = count,
        .category_anyof_mask = anyof, .return_mask = anyof,
    };
    long n = ioctl(fd, SWRR_PAGEMAP_SCAN, &arg);
    *walk_end = arg.walk_end;
    return n;
}

size_t swrr_find_masked(const uint64_t *words, size_t from, size_t n, uint64_t mask, int set) {
    size_t i = from;
    if (!set) {
        for (; i < n && (words[i] & mask); i++) {}
        return i;
    }
    // Mostly none set (a sparse mapping's holes): four words per test.
    for (; i + 4 <= n && !((words[i] | words[i + 1] | words[i + 2] | words[i + 3]) & mask); i += 4) {}
    for (; i < n && !(words[i] & mask); i++) {}
    return i;
}

int swrr_getsiginfo_raw(pid_t pid, void *buf128) {
    return (int)ptrace(PTRACE_GETSIGINFO, pid, NULL, buf128);
}
int swrr_setsiginfo_raw(pid_t pid, const void *buf128) {
    return (int)ptrace(PTRACE_SETSIGINFO, pid, NULL, (void *)buf128);
}

static void swrr_timeout_handler(int sig) { (void)sig; }
static __thread int swrr_timer_ready;
static __thread timer_t swrr_timer;

/// SIGURG interrupts waitpid: a handler that does nothing, installed without SA_RESTART so that
/// waitpid returns EINTR instead of being restarted.
static void swrr_install_wake_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = swrr_timeout_handler;
    sigaction(SIGURG, &sa, NULL);
}

pid_t swrr_waitpid_timeout(pid_t pid, int *status, int timeout_ms) {
    if (timeout_ms <= 0) return swrr_waitpid(pid, status, 0);
    if (!swrr_timer_ready) {
        swrr_install_wake_handler();
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = SIGURG;
        sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);  // sigev_notify_thread_id
        if (timer_create(CLOCK_MONOTONIC, &sev, &swrr_timer) != 0) return swrr_waitpid(pid, status, 0);
        swrr_timer_ready = 1;
    }
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = timeout_ms / 1000;
    its.it_value.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    its.it_interval = its.it_value;
    timer_settime(swrr_timer, 0, &its, NULL);
    pid_t r = waitpid(pid, status, __WALL);
    int saved = errno;
    memset(&its, 0, sizeof its);
    timer_settime(swrr_timer, 0, &its, NULL);
    if (r == -1 && saved == EINTR) return 0;
    errno = saved;
    return r;
}

void swrr_wake_setup(void) { swrr_install_wake_handler(); }

pid_t swrr_waitpid_wakeable(pid_t pid, int *status) {
    return waitpid(pid, status, __WALL);
}

int swrr_wake_thread(pid_t tid) {
    return (int)syscall(SYS_tgkill, getpid(), tid, SIGURG);
}

static __thread pid_t swrr_cached_tid;

pid_t swrr_gettid(void) {
    if (swrr_cached_tid == 0) swrr_cached_tid = (pid_t)syscall(SYS_gettid);
    return swrr_cached_tid;
}

pid_t swrr_waitpid(pid_t pid, int *status, int options) {
    pid_t r;
    do {
        r = waitpid(pid, status, options | __WALL);
    } while (r == -1 && errno == EINTR);
    return r;
}

pid_t swrr_spawn_seized(const char *path, char *const argv[], char *const envp[], const char *cwd,
                        int flags, uint64_t stack_limit_cur, uint64_t stack_limit_max,
                        uint64_t ignored_mask, uint64_t blocked_mask, long options) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        // Child: only async-signal-safe calls from here on.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(126);  // the tracer died before we got here
        if (flags & SWRR_SPAWN_NO_ASLR) {
            int p = personality(0xffffffff);
            if (p != -1) personality((unsigned long)p | ADDR_NO_RANDOMIZE);
        }
        if (flags & SWRR_SPAWN_TRAP_TSC) prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
        if (flags & SWRR_SPAWN_SET_STACK_LIMIT) {
            struct rlimit rl = {(rlim_t)stack_limit_cur, (rlim_t)stack_limit_max};
            setrlimit(RLIMIT_STACK, &rl);
        }
        if (flags & SWRR_SPAWN_NO_CORE) {
            // 1, not 0: the kernel ignores RLIMIT_CORE 0 when core_pattern is a pipe, but takes
            // a limit of 1 to mean "no dump" there (its own recursion guard), and 1 byte is below
            // the smallest ELF core, so no core file is written either.
            struct rlimit rl = {1, 1};
            setrlimit(RLIMIT_CORE, &rl);
        }
        if (flags & (SWRR_SPAWN_NULL_STDIN | SWRR_SPAWN_NULL_STDOUT)) {
            int fd = open("/dev/null", O_RDWR);
            if (fd >= 0) {
                if (flags & SWRR_SPAWN_NULL_STDIN) dup2(fd, 0);
                if (flags & SWRR_SPAWN_NULL_STDOUT) { dup2(fd, 1); dup2(fd, 2); }
                if (fd > 2) close(fd);
            }
        }
        if (cwd && chdir(cwd) != 0) _exit(126);
        for (int sig = 1; sig < 64; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            signal(sig, (ignored_mask >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL);
        }
        sigset_t set;
        // Nothing blocked while stopped: the parent's SIGCONT (below) must be taken before the
        // program's own mask is set, or it would stay pending into the program.
        sigemptyset(&set);
        sigprocmask(SIG_SETMASK, &set, NULL);
        kill(getpid(), SIGSTOP);
        for (int sig = 1; sig < 64; sig++)
            if ((blocked_mask >> (sig - 1)) & 1) sigaddset(&set, sig);
        sigprocmask(SIG_SETMASK, &set, NULL);
        // Resumed: swrr has seized us, with PTRACE_O_EXITKILL it ends us with swrr from now on.
        // The parent-death signal has done its job; the program must not find it set: natively
        // PR_GET_PDEATHSIG answers 0 to a program a shell starts (fork clears it), and recorded
        // it answered swrr's SIGKILL (issue 14).
        if (options & PTRACE_O_EXITKILL) prctl(PR_SET_PDEATHSIG, 0);
        execve(path, argv, envp);
        _exit(127);
    }
    int status = 0;
    if (swrr_waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
        int saved = errno ? errno : ECHILD;
        kill(pid, SIGKILL);
        swrr_waitpid(pid, &status, 0);
        errno = saved;
        return -1;
    }
    if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)options) != 0) {
        int saved = errno;
        kill(pid, SIGKILL);
        swrr_waitpid(pid, &status, 0);
        errno = saved;
        return -1;
    }
    // Seizing a stopped task makes it re-enter a ptrace group-stop that we must consume.
    if (swrr_waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
        int saved = errno ? errno : ECHILD;
        kill(pid, SIGKILL);
        swrr_waitpid(pid, &status, 0);
        errno = saved;
        return -1;
    }
    // Resuming it through ptrace does not end its process's stop for the kernel, which goes on
    // reporting every later PTRACE_EVENT_STOP (our PTRACE_INTERRUPTs included) with SIGSTOP, as
    // a group-stop, until a SIGCONT (measured: the recorder took its interrupt of a computing
    // program for a group-stop and left it stopped). SIGCONT ends that stop now; the signal
    // itself reaches the tracer as a delivery stop before execve, and its default action is none.
    kill(pid, SIGCONT);
    return pid;
}

uint64_t swrr_ignored_signals(void) {
    uint64_t mask = 0;
    for (int sig = 1; sig < 64; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) mask |= 1ULL << (sig - 1);
    }
    return mask;
}

uint64_t swrr_blocked_signals(void) {
    sigset_t set;
    uint64_t mask = 0;
    if (sigprocmask(SIG_BLOCK, NULL, &set) != 0) return 0;
    for (int sig = 1; sig < 64; sig++)
        if (sigismember(&set, sig) == 1) mask |= 1ULL << (sig - 1);
    return mask;
}

int swrr_wifexited(int status) { return WIFEXITED(status); }
int swrr_wexitstatus(int status) { return WEXITSTATUS(status); }
int swrr_wifsignaled(int status) { return WIFSIGNALED(status); }
int swrr_wtermsig(int status) { return WTERMSIG(status); }
int swrr_wcoredump(int status) { return WCOREDUMP(status); }
int swrr_wifstopped(int status) { return WIFSTOPPED(status); }
int swrr_wstopsig(int status) { return WSTOPSIG(status); }

uint64_t swrr_rdtsc(void) { return __rdtsc(); }
uint64_t swrr_rdtscp(uint32_t *aux) {
    unsigned int a = 0;
    uint64_t v = __rdtscp(&a);
    *aux = a;
    return v;
}
void swrr_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    unsigned int a, b, c, d;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    out[0] = a; out[1] = b; out[2] = c; out[3] = d;
}

int swrr_get_affinity(pid_t tid, uint64_t *mask, int words) {
    if (words <= 0) { errno = EINVAL; return -1; }
    memset(mask, 0, (size_t)words * 8);
    // The raw call returns the bytes it copied; the rest of the mask stays zero.
    long r = syscall(SYS_sched_getaffinity, tid, (size_t)words * 8, mask);
    return r < 0 ? -1 : 0;
}

int swrr_set_affinity(pid_t tid, const uint64_t *mask, int words) {
    if (words <= 0) { errno = EINVAL; return -1; }
    return syscall(SYS_sched_setaffinity, tid, (size_t)words * 8, mask) < 0 ? -1 : 0;
}

int swrr_perf_event_open(uint32_t type, uint64_t config, pid_t pid, int cpu, int group_fd,
                         int exclude_kernel, int disabled) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = type;
    attr.config = config;
    attr.exclude_kernel = exclude_kernel ? 1 : 0;
    attr.exclude_hv = 1;
    attr.disabled = disabled ? 1 : 0;
    return (int)syscall(SYS_perf_event_open, &attr, pid, cpu, group_fd, 0);
}

int swrr_errno(void) { return errno; }
long swrr_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
    return syscall(nr, a0, a1, a2, a3, a4, a5);
}
