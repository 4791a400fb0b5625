// swrr-dap fixture for progress and cancel: ROUNDS rounds (argument 1, default 2000) of SPIN
// multiply-adds (argument 2, default 1000000: about 1.1 ms at -O0, 2.2 s in all), each ending with
// sched_yield, a syscall the syscall buffer does not take, so every round is an event of the
// recording: a reverse search re-executing this program reaches an event boundary every
// millisecond or so, where a pause or a cancel stops it. first() runs in round 0 only: a breakpoint on
// its line, set at the end of the recording, sends reverse-continue back over every round.
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

volatile unsigned long seen;

__attribute__((noinline)) void first(long r) {
    seen += (unsigned long)r + 1;                  // L:first
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 2000;
    long spin = argc > 2 ? atol(argv[2]) : 1000000;
    unsigned long x = 1;
    for (long r = 0; r < rounds; r++) {
        if (r == 0)
            first(r);
        for (long i = 0; i < spin; i++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
        sched_yield();
    }
    printf("%lu %lu\n", x, seen);
    return 0;
}
