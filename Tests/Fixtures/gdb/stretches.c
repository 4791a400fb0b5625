// For the checkpoints inside long stretches (Tests/SwrrReplayTests/StretchCheckpointTests.swift,
// SwrrReplay/StretchCheckpoints.swift): a computation of about a second without any syscall,
// the shape of benchmarks/programs/reverse_loop.c. Its inner loop is short instructions (no
// patchable point in it) and its progress is in memory (`x`, `i`: -O0); tick(t) runs every
// EVERY iterations, and middle() once, at the middle tick. `now` is the tick under way.
#include <stdio.h>

#define TICKS 60
#define EVERY 15000000L

volatile long now = -1;
volatile long ticked = -1;
volatile unsigned long seen;

void middle(long t) {
    seen += (unsigned long)t << 32;
}

void tick(long t) {
    seen++;  // MARK: tick
    if (t == TICKS / 2)
        middle(t);
    ticked = t;
}

void done(void) {
    seen ^= 1;
}

int main(void) {
    unsigned long x = 1;
    for (long t = 0; t < TICKS; t++) {
        now = t;
        tick(t);
        for (long i = 0; i < EVERY; i++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
    }
    done();
    printf("%lu %lu\n", x, seen);
    return 7;
}
