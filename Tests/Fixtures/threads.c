/* threads.c: POSIX threads. Output that depends on the schedule (which thread got the lock
 * first) is whatever the recording saw; replay must print it identically. Totals are checked by
 * the program itself and decide the exit status.
 *
 * Usage: threads MODE
 *   mutex      8 threads each take a mutex 5 times, increment a shared counter and print the
 *              ticket they got, in arrival order; then 8 x 20000 unprinted increments
 *   condvar    a producer puts 200 numbers through a 4-slot queue guarded by a mutex and two
 *              condition variables; the consumer prints every 20th and the sum
 *   threads100 100 threads created and joined; each returns a value derived from its index
 *   spin       a thread spins on a volatile flag with no syscalls until the main thread sets it
 *              (after a 1 ms sleep); then the main thread spins until the thread answers
 *   futex      raw futex calls: three waiters moved from one word to another by FUTEX_CMP_REQUEUE
 *              (one woken, two requeued), again by FUTEX_REQUEUE, then woken there; FUTEX_WAIT
 *              with a relative and FUTEX_WAIT_BITSET with an absolute timeout (ETIMEDOUT);
 *              pthread_cond_timedwait timing out, and one signalled before its timeout
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void check(int rc, const char *what) {
    if (rc != 0) {
        printf("FAILED: %s: %s\n", what, strerror(rc));
        exit(99);
    }
}

/* mutex */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *mutex_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 5; i++) {
        pthread_mutex_lock(&lock);
        long ticket = ++counter;
        printf("thread %d got ticket %ld\n", id, ticket);
        pthread_mutex_unlock(&lock);
    }
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static int mutex_mode(void) {
    pthread_t t[8];
    for (int i = 0; i < 8; i++) check(pthread_create(&t[i], NULL, mutex_worker, (void *)(intptr_t)i), "pthread_create");
    for (int i = 0; i < 8; i++) check(pthread_join(t[i], NULL), "pthread_join");
    printf("counter %ld (expected %d)\n", counter, 8 * 20005);
    return counter == 8 * 20005 ? 0 : 1;
}

/* condvar */

enum { SLOTS = 4, ITEMS = 200 };
static int queue[SLOTS], head, count;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS) pthread_cond_wait(&not_full, &lock);
        queue[(head + count) % SLOTS] = i * 3;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consumer(void *arg) {
    long *sum = arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == 0) pthread_cond_wait(&not_empty, &lock);
        int v = queue[head];
        head = (head + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        *sum += v;
        if (i % 20 == 0) printf("consumed item %d: %d\n", i, v);
    }
    return NULL;
}

static int condvar_mode(void) {
    pthread_t p, c;
    long sum = 0;
    check(pthread_create(&c, NULL, consumer, &sum), "pthread_create");
    check(pthread_create(&p, NULL, producer, NULL), "pthread_create");
    check(pthread_join(p, NULL), "pthread_join");
    check(pthread_join(c, NULL), "pthread_join");
    long expected = 3L * ITEMS * (ITEMS + 1) / 2;
    printf("sum %ld (expected %ld)\n", sum, expected);
    return sum == expected ? 0 : 1;
}

/* threads100 */

static void *square(void *arg) {
    intptr_t i = (intptr_t)arg;
    return (void *)(i * i + 1);
}

static int threads100_mode(void) {
    pthread_t t[100];
    for (int i = 0; i < 100; i++) check(pthread_create(&t[i], NULL, square, (void *)(intptr_t)i), "pthread_create");
    long sum = 0;
    for (int i = 0; i < 100; i++) {
        void *r;
        check(pthread_join(t[i], &r), "pthread_join");
        sum += (intptr_t)r;
    }
    long expected = 0;
    for (long i = 0; i < 100; i++) expected += i * i + 1;
    printf("100 threads joined, sum %ld (expected %ld)\n", sum, expected);
    return sum == expected ? 0 : 1;
}

/* spin */

static volatile int go, answer;

static void *spinner(void *arg) {
    (void)arg;
    while (!go) {
    }
    answer = 1;
    return NULL;
}

