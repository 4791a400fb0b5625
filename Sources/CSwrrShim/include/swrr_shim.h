// swrr_shim.h: the few things Swift cannot call or see directly.
//
// glibc's ptrace() is variadic, so Swift cannot call it; the wait-status macros, rdtsc and cpuid
// are macros or instructions. Everything here is a thin, policy-free wrapper: decisions live in
// the Swift layers above. Beside it in this module: swrr_hash.h (MemoryDigest's hash) and
// swrr_crc32.h (the trace's CRC-32 by carry-less multiply).
#ifndef SWRR_SHIM_H
#define SWRR_SHIM_H

// No _GNU_SOURCE and few headers here: the types must match what Swift's Glibc module sees.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>
#include <signal.h>

// ---- ptrace -------------------------------------------------------------------------------
long swrr_ptrace(int request, pid_t pid, uintptr_t addr, uintptr_t data);
int swrr_getregs(pid_t pid, struct user_regs_struct *regs);
int swrr_setregs(pid_t pid, const struct user_regs_struct *regs);
int swrr_getfpregs(pid_t pid, struct user_fpregs_struct *fpregs);
int swrr_setfpregs(pid_t pid, const struct user_fpregs_struct *fpregs);
int swrr_getsiginfo(pid_t pid, siginfo_t *info);
long swrr_geteventmsg(pid_t pid, unsigned long *msg);
/// Reads the debug register `index` (0-7) of a stopped tracee.
long swrr_peek_debugreg(pid_t pid, int index, uint64_t *value);
long swrr_poke_debugreg(pid_t pid, int index, uint64_t value);
/// siginfo accessors (the fields live in unions Swift imports awkwardly).
int swrr_siginfo_signo(const siginfo_t *info);
int swrr_siginfo_code(const siginfo_t *info);
uint64_t swrr_siginfo_addr(const siginfo_t *info);

// ---- memory of another process ---------------------------------------------------------------
/// process_vm_readv of one range; returns bytes read or -1 with errno.
long swrr_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len);
/// process_vm_writev of one range (fails on read-only pages; see swrr_poke_memory).
long swrr_write_memory(pid_t pid, uint64_t addr, const void *buf, size_t len);
/// The PAGEMAP_SCAN ioctl (Linux 6.7+) on an open /proc/PID/pagemap: the page ranges of
/// [start, end) with any of the PAGE_IS_* bits `anyof` (PRESENT 1 << 3, SWAPPED 1 << 4), as up to
/// `count` (start, end, categories) triples in `regions`, adjacent pages of equal categories
/// merged; `*walk_end` is where the kernel stopped (end when it scanned everything). Returns the triples written,
/// or -1 with errno (ENOTTY on older kernels).
long swrr_pagemap_scan(int fd, uint64_t start, uint64_t end, uint64_t anyof, uint64_t *regions, size_t count,
                       uint64_t *walk_end);
/// The first index in [from, n) whose word has a bit of `mask` set (`set` nonzero) or none of
/// them (`set` zero); n when there is none. Pagemap entries in bulk: a Swift loop over 2^28
/// entries (1 TiB of addresses) takes seconds in a debug build.
size_t swrr_find_masked(const uint64_t *words, size_t from, size_t n, uint64_t mask, int set);

