/* buffered_threads.c: threads and syscall buffering (issue 7).
 *   pipe THREADS WRITES: THREADS writer threads each write WRITES 8-byte messages (thread, count)
 *     to one pipe while a reader thread reads them all; the reader checks that each thread's
 *     messages arrive in order and prints a checksum. Writes block when the pipe is full, reads
 *     when it is empty.
 *   wait: the main thread waits for a flag in a loop of clock_gettime calls (buffered, so no
 *     switch points) while a second thread has to run to set it.
 *   masked ROUNDS: a thread that blocks every signal (as libdispatch's worker threads do) reads
 *     a pipe the main thread writes after a sleep, ROUNDS times: each read is buffered and blocks
 *     while the main thread waits for its turn, and the desched signal (SIGPWR) cannot interrupt
 *     it. The reader answers each message on a second pipe. */
#include <signal.h>
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

static int to_reader[2], to_main[2];

static void *masked_reader(void *arg) {
    long rounds = (long)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (long i = 0; i < rounds; i++) {
        char c;
        if (read(to_reader[0], &c, 1) != 1) { perror("read"); exit(3); }
        c += 1;
        if (write(to_main[1], &c, 1) != 1) { perror("write"); exit(3); }
    }
    return NULL;
}

static int masked_test(long rounds) {
    if (pipe(to_reader) != 0 || pipe(to_main) != 0) return 2;
    pthread_t t;
    pthread_create(&t, NULL, masked_reader, (void *)rounds);
    long sum = 0;
    for (long i = 0; i < rounds; i++) {
        // The reader gets the CPU while this sleeps, and blocks in its read; the sleep's end
        // makes this thread runnable beside it. (Longer the first time: the reader starts, and
        // opens its desched event with a dozen recorded syscalls, before its first read.)
        struct timespec ts = {0, (i == 0 ? 200 : 20) * 1000 * 1000};
        nanosleep(&ts, NULL);
        char c = (char)('a' + i % 20), back;
        if (write(to_reader[1], &c, 1) != 1 || read(to_main[0], &back, 1) != 1) { perror("pipe"); return 4; }
        sum += back;
    }
    pthread_join(t, NULL);
    printf("%ld rounds with a reader that blocks every signal, answers sum %ld\n", rounds, sum);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "pipe") == 0) {
        writes = atoi(argv[3]);
        return pipe_test(atoi(argv[2]));
    }
    if (argc >= 2 && strcmp(argv[1], "wait") == 0) return wait_test();
    if (argc >= 3 && strcmp(argv[1], "masked") == 0) return masked_test(atol(argv[2]));
    fprintf(stderr, "usage: buffered_threads pipe THREADS WRITES | wait | masked ROUNDS\n");
    return 2;
}
