// For the stretch coverage of reverse-continue (SwrrReplay/StretchCoverage.swift,
// Tests/SwrrDebuggerTests/StretchCoverageTests.swift): a computation of about a second without
// any syscall, in two shapes.
// A third of the way through each (about 0.45 s in, past the first stretch checkpoint):
//   coverage_loop once [N]  main calls once(42), then loops on calling nothing: the
//                           stretches after the call ran only main.
//   coverage_loop spin [N]  main calls spin(N), whose own loop calls nothing: spin passes its
//                           mark, then loops on, on the stack at every later stretch's start
//                           without being entered again.
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define MUL 6364136223846793005UL
#define ADD 1442695040888963407UL

volatile unsigned long sink;

void once(long v) {
    sink += (unsigned long)v;  // L:once
}

void spin(long n) {
    unsigned long x = 1;
    for (long i = 0; i < n / 2; i++)
        x = x * MUL + ADD;
    sink += x + (unsigned long)n;  // L:spin-mark
    for (long i = 0; i < n; i++)
        x = x * MUL + ADD;
    sink ^= x;
}

int main(int argc, char **argv) {
    long n = argc > 2 ? atol(argv[2]) : 900000000L;
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        spin(n);
    } else {
        unsigned long x = 1;
        for (long i = 0; i < n / 2; i++)
            x = x * MUL + ADD;
        once(42);
        for (long i = 0; i < n; i++)
            x = x * MUL + ADD;
        sink ^= x;
    }
    printf("%lu\n", sink);
    return 0;
}
