// libswrrpreload.so: in-process syscall buffering (issue 7; the idea is rr's syscallbuf).
//
// swrr loads this library into the programs it records (LD_PRELOAD). It replaces a few libc
// functions (read, write, fstat, clock_gettime, syscall...). For a call that cannot block and
// whose effect is only its result and the bytes the kernel writes, it makes the syscall itself
// from the stub page, which the recorder's seccomp filter lets through without a ptrace stop
// (≈ 0.3 µs instead of ≈ 90 µs), and appends the result and those bytes to a per-thread buffer.
// The recorder reads the buffer at the thread's next recorded event and writes it into the trace.
// On replay the same code runs; the replayer has put the recorded records back into the buffer,
// and the library takes each result and copies each output from there instead of calling the
// kernel (swrr's stub page says which mode it is in). Everything else goes to the kernel as the
// program asked, through an ordinary (traced) syscall instruction.
//
// What the program must not notice, and how:
// - Registers. Every exported function is an assembly trampoline (below) around the C part. On
//   return it zeroes every caller-saved register but rax and the kilobyte of dead stack below the
//   return address, so what differs between recording (a real syscall) and replay (a copy from
//   the buffer) leaves no trace in the program's registers or stack. A call that is not buffered
//   is made from the trampoline with the program's own callee-saved registers, so its registers
//   at the recorded stop are the same in recording and replay.
// - errno: set only as libc would (-1 and errno for a failed call).
// - valgrind: its guest inherits LD_PRELOAD but not swrr's stub page, so the library stays off
//   there (on_valgrind) and leaves the dead stack alone, which memcheck would report.
// - Symbols: only the replaced libc functions are exported (visibility hidden for the rest).
// - Signals: a signal handler that makes a buffered call while the thread is inside one (the
//   buffer is locked) makes it unbuffered.
// - Bad arguments: the answer is the kernel's (EFAULT, EINVAL), recorded and replayed. Recording,
//   the library reads what the program points to before a call only through the kernel
//   (read_own: socket address lengths, readv's iovec array), and after it only the bytes the
//   kernel wrote; a call that failed with EFAULT keeps what it wrote before the fault
//   (faulted_outputs); sizes are bounded before they are added (output_max); keys and
//   descriptors are compared in the width the kernel takes them (struct rule).
//
// Determinism rules for the buffer (swrr writes `used` and `limit` in the header):
// - the library starts a record only if `used < limit` and the record's largest size fits;
// - recording: swrr sets used = 0 and limit = SWRR_BUFFER_SIZE after it has read the records
//   (at a recorded event of the thread), and limit = 0 to make the next call trap (a signal is
//   waiting to be delivered at a syscall, or a vfork child shares the buffer);
// - replaying: swrr writes the recorded records and sets limit to their end, so the library
//   buffers exactly the calls it buffered when recorded and traps at the same call.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include "include/swrr_syscallbuf.h"

#pragma GCC visibility push(hidden)

// ---- raw syscalls ---------------------------------------------------------------------------

