// A JIT-like program: it writes a small loop of machine code into an mmap'd page and runs it
// many passes, rewriting one immediate between rounds (the code the program writes must stay
// correct under recording: a patch in it would be overwritten, and the page is writable memory
// that the state digest includes).
//   loop:  add rax, imm32 ; dec rdi ; jnz loop ; ret        (rax = 0 on entry, rdi = passes)
// "wx" (default) maps the page W then X (mprotect between writes and runs); "rwx" maps it
// read-write-execute and rewrites it in place. With "trap" as second argument an int3 before the
// first round shows a tracer the page's address in rdi (the progress tests copy the process there).
// With "ticker" a second thread sleeps 5 ms at a time until the rounds are done, so a recorder
// preempts the computing thread (PreemptionTests: its positions must not be taken in the page),
// and the 20 rounds run 40 times (about 1 s; once they take 30 ms at -O2).
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static volatile int done;

static void *ticker(void *arg) {
    (void)arg;
    struct timespec ts = {0, 5 * 1000 * 1000};
    while (!done) nanosleep(&ts, NULL);
    return NULL;
}

int main(int argc, char **argv) {
    int rwx = argc > 1 && strcmp(argv[1], "rwx") == 0;
    int prot = rwx ? PROT_READ | PROT_WRITE | PROT_EXEC : PROT_READ | PROT_WRITE;
    unsigned char *page = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return 1;
    static const unsigned char code[] = {
        0x31, 0xC0,                          // xor eax, eax
        0x48, 0x05, 0, 0, 0, 0,              // add rax, imm32 (bytes 4..7)
        0x48, 0xFF, 0xCF,                    // dec rdi
        0x75, 0xF5,                          // jnz -11 (to the add)
        0xC3,                                // ret
    };
    memcpy(page, code, sizeof code);
    uint64_t total = 0;
    if (argc > 2 && strcmp(argv[2], "trap") == 0) __asm__ volatile("int3" ::"D"(page) : "memory");
    pthread_t t;
    int ticking = argc > 2 && strcmp(argv[2], "ticker") == 0;
    if (ticking) pthread_create(&t, NULL, ticker, NULL);
    for (int repeat = 0; repeat < (ticking ? 40 : 1); repeat++)
    for (int32_t round = 1; round <= 20; round++) {
        if (!rwx) mprotect(page, 4096, PROT_READ | PROT_WRITE);
        memcpy(page + 4, &round, 4);
        if (!rwx) mprotect(page, 4096, PROT_READ | PROT_EXEC);
        __builtin___clear_cache((char *)page, (char *)page + sizeof code);
        uint64_t (*f)(uint64_t) = (uint64_t (*)(uint64_t))page;
        total += f(5000000);
    }
    done = 1;
    if (ticking) pthread_join(t, NULL);
    printf("jit total %lu\n", (unsigned long)total);
    return 0;
}
