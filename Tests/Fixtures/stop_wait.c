/* stop_wait.c: prints LINES numbered lines with write(2), writes its pid to PIDFILE, then waits
 * until it is killed: blocked in pause() ("pause"), in nanosleep ("sleep"), or computing without
 * a syscall ("busy"). For `swrr record` told to stop (SIGTERM, SIGHUP) while the program runs or
 * is blocked in a syscall: everything printed before the pid file must replay.
 * Usage: stop_wait MODE LINES PIDFILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: stop_wait pause|sleep|busy LINES PIDFILE\n"); return 2; }
    long lines = atol(argv[2]);
    for (long i = 0; i < lines; i++) {
        char line[64];
        int len = snprintf(line, sizeof line, "line %ld of %ld\n", i + 1, lines);
        if (write(1, line, (size_t)len) != len) return 3;
    }
    int pf = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (pf < 0) { perror("open pidfile"); return 2; }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (write(pf, pid, (size_t)len) != len) { perror("write pidfile"); return 2; }
    close(pf);
    if (strcmp(argv[1], "pause") == 0) {
        for (;;) pause();
    } else if (strcmp(argv[1], "sleep") == 0) {
        struct timespec ts = { 3600, 0 };
        for (;;) nanosleep(&ts, NULL);
    } else {
        for (volatile unsigned long n = 0;; n++) {}
    }
}
