// A position searched past arrivals that match it in registers and progress words but not in
// memory, in a program exec'd by a process whose threads had registered syscall buffers. At each
// arrival passed over, replay compares the headers of the registered buffers with those at the
// previous one (PointSearch); the buffers of the threads from before the exec are not mapped in
// the new image. (`go build` then the built program met the same with the buffers of the go
// tool's threads, another process.)
//
// Without an argument: three threads make a buffered call each (which registers their buffers)
// and end, then the program execs itself with "spin", which does the following.
// The loop (asm, memory operands only: the registers are the same at every pass) adds 1 to four
// 16-bit counters, each in its own 8-byte word, and 2^28 to a fifth word. The recorder's pass
// analysis takes the four counters as progress words (a small step up ranks first; at most four)
// and leaves the fifth out (a large step), so every 65,536 passes the registers and the words
// repeat while the fifth word differs: the state digest tells those arrivals apart.
// A second thread sets `flag` after 100 ms; the program prints the passes (the fifth word / 2^28).
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long counters[4];
static volatile unsigned long big;
static volatile int flag;

// A buffered syscall starts the thread's buffer (swrr_register_buffer); its end unmaps it.
static void *ender(void *arg) {
    (void)arg;
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd)) return (void *)1;
    return NULL;
}

static void *setter(void *arg) {
    (void)arg;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    flag = 1;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "spin") != 0) {
        for (int i = 0; i < 3; i++) {
            pthread_t e;
            void *r;
            pthread_create(&e, NULL, ender, NULL);
            pthread_join(e, &r);
            if (r) return 1;
        }
        execl("/proc/self/exe", argv[0], "spin", (char *)NULL);
        perror("execl");
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    __asm__ volatile("1:\n\t"
                     "addw $1, %0\n\t"
                     "addw $1, %1\n\t"
                     "addw $1, %2\n\t"
                     "addw $1, %3\n\t"
                     "addq $0x10000000, %4\n\t"
                     "cmpl $0, %5\n\t"
                     "je 1b"
                     : "+m"(counters[0]), "+m"(counters[1]), "+m"(counters[2]), "+m"(counters[3]), "+m"(big)
                     : "m"(flag)
                     : "cc", "memory");
    pthread_join(t, NULL);
    printf("passes %lu\n", big >> 28);
    return 0;
}
