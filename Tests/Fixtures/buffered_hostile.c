/* buffered_hostile.c: calls swrr's preload library buffers, made with bad pointers and sizes, as a
 * hostile or buggy program makes them. Each prints its result, errno and the bytes it got back, so
 * a recording and its replays must print what the program prints natively:
 * - readv/writev with an iovec array in an unmapped page, or straddling into one, an iovec whose
 *   buffer is unmapped, a count of -1, 1025 (above UIO_MAXIOV) and 65, a length of -1, and an
 *   iovec whose buffer is the array itself (the read overwrites the next iovec);
 * - sizes the kernel caps instead of refusing: getrandom, recvfrom and getcwd with a size of -16
 *   or -1, read with 2^40, poll and epoll_wait with 2^32 + 1 descriptors or events;
 * - keys: recvfrom's source address at a pointer whose low 32 bits are zero, and the 32-bit
 *   arguments the kernel truncates (ioctl request, fcntl command, poll timeout, descriptors) with
 *   bits above 32 set;
 * - calls that fail with EFAULT after writing part of an output: a struct stat or timespec
 *   straddling into an unmapped page, gettimeofday's timezone unmapped, a read-only struct stat.
 * Usage: buffered_hostile DIR */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz";   /* 36 bytes */

/* The result and errno of the call just made, and the bytes of `buf` (n of them) as text. */
static void show(const char *what, long r, const char *buf, long n) {
    int e = errno;
    printf("%s: %ld", what, r);
    if (r < 0) printf(" %s", strerror(e));
    if (buf) {
        printf(" '");
        for (long i = 0; i < n; i++) putchar(buf[i] >= 32 && buf[i] < 127 ? buf[i] : '.');
        printf("'");
    }
    printf("\n");
}

/* Two pages with the second unmapped: the first's last bytes are followed by a hole. */
static char *page_before_hole(void) {
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(1); }
    munmap(p + 4096, 4096);
    return p;
}

static void iovecs(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/data", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, 36) != 36) { perror("data"); exit(1); }
    char *page = page_before_hole(), *hole = page + 4096;
    char buf[128];
    struct iovec *iov = (struct iovec *)page;

    /* Each read starts at offset 0; the position after shows what a failed one consumed. */
    errno = 0;
    lseek(fd, 0, SEEK_SET);
    long r = readv(fd, (struct iovec *)hole, 1);
    show("readv of an array in an unmapped page", r, NULL, 0);
    struct iovec *straddling = (struct iovec *)(hole - sizeof(struct iovec));
    memset(buf, '.', sizeof buf);
    straddling[0] = (struct iovec){buf, 4};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, straddling, 2);
    show("readv of an array straddling into one", r, buf, 4);
    printf("  position after: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    memset(buf, '.', sizeof buf);
    iov[0] = (struct iovec){buf, 4};
    iov[1] = (struct iovec){hole, 4};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, iov, 2);
    show("readv with the second buffer unmapped", r, buf, 6);
    iov[0] = (struct iovec){hole - 2, 4};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, iov, 1);
    show("readv into a buffer straddling into the hole", r, hole - 2, 2);
    iov[0] = (struct iovec){hole, 4};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, iov, 1);
    show("readv with the buffer unmapped", r, NULL, 0);
    memset(buf, '.', sizeof buf);
    iov[0] = (struct iovec){buf, 4};
    lseek(fd, 0, SEEK_SET);
    r = syscall(SYS_readv, fd, iov, -1L);
    show("readv of -1 iovecs", r, buf, 4);
    r = syscall(SYS_readv, fd, iov, 1025L);
    show("readv of 1025 iovecs", r, buf, 4);
    r = syscall(SYS_readv, fd, (struct iovec *)hole, 0L);
    show("readv of 0 iovecs at an unmapped array", r, NULL, 0);
    for (int i = 0; i < 65; i++) iov[i] = (struct iovec){buf + i, 1};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, iov, 65);
    show("readv of 65 one-byte iovecs", r, buf, 40);
    iov[0] = (struct iovec){buf, (size_t)-1};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, iov, 1);
    show("readv of length -1", r, NULL, 0);
    /* The first buffer is the array's second entry: the read overwrites it, and the kernel still
       fills the buffer it named before. */
    memset(buf, '.', sizeof buf);
    iov[0] = (struct iovec){&iov[1], 16};
    iov[1] = (struct iovec){buf, 8};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, iov, 2);
    show("readv whose first buffer is the second iovec", r, buf, 10);
    show("  the second iovec after", 16, (const char *)&iov[1], 16);

    /* writev, to a file read back after each. */
    snprintf(path, sizeof path, "%s/out", dir);
    int out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { perror("out"); exit(1); }
    errno = 0;
    r = writev(out, (struct iovec *)hole, 1);
    show("writev of an array in an unmapped page", r, NULL, 0);
    straddling[0] = (struct iovec){(void *)data, 4};
    r = writev(out, straddling, 2);
    show("writev of an array straddling into one", r, NULL, 0);
    iov[0] = (struct iovec){(void *)data, 4};
    iov[1] = (struct iovec){hole, 4};
    r = writev(out, iov, 2);
    show("writev with the second buffer unmapped", r, NULL, 0);
    r = syscall(SYS_writev, out, iov, -1L);
    show("writev of -1 iovecs", r, NULL, 0);
    iov[0] = (struct iovec){(void *)(data + 4), (size_t)-1};
    r = writev(out, iov, 1);
    show("writev of length -1", r, NULL, 0);
    memset(buf, 0, sizeof buf);
    r = pread(out, buf, sizeof buf, 0);
    show("the file written", r, buf, r > 0 ? r : 0);
    close(out);
    close(fd);
}

