/* nondeterminism.c: prints values that differ from run to run.
 *
 * Every line below comes from a source of nondeterminism that swrr must record: the clock (both
 * through the vDSO and through real syscalls), process identity, the kernel's random generator,
 * the time-stamp counter (rdtsc/rdtscp, trapped with PR_SET_TSC), /dev/urandom, the AT_RANDOM
 * bytes the kernel puts on the initial stack, and addresses chosen by ASLR (stack, heap, a large
 * malloc served by mmap, an anonymous mmap). Run natively twice, the outputs differ; a replay must
 * print exactly what the recording printed.
 *
 * Usage: nondeterminism   (writes one line on stderr too, to check that stderr is echoed)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t read_tsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_tscp(uint32_t *aux) {
    uint32_t lo, hi, c;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
    *aux = c;
    return ((uint64_t)hi << 32) | lo;
}

static void print_hex(const char *label, const unsigned char *bytes, size_t n) {
    printf("%s:", label);
    for (size_t i = 0; i < n; i++) printf("%02x", bytes[i]);
    printf("\n");
}

int main(void) {
    /* Clocks through glibc (served by the vDSO unless swrr stops that). */
    struct timespec rt, mono;
    struct timeval tv;
    time_t now = time(NULL);
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    gettimeofday(&tv, NULL);
    printf("time: %lld\n", (long long)now);
    printf("clock_realtime: %lld.%09ld\n", (long long)rt.tv_sec, rt.tv_nsec);
    printf("clock_monotonic: %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec);
    printf("gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);

    /* The same clocks as real syscalls. */
    struct timespec sys_mono;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &sys_mono);
    printf("sys_clock_monotonic: %lld.%09ld\n", (long long)sys_mono.tv_sec, sys_mono.tv_nsec);

    printf("pid: %d\n", (int)getpid());
    printf("tid: %d\n", (int)gettid());
    printf("ppid: %d\n", (int)getppid());

    unsigned char random_bytes[16];
    ssize_t got = getrandom(random_bytes, sizeof random_bytes, 0);
    printf("getrandom_result: %zd\n", got);
    print_hex("getrandom", random_bytes, sizeof random_bytes);

    for (int i = 0; i < 3; i++) printf("rdtsc%d: %llu\n", i, (unsigned long long)read_tsc());
    uint32_t aux = 0;
    uint64_t tscp = read_tscp(&aux);
    printf("rdtscp: %llu aux %u\n", (unsigned long long)tscp, aux);
    uint64_t a = read_tsc(), b = read_tsc();
    printf("rdtsc_monotone: %s\n", b >= a ? "yes" : "no");

    unsigned char urandom[16] = {0};
    int fd = open("/dev/urandom", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, urandom, sizeof urandom) : -1;
    if (fd >= 0) close(fd);
    printf("urandom_result: %zd\n", n);
    print_hex("urandom", urandom, sizeof urandom);

    const unsigned char *at_random = (const unsigned char *)getauxval(AT_RANDOM);
    if (at_random) print_hex("at_random", at_random, 16);

    int on_stack = 42;
    void *small = malloc(32);
    void *large = malloc(8 << 20);   /* above the mmap threshold: served by mmap */
    void *anon = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(large, 0x5a, 4096);
    printf("stack: %p\n", (void *)&on_stack);
    printf("heap: %p\n", small);
    printf("large_malloc: %p\n", large);
    printf("anon_mmap: %p\n", anon);
    printf("sbrk: %p\n", sbrk(0));
    free(small);
    free(large);
    munmap(anon, 65536);

    fprintf(stderr, "nondeterminism: stderr line at %lld.%09ld\n", (long long)rt.tv_sec, rt.tv_nsec);
    return 0;
}
