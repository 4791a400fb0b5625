/* buffered_server_calls.c: the calls cp -a and a server make per file or per connection, which
 * swrr's preload library buffers (issue 18): the xattr family on a file of DIR (user.* attributes:
 * ext4 and tmpfs keep them), and accept4, getsockname, getpeername, setsockopt and epoll_ctl on
 * loopback TCP connections, and those three with a length pointer into an unmapped page (EFAULT).
 * It prints what it got (no port numbers: only whether they agree).
 * Usage: buffered_server_calls DIR ROUNDS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static int xattrs(const char *dir, int rounds) {
    char path[4096];
    snprintf(path, sizeof path, "%s/file", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    unsigned long sum = 0;
    for (int i = 0; i < rounds; i++) {
        char name[32], value[64], got[64], list[256];
        snprintf(name, sizeof name, "user.k%d", i % 4);
        int n = snprintf(value, sizeof value, "value %d", i);
        if (fsetxattr(fd, name, value, (size_t)n, 0) != 0) { printf("fsetxattr: %s\n", strerror(errno)); return 1; }
        /* cp's pattern: the size first, then the names; the value's size, then the value */
        ssize_t size = flistxattr(fd, NULL, 0), listed = flistxattr(fd, list, sizeof list);
        ssize_t vsize = fgetxattr(fd, name, NULL, 0);
        memset(got, 0, sizeof got);
        ssize_t vn = fgetxattr(fd, name, got, sizeof got);
        if (size != listed || vsize != n || vn != n || memcmp(got, value, (size_t)n) != 0) {
            printf("round %d: sizes %zd %zd %zd %zd, '%s'\n", i, size, listed, vsize, vn, got);
            return 1;
        }
        for (ssize_t k = 0; k < listed; k++) sum = sum * 31 + (unsigned char)list[k];
    }
    printf("%d rounds of fsetxattr, flistxattr x2, fgetxattr x2: list checksum %lu\n", rounds, sum);
    char list[256], got[64];
    ssize_t n = listxattr(path, list, sizeof list), ln = llistxattr(path, list, sizeof list);
    printf("listxattr %zd, llistxattr %zd, names:", n, ln);
    for (ssize_t k = 0; k < n; k += (ssize_t)strlen(list + k) + 1) printf(" %s", list + k);
    printf("\n");
    /* a buffer too small for the value: ERANGE, nothing written */
    memset(got, '.', sizeof got);
    errno = 0;
    n = getxattr(path, "user.k1", got, 3);
    printf("getxattr into 3 bytes: %zd %s, buffer '%.4s'\n", n, strerror(errno), got);
    if (setxattr(path, "user.path", "p", 1, 0) != 0 || lsetxattr(path, "user.lpath", "lp", 2, 0) != 0) {
        printf("setxattr: %s\n", strerror(errno));
        return 1;
    }
    memset(got, 0, sizeof got);
    n = getxattr(path, "user.path", got, sizeof got);
    ssize_t m = lgetxattr(path, "user.lpath", got + 8, sizeof got - 8);
    printf("getxattr %zd '%s', lgetxattr %zd '%s'\n", n, got, m, got + 8);
    int r1 = removexattr(path, "user.path"), r2 = lremovexattr(path, "user.lpath"), r3 = fremovexattr(fd, "user.k0");
    errno = 0;
    n = fgetxattr(fd, "user.k0", got, sizeof got);
    printf("removexattr %d %d %d; fgetxattr after: %zd %s\n", r1, r2, r3, n, strerror(errno));
    errno = 0;
    n = fsetxattr(fd, "user.k1", "x", 1, XATTR_CREATE);
    printf("fsetxattr XATTR_CREATE of an existing name: %zd %s\n", n, strerror(errno));
    close(fd);
    return 0;
}

