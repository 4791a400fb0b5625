// A thread computing for 2 s without a syscall beside a thread printing a tick every 100 ms
// (issue 16's first "Done when"): natively the printer ticks about 20 times while the computer
// runs; a recorder that never preempts the computing thread lets it tick once or twice.
// The computing thread measures its 2 s with the vDSO's clock_gettime (no syscall).
// Each tick prints the computing thread's progress (`work`, its outer rounds so far), so the
// output shows the two threads interleaving: a tick whose work lies strictly between 0 and the
// final count ran while the computation was under way. A replay prints the same interleaving.
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static volatile int done;
static volatile unsigned long work;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *ticker(void *arg) {
    (void)arg;
    int ticks = 0;
    struct timespec ts = {0, 100 * 1000 * 1000};
    while (!done) {
        nanosleep(&ts, NULL);
        printf("tick %d work %lu\n", ++ticks, work);
        fflush(stdout);
    }
    return (void *)(long)ticks;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, ticker, NULL);
    double start = now();
    unsigned long x = 1;
    while (now() - start < 2.0) {
        for (int i = 0; i < 100000; i++) x = x * 6364136223846793005ul + 1442695040888963407ul;
        work++;
    }
    done = 1;
    void *ticks;
    pthread_join(t, &ticks);
    printf("ticks %ld work %lu %s\n", (long)ticks, work, x ? "done" : "zero");
    return 0;
}
