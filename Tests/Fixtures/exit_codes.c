/* exit_codes.c: exits with the status given as its first argument (default 0).
 * Usage: exit_codes [STATUS] */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int status = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", status);
    fflush(stdout);
    exit(status);
}
