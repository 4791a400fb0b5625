// Reverse execution across the boundaries a replay is made of (Tests/SwrrReplayTests and
// Tests/SwrrGDBTests): a syscall, a signal handler, a thread switch and a fork, each followed by
// a write to `stage`. Going backwards with a watchpoint on `stage` must find every write in
// reverse order, in the thread and the function that made it; a breakpoint after each crossing
// must be reached again with the registers it had going forward. The line markers are looked up
// by the tests; keep them on their lines.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

long stage;     // one decimal digit appended per write: 1, 12, 123, …

static void on_usr1(int sig) {
    (void)sig;
    stage = stage * 10 + 3;   // MARK: handler
}

static void *helper(void *arg) {
    (void)arg;
    stage = stage * 10 + 5;   // MARK: thread
    return NULL;
}

int main(void) {
    signal(SIGUSR1, on_usr1);
    stage = 1;                                  // MARK: first
    pid_t self = getpid();
    stage = stage * 10 + 2;                     // MARK: after-syscall
    kill(self, SIGUSR1);
    stage = stage * 10 + 4;                     // MARK: after-signal
    pthread_t t;
    pthread_create(&t, NULL, helper, NULL);
    pthread_join(t, NULL);
    stage = stage * 10 + 6;                     // MARK: after-thread
    pid_t child = fork();
    if (child == 0) _exit(7);
    int status = 0;
    waitpid(child, &status, 0);
    stage = stage * 10 + WEXITSTATUS(status);   // MARK: after-fork
    printf("stage %ld\n", stage);
    return 0;
}
