// Memory the kernel writes for a blocked syscall while another thread computes (docs/POSITIONS.md,
// "Memory the kernel writes for another task's blocking syscall"): a reader thread zeroes a global
// and blocks in read() on a timerfd (period 97 ms), which writes the expiration count (>= 1) there
// when the timer fires; meanwhile two threads spin on memory for the recorder's slices, preempted
// at positions whose memory digests include that global. 32 MiB of non-zero heap make each
// position's analysis long (two copies of the writable memory), so completions land in it. A completion that lands while the
// recorder analyses a position (its exit stop handled only after the position was recorded) left
// the recorded digest with the count where replay, which writes the read's bytes at its event,
// still had 0: "divergence at event N: expected the point where the recording switched away".
// 97 ms is no multiple of the 50 ms slice, so completions land all over the slices.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { reads = 8 };
static volatile uint64_t expirations;   // written by the kernel in read(), zeroed before each
static volatile unsigned long spins[2];
static volatile int done;

static void *spinner(void *arg) {
    volatile unsigned long *counter = &spins[(long)arg];
    while (!done) (*counter)++;
    return NULL;
}

int main(void) {
    char *ballast = malloc(32 << 20);
    if (!ballast) return 2;
    memset(ballast, 1, 32 << 20);
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec period = {{0, 97 * 1000 * 1000}, {0, 97 * 1000 * 1000}};
    if (fd < 0 || timerfd_settime(fd, 0, &period, NULL) != 0) {
        perror("timerfd");
        return 2;
    }
    pthread_t t[2];
    for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, spinner, (void *)i);
    int fired = 0;
    for (int i = 0; i < reads; i++) {
        expirations = 0;
        uint64_t n;
        if (read(fd, (void *)&expirations, sizeof expirations) != sizeof expirations) break;
        n = expirations;
        if (n >= 1) fired++;
    }
    done = 1;
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    printf("reads %d fired %d ballast %d\n", reads, fired, ballast[12345]);
    return 0;
}