// swrr_untraced(nr, a0..a5): through the stub page (no ptrace stop while recording).
// swrr_traced(nr, a0..a5): through this library's own syscall instruction (recorded as usual),
// followed by `ret` and SWRR_OWN_MARKER: the program's own seccomp filters do not act on these
// calls, which the program never makes natively.
// swrr_own_untraced(nr, a0..a5): swrr_untraced for the library's own calls (not the program's),
// with SWRR_OWN_UNTRACED_TAG in rbx while the stub runs.
// swrr_call(nr, a0..a5): one of swrr's own calls, through the stub page's SWRR_STUB_CALL (whose
// `syscall; ret` is followed by SWRR_OWN_MARKER too).
long swrr_untraced(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long swrr_traced(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long swrr_own_untraced(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long swrr_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
#define SWRR_STR2(x) #x
#define SWRR_STR(x) SWRR_STR2(x)
__asm__(
    ".text\n"
    ".globl swrr_untraced\n.hidden swrr_untraced\n.type swrr_untraced,@function\n"
    "swrr_untraced:\n"
    "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
    "  mov %r8, %r10\n  mov %r9, %r8\n  mov 8(%rsp), %r9\n"
    "  movabs $0x70001000, %r11\n"   // SWRR_STUB_UNTRACED; its `ret` returns to our caller
    "  jmp *%r11\n"
    ".size swrr_untraced, .-swrr_untraced\n"
    ".globl swrr_traced\n.hidden swrr_traced\n.type swrr_traced,@function\n"
    "swrr_traced:\n"
    "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
    "  mov %r8, %r10\n  mov %r9, %r8\n  mov 8(%rsp), %r9\n"
    "  syscall\n"
    "  ret\n"
    "  .ascii \"" SWRR_OWN_MARKER "\"\n"
    ".size swrr_traced, .-swrr_traced\n"
    ".globl swrr_own_untraced\n.hidden swrr_own_untraced\n.type swrr_own_untraced,@function\n"
    "swrr_own_untraced:\n"
    "  push %rbx\n"
    "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
    "  mov %r8, %r10\n  mov %r9, %r8\n  mov 16(%rsp), %r9\n"
    "  movabs $" SWRR_STR(SWRR_OWN_UNTRACED_TAG) ", %rbx\n"
    "  movabs $0x70001000, %r11\n"   // SWRR_STUB_UNTRACED; its `ret` comes back here
    "  call *%r11\n"
    "  pop %rbx\n"
    "  ret\n"
    ".size swrr_own_untraced, .-swrr_own_untraced\n"
    ".globl swrr_call\n.hidden swrr_call\n.type swrr_call,@function\n"
    "swrr_call:\n"
    "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
    "  mov %r8, %r10\n  mov %r9, %r8\n  mov 8(%rsp), %r9\n"
    "  movabs $0x70001010, %r11\n"   // SWRR_STUB_CALL; its `ret` returns to our caller
    "  jmp *%r11\n"
    ".size swrr_call, .-swrr_call\n");

// swrr_clear_dead_stack(): zeroes the SWRR_DEAD_STACK bytes below its return address, the stack
// the C part used below its caller. The C part writes different things there in the two modes
// (recording: classify's struct stat and statfs, the desched ioctls' frames; replay: the copies
// from the records), and a thread stopped at a recorded syscall while its stack still holds them
// is part of another thread's state signature: a process's whole writable memory, where only the
// thread at the position has its dead stack left out. Measured: thread_exits sigkill with blocking
// epoll_wait buffered diverged at the spinning thread's preemption in 5 of 5 recordings, the
// memory differing only by 56 bytes below the epoll thread's frame (the epoll descriptor's
// struct stat, from the recording's classification) while that thread sat in the desched event's
// fcntl. 1024 bytes: the deepest C path below a trampoline is swrr_try_buffered (352 bytes of
// frame with -fstack-usage at -O2), classify (368) and swrr_own_untraced's (24), about 760.
// Only in a process with the stub page (swrr_stub_present, below; before the library's
// constructor has asked, the C part has buffered nothing, so there is nothing to clear): under
// valgrind memcheck reports each such write as "Invalid write of size 1 ... 1024 bytes below stack
// pointer", an error of the program that the program does not have natively.
#define SWRR_DEAD_STACK 1024
void swrr_clear_dead_stack(void);
__asm__(
    ".text\n"
    ".globl swrr_clear_dead_stack\n.hidden swrr_clear_dead_stack\n.type swrr_clear_dead_stack,@function\n"
    "swrr_clear_dead_stack:\n"
    "  cmpl $1, swrr_stub_present(%rip)\n"
    "  jne 1f\n"
    "  lea -" SWRR_STR(SWRR_DEAD_STACK) "(%rsp), %rdi\n"
    "  mov $" SWRR_STR(SWRR_DEAD_STACK) ", %ecx\n"
    "  xor %eax, %eax\n"
    "  rep stosb\n"
    "1:\n"
    "  ret\n"
    ".size swrr_clear_dead_stack, .-swrr_clear_dead_stack\n");

static inline int replaying(void) {
    return *(volatile const uint32_t *)SWRR_STUB_MODE != 0;
}

// ---- the per-thread buffer --------------------------------------------------------------------

enum { THREAD_NEW = 0, THREAD_BUFFERING = 1, THREAD_OFF = 2 };

// Initial-exec TLS: the library is loaded at startup, so its TLS is in the static block and
// reached through %fs without a call. A thread made by clone without a new TLS (vfork,
// posix_spawn) shares its parent's, and so its buffer: swrr sets the buffer's limit to 0 while
// such a child runs, so the child never writes a record into it.
static __thread __attribute__((tls_model("initial-exec"))) struct swrr_buffer_header *thread_buffer;
static __thread __attribute__((tls_model("initial-exec"))) int thread_state;
// The thread's desched event (-1: none yet, -2: none possible: blocking calls stay unbuffered).
static __thread __attribute__((tls_model("initial-exec"))) int thread_desched = -1;

// glibc's pthread_atfork without its DSO handle (which crtbeginS.o, left out here, would define).
__attribute__((visibility("default"))) extern int __register_atfork(void (*prepare)(void), void (*parent)(void),
                                                                  void (*child)(void), void *dso);

// A forked child has its parent's event, which counts the parent's switches: it makes its own.
static void forget_desched(void) {
    thread_desched = -1;
}

// A thread ends: its desched event and its buffer go (a program making many threads would
// otherwise run out of descriptors). A pthread key destructor, so it runs in replay too.
static void end_thread(void *unused) {
    (void)unused;
    if (thread_desched >= 0) swrr_traced(SYS_close, thread_desched, 0, 0, 0, 0, 0);
    thread_desched = -2;
    if (thread_state == THREAD_BUFFERING) {
        thread_state = THREAD_OFF;
        swrr_traced(SYS_munmap, (long)thread_buffer, SWRR_BUFFER_SIZE, 0, 0, 0, 0);
        thread_buffer = 0;
    }
}

// Opens the thread's desched event (see swrr_syscallbuf.h); all its calls are recorded (and
// answered from the trace on replay, where no signal is ever raised: a call that was interrupted
// when recorded is an ordinary syscall in the trace).
static void start_desched(void) {
    thread_desched = -2;
    struct perf_event_attr attr;
    for (unsigned i = 0; i < sizeof attr; i++) ((char *)&attr)[i] = 0;
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.disabled = 1;
    attr.sample_period = 1;
    static pthread_key_t exit_key;
    static int key_made;
    if (!key_made) {
        key_made = 1;
        if (pthread_key_create(&exit_key, end_thread) != 0) key_made = 2;
    }
    if (key_made == 1) pthread_setspecific(exit_key, (void *)1);
    long fd = swrr_traced(SYS_perf_event_open, (long)&attr, 0, -1, -1, 8 /* PERF_FLAG_FD_CLOEXEC */, 0);
    if (fd < 0) return;
    // Out of the way of the program's own descriptors.
    long high = swrr_traced(SYS_fcntl, fd, 1030 /* F_DUPFD_CLOEXEC */, SWRR_DESCHED_FD_MIN, 0, 0, 0);
    swrr_traced(SYS_close, fd, 0, 0, 0, 0, 0);
    if (high < 0) return;
    struct { int type; int pid; } owner = {0 /* F_OWNER_TID */, (int)swrr_traced(SYS_gettid, 0, 0, 0, 0, 0, 0)};
    if (swrr_traced(SYS_fcntl, high, 15 /* F_SETOWN_EX */, (long)&owner, 0, 0, 0) != 0 ||
        swrr_traced(SYS_fcntl, high, 10 /* F_SETSIG */, SWRR_DESCHED_SIGNAL, 0, 0, 0) != 0 ||
        swrr_traced(SYS_fcntl, high, 4 /* F_SETFL */, 020000 /* O_ASYNC */, 0, 0, 0) != 0 ||
        swrr_call(SWRR_CALL_REGISTER_DESCHED, high, 0, 0, 0, 0, 0) != 0) {
        swrr_traced(SYS_close, high, 0, 0, 0, 0, 0);
        return;
    }
    thread_desched = (int)high;
}

// Maps and registers this thread's buffer. Both calls are recorded (and replayed: the mmap at the
// same address, the registration's answer from the trace).
static void patch_libc(void);
static void patch_vdso(void);

// Whether this code runs on valgrind's synthetic CPU: valgrind's client-request ABI (its manual,
// "The Client Request mechanism"; valgrind.h describes the amd64 sequence). Natively the four
// rotations of rdi add up to 128 bits (no change) and `xchg %rbx,%rbx` does nothing, so rdx keeps
// its default 0; valgrind's JIT recognises the sequence and puts the request's answer in rdx
// instead (RUNNING_ON_VALGRIND, request 0x1001: how many valgrinds run the code). The answer is
// the same in recording and replay, which both run the same program (valgrind or not).
static unsigned long on_valgrind(void) {
    volatile unsigned long request[6] = {0x1001 /* VG_USERREQ__RUNNING_ON_VALGRIND */, 0, 0, 0, 0, 0};
    unsigned long answer = 0;
    __asm__ volatile("rolq $3, %%rdi\n  rolq $13, %%rdi\n  rolq $61, %%rdi\n  rolq $51, %%rdi\n"
                     "xchgq %%rbx, %%rbx\n"
                     : "+d"(answer) : "a"(request) : "cc", "memory");
    return answer;
}

// Whether swrr mapped its stub page in this process (swrr_call jumps there): asked once per
// process with a recorded madvise of the page (0 there, ENOMEM where nothing is mapped: the library
// loaded without swrr, as by SyscallBufferLayoutTests, then makes no call of swrr's). Under
// valgrind (its guest inherits LD_PRELOAD) the madvise reaches the kernel, where valgrind's own
// process does have the page, but the guest's address space, which valgrind keeps apart, does
// not: a jump there is valgrind's "Bad permissions for mapped region at address 0x70001010". So
// the library stays off there and every syscall of the guest is recorded the ordinary way.
// Also read by the trampolines: only where the stub is present do they clear the dead stack.
int swrr_stub_present = -1;

static void start_thread(void) {
    thread_state = THREAD_OFF;
    if (swrr_stub_present < 0)
        swrr_stub_present = !on_valgrind() &&
            swrr_traced(SYS_madvise, (long)SWRR_STUB_PAGE, 4096, 0 /* MADV_NORMAL */, 0, 0, 0) == 0;
    if (!swrr_stub_present) return;
    long b = swrr_traced(SYS_mmap, 0, SWRR_BUFFER_SIZE, 0x3 /* PROT_READ|PROT_WRITE */,
                         0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
    if (b < 0 && b > -4096) return;
    struct swrr_buffer_header *h = (struct swrr_buffer_header *)b;
    h->used = 0;
    h->limit = 0;
    h->locked = 0;
    long answer = swrr_call(SWRR_CALL_REGISTER_BUFFER, b, SWRR_BUFFER_SIZE, 0, 0, 0, 0);
    if (answer != 0 && answer != SWRR_BUFFER_PATCH) {
        swrr_traced(SYS_munmap, b, SWRR_BUFFER_SIZE, 0, 0, 0, 0);
        return;
    }
    thread_buffer = h;
    thread_state = THREAD_BUFFERING;
    if (answer == SWRR_BUFFER_PATCH) {
        patch_libc();
        patch_vdso();
    }
    static int atfork_registered;
    if (!atfork_registered) {
        atfork_registered = 1;
        __register_atfork(0, 0, forget_desched, 0);
    }
}

static inline uint8_t *records(struct swrr_buffer_header *h) { return (uint8_t *)(h + 1); }

static const uint32_t record_space = SWRR_BUFFER_SIZE - sizeof(struct swrr_buffer_header);

// Whether a record of at most `need` bytes may start now (see the rules at the top).
static inline int may_start(struct swrr_buffer_header *h, uint64_t need) {
    uint32_t used = *(volatile uint32_t *)&h->used;
    uint32_t limit = *(volatile uint32_t *)&h->limit;
    return used < limit && used + need <= record_space;
}

static inline uint32_t aligned8(uint64_t n) { return (uint32_t)((n + 7) & ~7ull); }

// The copy stores aligned 8-byte words where it can: on replay this is how a buffered call's
// output reaches the program, and a debugger's write watchpoint traps after every store that
// touches its bytes. Byte by byte (one `rep movsb`), a read() of 1111 into a watched long showed
// as two writes, 87 and then 1111; by aligned words, an aligned long arrives in one store.
static void copy_bytes(uint8_t *to, const uint8_t *from, uint64_t n) {
    uint64_t head = (8 - ((uintptr_t)to & 7)) & 7;
    if (head > n) head = n;
    n -= head;
    uint64_t words = n / 8, tail = n % 8;
    __asm__ __volatile__("rep movsb" : "+D"(to), "+S"(from), "+c"(head) : : "memory");
    __asm__ __volatile__("rep movsq" : "+D"(to), "+S"(from), "+c"(words) : : "memory");
    __asm__ __volatile__("rep movsb" : "+D"(to), "+S"(from), "+c"(tail) : : "memory");
}

// ---- what can be buffered ----------------------------------------------------------------------

// An output the kernel writes at argument `arg` (skipped when it is NULL): `size` bytes (below
// 0x4000), or by the size's kind:
// - RESULT_SIZED: as many bytes as the call returned (at most argument `max_arg`);
// - IOVECS: as many bytes as the call returned, scattered over the iovec array at `arg` with
//   argument `max_arg` entries (readv);
// - ARG_UNITS(n): argument `max_arg` times n bytes (poll's array of n-byte pollfds);
// - RESULT_UNITS(n): the result times n bytes, at most argument `max_arg` times n (epoll_wait's
//   ready events);
// - SOCKLEN: a socket address whose socklen_t is at argument `max_arg` (value-result): the kernel
//   writes the address's real length there and at most as many bytes of it as the length held
//   before the call (and never more than a sockaddr_storage, 128). That length output comes
//   first in the rule, so replay has put it back when the address's length is computed, from
//   the length before (taken ahead of the call, and of replay's copies) and the length after.
#define RESULT_SIZED 0
#define IOVECS 0xFFFF
#define SOCKLEN 0xC000
#define SOCKADDR_MAX 128
#define ARG_UNITS(n) (0x4000 | (n))
#define RESULT_UNITS(n) (0x8000 | (n))
#define SIZE_KIND(size) ((size) & 0xC000)
#define SIZE_UNIT(size) ((size) & 0x3FFF)
// Larger arrays than these are left to an ordinary syscall (the kernel checks them, not us).
// 16384 units: redis's epoll_wait asks for maxclients + 128 = 10128 events (121,536 bytes of room
// in the 1 MiB buffer, though it gets a few); with 4096 every one of its calls stopped.
#define MAX_IOVECS 64
#define MAX_UNITS 16384
struct output { int8_t arg; int8_t max_arg; uint16_t size; };

#define ANY_KEY (-1)
// The key argument must be NULL, all 64 bits of it (a pointer whose low half is 0 is no NULL): the
// query forms of calls that otherwise change kernel state replay needs (rt_sigaction without a new
// action, rt_sigprocmask without a new mask, prlimit64 without new limits).
#define NULL_KEY (-2)
#define FD0 1   // argument 0 is a descriptor a read or write could block on: classified first
#define FD2 4   // argument 2 likewise (copy_file_range's destination)
#define MAY_BLOCK 8 // on a descriptor that may block, buffered with the desched event armed

// A key's width is the rule's data: a number key is compared in its low 32 bits, because every
// such argument is one the kernel itself takes as a 32-bit int and truncates (ioctl's request and
// fcntl's command: unsigned int; futex's op, poll's and epoll_wait's timeout: int; so
// poll(fds, 1, 1L << 32) does not wait); a pointer key is NULL_KEY, compared in all 64 bits.
struct rule {
    int16_t number;
    int32_t key;          // the value the key argument must have (ioctl request, fcntl command,
                          // poll's timeout...), NULL_KEY, or ANY_KEY
    uint8_t fds;          // FD0 | FD2
    int8_t outputs;
    struct output out[2];
    int8_t key_arg;       // the key argument minus 1 (0: argument 1, the default)
};

#define KEY_ARG(n) .key_arg = (n) - 1

#define NO_OUT 0, {{0}}
#define OUT1(a, m, n) 1, {{a, m, n}}

// The calls this library buffers and the bytes the kernel writes for each (the rules of one
// number next to each other: rule_for looks from the first one on): the same rules as
// SyscallTable.swift's (SyscallBufferLayoutTests checks them against each other). None of them
// can block on another task: reads and writes only on descriptors classified as unable to block,
// opens only of paths that are not FIFOs, sockets or devices (see open_may_block).
static const struct rule rules[] = {
    {SYS_read, ANY_KEY, FD0 | MAY_BLOCK, OUT1(1, 2, RESULT_SIZED)},
    {SYS_write, ANY_KEY, FD0 | MAY_BLOCK, NO_OUT},
    {SYS_pread64, ANY_KEY, FD0 | MAY_BLOCK, OUT1(1, 2, RESULT_SIZED)},
    {SYS_pwrite64, ANY_KEY, FD0 | MAY_BLOCK, NO_OUT},
    {SYS_lseek, ANY_KEY, 0, NO_OUT},
    {SYS_close, ANY_KEY, 0, NO_OUT},
    {SYS_openat, ANY_KEY, 0, NO_OUT},
    {SYS_stat, ANY_KEY, 0, OUT1(1, 0, 144)},
    {SYS_fstat, ANY_KEY, 0, OUT1(1, 0, 144)},
    {SYS_lstat, ANY_KEY, 0, OUT1(1, 0, 144)},
    {SYS_newfstatat, ANY_KEY, 0, OUT1(2, 0, 144)},
    {SYS_statx, ANY_KEY, 0, OUT1(4, 0, 256)},
    {SYS_access, ANY_KEY, 0, NO_OUT},
    {SYS_faccessat, ANY_KEY, 0, NO_OUT},
    {SYS_faccessat2, ANY_KEY, 0, NO_OUT},
    {SYS_readlink, ANY_KEY, 0, OUT1(1, 2, RESULT_SIZED)},
    {SYS_readlinkat, ANY_KEY, 0, OUT1(2, 3, RESULT_SIZED)},
    {SYS_getdents64, ANY_KEY, FD0, OUT1(1, 2, RESULT_SIZED)},
    {SYS_copy_file_range, ANY_KEY, FD0 | FD2, 2, {{1, 0, 8}, {3, 0, 8}}},
    {SYS_fadvise64, ANY_KEY, 0, NO_OUT},
    {SYS_ioctl, 0x541B /* FIONREAD */, 0, OUT1(2, 0, 4)},
    {SYS_ioctl, 0x5401 /* TCGETS */, 0, OUT1(2, 0, 36)},
    {SYS_ioctl, 0x5413 /* TIOCGWINSZ */, 0, OUT1(2, 0, 8)},
    {SYS_ioctl, 0x40049409 /* FICLONE */, 0, NO_OUT},
    {SYS_fcntl, 1 /* F_GETFD */, 0, NO_OUT},
    {SYS_fcntl, 2 /* F_SETFD */, 0, NO_OUT},
    {SYS_fcntl, 3 /* F_GETFL */, 0, NO_OUT},
    {SYS_fcntl, 4 /* F_SETFL */, 0, NO_OUT},
    {SYS_fcntl, 0 /* F_DUPFD */, 0, NO_OUT},
    {SYS_fcntl, 1030 /* F_DUPFD_CLOEXEC */, 0, NO_OUT},
    {SYS_mkdir, ANY_KEY, 0, NO_OUT},
    {SYS_mkdirat, ANY_KEY, 0, NO_OUT},
    {SYS_rmdir, ANY_KEY, 0, NO_OUT},
    {SYS_unlink, ANY_KEY, 0, NO_OUT},
    {SYS_unlinkat, ANY_KEY, 0, NO_OUT},
    {SYS_rename, ANY_KEY, 0, NO_OUT},
    {SYS_renameat, ANY_KEY, 0, NO_OUT},
    {SYS_renameat2, ANY_KEY, 0, NO_OUT},
    {SYS_link, ANY_KEY, 0, NO_OUT},
    {SYS_linkat, ANY_KEY, 0, NO_OUT},
    {SYS_symlink, ANY_KEY, 0, NO_OUT},
    {SYS_symlinkat, ANY_KEY, 0, NO_OUT},
    {SYS_chmod, ANY_KEY, 0, NO_OUT},
    {SYS_fchmod, ANY_KEY, 0, NO_OUT},
    {SYS_chown, ANY_KEY, 0, NO_OUT},
    {SYS_fchown, ANY_KEY, 0, NO_OUT},
    {SYS_lchown, ANY_KEY, 0, NO_OUT},
    {SYS_fchownat, ANY_KEY, 0, NO_OUT},
    {SYS_utimensat, ANY_KEY, 0, NO_OUT},
    // (truncate by path is not buffered: the path may name a mapped file, see SWRR_FD_MAPPED.)
    {SYS_ftruncate, ANY_KEY, FD0, NO_OUT},
    {SYS_fsync, ANY_KEY, 0, NO_OUT},
    {SYS_fdatasync, ANY_KEY, 0, NO_OUT},
    {SYS_umask, ANY_KEY, 0, NO_OUT},
    {SYS_clock_gettime, ANY_KEY, 0, OUT1(1, 0, 16)},
    {SYS_clock_getres, ANY_KEY, 0, OUT1(1, 0, 16)},
    {SYS_gettimeofday, ANY_KEY, 0, 2, {{0, 0, 16}, {1, 0, 8}}},
    {SYS_time, ANY_KEY, 0, OUT1(0, 0, 8)},
    {SYS_uname, ANY_KEY, 0, OUT1(0, 0, 390)},
    {SYS_sysinfo, ANY_KEY, 0, OUT1(0, 0, 112)},
    {SYS_getrusage, ANY_KEY, 0, OUT1(1, 0, 144)},
    {SYS_getpid, ANY_KEY, 0, NO_OUT},
    {SYS_getppid, ANY_KEY, 0, NO_OUT},
    {SYS_gettid, ANY_KEY, 0, NO_OUT},
    {SYS_getuid, ANY_KEY, 0, NO_OUT},
    {SYS_geteuid, ANY_KEY, 0, NO_OUT},
    {SYS_getgid, ANY_KEY, 0, NO_OUT},
    {SYS_getegid, ANY_KEY, 0, NO_OUT},
    {SYS_getpgrp, ANY_KEY, 0, NO_OUT},
    {SYS_getrandom, ANY_KEY, 0, OUT1(0, 1, RESULT_SIZED)},
    {SYS_readv, ANY_KEY, FD0 | MAY_BLOCK, OUT1(1, 2, IOVECS)},
    {SYS_writev, ANY_KEY, FD0 | MAY_BLOCK, NO_OUT},
    // poll and epoll_wait only with a zero timeout (they cannot wait then).
    {SYS_poll, 0, 0, OUT1(0, 1, ARG_UNITS(8)), KEY_ARG(2)},
    {SYS_epoll_wait, 0, 0, OUT1(1, 2, RESULT_UNITS(12)), KEY_ARG(3)},
    // With a timeout, armed with the desched event: a server under load mostly finds events
    // ready (redis under redis-benchmark's 210,000 requests: 18,070 of 20,479 calls buffered, the
    // others blocked and were made again as ordinary syscalls; 27,482 events before, 5,548 with
    // it). A thread that sits in such an ordinary call needs its dead stack cleared first
    // (swrr_clear_dead_stack). poll with a timeout is not buffered: an interrupted poll has
    // written every revents already (measured: EINTR, and a revents of 0x7777 is 0), so while its
    // thread blocks in the ordinary call the memory differs from replay's, which makes no
    // interrupted call.
    {SYS_epoll_wait, ANY_KEY, FD0 | MAY_BLOCK, OUT1(1, 2, RESULT_UNITS(12))},
    {SYS_futex, 1 /* FUTEX_WAKE */, 0, NO_OUT},
    {SYS_futex, 129 /* FUTEX_WAKE_PRIVATE */, 0, NO_OUT},
    {SYS_socket, ANY_KEY, 0, NO_OUT},
    {SYS_sendto, ANY_KEY, FD0 | MAY_BLOCK, NO_OUT},
    // recv and recvfrom without the sender's address (src_addr NULL: a pointer, all 64 bits of it;
    // keyed on 0 in 32 bits, a src_addr of 0x7f1200000000 matched, and the address the kernel
    // wrote there was neither recorded nor replayed).
    {SYS_recvfrom, NULL_KEY, FD0 | MAY_BLOCK, OUT1(1, 2, RESULT_SIZED), KEY_ARG(4)},
    // Extended attributes (cp -a: flistxattr twice, fgetxattr and fsetxattr per file). They read
    // or write the inode's attributes, never open the file, and never wait for another task.
    {SYS_getxattr, ANY_KEY, 0, OUT1(2, 3, RESULT_SIZED)},
    {SYS_lgetxattr, ANY_KEY, 0, OUT1(2, 3, RESULT_SIZED)},
    {SYS_fgetxattr, ANY_KEY, 0, OUT1(2, 3, RESULT_SIZED)},
    {SYS_listxattr, ANY_KEY, 0, OUT1(1, 2, RESULT_SIZED)},
    {SYS_llistxattr, ANY_KEY, 0, OUT1(1, 2, RESULT_SIZED)},
    {SYS_flistxattr, ANY_KEY, 0, OUT1(1, 2, RESULT_SIZED)},
    {SYS_setxattr, ANY_KEY, 0, NO_OUT},
    {SYS_lsetxattr, ANY_KEY, 0, NO_OUT},
    {SYS_fsetxattr, ANY_KEY, 0, NO_OUT},
    {SYS_removexattr, ANY_KEY, 0, NO_OUT},
    {SYS_lremovexattr, ANY_KEY, 0, NO_OUT},
    {SYS_fremovexattr, ANY_KEY, 0, NO_OUT},
    // A server's per-connection calls (redis: accept4, getpeername, setsockopt, epoll_ctl). The
    // socket's addresses, its options and the epoll set are kernel state replay never consults:
    // SyscallTable emulates all of them. accept4 waits for a connection on a blocking socket:
    // with the desched event armed, as recvfrom.
    {SYS_getsockname, ANY_KEY, 0, 2, {{2, 0, 4}, {1, 2, SOCKLEN}}},
    {SYS_getpeername, ANY_KEY, 0, 2, {{2, 0, 4}, {1, 2, SOCKLEN}}},
    {SYS_setsockopt, ANY_KEY, 0, NO_OUT},
    {SYS_epoll_ctl, ANY_KEY, 0, NO_OUT},
    {SYS_accept4, ANY_KEY, FD0 | MAY_BLOCK, 2, {{2, 0, 4}, {1, 2, SOCKLEN}}},
    // Queries of the task's own kernel state, which they leave as it is: replay runs the setting
    // forms of these calls (it delivers signals through the kernel, with the real handlers and
    // mask), but a query changes nothing there, so its answer can come from the record. python3
    // asks for every signal's action at each interpreter start (62 of its 253 events were
    // rt_sigaction(sig, NULL, &old)); glibc's posix_spawn child asks too, before resetting each.
    {SYS_rt_sigaction, NULL_KEY, 0, OUT1(2, 0, 32)},
    {SYS_rt_sigprocmask, NULL_KEY, 0, OUT1(2, 3, ARG_UNITS(1))},
    {SYS_prlimit64, NULL_KEY, 0, OUT1(3, 0, 16), KEY_ARG(2)},
    {SYS_getcwd, ANY_KEY, 0, OUT1(0, 1, RESULT_SIZED)},
};

#define RULE_COUNT (sizeof rules / sizeof rules[0])
#define MAX_RULE_NUMBER 512

// Each number's first rule (index + 1; 0: none), made at the first lookup: a loop of buffered
// calls would otherwise scan the table for every call.
static uint8_t first_rule[MAX_RULE_NUMBER];
static int first_rule_made;

static void make_first_rule(void) {
    for (unsigned i = RULE_COUNT; i-- > 0;) {
        if ((unsigned)rules[i].number < MAX_RULE_NUMBER) first_rule[rules[i].number] = (uint8_t)(i + 1);
    }
    first_rule_made = 1;
}

static const struct rule *rule_for(long nr, const long *args) {
    if ((unsigned long)nr >= MAX_RULE_NUMBER) return 0;
    if (!first_rule_made) make_first_rule();
    unsigned first = first_rule[nr];
    if (!first) return 0;
    for (unsigned i = first - 1; i < RULE_COUNT && rules[i].number == nr; i++) {
        const struct rule *r = &rules[i];
        if (r->key == NULL_KEY) {
            if (args[r->key_arg + 1] != 0) continue;
        } else if (r->key != ANY_KEY && (uint32_t)args[r->key_arg + 1] != (uint32_t)r->key) continue;
        // Output to stdout and stderr stays recorded call by call: swrr replay echoes it from the
        // program's memory at each recorded write, and refuses copy_file_range into it. (The
        // kernel takes a descriptor as a 32-bit int: write(1L << 32 | 1, ...) writes to stdout.)
        if ((nr == SYS_write || nr == SYS_pwrite64 || nr == SYS_writev) &&
            ((uint32_t)args[0] == 1 || (uint32_t)args[0] == 2)) return 0;
        if (nr == SYS_copy_file_range && ((uint32_t)args[2] == 1 || (uint32_t)args[2] == 2)) return 0;
        return r;
    }
    return 0;
}

struct iovec_words { uint64_t base, length; };

// Reads `n` bytes at `from` (the program's memory) into `to` through the kernel, with
// process_vm_readv of this process: recording only (replay makes no syscall here). Returns the
// bytes read, fewer when part of the range is unmapped: read directly, a pointer the kernel
// answers with EFAULT crashed the program inside this library instead (SIGSEGV).
static long read_own(void *to, uint64_t from, uint64_t n) {
    long pid = swrr_own_untraced(SYS_getpid, 0, 0, 0, 0, 0, 0);
    struct iovec_words local = {(uint64_t)(uintptr_t)to, n}, remote = {from, n};
    return swrr_own_untraced(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote, 1, 0);
}

// The same the other way (process_vm_writev): returns the bytes written, fewer from the first one
// the program cannot write (unmapped or read-only).
static long write_own(uint64_t to, const void *from, uint64_t n) {
    long pid = swrr_own_untraced(SYS_getpid, 0, 0, 0, 0, 0, 0);
    struct iovec_words local = {(uint64_t)(uintptr_t)from, n}, remote = {to, n};
    return swrr_own_untraced(SYS_process_vm_writev, pid, (long)&local, 1, (long)&remote, 1, 0);
}

// readv's iovec array as the kernel takes it, once, before the call (import_iovec): the output's
// size comes from its lengths, and its bytes are copied to and from its bases as they were then.
// Read again after the call, an iovec that the read itself overwrote (a base pointing into the
// array) sent the copy to the bytes' new value. Thread-local, as the call is; all zeros outside
// a call in both modes (cleared by swrr_try_buffered), so recording and replay leave the same
// memory: recording reads it through the kernel (read_own), replay directly (the call has a record,
// so the array was readable when recorded, and memory is the same now).
static __thread __attribute__((tls_model("initial-exec"))) struct iovec_words iovecs_taken[MAX_IOVECS];
static __thread __attribute__((tls_model("initial-exec"))) uint32_t iovecs_count;

static inline void forget_iovecs(void) {
    for (uint32_t i = 0; i < iovecs_count; i++) iovecs_taken[i].base = iovecs_taken[i].length = 0;
    iovecs_count = 0;
}

// Takes the iovec array of IOVECS output `o` (NULL or no entries: nothing to take). 0 when it
// cannot be buffered: more than MAX_IOVECS entries (the kernel's limit is UIO_MAXIOV, 1024, and
// above it EINVAL), or an array the kernel cannot read (EFAULT): an ordinary syscall then, the
// kernel's answer recorded as usual.
static int take_iovecs(const struct output *o, const long *args) {
    uint64_t count = (uint64_t)args[o->max_arg];
    if (count > MAX_IOVECS) return 0;
    if (args[o->arg] == 0 || count == 0) return 1;
    uint64_t bytes = count * sizeof(struct iovec_words);
    iovecs_count = (uint32_t)count;
    if (replaying()) copy_bytes((uint8_t *)iovecs_taken, (const uint8_t *)args[o->arg], bytes);
    else if (read_own(iovecs_taken, (uint64_t)args[o->arg], bytes) != (long)bytes) return 0;
    return 1;
}

// The most bytes output `o` can take, at most SWRR_BUFFER_SIZE (more than any record may hold: a
// call that could write more is never buffered). Bounded so that a record's size cannot wrap:
// with getrandom(buf, -16, 0), which the kernel caps at INT_MAX bytes instead of refusing, the
// unbounded sum came to 32 bytes and the record overran the buffer. IOVECS: of the array taken.
static uint64_t output_max(const struct output *o, const long *args) {
    if (args[o->arg] == 0) return 0;
    uint64_t count = (uint64_t)args[o->max_arg];
    if (o->size == RESULT_SIZED) return count < SWRR_BUFFER_SIZE ? count : SWRR_BUFFER_SIZE;
    if (o->size == IOVECS) {
        uint64_t total = 0;
        for (uint32_t i = 0; i < iovecs_count && total < SWRR_BUFFER_SIZE; i++)
            total += iovecs_taken[i].length > SWRR_BUFFER_SIZE ? SWRR_BUFFER_SIZE : iovecs_taken[i].length;
        return total < SWRR_BUFFER_SIZE ? total : SWRR_BUFFER_SIZE;
    }
    if (o->size == SOCKLEN) return SOCKADDR_MAX;
    if (SIZE_KIND(o->size)) return count > MAX_UNITS ? SWRR_BUFFER_SIZE : count * SIZE_UNIT(o->size);
    return o->size;
}

// A SOCKLEN output's length word (0 when its pointer is NULL).
static inline uint32_t socklen_at(const struct output *o, const long *args) {
    return args[o->max_arg] ? *(volatile const uint32_t *)args[o->max_arg] : 0;
}

// The lengths the SOCKLEN outputs of rule `r` held before the call (0 for other outputs), read
// directly: replay only, and only for a call that succeeded when recorded (its lengths were
// readable then, and memory is the same now).
static void lengths_before(const struct rule *r, const long *args, uint32_t before[2]) {
    for (int i = 0; i < 2; i++)
        before[i] = r && i < r->outputs && r->out[i].size == SOCKLEN && args[r->out[i].arg] ? socklen_at(&r->out[i], args) : 0;
}

// The same, recording, read through the kernel (process_vm_readv of this process): a length
// pointer into an unmapped page, read directly, crashed the program inside this library where the
// kernel answers EFAULT (getpeername, getsockname, accept4). 0 when one is unreadable: the call is
// then made as an ordinary syscall, and the kernel's EFAULT recorded as usual.
static int lengths_before_checked(const struct rule *r, const long *args, uint32_t before[2]) {
    for (int i = 0; i < 2; i++) {
        before[i] = 0;
        if (!r || i >= r->outputs || r->out[i].size != SOCKLEN || !args[r->out[i].arg] || !args[r->out[i].max_arg])
            continue;
        if (read_own(&before[i], (uint64_t)args[r->out[i].max_arg], 4) != 4) return 0;
    }
    return 1;
}

// `before`: for a SOCKLEN output, its length word before the call (lengths_before).
static uint64_t output_length(const struct output *o, const long *args, long result, uint32_t before) {
    if (args[o->arg] == 0 || result < 0) return 0;
    if (o->size == SOCKLEN) {
        uint32_t after = socklen_at(o, args);
        uint32_t n = before < after ? before : after;
        return n < SOCKADDR_MAX ? n : SOCKADDR_MAX;
    }
    uint64_t n = (uint64_t)result, max = (uint64_t)args[o->max_arg];
    switch (SIZE_KIND(o->size)) {
    case 0: break;
    case ARG_UNITS(0): return max * SIZE_UNIT(o->size);
    case RESULT_UNITS(0): return (n < max ? n : max) * SIZE_UNIT(o->size);
    default: return n;   // IOVECS: the caller checked that they hold this much
    }
    if (o->size != RESULT_SIZED) return o->size;
    return n < max ? n : max;
}

// Copies an output between the program's memory and a record's payload (to_payload: recording).
static void copy_output(const struct output *o, const long *args, uint8_t *payload, uint64_t n, int to_payload) {
    if (o->size != IOVECS) {
        if (to_payload) copy_bytes(payload, (const uint8_t *)args[o->arg], n);
        else copy_bytes((uint8_t *)args[o->arg], payload, n);
        return;
    }
    // (Up to the call's result: the bytes the kernel wrote, so their pages are mapped.)
    const struct iovec_words *iov = iovecs_taken;
    for (uint32_t i = 0; n > 0 && i < iovecs_count; i++) {
        uint64_t part = iov[i].length < n ? iov[i].length : n;
        if (to_payload) copy_bytes(payload, (const uint8_t *)iov[i].base, part);
        else copy_bytes((uint8_t *)iov[i].base, payload, part);
        payload += part;
        n -= part;
    }
}

// A call that fails with EFAULT may have written part of an output before the fault (measured:
// newfstatat into a struct stat whose last 80 bytes are unmapped wrote the first 64 and returned
// EFAULT; gettimeofday with an unmapped timezone wrote the timeval first; copy_to_user stops at the
// fault, it does not undo). Its record keeps, for each output, the bytes there after the call up
// to the first one the program cannot write: a length word, then the bytes (recording: read and
// written back through the kernel, the same bytes where the call wrote none); replay writes them
// back, so memory is as it was after the recorded call. (readv's iovecs: a fault after some bytes
// returns their count, not EFAULT.) Returns the payload's end.
#define EFAULT_RESULT (-14L)
static uint8_t *faulted_outputs(const struct rule *r, const long *args, const uint32_t before[2], uint8_t *payload,
                                int to_payload) {
    for (int i = 0; i < r->outputs; i++) {
        const struct output *o = &r->out[i];
        if (o->size == IOVECS || !args[o->arg]) continue;
        uint64_t n = 0;
        uint8_t *bytes = payload + 8;
        if (to_payload) {
            uint64_t max = o->size == SOCKLEN ? (before[i] < SOCKADDR_MAX ? before[i] : SOCKADDR_MAX) : output_max(o, args);
            long got = max ? read_own(bytes, (uint64_t)args[o->arg], max) : 0;
            long put = got > 0 ? write_own((uint64_t)args[o->arg], bytes, (uint64_t)got) : 0;
            n = put > 0 ? (uint64_t)put : 0;
            copy_bytes(payload, (const uint8_t *)&n, 8);
        } else {
            copy_bytes((uint8_t *)&n, payload, 8);
            copy_bytes((uint8_t *)args[o->arg], bytes, n);
        }
        payload = bytes + n;
    }
    return payload;
}

// Whether an openat must be checked first: opening a FIFO (or a device) can wait for another
// task; O_NONBLOCK and O_PATH opens never wait.
static int open_may_block(long nr, const long *args) {
    return nr == SYS_openat && !(args[2] & (04000 /* O_NONBLOCK */ | 010000000 /* O_PATH */));
}

// ---- libc's own syscalls -------------------------------------------------------------------------
//
// libc makes most of its syscalls from inside (printf's write, opendir's getdents64, fopen's
// openat, isatty's ioctl), not through the functions replaced here. Once per process, while it has
// one thread (swrr says so when it accepts the first buffer), the library patches libc's code: each
// `syscall; cmp $-4096 or $-4095, %rax or %eax` (444 of glibc 2.36's 526 syscall instructions;
// no jump lands inside one) becomes a jump to a stub that calls swrr_patched_entry, redoes the
// cmp and jumps back. The entry passes calls this library cannot buffer straight to the kernel. The
// patching is done with recorded syscalls (mmap of the stubs next to libc, mprotect) and plain
// memory writes, so replay, which runs this same code on the same libc, patches identically.

// The syscall numbers swrr_patched_entry hands to swrr_try_buffered (others go to the kernel).
uint64_t swrr_bufferable[8];

long swrr_patched_entry(void);
__asm__(
    ".text\n"
    ".globl swrr_patched_entry\n.hidden swrr_patched_entry\n.type swrr_patched_entry,@function\n"
    "swrr_patched_entry:\n"
    // On entry: the syscall's registers (rax, rdi, rsi, rdx, r10, r8, r9) as libc set them; the
    // stub stepped over the red zone. Everything but rax, rcx and r11 is preserved, as by the kernel.
    "  cmp $512, %rax\n"
    "  jae 9f\n"
    "  bt %rax, swrr_bufferable(%rip)\n"
    "  jnc 9f\n"
    "  push %rbp\n"
    "  mov %rsp, %rbp\n"
    "  and $-16, %rsp\n"
    "  sub $80, %rsp\n"
    "  mov %rdi, 0(%rsp)\n  mov %rsi, 8(%rsp)\n  mov %rdx, 16(%rsp)\n"
    "  mov %r10, 24(%rsp)\n  mov %r8, 32(%rsp)\n  mov %r9, 40(%rsp)\n"
    "  mov %rax, 48(%rsp)\n"
    "  mov %rax, %rdi\n"
    "  lea 0(%rsp), %rsi\n"
    "  lea 56(%rsp), %rdx\n"
    "  call swrr_try_buffered\n"
    "  test %eax, %eax\n"
    "  jnz 3f\n"
    "  call swrr_clear_dead_stack\n"   // not buffered: as in swrr_common
    "  xor %eax, %eax\n"              // (ZF set again: not buffered)
    "3:\n"
    "  mov 48(%rsp), %rax\n"
    "  mov 0(%rsp), %rdi\n  mov 8(%rsp), %rsi\n  mov 16(%rsp), %rdx\n"
    "  mov 24(%rsp), %r10\n  mov 32(%rsp), %r8\n  mov 40(%rsp), %r9\n"
    "  jnz 1f\n"
    "  syscall\n"
    "  jmp 2f\n"
    "1:\n"
    "  mov 56(%rsp), %rax\n"
    "2:\n"
    // Wipe what the C part left below this frame (it differs between recording and replay).
    "  mov %rax, %r11\n"
    "  mov %rdi, 64(%rsp)\n"
    "  lea -1024(%rsp), %rdi\n"
    "  mov $1024, %ecx\n"
    "  xor %eax, %eax\n"
    "  rep stosb\n"
    "  mov 64(%rsp), %rdi\n"
    "  mov %r11, %rax\n"
    "  xor %ecx, %ecx\n"
    "  xor %r11d, %r11d\n"
    "  leave\n"
    "  ret\n"
    "9:\n"
    "  syscall\n"
    "  ret\n"
    ".size swrr_patched_entry, .-swrr_patched_entry\n");

struct text_range { uintptr_t start, end; };

static int find_libc_text(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    const char *name = info->dlpi_name, *want = "libc.so.6";
    if (!name) return 0;
    // Whether the path ends in "/libc.so.6" (no libc string functions: keep this self-contained).
    size_t n = 0, w = 9;
    while (name[n]) n++;
    if (n < w + 1 || name[n - w - 1] != '/') return 0;
    for (size_t i = 0; i < w; i++) if (name[n - w + i] != want[i]) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            struct text_range *r = data;
            r->start = info->dlpi_addr + ph->p_vaddr;
            r->end = r->start + ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

#define STUB_SIZE 40

// The length of the site at p (the syscall and the cmp after it), 0 if it is none: `syscall;
// cmp $-4096 or $-4095, %rax` (8 bytes) or the same cmp on %eax (7 bytes).
static int site_length(const uint8_t *p) {
    if (p[0] != 0x0f || p[1] != 0x05) return 0;
    const uint8_t *c = p[2] == 0x48 ? p + 3 : p + 2;
    if (c[0] != 0x3d || (c[1] != 0x00 && c[1] != 0x01) || c[2] != 0xf0 || c[3] != 0xff || c[4] != 0xff) return 0;
    return (int)(c + 5 - p);
}

// The first site at or after p whose 8 bytes end by `end`, or `end`. libc's text (1.4 MB) is read
// twice per process (count, then patch) in recording and replay alike: byte by byte that took
// 10.4 ms a pass (load 12), 7% of all CPU samples of `swrr record make -j2` (perf: start_thread,
// in every cc, cc1 and as); this way 0.28 ms. Eight
// bytes at a time: a word has a byte 0x0f followed by 0x05 only where (word ^ 0x0f..) | (next
// word ^ 0x05..) has a zero byte, which the usual has-a-zero-byte test finds (it may also flag a
// byte above a real zero byte, never miss one: each flagged offset is checked with site_length).
static const uint8_t *next_site(const uint8_t *p, const uint8_t *end) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (p + 9 <= end) {
        uint64_t w, next;
        __builtin_memcpy(&w, p, 8);
        __builtin_memcpy(&next, p + 1, 8);
        uint64_t z = (w ^ (0x0f * ones)) | (next ^ (0x05 * ones));
        if ((z - ones) & ~z & highs) {
            for (int i = 0; i < 8 && p + i + 8 <= end; i++)
                if (site_length(p + i)) return p + i;
        }
        p += 8;
    }
    for (; p + 8 <= end; p++)
        if (site_length(p)) return p;
    return end;
}

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static void patch_libc(void) {
    for (unsigned i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        unsigned nr = (unsigned)rules[i].number;
        if (nr < 512) swrr_bufferable[nr / 64] |= 1ull << (nr % 64);
    }
    struct text_range text = {0, 0};
    if (!dl_iterate_phdr(find_libc_text, &text) || text.end <= text.start + 8) return;
    unsigned count = 0;
    for (const uint8_t *p = next_site((const uint8_t *)text.start, (const uint8_t *)text.end);
         p < (const uint8_t *)text.end; p = next_site(p + site_length(p), (const uint8_t *)text.end))
        count++;
    if (count == 0) return;
    uintptr_t size = ((uintptr_t)count * STUB_SIZE + 4095) & ~(uintptr_t)4095;
    // The stubs must be within reach of 32-bit jumps from every site and back: asked for just
    // below libc (a hint: the kernel places them elsewhere when that is taken, normally still
    // near the libraries).
    uintptr_t want = ((text.start & ~(uintptr_t)4095) - size) & ~(uintptr_t)4095;
    long stubs = swrr_traced(SYS_mmap, (long)want, (long)size, 0x3 /* PROT_READ|PROT_WRITE */,
                             0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
    if (stubs < 0 && stubs > -4096) return;
    uintptr_t lo = (uintptr_t)stubs < text.start ? (uintptr_t)stubs : text.start;
    uintptr_t hi = (uintptr_t)stubs + size > text.end ? (uintptr_t)stubs + size : text.end;
    if (hi - lo >= (1ul << 31) - 4096) {
        swrr_traced(SYS_munmap, stubs, (long)size, 0, 0, 0, 0);
        return;
    }
    uintptr_t page = text.start & ~(uintptr_t)4095, length = text.end - page;
    if (swrr_traced(SYS_mprotect, (long)page, (long)length, 0x7 /* RWX */, 0, 0, 0) != 0) return;
    // _exit's sites stay as they are: a program's last syscall then shows in _exit, not in
    // swrr_patched_entry (what a debugger at the end of a recording shows).
    uint8_t *exit_fn = dlsym(RTLD_DEFAULT, "_exit");
    uint8_t *stub = (uint8_t *)stubs;
    for (uint8_t *p = (uint8_t *)next_site((const uint8_t *)text.start, (const uint8_t *)text.end);
         p < (uint8_t *)text.end; p = (uint8_t *)next_site(p + 1, (const uint8_t *)text.end)) {
        int n = site_length(p);
        if (exit_fn && p >= exit_fn && p < exit_fn + 64) continue;
        uint8_t *q = stub;
        q[0] = 0x48; q[1] = 0x8d; q[2] = 0x64; q[3] = 0x24; q[4] = 0x80;         // lea -0x80(%rsp),%rsp
        q[5] = 0x49; q[6] = 0xbb; put64(q + 7, (uint64_t)(uintptr_t)swrr_patched_entry); // movabs ...,%r11
        q[15] = 0x41; q[16] = 0xff; q[17] = 0xd3;                                 // call *%r11
        q[18] = 0x48; q[19] = 0x8d; q[20] = 0xa4; q[21] = 0x24; put32(q + 22, 0x80); // lea 0x80(%rsp),%rsp
        for (int i = 0; i < n - 2; i++) q[26 + i] = p[2 + i];                     // the cmp
        uint8_t *j = q + 26 + (n - 2);
        j[0] = 0xe9; put32(j + 1, (uint32_t)((p + n) - (j + 5)));                  // jmp back
        for (uint8_t *f = j + 5; f < q + STUB_SIZE; f++) *f = 0xcc;
        // The site: jmp to the stub, then int3s that are never reached.
        uint8_t site[8] = {0xe9, 0, 0, 0, 0, 0xcc, 0xcc, 0xcc};
        put32(site + 1, (uint32_t)(stub - (p + 5)));
        for (int i = 0; i < n; i++) p[i] = site[i];
        stub += STUB_SIZE;
    }
    swrr_traced(SYS_mprotect, stubs, (long)size, 0x5 /* PROT_READ|PROT_EXEC */, 0, 0, 0);
    swrr_traced(SYS_mprotect, (long)page, (long)length, 0x5 /* PROT_READ|PROT_EXEC */, 0, 0, 0);
}

// ---- the vDSO ------------------------------------------------------------------------------------
//
// swrr replaced each vDSO function with `mov $NR, %eax; syscall; ret` and int3 up to its end
// (SwrrTracee/VDSO.swift), so that a program calling the vDSO makes recorded syscalls. libc itself
// calls clock_gettime through the vDSO for clock(), timespec_get and others (the program's own
// clock_gettime/time/gettimeofday calls reach the functions above instead): each of those was a
// ptrace stop. Right after libc is patched (one thread), the entries whose number this library
// buffers become `mov $NR, %eax; movabs $swrr_patched_entry, %r11; jmp *%r11`: the entry takes
// the syscall's registers (a vDSO function's arguments are already in rdi, rsi, rdx), returns the
// raw result as the vDSO does, and returns to the vDSO's caller. Done with recorded mprotects and
// plain writes, so replay, running this code on the same patched vDSO, does the same.
#define VDSO_JUMP_SIZE 18

static void patch_vdso(void) {
    uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
    if (!base) return;
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
    const ElfW(Dyn) *dyn = 0;
    uintptr_t bias = 0, end = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !end) {
            bias = base + ph[i].p_offset - ph[i].p_vaddr;
            end = base + ph[i].p_offset + ph[i].p_memsz;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const ElfW(Dyn) *)(base + ph[i].p_offset);
        }
    }
    if (!end || !dyn) return;
    const ElfW(Sym) *syms = 0;
    const uint32_t *hash = 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB) syms = (const ElfW(Sym) *)(bias + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_HASH) hash = (const uint32_t *)(bias + dyn->d_un.d_ptr);
    }
    if (!syms || !hash) return;
    uintptr_t page = base & ~(uintptr_t)4095, length = ((end + 4095) & ~(uintptr_t)4095) - page;
    int writable = 0;
    for (uint32_t i = 0; i < hash[1]; i++) {   // nchain: the number of symbols
        const ElfW(Sym) *sym = &syms[i];
        if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF || sym->st_size < VDSO_JUMP_SIZE)
            continue;
        uint8_t *p = (uint8_t *)(bias + sym->st_value);
        if ((uintptr_t)p < base || (uintptr_t)p + VDSO_JUMP_SIZE > end) continue;
        // swrr's replacement, not yet re-pointed (an alias at the same address already is).
        if (p[0] != 0xb8 || p[5] != 0x0f || p[6] != 0x05 || p[7] != 0xc3) continue;
        uint32_t nr = p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
        if (nr >= 512 || !(swrr_bufferable[nr / 64] >> (nr % 64) & 1)) continue;
        if (!writable) {
            if (swrr_traced(SYS_mprotect, (long)page, (long)length, 0x7 /* RWX */, 0, 0, 0) != 0) return;
            writable = 1;
        }
        p[5] = 0x49; p[6] = 0xbb; put64(p + 7, (uint64_t)(uintptr_t)swrr_patched_entry); // movabs ...,%r11
        p[15] = 0x41; p[16] = 0xff; p[17] = 0xe3;                                         // jmp *%r11
    }
    if (writable) swrr_traced(SYS_mprotect, (long)page, (long)length, 0x5 /* PROT_READ|PROT_EXEC */, 0, 0, 0);
}