/* A page at 0x200000000 or above whose address has a low half of 0: a pointer key compared in 32
   bits takes it for NULL; and 2^40 bytes from it are still below the top of user space, so the
   kernel's range check (access_ok) lets a read of 2^40 bytes there through. (Sizes the kernel
   caps are used on buffers here, not on the stack: whether the capped range ends below the top
   of user space would depend on where ASLR put the stack natively.) */
static char *high;

static void sizes(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/data", dir);
    int fd = open(path, O_RDONLY);
    volatile size_t minus_one = (size_t)-1, two_to_40 = 1UL << 40;   /* (no compiler warning) */
    errno = 0;
    long r = read(fd, high, minus_one);
    show("read of -1 bytes", r, NULL, 0);
    memset(high, '.', 64);
    r = read(fd, high, two_to_40);
    show("read of 2^40 bytes at the high page", r, high, 40);
    close(fd);
    /* getrandom caps its count at INT_MAX instead of refusing it: it fills all 2 MiB up to the
       hole (more than the library's whole buffer). */
    char *big = mmap(high + (1L << 32), (2 << 20) + 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (big == MAP_FAILED) { perror("mmap"); exit(1); }
    munmap(big + (2 << 20), 4096);
    r = syscall(SYS_getrandom, big, (size_t)-16, 0);
    printf("getrandom of -16 bytes into 2 MiB: %ld\n", r);
    long zeros = 0;
    for (long i = 0; i < (2 << 20); i += 8) zeros += *(uint64_t *)(big + i) == 0;
    printf("  zero words in it: %s\n", zeros < 16 ? "few" : "many");
    char cwd[4096], *want = getcwd(cwd, sizeof cwd);
    char *got = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = syscall(SYS_getcwd, got, (size_t)-1);
    printf("getcwd of -1 bytes: %s\n", want && r == (long)strlen(want) + 1 && strcmp(got, want) == 0 ? "the path" : "wrong");
    int p[2];
    if (pipe(p) != 0) exit(1);
    struct pollfd pfd[2] = {{p[0], POLLIN, 0x77}, {p[1], POLLOUT, 0x77}};
    r = syscall(SYS_poll, pfd, (1UL << 32) | 1, 0);
    printf("poll of 2^32 + 1 descriptors: %ld, revents %#x %#x\n", r, pfd[0].revents, pfd[1].revents);
    int ep = epoll_create1(0);
    struct epoll_event ev[2];
    errno = 0;
    r = syscall(SYS_epoll_wait, ep, ev, -1, 0);
    show("epoll_wait for -1 events", r, NULL, 0);
    r = syscall(SYS_epoll_wait, ep, ev, (1L << 32) | 1, 0);
    show("epoll_wait for 2^32 + 1 events", r, NULL, 0);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void keys(const char *dir) {
    /* recvfrom's source address at a pointer whose low 32 bits are 0. */
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, from;
    socklen_t len = sizeof a;
    if (bind(rx, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(rx, (struct sockaddr *)&a, &len) != 0 ||
        bind(tx, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
             sizeof a) != 0) { perror("udp"); exit(1); }
    len = sizeof from;
    getsockname(tx, (struct sockaddr *)&from, &len);
    char buf[64];
    for (int i = 0; i < 3; i++) sendto(tx, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
    memset(high, 0xaa, 64);
    socklen_t *alen = (socklen_t *)(high + 64);
    *alen = 64;
    errno = 0;
    long r = recvfrom(rx, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)high, alen);
    struct sockaddr_in *got = (struct sockaddr_in *)high;
    printf("recvfrom with the address at %#lx: %ld, length %u, family %u, address %s, port %s\n", (unsigned long)high, r,
           *alen, got->sin_family, got->sin_family == AF_INET ? inet_ntoa(got->sin_addr) : "-",
           got->sin_port == from.sin_port ? "the sender's" : "other");
    /* Sizes the kernel caps: recvfrom of -1 bytes receives the datagram. */
    r = syscall(SYS_recvfrom, rx, high + 128, (size_t)-1, MSG_DONTWAIT, NULL, NULL);
    show("recvfrom of -1 bytes", r, high + 128, r > 0 ? r : 0);
    r = syscall(SYS_recvfrom, rx, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)high, (socklen_t *)(high + 4096));
    show("recvfrom with the length unmapped", r, NULL, 0);
    close(rx);
    close(tx);

    /* 32-bit arguments with bits above them: the kernel takes their low halves. */
    char path[4096];
    snprintf(path, sizeof path, "%s/data", dir);
    int fd = open(path, O_RDONLY);
    int n = -1;
    r = syscall(SYS_ioctl, fd, (1L << 32) | FIONREAD, &n);
    printf("ioctl FIONREAD + 2^32: %ld, %d bytes\n", r, n);
    long dup = syscall(SYS_fcntl, fd, (1L << 32) | F_DUPFD, 20);
    printf("fcntl F_DUPFD + 2^32: %s\n", dup >= 20 ? "a descriptor from 20" : "wrong");
    memset(buf, '.', sizeof buf);
    r = read((int)dup, buf, 4);
    show("  read from it", r, buf, 4);
    r = syscall(SYS_close, (1L << 32) | dup);
    printf("close of it + 2^32: %ld, then F_GETFD: %d\n", r, fcntl((int)dup, F_GETFD));
    int p[2];
    if (pipe(p) != 0) exit(1);
    struct pollfd pfd = {p[0], POLLIN, 0};
    r = syscall(SYS_poll, &pfd, 1, 1L << 32);
    printf("poll with a timeout of 2^32 (0): %ld\n", r);
    errno = 0;
    r = syscall(SYS_write, (1L << 32) | p[1], "abc", 3);
    memset(buf, '.', sizeof buf);
    long rn = read(p[0], buf, sizeof buf);
    printf("write to the pipe + 2^32: %ld, read %ld '%.3s'\n", r, rn, buf);
    /* Output to stdout through a descriptor with bits above 32: replay echoes it too. */
    r = syscall(SYS_write, (1L << 32) | 1, "written to stdout + 2^32\n", 25);
    printf("  that write: %ld\n", r);
    close(p[0]);
    close(p[1]);
    close(fd);
}

/* Calls that fail with EFAULT after writing part of an output (copy_to_user stops at the fault). */
static void failed(void) {
    char *page = page_before_hole(), *hole = page + 4096;
    memset(page, 0xaa, 4096);
    char *st = hole - 64;   /* a struct stat is 144 bytes: 64 of them mapped */
    errno = 0;
    long r = syscall(SYS_newfstatat, AT_FDCWD, "/", st, 0);
    int changed = 0;
    for (int i = 0; i < 64; i++) changed += (unsigned char)st[i] != 0xaa;
    struct stat want;
    stat("/", &want);
    printf("newfstatat into a struct stat straddling into the hole: %ld %s, bytes changed %s, st_ino %s\n", r,
           strerror(errno), changed ? "some" : "none", ((struct stat *)st)->st_ino == want.st_ino ? "right" : "not written");
    memset(page, 0xaa, 4096);
    struct timeval *tv = (struct timeval *)page;
    errno = 0;
    r = syscall(SYS_gettimeofday, tv, hole);
    printf("gettimeofday with the timezone unmapped: %ld %s, the timeval %s\n", r, strerror(errno),
           tv->tv_sec == (time_t)0xaaaaaaaaaaaaaaaa ? "untouched" : tv->tv_sec > 1000000000 ? "written" : "wrong");
    memset(page, 0xaa, 4096);
    errno = 0;
    r = syscall(SYS_clock_gettime, CLOCK_REALTIME, hole - 8);
    printf("clock_gettime into a timespec straddling into the hole: %ld %s, its seconds %s\n", r, strerror(errno),
           *(time_t *)(hole - 8) == (time_t)0xaaaaaaaaaaaaaaaa ? "untouched" : "written");
    mprotect(page, 4096, PROT_READ);
    errno = 0;
    r = syscall(SYS_newfstatat, AT_FDCWD, "/", page, 0);
    printf("newfstatat into a read-only page: %ld %s, first byte %#x\n", r, strerror(errno), (unsigned char)page[0]);
    /* poll writes each revents in turn: the first, in a writable page, before the second's fault. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int p[2];
    if (two == MAP_FAILED || pipe(p) != 0) exit(1);
    struct pollfd *fds = (struct pollfd *)(two + 4096 - sizeof(struct pollfd));
    fds[0] = (struct pollfd){p[1], POLLOUT, 0x77};
    fds[1] = (struct pollfd){p[1], POLLOUT, 0x77};
    mprotect(two + 4096, 4096, PROT_READ);
    errno = 0;
    r = poll(fds, 2, 0);
    printf("poll of an array straddling into a read-only page: %ld %s, revents %#x %#x\n", r, strerror(errno),
           fds[0].revents, fds[1].revents);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: buffered_hostile DIR\n"); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    high = MAP_FAILED;
    for (uintptr_t a = 0x200000000; a < 0x1000000000 && high == MAP_FAILED; a += 0x100000000)
        high = mmap((void *)a, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (high == MAP_FAILED || ((uintptr_t)high & 0xffffffff) != 0) { printf("no page at a low half of 0\n"); return 1; }
    iovecs(argv[1]);
    sizes(argv[1]);
    keys(argv[1]);
    failed();
    return 0;
}
