/* buffered_signals.c: signals and buffered syscalls.
 *   buffered_signals FILE: SIGALRM every millisecond (setitimer) while the program makes nothing
 *     but buffered syscalls (getppid, 1-byte preads of FILE, any readable file), until the
 *     handler has run 5 times. The recorder cannot see a buffered call; it has to make the next
 *     one an ordinary syscall to deliver the signal at a point replay finds again. The iteration
 *     at which the handler ran each time is printed: replay must print the same.
 *   buffered_signals interrupt: a read of an empty pipe (buffered, it blocks) interrupted by
 *     SIGALRM, first without SA_RESTART (the read fails with EINTR), then with it (the handler
 *     writes a byte into the pipe, and the restarted read returns it). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static volatile long iteration;
static long seen[5];

static void on_alarm(int sig) {
    (void)sig;
    if (handled < 5) seen[handled] = iteration;
    handled++;
}

static int pipe_fds[2];
static volatile sig_atomic_t alarms;

static void on_interrupt(int sig) {
    (void)sig;
    alarms++;
    if (alarms == 2) {
        char c = 'x';
        if (write(pipe_fds[1], &c, 1) != 1) _exit(3);
    }
}

static int interrupt_test(void) {
    if (pipe(pipe_fds) != 0) return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval once = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &once, NULL);
    char c;
    ssize_t n = read(pipe_fds[0], &c, 1);
    printf("read without SA_RESTART: %zd (%s), handler ran %d time(s)\n", n, n < 0 && errno == EINTR ? "EINTR" : "?",
           (int)alarms);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &once, NULL);
    n = read(pipe_fds[0], &c, 1);
    printf("read with SA_RESTART: %zd '%c', handler ran %d time(s)\n", n, n == 1 ? c : '?', (int)alarms);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    if (strcmp(argv[1], "interrupt") == 0) return interrupt_test();
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror("open"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    long sum = 0;
    char c;
    while (handled < 5) {
        iteration++;
        sum += getppid() > 0;
        if (pread(fd, &c, 1, 0) == 1) sum += c;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    for (int i = 0; i < 5; i++) printf("handler %d ran at iteration %ld\n", i, seen[i]);
    printf("iterations %ld sum %ld\n", iteration, sum);
    return 0;
}
