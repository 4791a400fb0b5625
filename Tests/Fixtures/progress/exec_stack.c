// A program exec'd by another process, preempted at a position while its initial stack's
// neighbourhood is part of the digest: no libc, and a stack it maps itself, so nothing ever writes
// below the stack the kernel built at exec. Replay execs the trace's copy of the executable, a
// longer path than the recorded "/proc/self/exe", so the kernel's stack there reaches lower than
// the recorded one it writes over; what lies below the recorded rsp must be what the recording
// had (zeros), or the position's memory digest differs. (The Go runtime's rt0_go leaves such
// slots unwritten: `go build` then the built program diverged so.)
//
// Built with -static -nostdlib. Without an argument: forks, the child execs /proc/self/exe
// "spin" (a loop counting in memory, 2 × 10^8 passes), the parent wakes every 20 ms ten times (so
// the spinner has someone to be preempted for), waits for the child and prints its status.
// Its stack is mapped by _start.
#define SYS_write 1
#define SYS_nanosleep 35
#define SYS_fork 57
#define SYS_execve 59
#define SYS_exit_group 231
#define SYS_wait4 61

// The stack is a mapping of its own: a position's digest leaves out the positioned thread's
// mapping below its rsp (its dead stack), which in .bss would take `passes` with it.
__asm__(".globl _start\n"
        "_start:\n\t"
        "mov %rsp, %r12\n\t"
        "mov $9, %eax\n\t"          // mmap(0, 64 KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
        "xor %edi, %edi\n\t"
        "mov $65536, %esi\n\t"
        "mov $3, %edx\n\t"
        "mov $0x22, %r10d\n\t"
        "mov $-1, %r8\n\t"
        "xor %r9d, %r9d\n\t"
        "syscall\n\t"
        "lea 65536(%rax), %rsp\n\t"
        "mov %r12, %rdi\n\t"
        "call start\n\t"
        "hlt\n");

volatile unsigned long passes;

static long sys(long n, long a, long b, long c, long d) {
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}

static void print(const char *s, unsigned long v) {
    char buf[64];
    int n = 0;
    while (*s) buf[n++] = *s++;
    char digits[24];
    int k = 0;
    do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (k) buf[n++] = digits[--k];
    buf[n++] = '\n';
    sys(SYS_write, 1, (long)buf, n, 0);
}

__attribute__((used, noreturn)) void start(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    if (argc > 1) {
        for (passes = 0; passes < 200000000; passes++) {}
        sys(SYS_exit_group, (long)((passes >> 20) & 0x7f), 0, 0, 0);
    }
    long child = sys(SYS_fork, 0, 0, 0, 0);
    if (child == 0) {
        char *args[] = {argv[0], "spin", 0};
        sys(SYS_execve, (long)"/proc/self/exe", (long)args, (long)envp, 0);
        sys(SYS_exit_group, 127, 0, 0, 0);
    }
    for (int i = 0; i < 10; i++) {
        long ts[2] = {0, 20 * 1000 * 1000};
        sys(SYS_nanosleep, (long)ts, 0, 0, 0);
    }
    int status = 0;
    sys(SYS_wait4, child, (long)&status, 0, 0);
    print("child status ", (unsigned long)status >> 8);
    sys(SYS_exit_group, 0, 0, 0, 0);
    __builtin_unreachable();
}
