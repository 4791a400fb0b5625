/* buffered_signals.c: SIGALRM every millisecond (setitimer) while the program makes nothing but
 * buffered syscalls (getppid, 1-byte preads of a file), until the handler has run 5 times. The
 * recorder cannot see a buffered call; it has to make the next one an ordinary syscall to deliver
 * the signal at a point replay finds again. The iteration at which the handler ran each time is
 * printed: replay must print the same.
 * Usage: buffered_signals FILE   (any readable file of at least one byte) */
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

int main(int argc, char **argv) {
    if (argc < 2) return 2;
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