// ---- buffered calls ------------------------------------------------------------------------------

static inline long desched_ioctl(unsigned long request) {
    return swrr_own_untraced(SYS_ioctl, thread_desched, (long)request, 0, 0, 0, 0);
}

// One untraced call with its record at the end of the buffer: recording, the kernel runs it and
// its outputs are copied into the record; replaying, the record's result is returned and its
// outputs are copied back into the program's memory. The caller checked may_start(). `armed`:
// the call may block, the desched event is enabled around it; SWRR_INTERRUPTED then means it was
// interrupted (no record is made; the caller makes it as an ordinary syscall), as it does for a
// socket address length the library cannot read (lengths_before_checked).
static long buffered_call(struct swrr_buffer_header *h, long nr, uint32_t record_nr, const long *args,
                          const struct rule *r, int armed) {
    struct swrr_record *rec = (struct swrr_record *)(records(h) + h->used);
    uint8_t *payload = (uint8_t *)(rec + 1);
    long result;
    uint32_t before[2] = {0, 0};
    if (replaying()) {
        if (rec->number != record_nr) {
            // Not what was recorded here: stop the replay with a clear message.
            swrr_call(SWRR_CALL_BUFFER_MISMATCH, rec->number, record_nr, 0, 0, 0, 0);
        }
        result = rec->result;
        // (Before the copies: the first one puts the length after the call back.)
        if (result >= 0) lengths_before(r, args, before);
        if (r && result == EFAULT_RESULT) payload = faulted_outputs(r, args, before, payload, 0);
        for (int i = 0; r && i < r->outputs; i++) {
            uint64_t n = output_length(&r->out[i], args, result, before[i]);
            copy_output(&r->out[i], args, payload, n, 0);
            payload += n;
        }
    } else {
        if (!lengths_before_checked(r, args, before)) return SWRR_INTERRUPTED;
        if (armed) {
            *(volatile uint32_t *)&h->armed = 1;
            desched_ioctl(PERF_EVENT_IOC_RESET);
            if (desched_ioctl(PERF_EVENT_IOC_ENABLE) != 0) {
                // The program closed or replaced the event's descriptor: no more blocking calls
                // in the buffer (an ordinary syscall is made instead, as after an interruption).
                *(volatile uint32_t *)&h->armed = 0;
                thread_desched = -2;
                return SWRR_INTERRUPTED;
            }
        }
        result = swrr_untraced(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
        if (armed) {
            *(volatile uint32_t *)&h->armed = 0;
            desched_ioctl(PERF_EVENT_IOC_DISABLE);
        }
        if (result == SWRR_INTERRUPTED) return result;
        rec->number = record_nr;
        rec->result = result;
        rec->args[0] = (uint64_t)args[0];
        rec->args[1] = (uint64_t)args[1];
        rec->args[2] = (uint64_t)args[2];
        if (r && result == EFAULT_RESULT) payload = faulted_outputs(r, args, before, payload, 1);
        for (int i = 0; r && i < r->outputs; i++) {
            uint64_t n = output_length(&r->out[i], args, result, before[i]);
            copy_output(&r->out[i], args, payload, n, 1);
            payload += n;
        }
        rec->size = aligned8((uint64_t)(payload - (uint8_t *)rec));
    }
    *(volatile uint32_t *)&h->used = h->used + rec->size;
    return result;
}

// Whether the recorder keeps replay's copy of this file up to date (SWRR_STUB_MAPPED_FILES).
static int is_mapped_file(const struct stat *st) {
    uint64_t bit = swrr_mapped_file_bit((uint64_t)st->st_dev, (uint64_t)st->st_ino);
    const volatile uint8_t *bits = (const volatile uint8_t *)SWRR_STUB_MAPPED_FILES;
    return (bits[bit / 8] >> (bit % 8)) & 1;
}

// SWRR_FD_NONBLOCKING when a read or write on descriptor `fd` (kind SWRR_CALL_FD_CLASS), or
// opening `path` relative to `dirfd` (SWRR_CALL_PATH_CLASS), cannot wait for another task:
// regular files, directories, the memory devices (null 1:3, zero 1:5, full 1:7, random 1:8,
// urandom 1:9), and for opens a path that does not exist (the open creates a regular file or
// fails). Recorded as a record of its own: the fstat behind it is a syscall whose answer replay
// must reproduce.
static long classify(struct swrr_buffer_header *h, uint32_t kind, long a0, long a1) {
    struct swrr_record *rec = (struct swrr_record *)(records(h) + h->used);
    long cls;
    if (replaying()) {
        if (rec->number != kind) swrr_call(SWRR_CALL_BUFFER_MISMATCH, rec->number, kind, 0, 0, 0, 0);
        cls = rec->result;
    } else {
        struct stat st;
        long r = kind == SWRR_CALL_FD_CLASS ? swrr_own_untraced(SYS_fstat, a0, (long)&st, 0, 0, 0, 0)
                                            : swrr_own_untraced(SYS_newfstatat, a0, a1, (long)&st, 0, 0, 0);
        cls = SWRR_FD_OTHER;
        if (r == 0) {
            unsigned type = st.st_mode & S_IFMT;
            unsigned long major = ((st.st_rdev >> 8) & 0xfff) | ((st.st_rdev >> 32) & ~0xfffUL);
            unsigned long minor = (st.st_rdev & 0xff) | ((st.st_rdev >> 12) & ~0xffUL);
            int mem = type == S_IFCHR && major == 1 &&
                      (minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9);
            if (type == S_IFREG || type == S_IFDIR || mem) cls = SWRR_FD_NONBLOCKING;
            if (type == S_IFREG && is_mapped_file(&st)) cls |= SWRR_FD_MAPPED;
            // procfs gives its files size 0; only those are asked (one more call) whether they are
            // procfs's (f_type PROC_SUPER_MAGIC 0x9fa0, as fstatfs of /proc/self/mem says).
            struct statfs fs;
            if (kind == SWRR_CALL_FD_CLASS && type == S_IFREG && st.st_size == 0 &&
                swrr_own_untraced(SYS_fstatfs, a0, (long)&fs, 0, 0, 0, 0) == 0 && fs.f_type == 0x9fa0)
                cls |= SWRR_FD_PROC;
            // A copy of stdout or stderr (dup, F_DUPFD, an inherited third descriptor): writes to
            // it must stay recorded syscalls for replay to echo them.
            if (kind == SWRR_CALL_FD_CLASS && a0 != 1 && a0 != 2) {
                long pid = swrr_own_untraced(SYS_getpid, 0, 0, 0, 0, 0, 0);
                if (swrr_own_untraced(SYS_kcmp, pid, pid, 0 /* KCMP_FILE */, a0, 1, 0) == 0 ||
                    swrr_own_untraced(SYS_kcmp, pid, pid, 0 /* KCMP_FILE */, a0, 2, 0) == 0)
                    cls |= SWRR_FD_ECHOED;
            }
        } else if (kind == SWRR_CALL_PATH_CLASS && r == -2 /* ENOENT */) {
            cls = SWRR_FD_NONBLOCKING;
        }
        if (kind == SWRR_CALL_FD_CLASS && !(cls & SWRR_FD_NONBLOCKING) && *(volatile uint32_t *)&h->shared)
            cls |= SWRR_FD_SHARED;
        rec->number = kind;
        rec->result = cls;
        rec->args[0] = (uint64_t)a0;
        rec->args[1] = (uint64_t)a1;
        rec->args[2] = 0;
        rec->size = sizeof *rec;
    }
    *(volatile uint32_t *)&h->used = h->used + (uint32_t)sizeof(struct swrr_record);
    return cls;
}

// The classes of this thread's descriptors below CLASS_FDS, remembered within a stretch of
// buffered calls (see swrr_syscallbuf.h): class + 1, 0 when not known. Indexed by the low 32 bits
// of the argument, the descriptor the kernel takes (close(1L << 32 | 3) closes 3).
#define CLASS_FDS 256
static __thread __attribute__((tls_model("initial-exec"))) uint8_t fd_classes[CLASS_FDS];

static inline int known_class(struct swrr_buffer_header *h, long fd) {
    if ((uint32_t)fd >= CLASS_FDS || !*(volatile uint32_t *)&h->classes) return -1;
    return (int)fd_classes[(uint32_t)fd] - 1;
}

static void remember_class(struct swrr_buffer_header *h, long fd, long cls) {
    if ((uint32_t)fd >= CLASS_FDS) return;
    if (!*(volatile uint32_t *)&h->classes) {
        for (unsigned i = 0; i < CLASS_FDS; i++) fd_classes[i] = 0;
        *(volatile uint32_t *)&h->classes = 1;
    }
    fd_classes[(uint32_t)fd] = (uint8_t)(cls + 1);
}

static inline void forget_class(long fd) {
    if ((uint32_t)fd < CLASS_FDS) fd_classes[(uint32_t)fd] = 0;
}

// A descriptor's class: remembered, or classified (a record) and remembered.
static long fd_class(struct swrr_buffer_header *h, long fd) {
    int known = known_class(h, fd);
    if (known >= 0) return known;
    long cls = classify(h, SWRR_CALL_FD_CLASS, fd, 0);
    remember_class(h, fd, cls);
    return cls;
}

// Called by the trampolines. Returns 1 with *result set when the call was buffered, 0 when the
// trampoline must make it as an ordinary syscall.
int swrr_try_buffered(long nr, const long *args, long *result) {
    const struct rule *r = rule_for(nr, args);
    if (!r) return 0;
    if (thread_state != THREAD_BUFFERING) {
        if (thread_state != THREAD_NEW) return 0;
        start_thread();
        if (thread_state != THREAD_BUFFERING) return 0;
    }
    struct swrr_buffer_header *h = thread_buffer;
    if (h->locked) return 0;
    h->locked = 1;
    int buffered = 0;
    // Replaying, a call the buffer has no record for was not buffered when recorded: it is made
    // as an ordinary syscall before the program's memory is read (take_iovecs), which may be what
    // the recording found unreadable. (Recording, no check below passes when this one fails.)
    if (!may_start(h, 0)) goto out;
    uint64_t need = sizeof(struct swrr_record);
    for (int i = 0; i < r->outputs; i++) {
        if (r->out[i].size == IOVECS && !take_iovecs(&r->out[i], args)) goto out;
        need += output_max(&r->out[i], args) + 8;
    }
    // Each classification takes a record of its own before the call's.
    int armed = 0;
    for (int i = 0; i < 3; i++) {
        if (!(r->fds & (1 << i))) continue;
        // (Room for the classification's record even when it is remembered: a lookup must only
        // happen where the fstat could have, see swrr_syscallbuf.h.)
        if (!may_start(h, need + sizeof(struct swrr_record))) goto out;
        long cls = fd_class(h, args[i]);
        if ((cls & (SWRR_FD_ECHOED | SWRR_FD_MAPPED | SWRR_FD_PROC)) &&
            (nr == SYS_write || nr == SYS_pwrite64 || nr == SYS_writev || nr == SYS_copy_file_range ||
             nr == SYS_ftruncate)) goto out;
        if (!(cls & SWRR_FD_NONBLOCKING)) {
            if (!(r->fds & MAY_BLOCK) || thread_desched == -2 || (cls & SWRR_FD_SHARED)) goto out;
            armed = 1;
        }
    }
    if (armed && thread_desched == -1) {
        // Its calls are recorded: the buffer must be consistent for a flush meanwhile, and the
        // stack the classification left below this frame the same in both modes.
        h->locked = 0;
        swrr_clear_dead_stack();
        start_desched();
        h->locked = 1;
        if (thread_desched < 0) goto out;
    }
    // (An open with O_TRUNC is classified too: one of a mapped file (SWRR_FD_MAPPED) empties it,
    // which the recorder must see at its syscall.)
    if (open_may_block(nr, args) || (nr == SYS_openat && (args[2] & 01000 /* O_TRUNC */))) {
        if (!may_start(h, need + sizeof(struct swrr_record))) goto out;
        if (classify(h, SWRR_CALL_PATH_CLASS, args[0], args[1]) != SWRR_FD_NONBLOCKING) goto out;
    }
    if (!may_start(h, need)) goto out;
    long value = buffered_call(h, nr, (uint32_t)nr, args, r, armed);
    if (value == SWRR_INTERRUPTED && !replaying()) goto out;
    // A closed descriptor's number, or an opened one's, may name another file from now on.
    if (nr == SYS_close) forget_class(args[0]);
    else if ((nr == SYS_openat || nr == SYS_socket || nr == SYS_accept4 ||
              (nr == SYS_fcntl && ((uint32_t)args[1] == 0 || (uint32_t)args[1] == 1030))) &&
             value >= 0)
        forget_class(value);
    *result = value;
    buffered = 1;
out:
    if (iovecs_count) forget_iovecs();
    h->locked = 0;
    return buffered;
}

// At load time: the main thread's buffer now, so libc is patched before the program's first
// syscall (most of them come from inside libc). Other threads start theirs at their first call.
__attribute__((constructor)) static void start_process(void) {
    if (thread_state == THREAD_NEW) start_thread();
}

// errno as libc sets it; returns -1.
long swrr_set_errno(long raw) {
    errno = (int)-raw;
    return -1;
}

#pragma GCC visibility pop

// ---- the exported functions ------------------------------------------------------------------
//
// Each loads its syscall number into eax (rearranging arguments where the libc function differs
// from the syscall) and jumps to swrr_entry (libc's convention: -1 and errno on failure) or
// swrr_entry_posix (posix_fadvise's: the error number as the result). swrr_common saves the six
// arguments, asks swrr_try_buffered, makes the call itself when it was not buffered, converts the
// result, and wipes what the C part left in scratch registers and dead stack.
__asm__(
    ".text\n"
    ".type swrr_entry,@function\n"
    "swrr_entry:\n"
    "  xor %r11d, %r11d\n"
    "  jmp swrr_common\n"
    ".type swrr_entry_posix,@function\n"
    "swrr_entry_posix:\n"
    "  mov $1, %r11d\n"
    "swrr_common:\n"
    "  push %rbp\n"
    "  mov %rsp, %rbp\n"
    "  sub $80, %rsp\n"
    "  mov %rdi, 0(%rsp)\n  mov %rsi, 8(%rsp)\n  mov %rdx, 16(%rsp)\n"
    "  mov %rcx, 24(%rsp)\n  mov %r8, 32(%rsp)\n  mov %r9, 40(%rsp)\n"
    "  mov %rax, 48(%rsp)\n"
    "  mov %r11, 64(%rsp)\n"
    "  mov %rax, %rdi\n"
    "  lea 0(%rsp), %rsi\n"
    "  lea 56(%rsp), %rdx\n"
    "  call swrr_try_buffered\n"
    "  test %eax, %eax\n"
    "  jnz 1f\n"
    // Not buffered: the ordinary syscall may block, and the stack below stays as the C part left
    // it meanwhile (see swrr_clear_dead_stack).
    "  call swrr_clear_dead_stack\n"
    "  mov 48(%rsp), %rax\n"
    "  mov 0(%rsp), %rdi\n  mov 8(%rsp), %rsi\n  mov 16(%rsp), %rdx\n"
    "  mov 24(%rsp), %r10\n  mov 32(%rsp), %r8\n  mov 40(%rsp), %r9\n"
    "  syscall\n"
    "  jmp 2f\n"
    "1:\n"
    "  mov 56(%rsp), %rax\n"
    "2:\n"
    "  cmp $-4095, %rax\n"
    "  jb 3f\n"
    "  cmpq $0, 64(%rsp)\n"
    "  jne 4f\n"
    "  mov %rax, %rdi\n"
    "  call swrr_set_errno\n"
    "  jmp 3f\n"
    "4:\n"
    "  neg %rax\n"
    "3:\n"
    "  leave\n"
    "  mov %rax, %r11\n"
    "  cmpl $1, swrr_stub_present(%rip)\n"   // as in swrr_clear_dead_stack
    "  jne 5f\n"
    "  lea -1024(%rsp), %rdi\n"
    "  mov $1024, %ecx\n"
    "  xor %eax, %eax\n"
    "  rep stosb\n"
    "5:\n"
    "  mov %r11, %rax\n"
    "  xor %ecx, %ecx\n  xor %edx, %edx\n  xor %esi, %esi\n  xor %edi, %edi\n"
    "  xor %r8d, %r8d\n  xor %r9d, %r9d\n  xor %r10d, %r10d\n  xor %r11d, %r11d\n"
    "  ret\n"
    ".size swrr_entry, .-swrr_entry\n");

#define EXPORT(name) ".globl " #name "\n.type " #name ",@function\n" #name ":\n"
#define SIMPLE(name, nr) EXPORT(name) "  mov $" #nr ", %eax\n  jmp swrr_entry\n"
// f(path, ...) -> syscall(AT_FDCWD, path, ...): the arguments move up one register.
#define AT_CWD(name, nr) EXPORT(name) "  mov %rdx, %rcx\n  mov %rsi, %rdx\n  mov %rdi, %rsi\n" \
    "  mov $-100, %rdi\n  mov $" #nr ", %eax\n  jmp swrr_entry\n"

__asm__(
    ".text\n"
    SIMPLE(read, 0)
    SIMPLE(write, 1)
    SIMPLE(pread64, 17) SIMPLE(pread, 17)
    SIMPLE(pwrite64, 18) SIMPLE(pwrite, 18)
    SIMPLE(lseek, 8) SIMPLE(lseek64, 8)
    SIMPLE(close, 3)
    SIMPLE(openat, 257) SIMPLE(openat64, 257)
    AT_CWD(open, 257) AT_CWD(open64, 257)
    // creat(path, mode) is openat(AT_FDCWD, path, O_CREAT|O_WRONLY|O_TRUNC, mode).
    EXPORT(creat) EXPORT(creat64)
    "  mov %rsi, %rcx\n  mov $0x241, %edx\n  mov %rdi, %rsi\n  mov $-100, %rdi\n"
    "  mov $257, %eax\n  jmp swrr_entry\n"
    SIMPLE(fstat, 5) SIMPLE(fstat64, 5)
    SIMPLE(fstatat, 262) SIMPLE(fstatat64, 262)
    // stat and lstat are newfstatat(AT_FDCWD, path, buf, 0 or AT_SYMLINK_NOFOLLOW), as in glibc.
    EXPORT(stat) EXPORT(stat64)
    "  mov %rsi, %rdx\n  mov %rdi, %rsi\n  mov $-100, %rdi\n  xor %ecx, %ecx\n"
    "  mov $262, %eax\n  jmp swrr_entry\n"
    EXPORT(lstat) EXPORT(lstat64)
    "  mov %rsi, %rdx\n  mov %rdi, %rsi\n  mov $-100, %rdi\n  mov $0x100, %ecx\n"
    "  mov $262, %eax\n  jmp swrr_entry\n"
    // Programs built against glibc before 2.33 call the versioned __xstat family.
    EXPORT(__xstat) EXPORT(__xstat64)
    "  mov $-100, %rdi\n  xor %ecx, %ecx\n  mov $262, %eax\n  jmp swrr_entry\n"
    EXPORT(__lxstat) EXPORT(__lxstat64)
    "  mov $-100, %rdi\n  mov $0x100, %ecx\n  mov $262, %eax\n  jmp swrr_entry\n"
    EXPORT(__fxstat) EXPORT(__fxstat64)
    "  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov $5, %eax\n  jmp swrr_entry\n"
    EXPORT(__fxstatat) EXPORT(__fxstatat64)
    "  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n  mov %r8, %rcx\n  mov $262, %eax\n  jmp swrr_entry\n"
    SIMPLE(statx, 332)
    SIMPLE(access, 21)
    // faccessat(dirfd, path, mode, flags): the flags need faccessat2.
    SIMPLE(faccessat, 439)
    SIMPLE(readlink, 89)
    SIMPLE(readlinkat, 267)
    SIMPLE(getdents64, 217)
    SIMPLE(copy_file_range, 326)
    SIMPLE(ioctl, 16)
    EXPORT(posix_fadvise) EXPORT(posix_fadvise64) "  mov $221, %eax\n  jmp swrr_entry_posix\n"
    SIMPLE(fcntl, 72) SIMPLE(fcntl64, 72)
    SIMPLE(mkdir, 83) SIMPLE(mkdirat, 258)
    SIMPLE(rmdir, 84)
    SIMPLE(unlink, 87) SIMPLE(unlinkat, 263)
    SIMPLE(rename, 82) SIMPLE(renameat, 264) SIMPLE(renameat2, 316)
    SIMPLE(link, 86) SIMPLE(linkat, 265)
    SIMPLE(symlink, 88) SIMPLE(symlinkat, 266)
    SIMPLE(chmod, 90) SIMPLE(fchmod, 91)
    SIMPLE(chown, 92) SIMPLE(fchown, 93) SIMPLE(lchown, 94) SIMPLE(fchownat, 260)
    SIMPLE(utimensat, 280)
    SIMPLE(truncate, 76) SIMPLE(truncate64, 76)
    SIMPLE(ftruncate, 77) SIMPLE(ftruncate64, 77)
    SIMPLE(fsync, 74) SIMPLE(fdatasync, 75)
    SIMPLE(umask, 95)
    SIMPLE(clock_gettime, 228) SIMPLE(clock_getres, 229)
    SIMPLE(gettimeofday, 96)
    SIMPLE(time, 201)
    SIMPLE(uname, 63)
    SIMPLE(sysinfo, 99)
    SIMPLE(getrusage, 98)
    SIMPLE(getpid, 39) SIMPLE(getppid, 110) SIMPLE(gettid, 186)
    SIMPLE(getuid, 102) SIMPLE(geteuid, 107) SIMPLE(getgid, 104) SIMPLE(getegid, 108)
    SIMPLE(getpgrp, 111)
    SIMPLE(getrandom, 318)
    // syscall(number, a0..a5): the arguments move down one register, the sixth comes from the
    // stack. Calls that create tasks, replace the program or never return must not run inside
    // swrr_entry's frame (a clone child would return through it on another stack): they are
    // made directly, as glibc's syscall() makes them.
    EXPORT(syscall)
    "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
    "  mov %r8, %rcx\n  mov %r9, %r8\n  mov 8(%rsp), %r9\n"
    "  cmp $56, %rax\n  je 4f\n"    // clone
    "  cmp $57, %rax\n  je 4f\n"    // fork
    "  cmp $58, %rax\n  je 4f\n"    // vfork
    "  cmp $59, %rax\n  je 4f\n"    // execve
    "  cmp $60, %rax\n  je 4f\n"    // exit
    "  cmp $15, %rax\n  je 4f\n"    // rt_sigreturn
    "  cmp $231, %rax\n  je 4f\n"   // exit_group
    "  cmp $322, %rax\n  je 4f\n"   // execveat
    "  cmp $435, %rax\n  je 4f\n"   // clone3
    "  jmp swrr_entry\n"
    "4:\n"
    "  mov %rcx, %r10\n"
    "  syscall\n"
    "  cmp $-4095, %rax\n"
    "  jae 5f\n"
    "  ret\n"
    "5:\n"
    "  mov %rax, %rdi\n"
    "  jmp swrr_set_errno\n");
