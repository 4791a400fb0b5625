/* job_control.c: stops and continues (issue 14). Each run prints a fresh random token first, so a
 * replay that does not feed back the recorded values prints another one.
 *
 * Usage: job_control MODE
 *   stop-cont    a child with three threads, each counting in shared memory with 1 ms sleeps;
 *                the parent stops it with SIGSTOP, sees WIFSTOPPED through waitpid(WUNTRACED),
 *                checks that no thread counts while it is stopped (group-stop of every thread),
 *                continues it with SIGCONT, sees WIFCONTINUED through waitpid(WCONTINUED), checks
 *                that every thread counts again, then stops it with SIGTSTP and ends it with
 *                SIGKILL while it is stopped
 *   mask-exec    blocks SIGUSR1 and SIGUSR2, raises SIGUSR1 (left pending), and execs itself
 *                with "after-exec", which prints the blocked mask and the pending set it inherited
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { THREADS = 3 };
static volatile unsigned long *counters;

static void *count(void *arg) {
    volatile unsigned long *c = &counters[(long)arg];
    struct timespec ms = { 0, 1000000 };
    for (;;) {
        (*c)++;
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static void sleep_ms(int n) {
    struct timespec t = { 0, n * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

static int snapshot_moved(unsigned long *before) {
    int moved = 0;
    for (int i = 0; i < THREADS; i++) {
        if (counters[i] != before[i]) moved++;
        before[i] = counters[i];
    }
    return moved;
}

static int stop_cont(void) {
    counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counters == MAP_FAILED) { perror("mmap"); return 2; }
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t[THREADS];
        for (long i = 1; i < THREADS; i++) pthread_create(&t[i], NULL, count, (void *)i);
        count((void *)0);
    }
    unsigned long seen[THREADS] = { 0 };
    /* Until every thread has counted. */
    for (int tries = 0; tries < 2000; tries++) {
        int all = 1;
        for (int i = 0; i < THREADS; i++) if (counters[i] == 0) all = 0;
        if (all) break;
        sleep_ms(1);
    }
    int status = 0;
    printf("kill(child, SIGSTOP) = %d\n", kill(pid, SIGSTOP));
    pid_t w = waitpid(pid, &status, WUNTRACED);
    printf("waitpid(WUNTRACED) = child: %s, WIFSTOPPED %d, WSTOPSIG %s\n", w == pid ? "yes" : "no",
           WIFSTOPPED(status), WIFSTOPPED(status) ? sigabbrev_np(WSTOPSIG(status)) : "-");
    snapshot_moved(seen);
    sleep_ms(30);
    printf("threads counting while stopped: %d of %d\n", snapshot_moved(seen), THREADS);
    printf("kill(child, SIGCONT) = %d\n", kill(pid, SIGCONT));
    w = waitpid(pid, &status, WCONTINUED);
    printf("waitpid(WCONTINUED) = child: %s, WIFCONTINUED %d\n", w == pid ? "yes" : "no", WIFCONTINUED(status));
    int moved = 0;   /* a bit per thread seen counting since the stop */
    for (int tries = 0; tries < 200 && moved != (1 << THREADS) - 1; tries++) {
        sleep_ms(5);
        for (int i = 0; i < THREADS; i++) if (counters[i] != seen[i]) moved |= 1 << i;
    }
    printf("threads counting after SIGCONT: %d of %d\n", __builtin_popcount(moved), THREADS);
    printf("kill(child, SIGTSTP) = %d\n", kill(pid, SIGTSTP));
    w = waitpid(pid, &status, WUNTRACED);
    printf("waitpid(WUNTRACED) = child: %s, WIFSTOPPED %d, WSTOPSIG %s\n", w == pid ? "yes" : "no",
           WIFSTOPPED(status), WIFSTOPPED(status) ? sigabbrev_np(WSTOPSIG(status)) : "-");
    printf("kill(child, SIGKILL) = %d\n", kill(pid, SIGKILL));
    w = waitpid(pid, &status, 0);
    printf("waitpid = child: %s, killed by %s\n", w == pid ? "yes" : "no",
           WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "nothing");
    return 0;
}

static void print_sets(const char *when) {
    sigset_t blocked, pending;
    sigprocmask(SIG_BLOCK, NULL, &blocked);
    sigpending(&pending);
    printf("%s: USR1 blocked %d, USR2 blocked %d, TERM blocked %d; USR1 pending %d, USR2 pending %d\n", when,
           sigismember(&blocked, SIGUSR1), sigismember(&blocked, SIGUSR2), sigismember(&blocked, SIGTERM),
           sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
}

static int mask_exec(const char *self) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    print_sets("before exec");
    execl(self, self, "after-exec", (char *)NULL);
    perror("execl");
    return 2;
}

static int after_exec(void) {
    print_sets("after exec");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    siginfo_t info;
    int s = sigwaitinfo(&set, &info);
    printf("sigwaitinfo = %s, from itself: %s\n", s > 0 ? sigabbrev_np(s) : "error",
           info.si_pid == getpid() ? "yes" : "no");
    print_sets("after sigwaitinfo");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: job_control MODE\n"); return 2; }
    if (strcmp(argv[1], "after-exec") == 0) return after_exec();
    unsigned long token = 0;
    if (getrandom(&token, sizeof token, 0) != sizeof token) { perror("getrandom"); return 2; }
    printf("token %lx\n", token);
    if (strcmp(argv[1], "stop-cont") == 0) return stop_cont();
    if (strcmp(argv[1], "mask-exec") == 0) return mask_exec(argv[0]);
    printf("FAILED: unknown mode %s\n", argv[1]);
    return 9;
}
