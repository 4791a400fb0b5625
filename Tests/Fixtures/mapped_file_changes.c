/* mapped_file_changes.c: a file that grows, shrinks and is written by syscalls while it is mapped
 * (issue 14, "files that grow or shrink under a mapping"). Every mapping must show what the
 * syscalls did at once: MAP_SHARED mappings and the untouched pages of MAP_PRIVATE ones see
 * pwrite/write/writev bytes, ftruncate/fallocate growth (zeros, then what is written there) and
 * shrinking (SIGBUS past the new end, caught and reported at the same page); mremap grows a
 * mapping over a grown file; a forked child writes through its own calls and the parent reads
 * them through the mapping they share. The bytes are random, so the output changes from run to
 * run; it is printed as checksums.
 * Usage: mapped_file_changes WORKDIR [FILE]   (FILE: an existing file of one page to start from,
 * untouched before it is mapped) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static unsigned sum(const volatile unsigned char *p, size_t n) {
    unsigned s = 0;
    for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
    return s;
}

static void fill(unsigned char *b, size_t n) {
    if (getrandom(b, n, 0) != (ssize_t)n) { perror("getrandom"); exit(2); }
}

static sigjmp_buf bus_jump;
static volatile uintptr_t bus_address;

static void on_bus(int sig, siginfo_t *info, void *ctx) {
    (void)sig; (void)ctx;
    bus_address = (uintptr_t)info->si_addr;
    siglongjmp(bus_jump, 1);
}

/* The sum of a page read through `m`, or a line saying SIGBUS stopped the read. */
static void show(const char *what, const volatile unsigned char *m, int page) {
    if (sigsetjmp(bus_jump, 1) == 0) {
        unsigned s = sum(m + (size_t)page * PAGE, PAGE);
        printf("%s page %d: %08x\n", what, page, s);
    } else {
        printf("%s page %d: SIGBUS at +%lu\n", what, page, (unsigned long)(bus_address - (uintptr_t)m));
    }
}

