/* Usage: program_ptrace trace | thread | exec | held | attach | refused
 *
 * program_ptrace.c: the program's own ptrace of its children (issue 14), emulated by swrr (the
 * real tracer of every task). The first line is a token read from a child with PTRACE_PEEKDATA:
 * the child draws it with getrandom after the fork, so a replay that does not give back the
 * recorded PEEKDATA prints another one. Every other line is what a native run prints.
 *
 * Child A: PTRACE_TRACEME, raise(SIGSTOP), one getppid made with its own syscall instruction,
 * a few instructions, then prints what it sees and exits 7. The parent: waitpid (the SIGSTOP
 * stop), GETSIGINFO, PEEKDATA of the token, GETREGS, POKEDATA of a new value, SETOPTIONS
 * (TRACESYSGOOD|EXITKILL), PTRACE_SYSCALL to the getppid's entry and exit stops (orig_rax,
 * rax), SETREGS of another result, SINGLESTEP three times (the rip advances), more single
 * steps up to the next syscall instruction and one over it (a SIGTRAP after the call), GETFPREGS,
 * PEEKUSER, CONT to its exit.
 * Child B: spins calling sched_yield; the parent seizes it (PTRACE_SEIZE), stops it with
 * PTRACE_INTERRUPT (PTRACE_EVENT_STOP), PEEKs its counter, continues it, sends it SIGTERM, sees
 * the signal-delivery stop and passes SIGTERM on with PTRACE_CONT: B dies of it.
 * "thread": a thread of a child process (not a child itself), seized by its tid, PTRACE_INTERRUPT,
 * waitpid(tid, __WALL), PEEKDATA of a token the child drew and of the thread's counter, GETREGS,
 * CONT; then the process is killed, and the tracer collects the thread's end before the parent
 * collects the process's.
 * "exec": a TRACEME'd child execs (this program, "exec-child"): its SIGTRAP stop, GETSIGINFO,
 * PEEKTEXT at its first instruction, CONT to its end.
 * "held": a SIGUSR1 with a handler sent to a traced child computing without syscalls: its stop
 * (mid-computation), GETSIGINFO, CONT(SIGUSR1) runs the handler, which ends the loop.
 * "attach": PTRACE_ATTACH of a running child, GETREGSET, SETFPREGS, POKEDATA, POKEUSER of
 * orig_rax at a syscall entry, DETACH (see attach()).
 * "refused": a TRACEME'd child asked PTRACE_GETSIGMASK, which swrr refuses with EIO, and
 * PTRACE_O_TRACESECCOMP, refused with EINVAL, each named on swrr's stderr (natively both succeed),
 * then PTRACE_KILL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long secret;
static volatile unsigned long counter;

static long raw_getppid(void) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
    return r;
}

static void child_a(void) {
    unsigned long v = 0;
    while (v == 0) {
        if (getrandom(&v, sizeof v, 0) != sizeof v) _exit(90);
    }
    secret = v;
    unsigned long drawn = v;
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(91);
    raise(SIGSTOP);
    long ppid = raw_getppid();
    volatile long a = ppid * 3;
    a = a + 1;
    a = a ^ 5;
    long again = raw_getppid();
    printf("child: token poked: %s, getppid returned %ld, then the parent: %s\n",
           secret == (drawn ^ 0x5a5a5a5aUL) ? "yes" : "no", ppid, again == getppid() ? "yes" : "no");
    fflush(stdout);
    _exit(7);
}

/* The children that never end by themselves die with their parent, should it die early. */
static void die_with_parent(void) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(96);
}

static void child_b(int ready) {
    die_with_parent();
    for (;;) {
        counter++;
        if (counter == 1 && write(ready, "r", 1) != 1) _exit(92);
        syscall(SYS_sched_yield);
    }
}

static const char *status_text(int st, char *buf, size_t n) {
    if (WIFEXITED(st)) snprintf(buf, n, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) snprintf(buf, n, "killed by %s", sigabbrev_np(WTERMSIG(st)));
    else if (WIFSTOPPED(st)) snprintf(buf, n, "stopped 0x%x (%s%s, event %d)", st,
                                      sigabbrev_np(WSTOPSIG(st) & 0x7f), WSTOPSIG(st) & 0x80 ? "|0x80" : "",
                                      st >> 16);
    else snprintf(buf, n, "status 0x%x", st);
    return buf;
}

