// swrr-dap threads fixture: three threads meet at a barrier, so all four are alive when each
// worker reaches the marked line.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

pthread_barrier_t barrier;
long results[3];

static void *worker(void *arg) {
    long id = (long)(intptr_t)arg;
    pthread_barrier_wait(&barrier);
    results[id] = id * 100 + 7;                    // L:worker
    return NULL;
}

int main(void) {
    pthread_t t[3];
    pthread_barrier_init(&barrier, NULL, 4);
    for (long i = 0; i < 3; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("%ld %ld %ld\n", results[0], results[1], results[2]);
    return 0;
}
