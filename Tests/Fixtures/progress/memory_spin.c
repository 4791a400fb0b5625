// Loops whose progress is only in memory (issue 16): the thread's registers are the same at
// every pass of the loop's instructions, so a position recorded as (instruction, registers) is
// found at the first pass on replay. Modes:
//   spin    while (!flag) iterations++;
//   nested  an outer loop whose counter is in memory around an inner one counting in memory
//   calls   the loop calls a function that is not inlined at every pass
//   fixed   while (!flag); (nothing changes: every pass is the same state)
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
        __asm__ volatile("int3" ::"D"(&iterations), "S"(&flag) : "memory");
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
