/* buffered_spawn.c: what short-lived processes ask the kernel before they do any work, buffered by
 * swrr's preload library (issue 18 item 2), with answers a replay must reproduce exactly:
 * - queries of the process's own state: every signal's action (sigaction with no new action, as
 *   python3 asks at each interpreter start), the signal mask (sigprocmask with no new set), a
 *   resource limit (getrlimit: prlimit64 with no new limits) and the working directory;
 * - posix_spawn's child (CLONE_VM|CLONE_VFORK, on its parent's buffer), which asks for each
 *   signal's action and resets the caught ones before its exec;
 * - a vfork child that writes to a regular file and to a pipe before _exit: the pipe may block,
 *   so the child (whose desched event would be its parent's) leaves that write to the kernel.
 * It prints what it got.
 * Usage: buffered_spawn DIR   (a scratch directory; it writes DIR/child) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void on_usr1(int sig) { (void)sig; }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: buffered_spawn DIR\n"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);

    /* Every signal's action, three times over (python3 asks about each signal at startup). */
    int answered = 0, caught = 0, ignored = 0, restart = 0;
    for (int round = 0; round < 3; round++) {
        for (int sig = 1; sig < 65; sig++) {
            struct sigaction old;
            memset(&old, 0xa5, sizeof old);
            if (sigaction(sig, NULL, &old) != 0) continue;   /* glibc refuses its own 32 and 33 */
            answered++;
            if (sig == SIGUSR1 && old.sa_handler == on_usr1) caught++;
            if (sig == SIGUSR2 && old.sa_handler == SIG_IGN) ignored++;
            if (sig == SIGUSR1 && (old.sa_flags & SA_RESTART)) restart++;
        }
    }
    printf("sigaction queries: %d answered; SIGUSR1 caught %d, SA_RESTART %d; SIGUSR2 ignored %d\n",
           answered, caught, restart, ignored);
    sigset_t now;
    int term = 0;
    for (int i = 0; i < 20; i++) {
        sigemptyset(&now);
        if (sigprocmask(SIG_SETMASK, NULL, &now) == 0 && sigismember(&now, SIGTERM)) term++;
    }
    printf("sigprocmask queries: SIGTERM blocked in %d of 20\n", term);
    struct rlimit nofile;
    int same = 0;
    struct rlimit first;
    getrlimit(RLIMIT_NOFILE, &first);
    for (int i = 0; i < 20; i++) {
        if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur == first.rlim_cur && nofile.rlim_max == first.rlim_max)
            same++;
    }
    printf("getrlimit queries: %d of 20 agree\n", same);
    char cwd[4096], first_cwd[4096];
    int cwds = 0;
    if (!getcwd(first_cwd, sizeof first_cwd)) return 2;
    for (int i = 0; i < 10; i++) if (getcwd(cwd, sizeof cwd) && !strcmp(cwd, first_cwd)) cwds++;
    printf("getcwd: %d of 10 agree\n", cwds);

    /* posix_spawn's children, each resetting SIGUSR1 (caught here) before its exec. */
    int ok = 0;
    for (int i = 0; i < 5; i++) {
        pid_t pid;
        char *args[] = {"true", NULL};
        if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) != 0) continue;
        int status;
        if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) ok++;
    }
    printf("posix_spawn of /bin/true: %d of 5 exited 0\n", ok);

    /* A vfork child writing to a file (buffered) and a pipe (may block: left to the kernel). */
    char path[4096];
    snprintf(path, sizeof path, "%s/child", argv[1]);
    int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    int p[2];
    if (file < 0 || pipe(p) != 0) { perror("open/pipe"); return 2; }
    pid_t pid = vfork();
    if (pid == 0) {
        ssize_t a = write(file, "from the child\n", 15);
        ssize_t b = write(p[1], "via the pipe", 12);
        _exit(a == 15 && b == 12 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    char got[64] = {0};
    ssize_t n = read(p[0], got, sizeof got - 1);
    char back[64] = {0};
    ssize_t m = pread(file, back, sizeof back - 1, 0);
    printf("vfork child: status %d, pipe %zd '%s', file %zd '%.14s'\n", WEXITSTATUS(status), n, got, m, back);
    return 0;
}
