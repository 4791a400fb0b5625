// swrr-dap fixture: a process that forks a child. Both run work(): the child with who = 2 (and
// exits with 7), then the parent, after waiting for it, with who = 1. Each prints its pid. The
// tests find lines by the "L:" markers.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int work(int who) {
    int sum = 0;
    for (int k = 0; k < 3; k++) sum += who;        // L:work
    return sum;
}

int main(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        printf("child %d sum %d\n", (int)getpid(), work(2));
        return 7;
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent %d sum %d, child exited with %d\n", (int)getpid(), work(1), WEXITSTATUS(status));
    return 0;
}
