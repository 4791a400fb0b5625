// A signal sent to a thread that computes without syscalls (issue 16): by another thread with
// tgkill ("thread") or by an interval timer ("timer", the process alone). The program measures
// how long the signal took from its sending to its handler and prints it, then the count of its
// computation (kept in memory: a position taken by registers alone would be found at the wrong
// pass on replay). Natively the delay is well under a millisecond; a recorder that holds the
// signal back until a syscall would keep it until the computation ends (never, here).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static volatile unsigned long work;
static volatile double sent, arrived;
static pid_t main_tid;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void handler(int sig) {
    (void)sig;
    arrived = now();
    got = 1;
}

static void *sender(void *arg) {
    (void)arg;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    sent = now();
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "thread";
    signal(SIGUSR1, handler);
    signal(SIGALRM, handler);
    main_tid = (pid_t)syscall(SYS_gettid);
    pthread_t t;
    int threaded = strcmp(mode, "thread") == 0;
    if (threaded) {
        pthread_create(&t, NULL, sender, NULL);
    } else {
        struct itimerval it = {{0, 0}, {0, 100 * 1000}};
        sent = now() + 0.1;
        setitimer(ITIMER_REAL, &it, NULL);
    }
    while (!got) work++;
    if (threaded) pthread_join(t, NULL);
    printf("%s: delay %ld ms\n", mode, (long)((arrived - sent) * 1000));
    printf("work %lu\n", work);
    return 0;
}
