/* process_attributes.c: process attributes a program reads back (issue 14). Each run prints a
 * fresh random token first, so a replay that does not feed back the recorded values prints
 * another one.
 *
 * Usage: process_attributes MODE
 *   pdeathsig    PR_GET_PDEATHSIG at the start (0 natively: fork clears it, and swrr's own setting
 *                for the tracee must not show), after PR_SET_PDEATHSIG(SIGUSR2), in a child
 *                (cleared by fork), and after setting it back to 0
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

static int pdeathsig(void) {
    int sig = -1;
    int r = prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("at the start: PR_GET_PDEATHSIG = %d, signal %d\n", r, sig);
    r = prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
    sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("PR_SET_PDEATHSIG(SIGUSR2) = %d, now signal %d\n", r, sig);
    pid_t pid = fork();
    if (pid == 0) {
        int child = -1;
        prctl(PR_GET_PDEATHSIG, &child, 0, 0, 0);
        printf("child: signal %d (fork clears it)\n", child);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r = prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("PR_SET_PDEATHSIG(0) = %d, now signal %d\n", r, sig);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) { fprintf(stderr, "usage: process_attributes MODE\n"); return 2; }
    unsigned long token = 0;
    if (getrandom(&token, sizeof token, 0) != sizeof token) { perror("getrandom"); return 2; }
    printf("token %lx\n", token);
    if (strcmp(argv[1], "pdeathsig") == 0) return pdeathsig();
    printf("FAILED: unknown mode %s\n", argv[1]);
    return 9;
}
