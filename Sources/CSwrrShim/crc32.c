// See include/swrr_crc32.h. CRC by folding (Gopal et al., "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ Instruction", Intel, 2009): the message is cut into 128-bit lanes,
// four of them are carried along 64 bytes at a time, multiplying a lane by x^(512±32) mod P and
// adding the lane 64 bytes further (carry-less, so the CRC of the whole is kept); then the four
// are folded into one (x^(128±32) mod P), that one to 64 and 32 bits, and a Barrett reduction
// gives the remainder. In the bit-reflected domain of zlib's CRC the constants are the paper's
// k1..k5, P' and u' for P = 0x104C11DB7 (the same values as the Linux kernel's crc32-pclmul).
#include <immintrin.h>
#include "swrr_crc32.h"

int swrr_crc32_clmul_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

#define CLMUL(a, b, imm) _mm_clmulepi64_si128((a), (b), (imm))
#define LOAD(p) _mm_loadu_si128((const __m128i *)(p))

/// x times the two halves of k (carry-less), plus the next 128 bits.
__attribute__((target("pclmul,sse4.1")))
static inline __m128i fold(__m128i x, __m128i k, __m128i next) {
    return _mm_xor_si128(_mm_xor_si128(CLMUL(x, k, 0x00), CLMUL(x, k, 0x11)), next);
}

__attribute__((target("pclmul,sse4.1")))
uint32_t swrr_crc32_clmul(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);   // by 512 bits
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);   // by 128 bits
    const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124);                // 64 to 32 bits
    const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);   // u', P'
    const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
    __m128i x1 = _mm_xor_si128(LOAD(p), _mm_cvtsi32_si128((int)~crc));
    __m128i x2 = LOAD(p + 16), x3 = LOAD(p + 32), x4 = LOAD(p + 48);
    p += 64;
    len -= 64;
    for (; len >= 64; p += 64, len -= 64) {
        x1 = fold(x1, k1k2, LOAD(p));
        x2 = fold(x2, k1k2, LOAD(p + 16));
        x3 = fold(x3, k1k2, LOAD(p + 32));
        x4 = fold(x4, k1k2, LOAD(p + 48));
    }
    x1 = fold(x1, k3k4, x2);
    x1 = fold(x1, k3k4, x3);
    x1 = fold(x1, k3k4, x4);
    for (; len >= 16; p += 16, len -= 16) x1 = fold(x1, k3k4, LOAD(p));
    // 128 bits to 64, then to 32, then Barrett's reduction modulo P.
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), CLMUL(x1, k3k4, 0x10));
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), CLMUL(_mm_and_si128(x1, low32), k5, 0x00));
    __m128i t = CLMUL(_mm_and_si128(x1, low32), poly, 0x10);
    t = CLMUL(_mm_and_si128(t, low32), poly, 0x00);
    x1 = _mm_xor_si128(x1, t);
    return ~(uint32_t)_mm_extract_epi32(x1, 1);
}
