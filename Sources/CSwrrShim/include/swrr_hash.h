// A 64-bit hash of memory for MemoryDigest (Sources/SwrrTracee/MemoryDigest.swift): C because a
// Swift loop in a debug build is slower and noisier (measured on 64 MiB, debug build, loaded
// machine: this 960-2000 MB/s, a Swift word loop 160-1120 MB/s, zlib's 32-bit crc32 960-1660).
#ifndef SWRR_HASH_H
#define SWRR_HASH_H
#include <stddef.h>
#include <stdint.h>

/// Folds `len` bytes at `data` into the four lanes of `state`: a multiple of 32 bytes hashes the
/// same in one call or split in several; a shorter tail is zero-padded. swrr_hash64_finish gives
/// the value.
void swrr_hash64_update(uint64_t state[4], const void *data, size_t len);
/// The state's 64-bit value.
uint64_t swrr_hash64_finish(const uint64_t state[4]);
/// Whether `len` bytes at `data` are all zero.
int swrr_is_zero(const void *data, size_t len);
/// The pages step of MemoryDigest/MemorySnapshot, one call per run of pages read: for each of the
/// `pages` 4096-byte pages at `src` (the first at `address`, the next 4096 bytes up), an all-zero
/// page is skipped; any other folds its address (8 bytes, as swrr_hash64_update pads them) and
/// then its bytes into `state`, and, when `dst` is not NULL, is moved to the next page of `dst`
/// (memmove: `dst` may be `src` or below it, compacting in place) with its address stored in the
/// next entry of `addresses`. Returns the number of pages kept (non-zero).
size_t swrr_digest_pages(uint64_t state[4], void *src, size_t pages, uint64_t address, void *dst,
                         uint64_t *addresses);
#endif
