// swrr-dap fixture for the requests editors send at a stop: breakpointLocations (a range of
// known lines, a for line with several statements), stepInTargets (a line with two calls),
// completions (a struct local, a global), and exceptionInfo: with the argument "crash" a SIGSEGV
// at an address the program prints first, with "signal" a SIGUSR1 it sends itself with kill
// (handled) after printing its pid and uid. The tests find lines by the "L:" markers.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct pair { int first; int second; };

int globalCount = 7;
volatile sig_atomic_t handled = 0;

static void onSignal(int sig) { handled = sig; }

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
    if (argc > 1 && strcmp(argv[1], "signal") == 0) {
        signal(SIGUSR1, onSignal);
        printf("pid %d uid %d\n", (int)getpid(), (int)getuid());
        fflush(stdout);
        kill(getpid(), SIGUSR1);                   // L:kill
        printf("handled %d\n", (int)handled);
    }
    if (argc > 1 && strcmp(argv[1], "crash") == 0) {
        int *bad = (int *)(uintptr_t)0x5eed0;
        printf("fault at %p\n", (void *)bad);
        fflush(stdout);
        *bad = 1;                                  // L:fault
    }
    return 0;
}