static void wait_for(pid_t pid, const char *what) {
    int st = 0;
    char buf[96];
    pid_t r = waitpid(pid, &st, 0);
    printf("%s: waitpid = child %s, %s\n", what, r == pid ? "yes" : "no", status_text(st, buf, sizeof buf));
}

/* A thread of another process, seized by its tid. */
static volatile unsigned long thread_counter, thread_token;

static void *spin(void *arg) {
    int ready = (int)(long)arg;
    pid_t tid = gettid();
    for (;;) {
        thread_counter++;
        if (thread_counter == 1 && write(ready, &tid, sizeof tid) != sizeof tid) _exit(93);
        syscall(SYS_sched_yield);
    }
    return NULL;
}

static int thread(void) {
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t c = fork();
    if (c == 0) {
        die_with_parent();
        while (thread_token == 0) {
            unsigned long v;
            if (getrandom(&v, sizeof v, 0) != sizeof v) _exit(90);
            thread_token = v;
        }
        pthread_t th;
        if (pthread_create(&th, NULL, spin, (void *)(long)ready[1]) != 0) _exit(94);
        for (;;) pause();
    }
    pid_t tid;
    if (read(ready[0], &tid, sizeof tid) != sizeof tid) return 1;
    /* Everything up to the token's PEEKDATA first: the token is the first line. */
    long seized = ptrace(PTRACE_SEIZE, tid, 0, 0);
    int st = 0;
    pid_t early = waitpid(tid, &st, __WALL | WNOHANG);
    long interrupted = ptrace(PTRACE_INTERRUPT, tid, 0, 0);
    st = 0;
    pid_t w = waitpid(tid, &st, __WALL);
    unsigned long token = (unsigned long)ptrace(PTRACE_PEEKDATA, tid, (void *)&thread_token, 0);
    printf("token %lx\n", token);
    char buf[96];
    printf("the thread is not the process: %s\n", tid != c ? "yes" : "no");
    printf("SEIZE(thread) = %ld\n", seized);
    printf("waitpid(thread, WNOHANG) before a stop = %d\n", early);
    printf("INTERRUPT = %ld\n", interrupted);
    printf("the thread interrupted: waitpid = thread %s, %s\n", w == tid ? "yes" : "no", status_text(st, buf, sizeof buf));
    unsigned long count = (unsigned long)ptrace(PTRACE_PEEKDATA, tid, (void *)&thread_counter, 0);
    printf("its counter >= 1: %s\n", count >= 1 ? "yes" : "no");
    struct user_regs_struct regs;
    long r = ptrace(PTRACE_GETREGS, tid, 0, &regs);
    printf("GETREGS = %ld, fs_base set: %s\n", r, regs.fs_base != 0 ? "yes" : "no");
    r = ptrace(PTRACE_CONT, tid, 0, 0);
    printf("CONT = %ld\n", r);
    /* The traced thread's end is its tracer's to collect (natively the process cannot be reaped
     * before), then the process's. */
    kill(c, SIGKILL);
    st = 0;
    w = waitpid(tid, &st, __WALL);
    printf("the thread's end: waitpid = thread %s, %s\n", w == tid ? "yes" : "no", status_text(st, buf, sizeof buf));
    wait_for(c, "the process killed");
    return 0;
}

/* A TRACEME'd child that execs itself: stopped by the exec's SIGTRAP before the new program runs. */
static int exec_traced(const char *self) {
    pid_t c = fork();
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(91);
        execl(self, self, "exec-child", (char *)NULL);
        _exit(95);
    }
    wait_for(c, "A after its exec");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = ptrace(PTRACE_GETSIGINFO, c, 0, &si);
    printf("GETSIGINFO = %ld: signo %s, code %d\n", r, sigabbrev_np(si.si_signo), si.si_code);
    struct user_regs_struct regs;
    ptrace(PTRACE_GETREGS, c, 0, &regs);
    errno = 0;
    long word = ptrace(PTRACE_PEEKTEXT, c, (void *)regs.rip, 0);
    printf("PEEKTEXT at its first instruction: errno %d, nonzero %s\n", errno, word != 0 ? "yes" : "no");
    r = ptrace(PTRACE_CONT, c, 0, 0);
    wait_for(c, "A at its end");
    printf("CONT = %ld\n", r);
    return 0;
}

