// For the pause tests (Tests/SwrrReplayTests/ReplayInterruptTests.swift): a replay of many events
// (20,000 getppid calls), then a computation of a few seconds without any syscall. `phase` says
// which part runs; `spins` is the computation's progress.
#include <stdio.h>
#include <unistd.h>

int phase;
volatile unsigned long spins;

void syscalls(void) {
    for (int i = 0; i < 20000; i++) getppid();
}

void compute(void) {
    for (spins = 0; spins < 5000000000UL; spins++) {
    }
}

int main(void) {
    phase = 1;
    syscalls();
    phase = 2;
    compute();
    phase = 3;  // MARK: after
    printf("spins %lu\n", spins);
    return 5;
}
