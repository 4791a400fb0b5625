// Built with -fsanitize=address. Under `swrr record` the ASan runtime is not the first library
// (the preload library is), which the runtime refuses unless ASAN_OPTIONS has
// verify_asan_link_order=0 (swrr adds it).
//
//   asan_overflow         exits normally: LeakSanitizer's check at exit stops the world (a
//                         CLONE_VM | CLONE_UNTRACED tracer attaching the program's threads with
//                         ptrace) and finds nothing; exit status 0.
//   asan_overflow x       a heap buffer overflow AddressSanitizer reports (to stderr, with the
//                         faulting address and a stack) before the program ends with status 1.
//   asan_overflow leak    a block no pointer reaches any more: LeakSanitizer reports it
//                         ("detected memory leaks", 33 bytes); the exit status is 1 under
//                         AddressSanitizer (its exitcode), 23 built with -fsanitize=leak alone.
//   asan_overflow threads the same leak with two more threads, blocked in a read and a futex wait,
//                         which StopTheWorld attaches and whose registers it reads too.
//   asan_overflow wait    prints "waiting", then reads stdin to its end (PopulatedPagesTests digest
//                         its memory, AddressSanitizer's 14 TiB shadow mapping included, meanwhile);
//                         exit status 0.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pipe_fds[2];
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t started;

static void *reader(void *arg) {
    (void)arg;
    char c;
    pthread_barrier_wait(&started);
    return (void *)(long)read(pipe_fds[0], &c, 1);   // nobody writes: blocked until the exit
}

static void *locker(void *arg) {
    (void)arg;
    pthread_barrier_wait(&started);
    pthread_mutex_lock(&held);   // main holds it: a futex wait until the exit
    return NULL;
}

static void start_threads(void) {
    pthread_t a, b;
    if (pipe(pipe_fds) != 0) { perror("pipe"); exit(2); }
    pthread_mutex_lock(&held);
    pthread_barrier_init(&started, NULL, 3);
    pthread_create(&a, NULL, reader, NULL);
    pthread_create(&b, NULL, locker, NULL);
    pthread_barrier_wait(&started);
    printf("two threads blocked\n");
    fflush(stdout);
}

// Not inlined, so that no register or live stack slot of main still holds the pointer when
// LeakSanitizer scans the stacks at exit.
__attribute__((noinline)) static void leak(void) {
    void *volatile q = malloc(33);
    q = 0;
    (void)q;
}

int main(int argc, char **argv) {
    int *p = malloc(10 * sizeof *p);
    for (int i = 0; i < 10; i++) p[i] = i * i;
    printf("sum of squares: %d\n", p[1] + p[2] + p[3]);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        char c;
        printf("waiting\n");
        fflush(stdout);
        while (read(0, &c, 1) > 0) {}
        free(p);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "threads") == 0) start_threads();
    if (argc > 1 && (strcmp(argv[1], "leak") == 0 || strcmp(argv[1], "threads") == 0)) leak();
    else if (argc > 1) p[argc + 8] = 1;   // one past the end with one argument
    free(p);
    return 0;
}
