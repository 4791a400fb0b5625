/* buffered_threads.c: threads and syscall buffering (issue 7).
 *   pipe THREADS WRITES: THREADS writer threads each write WRITES 8-byte messages (thread, count)
 *     to one pipe while a reader thread reads them all; the reader checks that each thread's
 *     messages arrive in order and prints a checksum. Writes block when the pipe is full, reads
 *     when it is empty.
 *   wait: the main thread waits for a flag in a loop of clock_gettime calls (buffered, so no
 *     switch points) while a second thread has to run to set it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static int writes;

static void *writer(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < writes; i++) {
        unsigned int msg[2] = {(unsigned)id, (unsigned)i};
        if (write(fds[1], msg, sizeof msg) != sizeof msg) { perror("write"); exit(3); }
    }
    return NULL;
}

static int pipe_test(int threads) {
    if (pipe(fds) != 0) return 2;
    pthread_t t[64];
    for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    long expected = (long)threads * writes, got = 0;
    int next[64] = {0};
    unsigned long sum = 0;
    unsigned char buf[4096];
    size_t have = 0;
    while (got < expected) {
        ssize_t n = read(fds[0], buf + have, sizeof buf - have);
        if (n <= 0) { perror("read"); return 4; }
        have += (size_t)n;
        size_t used = 0;
        for (; used + 8 <= have; used += 8, got++) {
            unsigned int msg[2];
            memcpy(msg, buf + used, 8);
            if (msg[0] >= (unsigned)threads || msg[1] != (unsigned)next[msg[0]]) {
                printf("out of order: thread %u message %u (expected %d)\n", msg[0], msg[1], next[msg[0]]);
                return 5;
            }
            next[msg[0]]++;
            sum = sum * 31 + msg[0];
        }
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    printf("read %ld messages from %d threads, order checksum %lu\n", got, threads, sum);
    return 0;
}

static volatile int flag;

static void *setter(void *arg) {
    (void)arg;
    flag = 1;
    return NULL;
}

static int wait_test(void) {
    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    struct timespec ts;
    long polls = 0;
    while (!flag) { clock_gettime(CLOCK_MONOTONIC, &ts); polls++; }
    pthread_join(t, NULL);
    printf("the flag was set (%s)\n", polls > 0 ? "after polling" : "at once");
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "pipe") == 0) {
        writes = atoi(argv[3]);
        return pipe_test(atoi(argv[2]));
    }
    if (argc >= 2 && strcmp(argv[1], "wait") == 0) return wait_test();
    fprintf(stderr, "usage: buffered_threads pipe THREADS WRITES | wait\n");
    return 2;
}