static void check(int ok, const char *what) {
    if (!ok) { perror(what); exit(2); }
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    struct sigaction sa = {0};
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);

    char path[4096];
    snprintf(path, sizeof path, "%s/mapped-%d", dir, (int)getpid() % 7);
    if (argc > 2) snprintf(path, sizeof path, "%s", argv[2]);
    int fd = open(path, argc > 2 ? O_RDWR : O_CREAT | O_RDWR | O_TRUNC, 0600);
    check(fd >= 0, "open");
    unsigned char block[PAGE];
    fill(block, PAGE);
    if (argc <= 2) check(write(fd, block, PAGE) == PAGE, "write");
    unsigned char *shared = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *private = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check(shared != MAP_FAILED && private != MAP_FAILED, "mmap");
    show("start shared", shared, 0);
    show("start shared", shared, 1);
    show("start private", private, 1);

    /* Grown by ftruncate: zeros, then what the shared mapping writes there. */
    check(ftruncate(fd, 3 * PAGE) == 0, "ftruncate");
    show("grown shared", shared, 2);
    fill(block, PAGE);
    memcpy(shared + 2 * PAGE, block, PAGE);
    show("written private", private, 2);

    /* pwrite, write at the position, writev: seen through both mappings. */
    fill(block, PAGE);
    check(pwrite(fd, block, PAGE, PAGE) == PAGE, "pwrite");
    show("pwrite shared", shared, 1);
    show("pwrite private", private, 1);
    fill(block, PAGE);
    check(lseek(fd, 100, SEEK_SET) == 100, "lseek");
    check(write(fd, block, 1000) == 1000, "write");
    show("write shared", shared, 0);
    struct iovec iov[2] = {{block + 1000, 3000}, {block, 2 * PAGE}};
    fill(block, PAGE);
    check(writev(fd, iov, 1) == 3000, "writev");
    show("writev private", private, 0);
    /* Written past the end: the file grows to 4 pages and a half. */
    check(pwrite(fd, block, PAGE / 2, 4 * PAGE) == PAGE / 2, "pwrite past the end");
    show("past the end shared", shared, 4);
    show("past the end private", private, 3);

    /* A private page the program wrote is its own copy: later file changes do not show. */
    private[PAGE] ^= 0x5a;
    fill(block, PAGE);
    check(pwrite(fd, block, PAGE, PAGE) == PAGE, "pwrite");
    show("copied private", private, 1);
    show("copied shared", shared, 1);

    /* Shrunk: SIGBUS past the end in both mappings, at the same page. */
    check(ftruncate(fd, PAGE + 100) == 0, "ftruncate shrink");
    show("shrunk shared", shared, 1);
    show("shrunk shared", shared, 2);
    show("shrunk private", private, 3);
    show("shrunk private", private, 1);

    /* fallocate grows it again (zeros), then punches a hole in the first page. */
    check(fallocate(fd, 0, 0, 3 * PAGE) == 0, "fallocate");
    show("fallocated shared", shared, 2);
    show("fallocated private", private, 1);
    check(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE / 2, PAGE) == 0, "punch");
    show("punched shared", shared, 0);
    show("punched private", private, 0);

    /* mremap growth over a file grown by a write past its end. */
    unsigned char *small = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    check(small != MAP_FAILED, "mmap small");
    fill(block, PAGE);
    check(pwrite(fd, block, PAGE, 5 * PAGE) == PAGE, "pwrite grow");
    unsigned char *big = mremap(small, PAGE, 6 * PAGE, MREMAP_MAYMOVE);
    check(big != MAP_FAILED, "mremap");
    show("mremap", big, 5);
    show("mremap", big, 4);

    /* Several processes: the child writes with syscalls and through the mapping, grows and
     * shrinks the file; the parent reads everything through its mappings after each step. */
    int go[2], done[2];
    check(pipe(go) == 0 && pipe(done) == 0, "pipe");
    fflush(stdout);
    pid_t child = fork();
    check(child >= 0, "fork");
    char c = 0;
    if (child == 0) {
        fill(block, PAGE);
        check(pwrite(fd, block, PAGE, 2 * PAGE) == PAGE, "child pwrite");
        fill(block, PAGE);
        memcpy(shared + 3 * PAGE, block, PAGE);
        check(ftruncate(fd, 7 * PAGE) == 0, "child ftruncate");
        fill(block, 64);
        check(pwrite(fd, block, 64, 6 * PAGE + 8) == 64, "child pwrite 2");
        show("child shared", shared, 6);
        fflush(stdout);
        check(write(done[1], &c, 1) == 1, "child done");
        check(read(go[0], &c, 1) == 1, "child go");
        check(ftruncate(fd, 2 * PAGE) == 0, "child shrink");
        check(write(done[1], &c, 1) == 1, "child done");
        _exit(0);
    }
    check(read(done[0], &c, 1) == 1, "parent wait");
    show("parent shared", shared, 2);
    show("parent private", private, 3);
    show("parent shared", shared, 6);
    show("parent mremap", big, 5);
    check(write(go[1], &c, 1) == 1, "parent go");
    check(read(done[0], &c, 1) == 1, "parent wait");
    show("after child shrink shared", shared, 2);
    show("after child shrink private", private, 1);
    int status;
    check(waitpid(child, &status, 0) == child, "waitpid");
    printf("child status %d\n", status);
    /* Emptied by an open with O_TRUNC (by path, another descriptor), then written again. */
    int again = open(path, O_WRONLY | O_TRUNC);
    check(again >= 0, "open O_TRUNC");
    show("truncated shared", shared, 0);
    fill(block, PAGE);
    check(write(again, block, 2 * PAGE / 2) == PAGE, "write after O_TRUNC");
    check(ftruncate(again, 2 * PAGE) == 0, "ftruncate after O_TRUNC");
    show("rewritten shared", shared, 0);
    show("rewritten private", private, 1);
    close(again);
    struct stat st;
    check(fstat(fd, &st) == 0, "fstat");
    printf("size %lld\n", (long long)st.st_size);
    close(fd);
    unlink(path);
    return 0;
}
