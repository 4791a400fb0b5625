/* proc_mem.c: a process writing into its child's memory, and its own, through /proc/PID/mem, as
 * a debugger does (gdb writes its breakpoints with pwrite64 there), with random values: pwrite64,
 * pwritev, lseek then write, a write into a read-only page (/proc/PID/mem writes those, as
 * PTRACE_POKEDATA does), pread64 of a value the child drew, and a pwrite64 to /proc/self/mem.
 * Usage: proc_mem write. Prints "token T" (random in each run), then lines that do not depend on it: the child checks
 * each value against what it expects. Under swrr's replay the writes must land in the replayed
 * child as they did in the recorded one, or its checks print "no". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uint64_t slot;          // pwrite64
static volatile uint64_t pair[2];       // pwritev, two iovecs
static volatile uint64_t seeked;        // lseek + write
static const volatile uint64_t frozen = 7;  // read-only (.rodata)
static volatile uint64_t secret;        // drawn by the child, read by the parent (pread64)
static volatile uint64_t echoed;        // the parent writes back what it read
static volatile uint64_t own;           // the parent's own, through /proc/self/mem

static uint64_t draw(void) {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != sizeof v) { perror("getrandom"); exit(2); }
    return v | 1;   // never 0, the initial value
}

static const char *yes(int b) { return b ? "yes" : "no"; }

int main(int argc, char **argv) {
    if (argc != 2 || strcmp(argv[1], "write") != 0) {
        fprintf(stderr, "usage: proc_mem write\n");
        return 2;
    }
    uint64_t token = draw();
    printf("token %llu\n", (unsigned long long)token);
    fflush(stdout);
    int ready[2], written[2];
    if (pipe(ready) || pipe(written)) { perror("pipe"); return 2; }
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 2; }
    if (child == 0) {
        secret = draw();
        char c = 'r';
        if (write(ready[1], &c, 1) != 1 || read(written[0], &c, 1) != 1) return 3;
        printf("child: pwrite64 landed: %s\n", yes(slot == token));
        printf("child: pwritev landed: %s %s\n", yes(pair[0] == token * 3), yes(pair[1] == token * 5));
        printf("child: lseek + write landed: %s\n", yes(seeked == ~token));
        printf("child: read-only page written: %s\n", yes(frozen == token + 7));
        printf("child: the parent read my secret: %s\n", yes(echoed == secret));
        return 0;
    }
    char c;
    if (read(ready[0], &c, 1) != 1) return 2;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)child);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open /proc/CHILD/mem"); return 2; }
    printf("pwrite64 = %zd\n", pwrite(fd, &token, 8, (off_t)(uintptr_t)&slot));
    uint64_t a = token * 3, b = token * 5;
    struct iovec iov[2] = {{&a, 8}, {&b, 8}};
    printf("pwritev = %zd\n", pwritev(fd, iov, 2, (off_t)(uintptr_t)&pair[0]));
    uint64_t n = ~token;
    printf("lseek is the address: %s\n", yes(lseek(fd, (off_t)(uintptr_t)&seeked, SEEK_SET) == (off_t)(uintptr_t)&seeked));
    printf("write = %zd\n", write(fd, &n, 8));
    uint64_t f = token + 7;
    printf("pwrite64 to a read-only page = %zd\n", pwrite(fd, &f, 8, (off_t)(uintptr_t)&frozen));
    uint64_t s = 0;
    printf("pread64 = %zd\n", pread(fd, &s, 8, (off_t)(uintptr_t)&secret));
    printf("pwrite64 of it back = %zd\n", pwrite(fd, &s, 8, (off_t)(uintptr_t)&echoed));
    close(fd);
    int self = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    if (self < 0) { perror("open /proc/self/mem"); return 2; }
    uint64_t o = token ^ 0x5555;
    printf("pwrite64 to /proc/self/mem = %zd\n", pwrite(self, &o, 8, (off_t)(uintptr_t)&own));
    printf("own variable written: %s\n", yes(own == (token ^ 0x5555)));
    close(self);
    fflush(stdout);
    if (write(written[1], "w", 1) != 1) return 2;
    int status = 0;
    if (waitpid(child, &status, 0) != child) { perror("waitpid"); return 2; }
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