/* A signal with a handler sent while the traced child computes without syscalls: its stop comes
 * where swrr delivers it (after a while, mid-computation), and the signal passed on with
 * PTRACE_CONT runs the handler. */
static volatile int flag;
static void on_usr1(int s) { (void)s; flag = 1; }

static int held(void) {
    pid_t c = fork();
    if (c == 0) {
        die_with_parent();
        signal(SIGUSR1, on_usr1);
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(91);
        raise(SIGSTOP);
        /* (A pure spin: swrr switches away from it, measured by identical registers, so the
         * parent gets to send the signal; a loop that counts would keep the CPU.) */
        while (!flag) {
        }
        _exit(5);
    }
    wait_for(c, "A after raise(SIGSTOP)");
    ptrace(PTRACE_CONT, c, 0, 0);
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    kill(c, SIGUSR1);
    wait_for(c, "A after SIGUSR1");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    ptrace(PTRACE_GETSIGINFO, c, 0, &si);
    printf("GETSIGINFO: signo %s, from the parent %s\n", sigabbrev_np(si.si_signo), si.si_pid == getpid() ? "yes" : "no");
    long r = ptrace(PTRACE_CONT, c, 0, (void *)(long)SIGUSR1);
    wait_for(c, "A at its end");
    printf("CONT(SIGUSR1) = %ld\n", r);
    return 0;
}

/* A running child attached with PTRACE_ATTACH (its SIGSTOP stop), its registers through
 * GETREGSET, its rounding mode changed with SETFPREGS (it prints a quotient whose last digits
 * show it), a flag poked into it, its getppid turned into getpid with POKEUSER of orig_rax at the
 * syscall's entry, then detached; it runs on to its end. */
static volatile long stop_now;

static int attach(void) {
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t c = fork();
    if (c == 0) {
        die_with_parent();
        for (;;) {
            counter++;
            if (counter == 1 && write(ready[1], "r", 1) != 1) _exit(92);
            syscall(SYS_sched_yield);
            if (stop_now) break;
        }
        long r = raw_getppid();
        volatile double x = 1.0, y = 10.0;
        printf("child: getppid returned its own pid: %s, 1/10 = %.20f\n", r == getpid() ? "yes" : "no", x / y);
        fflush(stdout);
        _exit(9);
    }
    char ch;
    if (read(ready[0], &ch, 1) != 1) return 1;
    long r = ptrace(PTRACE_ATTACH, c, 0, 0);
    printf("ATTACH = %ld\n", r);
    wait_for(c, "the child attached");
    struct user_regs_struct regs, set;
    ptrace(PTRACE_GETREGS, c, 0, &regs);
    struct iovec iov = { &set, sizeof set };
    r = ptrace(PTRACE_GETREGSET, c, (void *)1 /* NT_PRSTATUS */, &iov);
    printf("GETREGSET = %ld: %zu bytes, the same as GETREGS: %s\n", r, iov.iov_len,
           memcmp(&regs, &set, sizeof regs) == 0 ? "yes" : "no");
    struct user_fpregs_struct fp;
    ptrace(PTRACE_GETFPREGS, c, 0, &fp);
    fp.mxcsr |= 0x6000;   /* round toward zero */
    r = ptrace(PTRACE_SETFPREGS, c, 0, &fp);
    printf("SETFPREGS = %ld\n", r);
    r = ptrace(PTRACE_POKEDATA, c, (void *)&stop_now, (void *)1L);
    printf("POKEDATA = %ld\n", r);
    /* To the entry of its getppid (a sched_yield may come first). */
    for (int i = 0; i < 20; i++) {
        ptrace(PTRACE_SYSCALL, c, 0, 0);
        int st;
        waitpid(c, &st, 0);
        ptrace(PTRACE_GETREGS, c, 0, &regs);
        if (regs.orig_rax == SYS_getppid) break;
        ptrace(PTRACE_SYSCALL, c, 0, 0);
        waitpid(c, &st, 0);
    }
    printf("at the entry of getppid: %s\n", regs.orig_rax == SYS_getppid ? "yes" : "no");
    r = ptrace(PTRACE_POKEUSER, c, (void *)offsetof(struct user_regs_struct, orig_rax), (void *)(long)SYS_getpid);
    printf("POKEUSER(orig_rax) = %ld\n", r);
    ptrace(PTRACE_SYSCALL, c, 0, 0);
    wait_for(c, "the child at its exit");
    ptrace(PTRACE_GETREGS, c, 0, &regs);
    printf("exit: orig_rax %lld, rax is the child: %s\n", regs.orig_rax, regs.rax == (unsigned long long)c ? "yes" : "no");
    r = ptrace(PTRACE_DETACH, c, 0, 0);
    wait_for(c, "the child at its end");
    printf("DETACH = %ld\n", r);
    return 0;
}

