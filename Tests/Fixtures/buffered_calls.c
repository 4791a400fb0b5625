/* buffered_calls.c: more calls swrr's preload library buffers (issue 7), each with results a
 * replay must reproduce exactly: readv/writev on a file, poll and epoll_wait with a zero timeout,
 * futex wakes, fcntl(F_DUPFD_CLOEXEC), socket, send/recv on a socket pair. It prints what it got.
 * Usage: buffered_calls DIR   (a scratch directory; it writes DIR/data)
 *        buffered_calls dup-output   writes lines to copies of stdout and stderr (dup, F_DUPFD)
 *                                    between writes to fds 1 and 2: replay must echo all of them */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int dup_output_mode(void) {
    int out = dup(1), err = fcntl(2, F_DUPFD, 20);
    for (int i = 0; i < 50; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "%s %d\n", i % 2 ? "copy of stdout" : "stdout", i);
        if (write(i % 2 ? out : 1, line, (size_t)n) != n) return 1;
        n = snprintf(line, sizeof line, "%s %d\n", i % 2 ? "copy of stderr" : "stderr", i);
        if (write(i % 2 ? err : 2, line, (size_t)n) != n) return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: buffered_calls DIR|dup-output\n"); return 2; }
    if (!strcmp(argv[1], "dup-output")) return dup_output_mode();
    char path[4096];
    snprintf(path, sizeof path, "%s/data", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 2; }

    /* writev of three pieces, readv back into pieces of other sizes */
    struct iovec out[3] = {{"alpha-", 6}, {"beta-", 5}, {"gamma", 5}};
    long n = writev(fd, out, 3);
    lseek(fd, 0, SEEK_SET);
    char a[4] = {0}, b[7] = {0}, c[20] = {0};
    struct iovec in[3] = {{a, 3}, {b, 6}, {c, sizeof c - 1}};
    long m = readv(fd, in, 3);
    printf("writev %ld, readv %ld: '%s' '%s' '%s'\n", n, m, a, b, c);
    for (int i = 0; i < 200; i++) {           /* many small ones, from one stretch of records */
        lseek(fd, i % 16, SEEK_SET);
        char one;
        struct iovec v = {&one, 1};
        if (readv(fd, &v, 1) != 1 || one != "alpha-beta-gamma"[i % 16]) { printf("readv %d differs\n", i); return 1; }
    }
    printf("200 one-byte readvs: same bytes\n");

    /* F_DUPFD_CLOEXEC, then a read through the copy */
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    char first = 0;
    n = pread(copy, &first, 1, 6);
    printf("F_DUPFD_CLOEXEC: %s, close-on-exec %d, pread through it %ld '%c'\n", copy >= 100 ? "100 or above" : "below 100",
           fcntl(copy, F_GETFD) & FD_CLOEXEC, n, first);
    close(copy);

    /* a socket pair: send and recv, poll and epoll_wait with a zero timeout */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { perror("socketpair"); return 2; }
    struct pollfd p[2] = {{sv[0], POLLIN, 0}, {sv[1], POLLIN | POLLOUT, 0}};
    int ready = poll(p, 2, 0);
    printf("poll before sending: %d ready, revents %#x %#x\n", ready, p[0].revents, p[1].revents);
    n = send(sv[1], "ping", 4, 0);
    ready = poll(p, 2, 0);
    printf("send %ld; poll: %d ready, revents %#x %#x\n", n, ready, p[0].revents, p[1].revents);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    struct epoll_event got[4];
    memset(got, 0, sizeof got);
    ready = epoll_wait(ep, got, 4, 0);
    printf("epoll_wait: %d ready, events %#x data %#llx\n", ready, got[0].events, (unsigned long long)got[0].data.u64);
    char buf[16] = {0};
    n = recv(sv[0], buf, sizeof buf, 0);
    printf("recv %ld '%s'\n", n, buf);
    memset(got, 0, sizeof got);
    ready = epoll_wait(ep, got, 4, 0);
    printf("epoll_wait after recv: %d ready\n", ready);
    n = sendto(sv[0], "pong!", 5, 0, NULL, 0);
    memset(buf, 0, sizeof buf);
    long r = recvfrom(sv[1], buf, 3, 0, NULL, NULL);
    long r2 = recv(sv[1], buf + 3, sizeof buf - 4, MSG_DONTWAIT);
    printf("sendto %ld, recvfrom %ld + %ld '%s'\n", n, r, r2, buf);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    printf("socket: %s\n", s >= 0 ? "a descriptor" : "failed");

    /* futex wakes with nobody waiting: 0 woken */
    int word = 0;
    long w1 = syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0);
    long w2 = syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
    printf("futex wakes: %ld %ld\n", w1, w2);
    close(s);
    close(ep);
    close(sv[0]);
    close(sv[1]);
    close(fd);
    return 0;
}
