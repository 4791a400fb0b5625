/* mmap_files.c: maps files, the way the dynamic loader and programs do, and prints checksums of
 * what it sees through the mappings.
 *   - its own executable (/proc/self/exe), privately, read-only, whole and from a page offset;
 *   - a data file it creates, MAP_PRIVATE (a write to the mapping must not reach the file) and
 *     MAP_SHARED (writes reach the file: after msync, read(2) returns them).
 * On replay the executable may be gone or rebuilt: the bytes must still come from the recording.
 *
 * Usage: mmap_files DIR   (DIR: an existing, writable directory)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t checksum(const void *p, size_t n) {
    const unsigned char *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    long page = sysconf(_SC_PAGESIZE);

    int exe = open("/proc/self/exe", O_RDONLY);
    struct stat st;
    if (exe < 0 || fstat(exe, &st) != 0) { perror("/proc/self/exe"); return 1; }
    unsigned char *image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, exe, 0);
    if (image == MAP_FAILED) { perror("mmap exe"); return 1; }
    printf("exe magic %02x %c%c%c, size %lld\n", image[0], image[1], image[2], image[3],
           (long long)st.st_size);
    printf("exe checksum %08x\n", checksum(image, (size_t)st.st_size));
    if (st.st_size > 2 * page) {
        unsigned char *tail = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE, exe, page);
        if (tail == MAP_FAILED) { perror("mmap exe offset"); return 1; }
        printf("exe page 1 checksum %08x same %d\n", checksum(tail, (size_t)page),
               memcmp(tail, image + page, (size_t)page) == 0);
        munmap(tail, (size_t)page);
    }
    munmap(image, (size_t)st.st_size);
    close(exe);

    char path[4096];
    snprintf(path, sizeof path, "%s/mmap-data.bin", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror(path); return 1; }
    size_t size = (size_t)(3 * page);
    unsigned char *pattern = malloc(size);
    for (size_t i = 0; i < size; i++) pattern[i] = (unsigned char)(i * 7 + (i >> 8));
    if (write(fd, pattern, size) != (ssize_t)size) { perror("write"); return 1; }
    printf("data checksum %08x\n", checksum(pattern, size));

    unsigned char *priv = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (priv == MAP_FAILED) { perror("mmap private"); return 1; }
    printf("private map checksum %08x\n", checksum(priv, size));
    memset(priv + page, 'P', 16);
    printf("private map after write %08x\n", checksum(priv, size));

    unsigned char *shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED) { perror("mmap shared"); return 1; }
    printf("shared map checksum %08x (private write invisible: %d)\n", checksum(shared, size),
           shared[page] != 'P');
    memcpy(shared + 2 * page + 100, "written through MAP_SHARED", 26);
    printf("msync = %d\n", msync(shared, size, MS_SYNC));
    printf("shared map after write %08x\n", checksum(shared, size));

    unsigned char *second = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 2 * page);
    if (second == MAP_FAILED) { perror("mmap offset"); return 1; }
    printf("second mapping sees: %.26s\n", second + 100);

    unsigned char *back = malloc(size);
    memset(back, 0, size);
    ssize_t got = pread(fd, back, size, 0);
    printf("read back %zd bytes, checksum %08x, text: %.26s\n", got, checksum(back, size),
           back + 2 * page + 100);

    munmap(second, (size_t)page);
    munmap(shared, size);
    munmap(priv, size);
    close(fd);
    unlink(path);
    free(pattern);
    free(back);
    return 0;
}