/* A request swrr does not emulate: refused with EIO in the recording (natively it succeeds). */
static int refused(void) {
    pid_t a = fork();
    if (a == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(91);
        raise(SIGSTOP);
        _exit(3);
    }
    wait_for(a, "A after raise(SIGSTOP)");
    unsigned long long mask = 0;
    errno = 0;
    long r = ptrace(PTRACE_GETSIGMASK, a, (void *)sizeof mask, &mask);
    printf("GETSIGMASK = %ld, errno %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = ptrace(PTRACE_SETOPTIONS, a, 0, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP));
    printf("SETOPTIONS(TRACESYSGOOD|TRACESECCOMP) = %ld, errno %s\n", r, strerrorname_np(errno));
    r = ptrace(PTRACE_KILL, a, 0, 0);
    printf("KILL = %ld\n", r);
    wait_for(a, "A at its end");
    return 0;
}

static int trace(void);

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "refused") == 0) return refused();
    if (argc > 1 && strcmp(argv[1], "thread") == 0) return thread();
    if (argc > 1 && strcmp(argv[1], "exec") == 0) return exec_traced(argv[0]);
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        printf("the exec'd child runs\n");
        return 4;
    }
    if (argc > 1 && strcmp(argv[1], "held") == 0) return held();
    if (argc > 1 && strcmp(argv[1], "attach") == 0) return attach();
    return trace();
}

