// swrr-dap test fixture: prints to stdout and stderr (with a multi-byte character), and exits
// with the status given as its first argument (default 3).
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int status = argc > 1 ? atoi(argv[1]) : 3;
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
