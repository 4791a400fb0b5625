// swrr-dap test fixture: prints to stdout and stderr (with a multi-byte character), and exits
// with the status given as its first argument (default 3). A second argument N makes it run N
// getppid calls first (a replay long enough to be paused).
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int status = argc > 1 ? atoi(argv[1]) : 3;
    long calls = argc > 2 ? atol(argv[2]) : 0;
    for (long i = 0; i < calls; i++) getppid();
    int total = 0;
    for (int i = 1; i <= 5; i++) {
        total += i;
        printf("step %d total %d\n", i, total);
    }
    fflush(stdout);
    fprintf(stderr, "to stderr: caf\xc3\xa9\n");
    printf("done, exiting with %d\n", status);
    return status;
}
