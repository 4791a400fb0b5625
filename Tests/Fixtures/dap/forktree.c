// swrr-dap fixture: a process tree. The parent forks a first child, which runs work(2) and then
// execs this program again with the argument "exec" (that image runs work(3) and exits with 3);
// once it has ended, the parent forks a second child, which runs work(4) and exits with 4; then
// the parent runs work(1). So the recording has three processes, one exec, and the children
// run one after the other. Each prints its pid. The tests find lines by the "L:" markers.
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int work(int who) {
    int sum = 0;
    for (int k = 0; k < 3; k++) sum += who;        // L:work
    return sum;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        printf("exec %d sum %d\n", (int)getpid(), work(3));
        return 3;
    }
    fflush(stdout);
    pid_t first = fork();
    if (first == 0) {
        printf("child %d sum %d\n", (int)getpid(), work(2));
        fflush(stdout);
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        return 127;
    }
    int status = 0;
    waitpid(first, &status, 0);
    int firstStatus = WEXITSTATUS(status);
    pid_t second = fork();
    if (second == 0) {
        printf("second %d sum %d\n", (int)getpid(), work(4));
        return 4;
    }
    waitpid(second, &status, 0);
    printf("parent %d sum %d, children exited with %d and %d\n", (int)getpid(), work(1), firstStatus,
           WEXITSTATUS(status));
    return 0;
}
