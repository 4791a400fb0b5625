/* syscall_loop.c: makes N small syscalls (alternately getppid and a 1-byte write to /dev/null),
 * printing a progress line with write(2) every 1000 iterations so that a recording killed in the
 * middle has a known prefix of output.
 * Usage: syscall_loop N [PIDFILE]   (PIDFILE: the process writes its pid there first) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (argc > 2) {
        int pf = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (pf < 0) { perror("open pidfile"); return 2; }
        char pid[32];
        int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
        if (write(pf, pid, (size_t)len) != len) { perror("write pidfile"); return 2; }
        close(pf);
    }
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0) { perror("open /dev/null"); return 2; }
    long ppid_sum = 0, written = 0;
    for (long i = 0; i < n; i++) {
        if (i % 2 == 0) ppid_sum += getppid();
        else written += write(null_fd, "x", 1);
        if ((i + 1) % 1000 == 0) {
            char line[64];
            int len = snprintf(line, sizeof line, "progress %ld\n", i + 1);
            if (write(1, line, (size_t)len) != len) return 3;
        }
    }
    printf("syscall_loop: %ld syscalls, %ld bytes written, ppid %s\n", n, written,
           n >= 2 && ppid_sum == (long)getppid() * ((n + 1) / 2) ? "stable" : "changed");
    return 0;
}
