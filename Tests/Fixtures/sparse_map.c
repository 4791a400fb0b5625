/* sparse_map.c: creates a sparse file of SIZE MiB (default 10 GiB) holding 4 KiB of random bytes
 * at its start, its middle and its end, maps it whole and prints what it reads there and in two
 * holes, so that the trace's copy must hold the same bytes at the same offsets (and, kept with
 * its holes, stays small). The random bytes change from run to run. With --map, it maps an
 * existing FILE and prints the sum of its first and last 4 KiB.
 * Usage: sparse_map WORKDIR [SIZE_MIB]    or    sparse_map --map FILE */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

static unsigned sum(const unsigned char *p, size_t n) {
    unsigned s = 0;
    for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
    return s;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    if (argc > 2 && strcmp(argv[1], "--map") == 0) {
        int fd = open(argv[2], O_RDONLY);
        off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
        if (size < 4096) { perror("open"); return 2; }
        const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) { perror("mmap"); return 2; }
        printf("mapped: first=%08x last=%08x\n", sum(m, 4096), sum(m + size - 4096, 4096));
        return 0;
    }
    long mib = argc > 2 ? atol(argv[2]) : 10240;
    char path[4096];
    snprintf(path, sizeof path, "%s/sparse-%ldm", dir, mib);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) { perror("open"); return 2; }
    off_t size = (off_t)mib << 20;
    if (ftruncate(fd, size)) { perror("ftruncate"); return 2; }
    off_t at[3] = {0, size / 2, size - 4096};
    unsigned char block[4096];
    for (int i = 0; i < 3; i++) {
        getrandom(block, sizeof block, 0);
        if (pwrite(fd, block, sizeof block, at[i]) != sizeof block) { perror("pwrite"); return 2; }
    }
    fsync(fd);
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 2; }
    for (int i = 0; i < 3; i++) printf("data at %lld: sum=%08x first=%02x\n", (long long)at[i], sum(m + at[i], 4096), m[at[i]]);
    off_t holes[2] = {4096 * 16, size / 4};
    for (int i = 0; i < 2; i++) printf("hole at %lld: sum=%08x\n", (long long)holes[i], sum(m + holes[i], 4096));
    munmap((void *)m, size);
    close(fd);
    unlink(path);
    printf("done\n");
    return 0;
}
