/* under_valgrind.c: a program for valgrind's memcheck, recorded with the valgrind that runs it
 * (ValgrindTests). swrr's preload library is loaded into valgrind's guest too (LD_PRELOAD passes
 * through), where it must stay off and out of memcheck's sight.
 *
 * Usage: under_valgrind MODE
 *   errors        two errors memcheck reports: a branch on an uninitialised heap word and 40 bytes
 *                 leaked; and calls of functions the library replaces (write, getppid, fstat),
 *                 which must add no error of their own
 *   threads N     4 threads each take a mutex N times and add their number to a total; prints the
 *                 total and the sum of the values the joins returned; exit status 1 if the total
 *                 is wrong
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int branch_on_uninitialised(void) {
    int *p = malloc(4 * sizeof *p);
    p[0] = 1;
    int r = p[2] > 0 ? 7 : 3;   /* p[2] was never written */
    free(p);
    return r;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total, rounds;

static void *work(void *arg) {
    long n = (long)arg;
    for (long i = 0; i < rounds; i++) {
        pthread_mutex_lock(&lock);
        total += n;
        pthread_mutex_unlock(&lock);
    }
    return (void *)(n * 10);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "errors") == 0) {
        char *leaked = malloc(40);
        strcpy(leaked, "leaked");
        struct stat st;
        int fstat_ok = fstat(1, &st) == 0;
        const char line[] = "written by write(2)\n";
        if (write(1, line, sizeof line - 1) != (ssize_t)(sizeof line - 1)) return 1;
        printf("branch %d, %s, parent known %d, fstat %d\n", branch_on_uninitialised(), leaked,
               getppid() > 0, fstat_ok);
        leaked = NULL;
        return 0;
    }
    if (strcmp(mode, "threads") == 0 && argc > 2) {
        rounds = atol(argv[2]);
        pthread_t t[4];
        for (long i = 0; i < 4; i++)
            if (pthread_create(&t[i], NULL, work, (void *)(i + 1)) != 0) return 2;
        long joined = 0;
        for (int i = 0; i < 4; i++) {
            void *v;
            pthread_join(t[i], &v);
            joined += (long)v;
        }
        printf("total %ld, joined %ld\n", total, joined);
        return total == 10 * rounds ? 0 : 1;
    }
    fprintf(stderr, "usage: under_valgrind errors | threads N\n");
    return 2;
}
