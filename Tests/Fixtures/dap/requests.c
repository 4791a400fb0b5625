// swrr-dap fixture for the requests editors send at a stop: breakpointLocations (a range of
// known lines, a for line with several statements), stepInTargets (a line with two calls),
// completions (a struct local, a global) and, with an argument, exceptionInfo of a SIGSEGV at
// an address the program prints first. The tests find lines by the "L:" markers.
#include <stdint.h>
#include <stdio.h>

struct pair { int first; int second; };

int globalCount = 7;

static int add(int a, int b) {                     // L:add-decl
    return a + b;                                  // L:add-body
}

static int twice(int v) {                          // L:twice-decl
    int doubled = v * 2;                           // L:twice-body
    return doubled;                                // L:twice-return
}                                                  // L:twice-end

int main(int argc, char **argv) {
    struct pair numbers = {3, 4};
    int total = 0;
    total = add(numbers.first, numbers.second) + twice(total + 5);   // L:two-calls
    for (int i = 0; i < 3; i++) total += i;        // L:for
    printf("total %d count %d\n", total, globalCount);   // L:print
    if (argc > 1) {
        int *bad = (int *)(uintptr_t)0x5eed0;
        printf("fault at %p\n", (void *)bad);
        fflush(stdout);
        *bad = 1;                                  // L:fault
    }
    return 0;
}
