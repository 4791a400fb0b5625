// Loops whose progress is only in memory (issue 16): the thread's registers are the same at
// every pass of the loop's instructions, so a position recorded as (instruction, registers) is
// found at the first pass on replay. Modes:
//   spin    while (!flag) iterations++;
//   nested  an outer loop whose counter is in memory around an inner one counting in memory
//   calls   the loop calls a function that is not inlined at every pass
//   fixed   while (!flag); (nothing changes: every pass is the same state)
//   recurse the loop calls `descend`, which recurses 8 frames deep, each frame filling 40
//           words of its own; every return leaves its callee's frame as dead stack, below
//           the caller's red zone (solo mode shows &descend in rdx)
// A second thread sets `flag` after 100 ms; the program prints `iterations`.
// With "solo" after the mode there is no second thread: the loop runs until the process is
// killed, and before it an int3 shows a tracer &iterations in rdi and &flag in rsi (the
// progress tests stop there, copy the process and compare `iterations` between the copies).
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

volatile unsigned long iterations;
volatile unsigned long outer;
volatile unsigned long inner;
volatile int flag;

__attribute__((noinline)) unsigned long step(unsigned long v) {
    __asm__ volatile("" ::: "memory");
    return v + 1;
}

__attribute__((noinline)) unsigned long descend(unsigned long depth) {
    volatile unsigned long pad[40];
    for (int i = 0; i < 40; i++) pad[i] = depth * 40 + i + 1;
    unsigned long below = depth ? descend(depth - 1) : 0;
    return below + pad[depth % 40];   // (after the call: no tail call, no loop made of it)
}

static void *setter(void *arg) {
    (void)arg;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    flag = 1;
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "spin";
    int solo = argc > 2 && strcmp(argv[2], "solo") == 0;
    pthread_t t;
    if (solo) {
        __asm__ volatile("int3" ::"D"(&iterations), "S"(&flag), "d"(descend) : "memory");
    } else {
        pthread_create(&t, NULL, setter, NULL);
    }
    if (strcmp(mode, "spin") == 0) {
        while (!flag) iterations++;
    } else if (strcmp(mode, "nested") == 0) {
        for (outer = 0; !flag; outer++)
            for (inner = 0; inner < 1000 && !flag; inner++) iterations++;
    } else if (strcmp(mode, "calls") == 0) {
        while (!flag) iterations = step(iterations);
    } else if (strcmp(mode, "recurse") == 0) {
        while (!flag) iterations += descend(8);
    } else if (strcmp(mode, "fixed") == 0) {
        while (!flag) {}
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (!solo) pthread_join(t, NULL);
    printf("%s iterations %lu\n", mode, iterations);
    return 0;
}
