/* compute.c: a compute-bound loop with no syscalls inside it (for the record-overhead benchmark
 * and for replaying long stretches without events). The first argument is the number of
 * iterations in millions (default 600, about 1-2 s natively at -O2).
 * Usage: compute [MILLIONS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long millions = argc > 1 ? atol(argv[1]) : 600;
    uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;
    for (long i = 0; i < millions * 1000000L; i++) {
        /* xorshift64*: cheap, data-dependent, and impossible for the compiler to fold away */
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        sum += x * 0x2545f4914f6cdd1dull;
        if ((sum & 0xffff) == 0x1234) sum ^= (uint64_t)i;
    }
    printf("compute: %ld million iterations, sum %016llx\n", millions, (unsigned long long)sum);
    return 0;
}
