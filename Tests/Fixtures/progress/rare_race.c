// A race that natively almost never shows (for chaos mode, issue 16): thread A reads `balance`,
// computes about 1 ms without a syscall, and writes it back incremented; thread B sleeps 20 ms
// and increments `balance` too. The update of B is lost ("lost update", balance 1) only when B's
// increment lands inside A's window, which natively needs A to be held off the CPU for ~19 ms
// between its start and its write. A scheduler that preempts A inside its window and runs B
// first (chaos mode) shows it at will.
// Native frequency, measured: 0 lost updates in 3000 runs (gcc -O2, 2 cores shared with 3-4
// builds, load average 7.8-13 during the loop; 72 s), so below 1 in 1,000. A test using it must
// count tries, not rely on this number.
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static volatile unsigned long balance;
static volatile unsigned long sink;

static void *a(void *arg) {
    (void)arg;
    unsigned long v = balance;
    for (unsigned long i = 0; i < 400000; i++) sink += i;   // ~1 ms at -O2 on this machine
    balance = v + 1;
    return NULL;
}

static void *b(void *arg) {
    (void)arg;
    struct timespec ts = {0, 20 * 1000 * 1000};
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