static int trace(void) {
    pid_t a = fork();
    if (a == 0) child_a();
    /* The token first: read from the stopped child before anything is printed. */
    int st = 0;
    pid_t w = waitpid(a, &st, 0);
    errno = 0;
    unsigned long token = (unsigned long)ptrace(PTRACE_PEEKDATA, a, (void *)&secret, 0);
    printf("token %lx\n", token);
    char buf[96];
    printf("A after raise(SIGSTOP): waitpid = child %s, %s\n", w == a ? "yes" : "no", status_text(st, buf, sizeof buf));
    printf("PEEKDATA errno %d\n", errno);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = ptrace(PTRACE_GETSIGINFO, a, 0, &si);
    printf("GETSIGINFO = %ld: signo %s, code %d, from A %s\n", r, sigabbrev_np(si.si_signo), si.si_code,
           si.si_pid == a ? "yes" : "no");
    struct user_regs_struct regs;
    r = ptrace(PTRACE_GETREGS, a, 0, &regs);
    printf("GETREGS = %ld: orig_rax %lld, rax %lld\n", r, regs.orig_rax, regs.rax);
    r = ptrace(PTRACE_POKEDATA, a, (void *)&secret, (void *)(token ^ 0x5a5a5a5aUL));
    printf("POKEDATA = %ld\n", r);
    r = ptrace(PTRACE_SETOPTIONS, a, 0, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
    printf("SETOPTIONS = %ld\n", r);
    r = ptrace(PTRACE_SYSCALL, a, 0, 0);
    wait_for(a, "A at a syscall entry");
    ptrace(PTRACE_GETREGS, a, 0, &regs);
    printf("entry: orig_rax %lld, rax %lld\n", regs.orig_rax, regs.rax);
    ptrace(PTRACE_SYSCALL, a, 0, 0);
    wait_for(a, "A at the syscall exit");
    ptrace(PTRACE_GETREGS, a, 0, &regs);
    printf("exit: orig_rax %lld, rax is the parent: %s\n", regs.orig_rax, regs.rax == (unsigned long long)getpid() ? "yes" : "no");
    regs.rax = 4242;
    r = ptrace(PTRACE_SETREGS, a, 0, &regs);
    printf("SETREGS = %ld\n", r);
    unsigned long long rip = regs.rip;
    for (int i = 1; i <= 3; i++) {
        ptrace(PTRACE_SINGLESTEP, a, 0, 0);
        char what[32];
        snprintf(what, sizeof what, "A after step %d", i);
        wait_for(a, what);
        ptrace(PTRACE_GETREGS, a, 0, &regs);
        printf("step %d: rip advanced by %lld\n", i, (long long)(regs.rip - rip));
        rip = regs.rip;
    }
    /* On to the next syscall instruction, then one step over it. */
    for (int i = 0; i < 200; i++) {
        errno = 0;
        long insn = ptrace(PTRACE_PEEKTEXT, a, (void *)regs.rip, 0);
        if (errno != 0) break;
        if ((insn & 0xffff) == 0x050f) {
            ptrace(PTRACE_SINGLESTEP, a, 0, 0);
            wait_for(a, "A after a step over a syscall");
            unsigned long long at = regs.rip;
            ptrace(PTRACE_GETREGS, a, 0, &regs);
            printf("over the syscall: rip advanced by %lld, orig_rax %lld, rax is the parent: %s\n",
                   (long long)(regs.rip - at), regs.orig_rax, regs.rax == (unsigned long long)getpid() ? "yes" : "no");
            break;
        }
        ptrace(PTRACE_SINGLESTEP, a, 0, 0);
        int st;
        waitpid(a, &st, 0);
        ptrace(PTRACE_GETREGS, a, 0, &regs);
    }
    struct user_fpregs_struct fp;
    r = ptrace(PTRACE_GETFPREGS, a, 0, &fp);
    printf("GETFPREGS = %ld: mxcsr 0x%x\n", r, fp.mxcsr);
    errno = 0;
    long rip_user = ptrace(PTRACE_PEEKUSER, a, (void *)offsetof(struct user_regs_struct, rip), 0);
    printf("PEEKUSER(rip) is GETREGS's: %s\n", (unsigned long long)rip_user == regs.rip ? "yes" : "no");
    /* (Printed after the wait: the child's own line would race with it.) */
    r = ptrace(PTRACE_CONT, a, 0, 0);
    wait_for(a, "A at its end");
    printf("CONT = %ld\n", r);

    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t b = fork();
    if (b == 0) child_b(ready[1]);
    char c;
    if (read(ready[0], &c, 1) != 1) return 1;
    r = ptrace(PTRACE_SEIZE, b, 0, (void *)(long)PTRACE_O_TRACESYSGOOD);
    printf("SEIZE = %ld\n", r);
    errno = 0;
    r = ptrace(PTRACE_PEEKDATA, b, (void *)&counter, 0);
    printf("PEEKDATA of a running tracee = %ld, errno %s\n", r, strerrorname_np(errno));
    r = ptrace(PTRACE_INTERRUPT, b, 0, 0);
    printf("INTERRUPT = %ld\n", r);
    wait_for(b, "B interrupted");
    unsigned long count = (unsigned long)ptrace(PTRACE_PEEKDATA, b, (void *)&counter, 0);
    printf("B's counter >= 1: %s\n", count >= 1 ? "yes" : "no");
    r = ptrace(PTRACE_CONT, b, 0, 0);
    printf("CONT = %ld\n", r);
    kill(b, SIGTERM);
    wait_for(b, "B after SIGTERM");
    r = ptrace(PTRACE_CONT, b, 0, (void *)(long)SIGTERM);
    printf("CONT(SIGTERM) = %ld\n", r);
    wait_for(b, "B at its end");
    return 0;
}
