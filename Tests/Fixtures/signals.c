/* signals.c: signals a single-threaded program sends itself or receives from the kernel, with
 * handlers: raise (tgkill), kill of its own pid, a signal blocked and then unblocked, SIGALRM
 * interrupting a sleep (EINTR), an ignored SIGPIPE (EPIPE), and a SIGSEGV caught by a handler
 * that siglongjmps out of it. Handlers that return go through rt_sigreturn.
 * Every handler run is counted and printed; replay must run the same handlers at the same points.
 *
 * Usage: signals
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t counts[65];
static sigjmp_buf recover;

static void on_signal(int sig) { counts[sig]++; }

static void on_segv(int sig) {
    counts[sig]++;
    siglongjmp(recover, 1);
}

static void handle(int sig, void (*fn)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(void) {
    handle(SIGUSR1, on_signal);
    handle(SIGUSR2, on_signal);
    handle(SIGALRM, on_signal);
    handle(SIGSEGV, on_segv);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int r = raise(SIGUSR1);
    printf("raise(SIGUSR1) = %d, handled %d\n", r, (int)counts[SIGUSR1]);
    r = kill(getpid(), SIGUSR2);
    printf("kill(self, SIGUSR2) = %d, handled %d\n", r, (int)counts[SIGUSR2]);

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR1);
    printf("blocked: handled %d\n", (int)counts[SIGUSR1]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: handled %d\n", (int)counts[SIGUSR1]);

    alarm(1);
    struct timespec req = {5, 0}, rem = {0, 0};
    r = nanosleep(&req, &rem);
    printf("nanosleep interrupted: %d errno %s, SIGALRM handled %d, remaining > 2 s: %d\n", r,
           r == -1 && errno == EINTR ? "EINTR" : "other", (int)counts[SIGALRM], rem.tv_sec >= 2);

    signal(SIGPIPE, SIG_IGN);
    int p[2];
    if (pipe(p) == 0) {
        close(p[0]);
        ssize_t w = write(p[1], "x", 1);
        printf("write to a closed pipe: %zd errno %s\n", w, w == -1 && errno == EPIPE ? "EPIPE" : "other");
        close(p[1]);
    }

    if (sigsetjmp(recover, 1) == 0) {
        volatile int *volatile nowhere = NULL;
        *nowhere = 1;
        printf("unreachable\n");
    }
    printf("recovered from SIGSEGV, handled %d\n", (int)counts[SIGSEGV]);
    return 0;
}