static int spin_mode(void) {
    pthread_t t;
    check(pthread_create(&t, NULL, spinner, NULL), "pthread_create");
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
    printf("main: setting the flag\n");
    go = 1;
    while (!answer) {
    }
    printf("main: the spinner answered\n");
    check(pthread_join(t, NULL), "pthread_join");
    printf("joined\n");
    return 0;
}

/* futex */

static atomic_int word_a, word_b, arrived, returned;

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *timeout, atomic_int *uaddr2, int val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static void *futex_waiter(void *arg) {
    (void)arg;
    atomic_fetch_add(&arrived, 1);
    while (atomic_load(&word_a) == 0) futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    atomic_fetch_add(&returned, 1);
    return NULL;
}

static void sleep_ms(int ms) {
    struct timespec ts = {0, ms * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static pthread_mutex_t timed_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timed_cond = PTHREAD_COND_INITIALIZER;
static int timed_ready;

static void *timed_signaller(void *arg) {
    (void)arg;
    sleep_ms(5);
    pthread_mutex_lock(&timed_lock);
    timed_ready = 1;
    pthread_cond_signal(&timed_cond);
    pthread_mutex_unlock(&timed_lock);
    return NULL;
}

static int futex_mode(void) {
    for (int round = 0; round < 2; round++) {
        const char *name = round == 0 ? "FUTEX_CMP_REQUEUE" : "FUTEX_REQUEUE";
        atomic_store(&word_a, 0);
        atomic_store(&arrived, 0);
        atomic_store(&returned, 0);
        pthread_t t[3];
        for (int i = 0; i < 3; i++) check(pthread_create(&t[i], NULL, futex_waiter, NULL), "pthread_create");
        while (atomic_load(&arrived) < 3) sleep_ms(1);
        sleep_ms(20); /* all three are now inside FUTEX_WAIT */
        /* Released before the requeue: the one woken leaves its loop, and so do the requeued
         * ones when woken on word_b. */
        atomic_store(&word_a, 1);
        long moved = round == 0 ? futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(long)INT_MAX, &word_b, 1)
                                : futex(&word_a, FUTEX_REQUEUE_PRIVATE, 1, (void *)(long)INT_MAX, &word_b, 0);
        long woken = futex(&word_b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
        for (int i = 0; i < 3; i++) check(pthread_join(t[i], NULL), "pthread_join");
        printf("%s = %ld, then FUTEX_WAKE on the second word = %ld, waiters returned %d\n", name, moved, woken,
               atomic_load(&returned));
    }
    atomic_int never = 0;
    struct timespec rel = {0, 2 * 1000 * 1000};
    errno = 0;
    long r = futex(&never, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
    printf("FUTEX_WAIT with a 2 ms timeout = %ld errno %s\n", r, strerrorname_np(errno));
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 2 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    errno = 0;
    r = futex(&never, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("FUTEX_WAIT_BITSET with an absolute timeout = %ld errno %s\n", r, strerrorname_np(errno));

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 3 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&timed_lock);
    int rc = pthread_cond_timedwait(&timed_cond, &timed_lock, &deadline);
    pthread_mutex_unlock(&timed_lock);
    printf("pthread_cond_timedwait with nobody signalling: %s\n", strerrorname_np(rc));
    pthread_t s;
    check(pthread_create(&s, NULL, timed_signaller, NULL), "pthread_create");
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&timed_lock);
    rc = 0;
    while (!timed_ready && rc == 0) rc = pthread_cond_timedwait(&timed_cond, &timed_lock, &deadline);
    pthread_mutex_unlock(&timed_lock);
    check(pthread_join(s, NULL), "pthread_join");
    printf("pthread_cond_timedwait signalled within 10 s: %s, ready %d\n", rc == 0 ? "yes" : strerrorname_np(rc),
           timed_ready);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "mutex")) return mutex_mode();
    if (!strcmp(mode, "condvar")) return condvar_mode();
    if (!strcmp(mode, "threads100")) return threads100_mode();
    if (!strcmp(mode, "spin")) return spin_mode();
    if (!strcmp(mode, "futex")) return futex_mode();
    fprintf(stderr, "usage: threads mutex|condvar|threads100|spin|futex\n");
    return 2;
}
