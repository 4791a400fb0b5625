/* segv.c: prints a line, then dereferences NULL and dies of SIGSEGV (exit status 139 as seen by
 * a shell, and as `swrr record` and `swrr replay` report it). */
#include <stdio.h>

int main(void) {
    printf("about to dereference NULL\n");
    fflush(stdout);
    volatile int *volatile p = NULL;
    *p = 1;
    printf("unreachable\n");
    return 0;
}
