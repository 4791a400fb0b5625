// Two threads that block every signal and compute without syscalls, side by side, then say
// whether SIGTRAP is still blocked in each (it is, natively). Under the recorder they are
// preempted at positions, whose analysis single-steps them and stops them at hardware
// breakpoints: forced SIGTRAPs, which the kernel unblocks in a thread that blocks them. The
// recorder must put the mask back (SwrrRecord/SlicePreemption.swift).
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#define ROUNDS 300000000UL

volatile unsigned long a, b;
static int worker_blocked;

static int trap_blocked(void) {
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, SIGTRAP);
}

static void *worker(void *arg) {
    (void)arg;
    for (unsigned long i = 0; i < ROUNDS; i++) b++;
    worker_blocked = trap_blocked();
    return NULL;
}

int main(void) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);   // inherits the mask
    for (unsigned long i = 0; i < ROUNDS; i++) a++;
    int main_blocked = trap_blocked();
    pthread_join(t, NULL);
    printf("main: SIGTRAP %s\n", main_blocked ? "blocked" : "unblocked");
    printf("worker: SIGTRAP %s\n", worker_blocked ? "blocked" : "unblocked");
    return 0;
}
