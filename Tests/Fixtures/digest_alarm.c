/* digest_alarm.c: the shape of `openssl speed md5`: a timer (setitimer, MS milliseconds) whose
 * SIGALRM handler clears a volatile flag, and a loop that digests the same 64-byte buffer again
 * and again with a function that is not inlined, counting the rounds, without a syscall. The
 * recorder holds the signal back and delivers it wherever the loop is, most likely inside the
 * digest function: every round there passes through the same states (same input, same
 * registers, same context), and only the round counter, in the caller's memory, tells the rounds
 * apart. Replay must find the recorded round among millions; the output (rounds and digest) is
 * what the recording printed.
 *
 * Usage: digest_alarm [MS]   (default 100)
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t run = 1;

static void on_alarm(int sig) {
    (void)sig;
    run = 0;
}

struct context {
    uint32_t state[4];
    uint64_t bytes;
    unsigned char block[64];
};

/* Four rounds of mixing per 32-bit word of each 64-byte block (MD5-like, not MD5). */
__attribute__((noinline)) static void digest_block(struct context *c, const unsigned char *p) {
    uint32_t a = c->state[0], b = c->state[1], d = c->state[2], e = c->state[3];
    for (int i = 0; i < 16; i++) {
        uint32_t w;
        memcpy(&w, p + 4 * i, 4);
        a += ((b & d) | (~b & e)) + w + 0x5a827999u * (uint32_t)(i + 1);
        a = (a << 7 | a >> 25) + b;
        uint32_t t = e; e = d; d = b; b = a; a = t;
    }
    c->state[0] += a; c->state[1] += b; c->state[2] += d; c->state[3] += e;
}

__attribute__((noinline)) static void digest(const unsigned char *in, size_t n, unsigned char out[16]) {
    struct context c = {{0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u}, 0, {0}};
    for (; n >= 64; n -= 64, in += 64) {
        digest_block(&c, in);
        c.bytes += 64;
    }
    /* The last block: what is left, a 0x80 byte, the length (as MD5 pads). */
    memset(c.block, 0, sizeof c.block);
    memcpy(c.block, in, n);
    c.block[n] = 0x80;
    c.bytes += n;
    memcpy(c.block + 56, &c.bytes, 8);
    digest_block(&c, c.block);
    memcpy(out, c.state, 16);
}

int main(int argc, char **argv) {
    long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    static unsigned char buffer[64], out[16];
    for (int i = 0; i < 64; i++) buffer[i] = (unsigned char)(i * 7 + 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    /* In memory, as openssl's `count` is (a local its loop keeps on the stack). */
    volatile unsigned long count;
    for (count = 0; run; count++) digest(buffer, sizeof buffer, out);
    printf("%lu rounds, digest ", count);
    for (int i = 0; i < 16; i++) printf("%02x", out[i]);
    printf("\n");
    return 0;
}
