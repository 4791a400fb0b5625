// Threads that end under the recorder while others run (issue 12): a process exiting through
// exit_group while its threads wait in futexes, epoll_wait and nanosleep or spin; processes
// SIGKILLed by their parent with all their threads running or waiting; 50 threads exiting one
// after another while others wait for them (CLEARTID wakes); a leader that ends with
// pthread_exit, leaving its threads to finish the process. Each mode prints what it saw.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

static volatile int never;
static pthread_barrier_t ready;

static void *in_futex(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void *in_epoll(void *arg) {
    (void)arg;
    int ep = epoll_create1(0);
    struct epoll_event ev;
    pthread_barrier_wait(&ready);
    epoll_wait(ep, &ev, 1, -1);
    return NULL;
}

static void *sleeping(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    for (;;) {
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
    return NULL;
}

static void *spinning(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    while (!never) {}
    return NULL;
}

/// A process with four kinds of waiting or running threads; returns once they all run.
static void start_threads(void) {
    void *(*kinds[])(void *) = {in_futex, in_epoll, sleeping, spinning};
    pthread_barrier_init(&ready, NULL, 5);
    for (int i = 0; i < 4; i++) {
        pthread_t t;
        pthread_create(&t, NULL, kinds[i], NULL);
    }
    pthread_barrier_wait(&ready);
}

static void exit_group_mode(void) {
    for (int i = 0; i < 10; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            start_threads();
            usleep(1000 * (i % 3));
            exit(i);   // exit_group ends the four threads wherever they are
        }
        int status;
        waitpid(pid, &status, 0);
        printf("child %d: exited %d\n", i, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

static void sigkill_mode(void) {
    for (int i = 0; i < 10; i++) {
        int p[2];
        pipe(p);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            start_threads();
            write(p[1], "r", 1);
            for (;;) pause();
        }
        char c;
        read(p[0], &c, 1);
        if (i % 2) usleep(500);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        printf("child %d: killed by signal %d\n", i, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
        close(p[0]);
        close(p[1]);
    }
}

static void *short_lived(void *arg) {
    return (void *)((long)arg * 3);
}

static void exits_mode(void) {
    long sum = 0;
    for (int round = 0; round < 5; round++) {
        pthread_t t[10];
        for (long i = 0; i < 10; i++) pthread_create(&t[i], NULL, short_lived, (void *)(round * 10 + i));
        for (int i = 9; i >= 0; i--) {
            void *r;
            pthread_join(t[i], &r);
            sum += (long)r;
        }
    }
    printf("50 threads exited and joined, sum %ld (expected %d)\n", sum, 3 * 49 * 50 / 2);
}

static void *finisher(void *arg) {
    (void)arg;
    usleep(20000);
    printf("the last thread ends the process\n");
    fflush(stdout);
    exit(5);
}

static void leader_exits_mode(void) {
    pthread_t t;
    pthread_create(&t, NULL, finisher, NULL);
    printf("the leader leaves\n");
    fflush(stdout);
    pthread_exit(NULL);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "exit-group") == 0) exit_group_mode();
    else if (strcmp(mode, "sigkill") == 0) sigkill_mode();
    else if (strcmp(mode, "exits") == 0) exits_mode();
    else if (strcmp(mode, "leader-exits") == 0) leader_exits_mode();
    else {
        fprintf(stderr, "usage: thread_exits exit-group|sigkill|exits|leader-exits\n");
        return 2;
    }
    return 0;
}
