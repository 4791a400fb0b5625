// Exec in a multi-threaded process (issue 12): the kernel's de_thread ends every other thread
// (blocked in epoll_wait, in a futex wait, computing) and the exec'ing thread takes the leader's
// tid. Modes: "leader" (main thread execs), "thread" (a non-leader thread execs), "child"
// (the program exec'd into: prints and exits).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

static const char *self;
static volatile int never;
static volatile unsigned long spins;
static pthread_barrier_t ready;

static void *in_epoll(void *arg) {
    (void)arg;
    int ep = epoll_create1(0);
    struct epoll_event ev;
    pthread_barrier_wait(&ready);
    epoll_wait(ep, &ev, 1, -1);
    return NULL;
}

static void *in_futex(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

// Computes without syscalls: a spin on a flag nobody sets (the recorder preempts a thread that
// provably spins; one that makes progress only in memory is issue 16's).
static void *computing(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    while (!never) spins = 1;
    return NULL;
}

static void do_exec(const char *who) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    printf("%s execs: pid %d tid %ld at %ld.%09ld\n", who, getpid(), (long)syscall(SYS_gettid),
           (long)t.tv_sec, t.tv_nsec);
    fflush(stdout);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", getpid());
    execl(self, self, "child", pid, (char *)NULL);
    perror("execl");
    _exit(1);
}

static void *execing(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    usleep(20000);
    do_exec("thread");
    return NULL;
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        // The exec'd image runs as the process's leader: same pid, its tid equal to it.
        printf("child: pid %d (was %s) tid %ld at %ld.%09ld\n", getpid(), argv[2],
               (long)syscall(SYS_gettid), (long)t.tv_sec, t.tv_nsec);
        return 7;
    }
    int by_thread = argc > 1 && strcmp(argv[1], "thread") == 0;
    pthread_t th[4];
    int n = by_thread ? 4 : 3;
    pthread_barrier_init(&ready, NULL, n + 1);
    pthread_create(&th[0], NULL, in_epoll, NULL);
    pthread_create(&th[1], NULL, in_futex, NULL);
    pthread_create(&th[2], NULL, computing, NULL);
    if (by_thread) pthread_create(&th[3], NULL, execing, NULL);
    pthread_barrier_wait(&ready);
    if (by_thread) {
        // The leader waits too: the exec'ing thread replaces it.
        pthread_join(th[3], NULL);
        return 1;
    }
    usleep(20000);
    do_exec("leader");
    return 1;
}
