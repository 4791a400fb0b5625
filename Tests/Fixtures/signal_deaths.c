/* signal_deaths.c: deaths by signal (issue 14). Every line is printed line-buffered (a fork never
 * duplicates buffered output); each run prints a fresh random token, so a replay that does not
 * feed back the recorded values prints another one.
 *
 * Usage: signal_deaths MODE
 *   children     one child per way of dying, each reaped by the parent, which prints its status:
 *                SIGKILL from the parent (child in pause, then in a read), raise(SIGSYS),
 *                kill(getpid(), SIGSYS), SIGPIPE from a write to a pipe without readers, SIGTERM
 *                from the parent (child in pause, then in sleep), raise(SIGTERM), abort();
 *                RLIMIT_CORE is 0 so no core is written. (A child computing without syscalls
 *                would starve the parent under the recorder, which runs one task at a time and
 *                switches at syscalls: DESIGN.md §2.)
 *   self-abort   the program itself calls abort() (status 134 from a shell)
 *   self-pipe    the program writes to a pipe without readers (141)
 *   self-term    raise(SIGTERM) (143)
 *   self-sys     raise(SIGSYS) (159)
 *   self-kill    a child kills the program with SIGKILL (137)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_to_a_pipe_without_readers(void) {
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); exit(2); }
    close(p[0]);
    (void)write(p[1], "x", 1);
    printf("FAILED: the write to a pipe without readers returned\n");
    exit(3);
}

/* How the child numbered `kind` ends. Returns (in the child) only if it did not die. */
static void die_as(int kind, int ready) {
    switch (kind) {
    case 0: case 5:   /* the parent kills it while it waits */
        (void)write(ready, "r", 1);
        for (;;) pause();
    case 1: case 6: {   /* the parent kills it while it is blocked in a read or a sleep */
        int p[2];
        char c;
        if (pipe(p) != 0) return;
        (void)write(ready, "r", 1);
        if (kind == 1) (void)read(p[0], &c, 1);
        else sleep(100);
        return;
    }
    case 2: raise(SIGSYS); break;
    case 3: kill(getpid(), SIGSYS); break;
    case 4: write_to_a_pipe_without_readers(); break;
    case 7: raise(SIGTERM); break;
    case 8: abort();
    }
}

static const char *const kinds[] = {
    "SIGKILL in pause", "SIGKILL in read", "raise(SIGSYS)", "kill(self, SIGSYS)", "SIGPIPE",
    "SIGTERM in pause", "SIGTERM in sleep", "raise(SIGTERM)", "abort()",
};

static void children(void) {
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    for (int kind = 0; kind < 9; kind++) {
        int ready[2];
        if (pipe(ready) != 0) { perror("pipe"); exit(2); }
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); exit(2); }
        if (pid == 0) {
            close(ready[0]);
            die_as(kind, ready[1]);
            printf("FAILED: child %s lived on\n", kinds[kind]);
            _exit(9);
        }
        close(ready[1]);
        if (kind == 0 || kind == 1 || kind == 5 || kind == 6) {
            char c;
            if (read(ready[0], &c, 1) != 1) { printf("FAILED: child %s not ready\n", kinds[kind]); exit(2); }
            if (kind == 1 || kind == 6) usleep(20000);   /* well inside its read or sleep */
            printf("parent: kill(child, %s) = %d\n", kind < 5 ? "SIGKILL" : "SIGTERM",
                   kill(pid, kind < 5 ? SIGKILL : SIGTERM));
        }
        close(ready[0]);
        int status = 0;
        if (waitpid(pid, &status, 0) != pid) { printf("FAILED: waitpid: %s\n", strerror(errno)); exit(2); }
        if (WIFSIGNALED(status)) {
            printf("child %s: killed by signal %d (%s), core dumped: %s, raw status 0x%x\n", kinds[kind],
                   WTERMSIG(status), sigabbrev_np(WTERMSIG(status)), WCOREDUMP(status) ? "yes" : "no", status);
        } else {
            printf("child %s: exited with %d\n", kinds[kind], WEXITSTATUS(status));
        }
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: signal_deaths MODE\n"); return 2; }
    unsigned long token = 0;
    if (getrandom(&token, sizeof token, 0) != sizeof token) { perror("getrandom"); return 2; }
    printf("token %lx\n", token);
    const char *mode = argv[1];
    if (strcmp(mode, "children") == 0) {
        children();
        return 0;
    }
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    if (strcmp(mode, "self-abort") == 0) abort();
    if (strcmp(mode, "self-pipe") == 0) write_to_a_pipe_without_readers();
    if (strcmp(mode, "self-term") == 0) raise(SIGTERM);
    if (strcmp(mode, "self-sys") == 0) raise(SIGSYS);
    if (strcmp(mode, "self-kill") == 0) {
        pid_t parent = getpid();
        if (fork() == 0) {
            kill(parent, SIGKILL);
            _exit(0);
        }
        for (;;) pause();
    }
    printf("FAILED: mode %s did not end the program\n", mode);
    return 9;
}
