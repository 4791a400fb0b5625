// benchmarks/reverse workload: a compute-bound loop without syscalls (a multiply-add recurrence)
// that calls tick(t) every TICK_EVERY iterations, TICKS times in all. tick calls middle(t) only
// for the middle tick, so a breakpoint on `middle` is hit exactly once, half-way through the run
// (the same stop as `break tick if t == TICKS / 2`, without gdb stopping and re-evaluating the
// condition at every tick). Usage: reverse_loop [TICKS [TICK_EVERY]] (default 600 x 10^7: 3 x 10^10 instructions, 5 per iteration of the inner loop).
#include <stdio.h>
#include <stdlib.h>

static long ticks = 600;
volatile unsigned long seen;      // written by tick and middle, so neither is optimised away

__attribute__((noinline)) void middle(long t) {
    seen += (unsigned long)t << 32;
}

__attribute__((noinline)) void tick(long t) {
    seen++;
    if (t == ticks / 2)
        middle(t);
}

int main(int argc, char **argv) {
    if (argc > 1) ticks = atol(argv[1]);
    long every = argc > 2 ? atol(argv[2]) : 10000000;
    unsigned long x = 1;
    for (long t = 0; t < ticks; t++) {
        tick(t);
        for (long i = 0; i < every; i++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
    }
    printf("%lu %lu\n", x, seen);
    return 0;
}
