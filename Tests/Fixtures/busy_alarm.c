/* busy_alarm.c: computes without any syscall until SIGALRM (setitimer, 5 ms) sets a flag. With no
 * performance counter the recorder cannot deliver the signal at a syscall: it holds it back, then
 * delivers it at whatever instruction the loop is at, recording that point as (instruction,
 * registers). Replay must find that exact point again (breakpoint plus register match); x, which
 * changes every iteration, makes the registers of every iteration different, and printing x
 * shows whether replay stopped at the same iteration the recording did. The iteration count
 * printed is about how many breakpoint hits replay needs to find the point.
 *
 * Build with -O2 so x and the loop stay in registers.
 *
 * Usage: busy_alarm
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t flag;

static void on_alarm(int sig) {
    (void)sig;
    flag = 1;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 5000}};
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long x = 1, iterations = 0;
    while (!flag) {
        x = x * 1103515245 + 12345;
        iterations++;
    }
    printf("flag set after %lu iterations, x = %lu\n", iterations, x);
    return 0;
}
