// See include/swrr_hash.h. Four independent lanes (a word goes to lane index mod 4) so the
// multiplications of neighbouring words overlap even unoptimized (SwiftPM compiles this target at
// -O0 in debug builds); each lane step (h ^ w) * odd, rotate, is a bijection of h for a fixed w,
// so a single changed word always changes its lane. Inputs whose length is a multiple of 32 hash
// the same in one call or in several (MemoryDigest reads pages in chunks of any size and relies
// on it); a shorter tail is zero-padded, and the caller hashes lengths itself where they matter.
#include <string.h>
#include "swrr_hash.h"

#define K1 0x9E3779B97F4A7C15ull
#define K2 0xC2B2AE3D27D4EB4Full

static inline uint64_t rotl(uint64_t v, int r) { return (v << r) | (v >> (64 - r)); }

void swrr_hash64_update(uint64_t s[4], const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t a = s[0], b = s[1], c = s[2], d = s[3];
    size_t n = len / 32;
    for (size_t i = 0; i < n; i++, p += 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        a = rotl((a ^ w[0]) * K1, 31);
        b = rotl((b ^ w[1]) * K1, 31);
        c = rotl((c ^ w[2]) * K1, 31);
        d = rotl((d ^ w[3]) * K1, 31);
    }
    size_t rest = len % 32;
    if (rest) {
        uint64_t w[4] = {0, 0, 0, 0};
        memcpy(w, p, rest);
        a = rotl((a ^ w[0]) * K1, 31);
        b = rotl((b ^ w[1]) * K1, 31);
        c = rotl((c ^ w[2]) * K1, 31);
        d = rotl((d ^ w[3]) * K1, 31);
    }
    s[0] = a; s[1] = b; s[2] = c; s[3] = d;
}

uint64_t swrr_hash64_finish(const uint64_t s[4]) {
    uint64_t h = rotl(s[0], 1) + rotl(s[1], 7) + rotl(s[2], 12) + rotl(s[3], 18);
    h ^= h >> 33; h *= K2; h ^= h >> 29; h *= K1; h ^= h >> 32;
    return h;
}


int swrr_is_zero(const void *data, size_t len) {
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w) return 0;
    }
    for (; i < len; i++)
        if (p[i]) return 0;
    return 1;
}

size_t swrr_digest_pages(uint64_t state[4], void *src, size_t pages, uint64_t address, void *dst,
                         uint64_t *addresses) {
    unsigned char *from = src, *to = dst;
    size_t kept = 0;
    for (size_t i = 0; i < pages; i++, from += 4096, address += 4096) {
        if (swrr_is_zero(from, 4096))
            continue;
        swrr_hash64_update(state, &address, 8);
        swrr_hash64_update(state, from, 4096);
        if (to) {
            if (to + kept * 4096 != from)
                memmove(to + kept * 4096, from, 4096);
            addresses[kept] = address;
        }
        kept++;
    }
    return kept;
}
