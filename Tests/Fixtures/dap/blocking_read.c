// swrr-dap fixture for a read() that blocks and is restarted: `value` is filled by read() from a
// pipe that a child process writes 4444 into 300 ms later; meanwhile SIGALRM (100 ms, an
// SA_RESTART handler) interrupts the read, which the kernel restarts. The recording has the
// call entered (and blocked) as an event of its own, and its completion later. The tests find
// lines by the "L:" markers.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

long value;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);                                           // L:start
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        usleep(300000);
        long v = 4444;
        if (write(fds[1], &v, sizeof v) != sizeof v) _exit(1);
        _exit(0);
    }
    struct itimerval timer = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &timer, 0);
    if (read(fds[0], &value, sizeof value) != sizeof value) return 3;     // L:read
    waitpid(child, 0, 0);
    printf("value %ld alarms %d\n", value, (int)alarms);
    return 0;
}