static int sockets(int rounds) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 64) != 0) {
        perror("listen");
        return 1;
    }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (getsockname(lfd, (struct sockaddr *)&bound, &blen) != 0) { perror("getsockname"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int agree = 0, options = 0, ready = 0;
    for (int i = 0; i < rounds; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&bound, sizeof bound) != 0) { perror("connect"); return 1; }
        struct sockaddr_in peer, local;
        socklen_t plen = sizeof peer, llen = sizeof local;
        memset(&peer, 0xAA, sizeof peer);
        int s = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
        if (s < 0) { perror("accept4"); return 1; }
        struct sockaddr_in seen, mine;
        socklen_t slen = sizeof seen, mlen = sizeof mine;
        if (getpeername(s, (struct sockaddr *)&seen, &slen) != 0 || getsockname(c, (struct sockaddr *)&mine, &mlen) != 0 ||
            getsockname(s, (struct sockaddr *)&local, &llen) != 0) {
            perror("getpeername");
            return 1;
        }
        if (plen == sizeof peer && slen == sizeof seen && !memcmp(&peer, &seen, sizeof seen) && !memcmp(&seen, &mine, sizeof mine) &&
            local.sin_port == bound.sin_port)
            agree++;
        int one = 1, got = 0;
        socklen_t glen = sizeof got;
        if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 &&
            setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0 &&
            getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &got, &glen) == 0 && got == 1)
            options++;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1000 + (unsigned)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0) { perror("epoll_ctl"); return 1; }
        if (write(c, "x", 1) != 1) return 1;
        struct epoll_event out[4];
        int n = epoll_wait(ep, out, 4, 0);
        ev.events = EPOLLIN | EPOLLOUT;
        if (n == 1 && out[0].data.u64 == 0x1000 + (unsigned)i && epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0 &&
            epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL) == 0)
            ready++;
        close(s);
        close(c);
    }
    printf("%d connections: addresses agree %d, options set %d, epoll ready %d\n", rounds, agree, options, ready);
    /* getpeername into a 4-byte buffer: the length says 16, only 4 bytes are written */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&bound, sizeof bound) != 0) return 1;
    int s = accept4(lfd, NULL, NULL, 0);
    unsigned char small[8];
    memset(small, 0xAA, sizeof small);
    socklen_t slen = 4;
    int r = getpeername(s, (struct sockaddr *)small, &slen);
    printf("getpeername into 4 bytes: %d, length %u, family %u, bytes 4-7 %02x%02x%02x%02x\n", r, slen,
           small[0] | small[1] << 8, small[4], small[5], small[6], small[7]);
    errno = 0;
    r = epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);
    printf("epoll_ctl DEL of a descriptor not in the set: %d %s\n", r, strerror(errno));
    close(s);
    close(c);
    /* epoll_wait that waits for a child's connection (50 ms), then accept4 that waits for another */
    struct epoll_event lev = {.events = EPOLLIN, .data.u64 = 0x4C};
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        int k = socket(AF_INET, SOCK_STREAM, 0);
        _exit(connect(k, (struct sockaddr *)&bound, sizeof bound) == 0 ? 0 : 1);
    }
    struct epoll_event got[2];
    int n = epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) == 0 ? epoll_wait(ep, got, 2, 5000) : -1;
    int status = 0;
    waitpid(child, &status, 0);
    printf("epoll_wait that waits: %d ready, data 0x%llx, child %d\n", n, n > 0 ? (unsigned long long)got[0].data.u64 : 0ull,
           WEXITSTATUS(status));
    close(accept4(lfd, NULL, NULL, 0));
    epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
    child = fork();
    if (child == 0) {
        usleep(50000);
        int k = socket(AF_INET, SOCK_STREAM, 0);
        _exit(connect(k, (struct sockaddr *)&bound, sizeof bound) == 0 ? 0 : 1);
    }
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    s = accept4(lfd, (struct sockaddr *)&peer, &plen, 0);
    waitpid(child, &status, 0);
    printf("accept4 that waits: %s, length %u, child %d\n", s >= 0 ? "a descriptor" : strerror(errno), plen,
           WEXITSTATUS(status));
    close(s);
    /* A length pointer into an unmapped page: the kernel answers EFAULT (accept4 drops the
       connection it took); the preload library must not read it itself. */
    socklen_t *bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(bad, 4096);
    c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&bound, sizeof bound) != 0) return 1;
    errno = 0;
    int rn = getsockname(c, (struct sockaddr *)&peer, bad), en = errno;
    errno = 0;
    int rp = getpeername(c, (struct sockaddr *)&peer, bad), ep2 = errno;
    errno = 0;
    int ra = accept4(lfd, (struct sockaddr *)&peer, bad, 0), ea = errno;
    printf("a length in an unmapped page: getsockname %d %s, getpeername %d %s, accept4 %d %s\n", rn, strerror(en),
           rp, strerror(ep2), ra, strerror(ea));
    close(c);
    close(ep);
    close(lfd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: buffered_server_calls DIR ROUNDS\n"); return 2; }
    int rounds = atoi(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return xattrs(argv[1], rounds) || sockets(rounds);
}
