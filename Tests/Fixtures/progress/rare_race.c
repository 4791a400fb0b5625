// A race that natively almost never shows (for chaos mode, issue 16, docs/CHAOS.md): thread A
// reads `balance`, computes about 4 ms without a syscall, and writes it back incremented; thread B
// sleeps 100 ms and increments `balance` too. The update of B is lost ("lost update", balance 1)
// only when B's increment lands inside A's window, which natively needs A to be held off the CPU
// for ~96 ms between its read and its write. Chaos mode shows it when it ends a slice of A's
// inside the window and starves A (128 ms or more) until B has run (ChaosModeTests).
// Why these lengths: the recorder's slices are at least 1 ms (its clock's resolution), and a
// window of 400,000 iterations (0.1 ms measured, the first version) ended before any slice did: 0 lost
// updates in 38 chaos recordings. 16,000,000 iterations take 4.4-5.4 ms at -O2 here.
// B's 100 ms: with 50 ms the race showed natively in 12 of 3,000 runs (load average 4-6: a thread
// can wait ~50 ms for a CPU here). Compile it at -O2: at -O0 the window lasts 33-111 ms.
// Native frequency, measured: see docs/CHAOS.md (below 1 in 1,000). A test using
// it must count tries, not rely on this number.
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static volatile unsigned long balance;
static volatile unsigned long sink;

static void *a(void *arg) {
    (void)arg;
    unsigned long v = balance;
    for (unsigned long i = 0; i < 16000000; i++) sink += i;  // 4-5 ms at -O2 on this machine
    balance = v + 1;
    return NULL;
}

static void *b(void *arg) {
    (void)arg;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    balance = balance + 1;
    return NULL;
}

int main(void) {
    pthread_t ta, tb;
    pthread_create(&tb, NULL, b, NULL);
    pthread_create(&ta, NULL, a, NULL);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    printf(balance == 2 ? "balance 2\n" : "lost update: balance %lu\n", balance);
    return balance == 2 ? 0 : 1;
}
