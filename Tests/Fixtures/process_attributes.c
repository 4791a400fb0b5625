/* process_attributes.c: process attributes a program reads back (issue 14). Each run prints a
 * fresh random token first, so a replay that does not feed back the recorded values prints
 * another one.
 *
 * Usage: process_attributes MODE
 *   pdeathsig    PR_GET_PDEATHSIG at the start (0 natively: fork clears it, and swrr's own setting
 *                for the tracee must not show), after PR_SET_PDEATHSIG(SIGUSR2), in a child
 *                (cleared by fork), and after setting it back to 0
 *   stack-limit  lowers RLIMIT_STACK to 256 KiB (setrlimit), then recurses 1 KiB a frame until the
 *                stack overflows into a SIGSEGV handler on an alternate stack, which jumps back
 *                out; prints whether the depth fits the limit (as natively), the exact depth
 *                (which a replay must reproduce), and the limit read back
 *   raw-stack-limit  the same with the raw setrlimit syscall (glibc's setrlimit is prlimit64)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int pdeathsig(void) {
    int sig = -1;
    int r = prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("at the start: PR_GET_PDEATHSIG = %d, signal %d\n", r, sig);
    r = prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
    sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("PR_SET_PDEATHSIG(SIGUSR2) = %d, now signal %d\n", r, sig);
    pid_t pid = fork();
    if (pid == 0) {
        int child = -1;
        prctl(PR_GET_PDEATHSIG, &child, 0, 0, 0);
        printf("child: signal %d (fork clears it)\n", child);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r = prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("PR_SET_PDEATHSIG(0) = %d, now signal %d\n", r, sig);
    return 0;
}

static sigjmp_buf overflowed;
static volatile int depth;
static char altstack[64 * 1024];
static volatile int on_altstack;

static void on_segv(int sig, siginfo_t *info, void *context) {
    char here;
    (void)sig; (void)info; (void)context;
    on_altstack = &here >= altstack && &here < altstack + sizeof altstack;
    siglongjmp(overflowed, 1);
}

static int recurse(int n) {
    volatile char frame[1024];
    frame[0] = (char)n;
    depth = n;
    return recurse(n + 1) + frame[0];
}

static int stack_limit(int raw) {
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    rl.rlim_cur = 256 * 1024;
    printf("setrlimit(RLIMIT_STACK, 256 KiB) = %d\n",
           raw ? (int)syscall(SYS_setrlimit, RLIMIT_STACK, &rl) : setrlimit(RLIMIT_STACK, &rl));
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(overflowed, 1) == 0) {
        recurse(0);
        printf("FAILED: the recursion returned\n");
        return 3;
    }
    /* A frame is a little over 1 KiB; what was on the stack before main takes some of the 256. */
    printf("overflow caught, depth between 150 and 256: %s, handler on the alternate stack: %s\n",
           depth > 150 && depth < 256 ? "yes" : "no", on_altstack ? "yes" : "no");
    fprintf(stderr, "depth %d\n", depth);
    getrlimit(RLIMIT_STACK, &rl);
    printf("RLIMIT_STACK now %lu KiB\n", (unsigned long)rl.rlim_cur / 1024);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: process_attributes MODE\n"); return 2; }
    unsigned long token = 0;
    if (getrandom(&token, sizeof token, 0) != sizeof token) { perror("getrandom"); return 2; }
    printf("token %lx\n", token);
    if (strcmp(argv[1], "pdeathsig") == 0) return pdeathsig();
    if (strcmp(argv[1], "stack-limit") == 0) return stack_limit(0);
    if (strcmp(argv[1], "raw-stack-limit") == 0) return stack_limit(1);
    printf("FAILED: unknown mode %s\n", argv[1]);
    return 9;
}
