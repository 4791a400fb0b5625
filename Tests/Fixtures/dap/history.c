// swrr-dap fixture for value history: `counter` is written N times in a loop (argument 1,
// default 5: 10, 20, ... N*10), then once in a SIGUSR1 handler (100), then twice in a forked
// child (7, 8; another location: the child's copy, which prints its pid), and last by the parent
// after the child ended (-1). With a second argument "alarm", after the handler's write: 1, then
// 1000 from a SIGALRM handler delivered in the middle of a computation. The tests find lines by
// the "L:" markers.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

int counter;
static volatile sig_atomic_t alarmed;
static volatile long spin;

static void on_usr1(int sig) {
    counter = 100 + sig - SIGUSR1;                 // L:handler
}

static void on_alarm(int sig) {
    (void)sig;
    counter = 1000;                                // L:alarm
    alarmed = 1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 5;
    for (int i = 1; i <= n; i++) {                 // L:for
        counter = i * 10;                          // L:loop
    }
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    if (argc > 2 && strcmp(argv[2], "alarm") == 0) {
        // SIGALRM comes while the loop computes with no syscall: swrr holds it back 200 ms, then
        // delivers it in the middle of the loop; replay runs the task from setitimer's return to
        // that point by a search, and the store of 1 lies on that stretch.
        signal(SIGALRM, on_alarm);
        struct itimerval t = {{0, 0}, {0, 50000}};
        setitimer(ITIMER_REAL, &t, NULL);
        counter = 1;                               // L:before-alarm
        while (!alarmed) spin++;                   // L:spin
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        printf("child %d\n", (int)getpid());
        fflush(stdout);
        counter = 7;                               // L:child
        counter = 8;                               // L:child2
        _exit(0);
    }
    waitpid(child, NULL, 0);
    counter = -1;                                  // L:last
    printf("counter %d after %d writes in the loop\n", counter, n);   // L:print
    return 0;
}
