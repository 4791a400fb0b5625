/* held_signal_actions.c: rt_sigaction sets, each followed by what makes the kernel's disposition
 * matter. Replay without a debugger holds the sets back until then (SwrrReplay/DeferredSignalActions.swift):
 * a set it failed to make in time shows as a handler that does not run, or a death that does not
 * come. Output goes through write(2) unbuffered, so forked children print once.
 * Usage: held_signal_actions MODE
 *   handler  a SIGUSR1 handler set, then SIGUSR1 sent by kill: the handler runs
 *   fork     a SIGUSR1 handler set, then fork: the child sends itself SIGUSR1, its copy runs
 *   thread   a SIGUSR1 handler set, then a new thread sends itself SIGUSR1 (pthread_kill)
 *   default  a SIGUSR2 handler set and SIG_DFL set again; a forked child raises SIGUSR2: it dies
 *   exec     SIGUSR1 ignored (made the kernel's by a SIGUSR2 handled next); a forked child sets
 *            SIG_DFL and execs this program in mode die, which raises SIGUSR1 and dies by it
 *   spawn    a SIGUSR1 handler set, then posix_spawn of this program in mode die: the vfork child
 *            resets the handled signal to SIG_DFL before its exec, and die dies by SIGUSR1
 *   die      raises SIGUSR1 */
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t got;

static void on_signal(int sig) { got = sig; }

static void set(int sig, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) { perror("sigaction"); exit(2); }
}

static void say(const char *what, int value) {
    char line[128];
    int n = snprintf(line, sizeof line, "%s %d\n", what, value);
    if (write(1, line, (size_t)n) != n) _exit(3);
}

static void report(pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); exit(2); }
    if (WIFSIGNALED(status)) say("child killed by signal", WTERMSIG(status));
    else say("child exited with", WEXITSTATUS(status));
}

static void *raiser(void *arg) {
    (void)arg;
    pthread_kill(pthread_self(), SIGUSR1);
    say("thread: handler ran for signal", got);
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "die")) {
        raise(SIGUSR1);
        say("die: still alive, signal", SIGUSR1);
        return 0;
    }
    if (!strcmp(mode, "handler")) {
        set(SIGUSR1, on_signal);
        kill(getpid(), SIGUSR1);
        say("handler ran for signal", got);
    } else if (!strcmp(mode, "fork")) {
        set(SIGUSR1, on_signal);
        pid_t pid = fork();
        if (pid == 0) {
            kill(getpid(), SIGUSR1);
            say("child: handler ran for signal", got);
            _exit(0);
        }
        report(pid);
    } else if (!strcmp(mode, "thread")) {
        set(SIGUSR1, on_signal);
        pthread_t t;
        if (pthread_create(&t, NULL, raiser, NULL) != 0) return 2;
        pthread_join(t, NULL);
    } else if (!strcmp(mode, "default")) {
        set(SIGUSR2, on_signal);
        set(SIGUSR2, SIG_DFL);
        pid_t pid = fork();
        if (pid == 0) {
            raise(SIGUSR2);
            say("child: still alive, signal", SIGUSR2);
            _exit(0);
        }
        report(pid);
    } else if (!strcmp(mode, "exec")) {
        set(SIGUSR1, SIG_IGN);
        set(SIGUSR2, on_signal);
        raise(SIGUSR2);
        say("SIGUSR2 handled:", got);
        pid_t pid = fork();
        if (pid == 0) {
            set(SIGUSR1, SIG_DFL);
            execl("/proc/self/exe", argv[0], "die", (char *)NULL);
            _exit(4);
        }
        report(pid);
    } else if (!strcmp(mode, "spawn")) {
        set(SIGUSR1, on_signal);
        char *args[] = {argv[0], "die", NULL};
        pid_t pid;
        if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0) return 2;
        report(pid);
    } else {
        fprintf(stderr, "usage: held_signal_actions handler|fork|thread|default|exec|spawn\n");
        return 2;
    }
    return 0;
}
