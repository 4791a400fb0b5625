/* buffered_io.c: the syscalls swrr's preload library buffers (issue 7), through the libc
 * functions it replaces and through syscall(2) directly. Everything it learns goes to stdout, so a
 * replay that printed the same proves the program saw the same.
 * Usage: buffered_io DIR   (a scratch directory; it writes DIR/data) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SIZE 4096

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: buffered_io DIR\n"); return 2; }
    char path[4096];
    snprintf(path, sizeof path, "%s/data", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 2; }
    unsigned char block[SIZE];
    for (int i = 0; i < SIZE; i++) block[i] = (unsigned char)(i * 7 + i / 256);
    if (write(fd, block, SIZE) != SIZE) { perror("write"); return 2; }

    /* 1-byte reads of the whole file */
    if (lseek(fd, 0, SEEK_SET) != 0) { perror("lseek"); return 2; }
    unsigned long sum = 0;
    int reads = 0;
    unsigned char c;
    while (read(fd, &c, 1) == 1) { sum = sum * 31 + c; reads++; }
    printf("1-byte reads: %d, checksum %lu\n", reads, sum);

    /* pread, and read(2) made through syscall(2) */
    unsigned char two[2];
    long n = pread(fd, two, 2, 1000);
    printf("pread at 1000: %ld bytes %u %u\n", n, two[0], two[1]);
    lseek(fd, 2000, SEEK_SET);
    n = syscall(SYS_read, fd, two, 2);
    printf("syscall(SYS_read): %ld bytes %u %u\n", n, two[0], two[1]);
    errno = 0;
    n = syscall(SYS_read, 999, two, 2);
    printf("syscall(SYS_read) on a bad fd: %ld errno %d\n", n, errno);

    struct stat st, st2;
    int r = fstat(fd, &st);
    printf("fstat: %d size %ld\n", r, (long)st.st_size);
    r = stat(path, &st2);
    printf("stat: %d same inode %d\n", r, st.st_ino == st2.st_ino);
    printf("lstat of a missing file: %d\n", lstat("/no/such/file", &st2));
    printf("access: %d\n", access(path, R_OK | W_OK));
    char link[4096];
    n = readlink("/proc/self/exe", link, sizeof link - 1);
    printf("readlink: %s\n", n > 0 ? "ok" : "failed");
    printf("fcntl(F_GETFL): %#x\n", fcntl(fd, F_GETFL) & O_ACCMODE);
    printf("getpid == syscall(SYS_getpid): %d\n", getpid() == syscall(SYS_getpid));
    printf("gettid == getpid: %d\n", gettid() == getpid());

    unsigned char rnd[16];
    n = getrandom(rnd, sizeof rnd, 0);
    printf("getrandom: %ld:", n);
    for (int i = 0; i < 16; i++) printf(" %02x", rnd[i]);
    printf("\n");
    struct timespec ts;
    struct timeval tv;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    gettimeofday(&tv, NULL);
    printf("clock_gettime %ld.%09ld gettimeofday %ld.%06ld time %ld\n", (long)ts.tv_sec, ts.tv_nsec,
           (long)tv.tv_sec, (long)tv.tv_usec, (long)time(NULL));

    /* getdents64 of the scratch directory, through syscall(2) */
    int dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
    char dents[8192];
    n = syscall(SYS_getdents64, dfd, dents, sizeof dents);
    printf("getdents64: %s\n", n > 0 ? "entries" : "none");
    close(dfd);
    r = close(fd);
    printf("close: %d, again: %d\n", r, close(fd));

    /* A descriptor number reused within one stretch of buffered calls. The library remembers a
     * descriptor's class (one fstat for many reads of it) and must forget it at the buffered close:
     * the same number is then a FIFO, whose reads may block. mkfifo is an ordinary syscall, made
     * first; everything after it up to the FIFO read is buffered. */
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[1]);
    if (mkfifo(fifo, 0600) != 0) { perror("mkfifo"); return 2; }
    int a = open(path, O_RDONLY);
    int got = 0;
    for (int i = 0; i < 3; i++) got += (int)read(a, &c, 1);
    close(a);
    int b = open(fifo, O_RDONLY | O_NONBLOCK);
    n = read(b, two, 2);
    printf("reused descriptor %d: %s, file read %d bytes, fifo read %ld\n", b, a == b ? "same number" : "another number",
           got, n);
    close(b);
    return 0;
}
