/* async_io_signals.c: signal-driven I/O (issue 14). Each run prints a fresh random token first, so
 * a replay that does not feed back the recorded values prints another one.
 *
 * Usage: async_io_signals MODE
 *   sigio        a socketpair end with O_ASYNC owned by the process (F_SETOWN): a child writes
 *                three times, each write raises SIGIO, caught by a handler while the parent
 *                waits in sigsuspend; the first child exits while the parent waits in sigsuspend
 *                for a fourth SIGIO, from a second child's write; then F_SETSIG(SIGRTMIN) on a pipe read end: the queued
 *                real-time signal carries si_fd and si_code POLL_IN, with si_band's POLLIN bit
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int sigio_count, rt_count, rt_fd, rt_code;
static volatile long rt_band;

static void on_sigio(int sig) { (void)sig; sigio_count++; }

static void on_rt(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)context;
    rt_count++;
    rt_fd = info->si_fd;
    rt_code = info->si_code;
    rt_band = info->si_band;
}

static int sigio(void) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGIO);
    sigaddset(&block, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigio;
    sigaction(SIGIO, &sa, NULL);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { perror("socketpair"); return 2; }
    printf("F_SETOWN = %d\n", fcntl(sv[0], F_SETOWN, getpid()));
    printf("F_SETFL O_ASYNC = %d\n", fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_ASYNC | O_NONBLOCK));
    printf("F_GETOWN is the pid: %s\n", fcntl(sv[0], F_GETOWN) == getpid() ? "yes" : "no");
    int go[2];
    if (pipe(go) != 0) { perror("pipe"); return 2; }
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        for (int i = 0; i < 3; i++) {
            if (read(go[0], &c, 1) != 1) _exit(3);
            (void)write(sv[1], "abc", 3);
        }
        if (read(go[0], &c, 1) != 1) _exit(3);
        usleep(20000);   /* the parent is in sigsuspend by now */
        _exit(0);
    }
    char buf[64];
    for (int i = 0; i < 3; i++) {
        int before = sigio_count;
        (void)write(go[1], "g", 1);
        while (sigio_count == before) sigsuspend(&old);
        ssize_t n = read(sv[0], buf, sizeof buf);
        printf("write %d: SIGIO handled %d time(s) in all, read %zd\n", i + 1, sigio_count, n);
    }
    /* The first child exits while the parent waits in sigsuspend (its SIGCHLD has no handler:
     * natively it is discarded, a traced process receives it and restarts the call); a second
     * child's write 50 ms later raises the SIGIO the wait is for. */
    pid_t late = fork();
    if (late == 0) {
        usleep(50000);
        (void)write(sv[1], "defg", 4);
        _exit(0);
    }
    int before = sigio_count;
    (void)write(go[1], "q", 1);
    while (sigio_count == before) sigsuspend(&old);
    printf("write by a second child after the first one's exit: SIGIO handled %d time(s) in all, read %zd\n",
           sigio_count, read(sv[0], buf, sizeof buf));
    waitpid(pid, NULL, 0);
    waitpid(late, NULL, 0);

    int p[2];
    if (pipe(p) != 0) { perror("pipe"); return 2; }
    fcntl(p[0], F_SETOWN, getpid());
    printf("F_SETSIG(SIGRTMIN) = %d\n", fcntl(p[0], F_SETSIG, SIGRTMIN));
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC | O_NONBLOCK);
    (void)write(p[1], "x", 1);
    while (rt_count == 0) sigsuspend(&old);
    printf("SIGRTMIN handled %d time(s), si_fd is the pipe: %s, si_code POLL_IN: %s, POLLIN in si_band: %s\n",
           rt_count, rt_fd == p[0] ? "yes" : "no", rt_code == POLL_IN ? "yes" : "no",
           (rt_band & POLLIN) ? "yes" : "no");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: async_io_signals MODE\n"); return 2; }
    unsigned long token = 0;
    if (getrandom(&token, sizeof token, 0) != sizeof token) { perror("getrandom"); return 2; }
    printf("token %lx\n", token);
    if (strcmp(argv[1], "sigio") == 0) return sigio();
    printf("FAILED: unknown mode %s\n", argv[1]);
    return 9;
}
