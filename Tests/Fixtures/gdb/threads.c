// Three threads for the debugger tests: a breakpoint in `worker` is hit once in each, and gdb
// must step each one over it in a replay that runs the threads in the recorded order.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

long results[3];

static void *worker(void *arg) {
    long id = (long)(intptr_t)arg;
    results[id] = id * 100 + 7;   // MARK: worker
    return NULL;
}

int main(void) {
    pthread_t t[3];
    for (long i = 0; i < 3; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("%ld %ld %ld\n", results[0], results[1], results[2]);
    return 0;
}