// ---- spawning -----------------------------------------------------------------------------
enum {
    SWRR_SPAWN_NO_ASLR = 1,        // personality(ADDR_NO_RANDOMIZE)
    SWRR_SPAWN_TRAP_TSC = 2,       // prctl(PR_SET_TSC, PR_TSC_SIGSEGV)
    SWRR_SPAWN_SET_STACK_LIMIT = 4,// setrlimit(RLIMIT_STACK, stack_limit)
    SWRR_SPAWN_NULL_STDIN = 8,     // stdin from /dev/null
    SWRR_SPAWN_NULL_STDOUT = 16,   // stdout and stderr to /dev/null
    SWRR_SPAWN_NO_CORE = 32,       // setrlimit(RLIMIT_CORE, 1): no core file, nor a core_pattern pipe
};
/// Forks a child that prepares itself (flags above, PR_SET_PDEATHSIG=SIGKILL, cwd), stops with
/// SIGSTOP and then, once resumed by the tracer, clears PR_SET_PDEATHSIG when `options` has
/// PTRACE_O_EXITKILL (the program sees 0, as natively) and calls execve(path, argv, envp).
/// The parent seizes it (PTRACE_SEIZE with `options`) and returns its pid with the child in a
/// ptrace stop just before execve. Returns -1 with errno on failure (nothing is left running).
/// The child's signal dispositions are reset: signals in `ignored_mask` (bit N-1 = signal N) are
/// SIG_IGN, all others SIG_DFL, and its blocked mask is `blocked_mask`.
pid_t swrr_spawn_seized(const char *path, char *const argv[], char *const envp[], const char *cwd,
                        int flags, uint64_t stack_limit_cur, uint64_t stack_limit_max,
                        uint64_t ignored_mask, uint64_t blocked_mask, long options);
/// The calling process's ignored-signal mask (bit N-1 = signal N), read with sigaction.
uint64_t swrr_ignored_signals(void);
/// The calling thread's blocked-signal mask.
uint64_t swrr_blocked_signals(void);
/// Raw siginfo_t of the current signal stop (128 bytes), and setting it before delivery.
int swrr_getsiginfo_raw(pid_t pid, void *buf128);
int swrr_setsiginfo_raw(pid_t pid, const void *buf128);

/// waitpid(pid or -1, __WALL) that gives up after about `timeout_ms` (0: wait forever).
/// Returns the pid, 0 on timeout, -1 with errno. Uses a per-thread SIGURG interval timer, so a
/// lost race only delays the timeout by one interval.
pid_t swrr_waitpid_timeout(pid_t pid, int *status, int timeout_ms);

/// waitpid with __WALL; returns pid or -1 (errno). EINTR is retried.
pid_t swrr_waitpid(pid_t pid, int *status, int options);

/// A blocking waitpid(pid, __WALL) that another thread can end early: after swrr_wake_setup
/// (once per process), swrr_wake_thread(tid of the waiting thread) makes it return -1 with errno
/// EINTR (SIGURG, whose handler is installed without SA_RESTART). Nothing is armed per call: one
/// waitpid syscall.
void swrr_wake_setup(void);
pid_t swrr_waitpid_wakeable(pid_t pid, int *status);
/// Sends SIGURG to thread `tid` of this process, ending its swrr_waitpid_wakeable.
int swrr_wake_thread(pid_t tid);
/// The calling thread's kernel tid (cached per thread: no syscall after the first).
pid_t swrr_gettid(void);

// ---- wait status decoding --------------------------------------------------------------------
int swrr_wifexited(int status);
int swrr_wexitstatus(int status);
int swrr_wifsignaled(int status);
int swrr_wtermsig(int status);
int swrr_wcoredump(int status);
int swrr_wifstopped(int status);
int swrr_wstopsig(int status);

// ---- CPU ----------------------------------------------------------------------------------
uint64_t swrr_rdtsc(void);
uint64_t swrr_rdtscp(uint32_t *aux);
void swrr_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

// ---- CPU affinity ---------------------------------------------------------------------------
/// CPU masks are `words` u64s, bit N of word N/64 for CPU N (the kernel's cpumask layout).
/// sched_getaffinity of task `tid` (0: the calling thread); returns 0 or -1 with errno.
int swrr_get_affinity(pid_t tid, uint64_t *mask, int words);
/// sched_setaffinity of task `tid` (0: the calling thread); returns 0 or -1 with errno.
int swrr_set_affinity(pid_t tid, const uint64_t *mask, int words);

// ---- perf events ------------------------------------------------------------------------------
/// perf_event_open for a software or hardware counter; returns fd or -1 (errno).
int swrr_perf_event_open(uint32_t type, uint64_t config, pid_t pid, int cpu, int group_fd,
                         int exclude_kernel, int disabled);

// ---- misc -----------------------------------------------------------------------------------
/// The errno of the calling thread (Swift's errno access goes through Glibc; kept for symmetry).
int swrr_errno(void);
/// Raw syscall(2) with six arguments.
long swrr_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#endif
