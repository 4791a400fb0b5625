// swrr-dap thread-names fixture: the main thread renames itself with prctl(PR_SET_NAME), each
// of two workers names itself with pthread_setname_np and exits; main then ends the program with
// exit(), so at the end of the recording only main is left, held in exit's exit_group.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

pthread_barrier_t barrier;
long results[2];

static void *worker(void *arg) {
    long id = (long)(intptr_t)arg;
    char name[16];
    snprintf(name, sizeof name, "worker-%ld", id);
    pthread_setname_np(pthread_self(), name);
    pthread_barrier_wait(&barrier);
    results[id] = id * 100 + 7;                    // L:worker
    return NULL;
}

int main(void) {
    pthread_t t[2];
    prctl(PR_SET_NAME, "named-main");
    pthread_barrier_init(&barrier, NULL, 3);
    for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    printf("%ld %ld\n", results[0], results[1]);
    fflush(stdout);
    exit(0);                                       // L:exit
}
