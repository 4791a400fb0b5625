/* syscall_families.c: exercises every syscall family swrr records (issue 2, item 3), mostly with
 * buffers the kernel fills only partly: a 12-byte file read into a 4 KiB buffer, a read at end of
 * file, a readlink truncated to a tiny buffer, getdents64 through a buffer too small for the whole
 * directory. Buffers are pre-filled with a pattern and their checksum over the whole buffer is
 * printed, so a replay that writes too many or too few bytes changes the output.
 *
 * The legacy syscalls glibc no longer uses (open, stat, lstat, fstat, access, readlink, mkdir,
 * rename, unlink, dup2, pipe, poll, select, time, gettimeofday) are made with syscall(2); the
 * others through glibc. Values that differ between runs (inode numbers, times, uptime) are printed
 * on purpose: a replay must reproduce the recorded ones.
 *
 * Usage: syscall_families DIR   (DIR: an existing, writable directory; the program works in
 *                                DIR/sf-work and removes it at the end)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Prints "label = result" and, for a failure, the errno. */
static long report(const char *label, long result) {
    if (result == -1) printf("%s = -1 errno %d\n", label, errno);
    else printf("%s = %ld\n", label, result);
    return result;
}

/* FNV-1a over a whole buffer. */
static uint32_t checksum(const void *p, size_t n) {
    const unsigned char *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

static void report_buffer(const char *label, const void *p, size_t n) {
    printf("%s checksum %08x\n", label, checksum(p, n));
}

static void report_stat(const char *label, long r, const struct stat *st) {
    report(label, r);
    if (r == 0)
        printf("  size %lld mode %o nlink %lu ino %llu\n", (long long)st->st_size,
               (unsigned)st->st_mode, (unsigned long)st->st_nlink, (unsigned long long)st->st_ino);
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files(void) {
    static char big[4096];
    char label[64];

    printf("umask old %03o\n", (unsigned)umask(022));
    int fd = (int)report("open(small.txt, O_CREAT)",
                         syscall(SYS_open, "small.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    report("write", write(fd, "hello, swrr\n", 12));
    report("close", close(fd));

    fd = (int)report("open(small.txt, O_RDONLY)", syscall(SYS_open, "small.txt", O_RDONLY));
    memset(big, 0xaa, sizeof big);
    report("read(4096) of 12-byte file", read(fd, big, sizeof big));
    report_buffer("read buffer", big, sizeof big);
    report("read at EOF", read(fd, big, sizeof big));
    report("lseek(SEEK_SET 0)", lseek(fd, 0, SEEK_SET));
    report("lseek(SEEK_END 0)", lseek(fd, 0, SEEK_END));

    memset(big, 0xbb, sizeof big);
    report("pread64(100 at 6)", pread(fd, big, 100, 6));
    report_buffer("pread buffer", big, 128);

    char a[4], b[100], c[5], d[3], e[100];
    memset(a, 1, sizeof a); memset(b, 2, sizeof b);
    struct iovec piov[2] = {{a, sizeof a}, {b, sizeof b}};
    report("preadv(4+100 at 2)", preadv(fd, piov, 2, 2));
    report_buffer("preadv a", a, sizeof a);
    report_buffer("preadv b", b, sizeof b);

    memset(c, 3, sizeof c); memset(d, 4, sizeof d); memset(e, 5, sizeof e);
    struct iovec riov[3] = {{c, sizeof c}, {d, sizeof d}, {e, sizeof e}};
    lseek(fd, 0, SEEK_SET);
    report("readv(5+3+100)", readv(fd, riov, 3));
    printf("readv text %.5s|%.3s|%.3s\n", c, d, e);
    report_buffer("readv e", e, sizeof e);
    report("close", close(fd));

    fd = (int)report("openat(append.txt)", openat(AT_FDCWD, "append.txt", O_CREAT | O_RDWR, 0600));
    struct iovec wiov[2] = {{"abc", 3}, {"defgh", 5}};
    report("writev", writev(fd, wiov, 2));
    report("pwrite64", pwrite(fd, "XY", 2, 1));
    struct iovec pwiov[1] = {{"zz", 2}};
    report("pwritev", pwritev(fd, pwiov, 1, 6));
    report("ftruncate(5)", ftruncate(fd, 5));
    report("fsync", fsync(fd));
    memset(big, 0xcc, 64);
    report("pread64 after truncate", pread(fd, big, 64, 0));
    printf("append.txt now %.5s\n", big);
    report_buffer("append buffer", big, 64);

    /* fcntl and the dup family */
    report("fcntl(F_GETFL) & O_ACCMODE", fcntl(fd, F_GETFL) & O_ACCMODE);
    report("fcntl(F_SETFD, FD_CLOEXEC)", fcntl(fd, F_SETFD, FD_CLOEXEC));
    report("fcntl(F_GETFD)", fcntl(fd, F_GETFD));
    int dupfd = (int)report("fcntl(F_DUPFD, 20)", fcntl(fd, F_DUPFD, 20));
    int d1 = (int)report("dup", dup(fd));
    report("dup2(->30)", syscall(SYS_dup2, fd, 30));
    report("dup3(->31, O_CLOEXEC)", dup3(fd, 31, O_CLOEXEC));
    report("fcntl(31, F_GETFD)", fcntl(31, F_GETFD));
    report("dup3 same fd", dup3(fd, fd, 0));
    close(dupfd); close(d1); close(30); close(31);

    /* ioctls on a regular file */
    struct termios tio;
    memset(&tio, 0x77, sizeof tio);
    report("ioctl(TCGETS) on a file", ioctl(fd, TCGETS, &tio));
    report_buffer("termios untouched", &tio, sizeof tio);
    struct winsize ws;
    report("ioctl(TIOCGWINSZ) on a file", ioctl(fd, TIOCGWINSZ, &ws));
    report("close", close(fd));

    /* stat family */
    struct stat st;
    memset(&st, 0, sizeof st);
    report_stat("stat(small.txt)", syscall(SYS_stat, "small.txt", &st), &st);
    report_stat("lstat(small.txt)", syscall(SYS_lstat, "small.txt", &st), &st);
    fd = open("small.txt", O_RDONLY);
    report_stat("fstat", syscall(SYS_fstat, fd, &st), &st);
    close(fd);
    report_stat("newfstatat", fstatat(AT_FDCWD, "small.txt", &st, 0), &st);
    report("stat(missing)", syscall(SYS_stat, "missing", &st));
    struct statx stx;
    memset(&stx, 0, sizeof stx);
    report("statx", statx(AT_FDCWD, "small.txt", 0, STATX_BASIC_STATS, &stx));
    printf("  statx size %llu mode %o\n", (unsigned long long)stx.stx_size, (unsigned)stx.stx_mode);

    /* access */
    report("access(R_OK)", syscall(SYS_access, "small.txt", R_OK));
    report("access(missing)", syscall(SYS_access, "missing", F_OK));
    report("faccessat(W_OK)", faccessat(AT_FDCWD, "small.txt", W_OK, 0));

    /* readlink, truncated */
    char link[8];
    memset(link, '#', sizeof link);
    long n = report("readlink(/proc/self/exe, 8)", syscall(SYS_readlink, "/proc/self/exe", link, sizeof link));
    printf("  readlink bytes %.8s\n", link);
    char link2[5];
    memset(link2, '#', sizeof link2);
    n = report("readlinkat(/proc/self/cwd, 5)", readlinkat(AT_FDCWD, "/proc/self/cwd", link2, sizeof link2));
    printf("  readlinkat bytes %.5s\n", link2);
    (void)n;

    /* rename family */
    report("rename", syscall(SYS_rename, "append.txt", "renamed.txt"));
    report("renameat", renameat(AT_FDCWD, "renamed.txt", AT_FDCWD, "renamed2.txt"));
    report("renameat2(RENAME_NOREPLACE onto existing)",
           renameat2(AT_FDCWD, "renamed2.txt", AT_FDCWD, "small.txt", RENAME_NOREPLACE));
    report("unlink", syscall(SYS_unlink, "renamed2.txt"));
    report("unlink(missing)", syscall(SYS_unlink, "renamed2.txt"));

    /* a directory with several files, listed through a small getdents64 buffer */
    report("mkdir(dir)", syscall(SYS_mkdir, "dir", 0755));
    const char *names[] = {"charlie", "alpha", "echo", "bravo", "delta", "foxtrot-with-a-longer-name"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(label, sizeof label, "dir/%s", names[i]);
        close(open(label, O_CREAT | O_WRONLY, 0644));
    }
    int dfd = (int)report("openat(dir, O_DIRECTORY)", openat(AT_FDCWD, "dir", O_RDONLY | O_DIRECTORY));
    char dents[96];
    char *found[16];
    int nfound = 0, calls = 0;
    for (;;) {
        memset(dents, 0xee, sizeof dents);
        long got = syscall(SYS_getdents64, dfd, dents, sizeof dents);
        calls++;
        if (got <= 0) { report("getdents64 last", got); break; }
        for (long off = 0; off < got;) {
            unsigned short reclen = *(unsigned short *)(dents + off + 16);
            const char *name = dents + off + 19;
            if (strcmp(name, ".") && strcmp(name, "..") && nfound < 16) found[nfound++] = strdup(name);
            off += reclen;
        }
        report_buffer("getdents64 buffer", dents, sizeof dents);
    }
    qsort(found, (size_t)nfound, sizeof found[0], compare_names);
    printf("getdents64: %d calls, %d names:", calls, nfound);
    for (int i = 0; i < nfound; i++) { printf(" %s", found[i]); free(found[i]); }
    printf("\n");
    close(dfd);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(label, sizeof label, "dir/%s", names[i]);
        unlinkat(AT_FDCWD, label, 0);
    }
    report("unlinkat(dir, AT_REMOVEDIR)", unlinkat(AT_FDCWD, "dir", AT_REMOVEDIR));
    report("unlink(small.txt)", unlink("small.txt"));
}

static void pipes(void) {
    int p[2] = {-1, -1}, q[2] = {-1, -1};
    report("pipe", syscall(SYS_pipe, p));
    report("pipe2(O_CLOEXEC)", pipe2(q, O_CLOEXEC));
    report("write to pipe", write(p[1], "ping", 4));
    int avail = -1;
    report("ioctl(FIONREAD)", ioctl(p[0], FIONREAD, &avail));
    printf("  FIONREAD %d\n", avail);

    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {q[0], POLLIN, 0}};
    report("poll", syscall(SYS_poll, pf, 2, 0));
    printf("  revents %x %x\n", pf[0].revents, pf[1].revents);
    struct timespec zero = {0, 0};
    pf[0].revents = pf[1].revents = 0x7777;
    report("ppoll", ppoll(pf, 2, &zero, NULL));
    printf("  revents %x %x\n", pf[0].revents, pf[1].revents);

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    FD_SET(q[0], &rd);
    struct timeval tv = {0, 1000};
    int maxfd = (p[0] > q[0] ? p[0] : q[0]) + 1;
    report("select", syscall(SYS_select, maxfd, &rd, NULL, NULL, &tv));
    printf("  ready %d %d\n", FD_ISSET(p[0], &rd), FD_ISSET(q[0], &rd));
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    FD_SET(q[0], &rd);
    struct timespec ts = {0, 1000000};
    report("pselect6", pselect(maxfd, &rd, NULL, NULL, &ts, NULL));
    printf("  ready %d %d\n", FD_ISSET(p[0], &rd), FD_ISSET(q[0], &rd));

    char buf[64];
    memset(buf, 0x11, sizeof buf);
    report("read from pipe(64)", read(p[0], buf, sizeof buf));
    printf("  got %.4s\n", buf);
    report_buffer("pipe buffer", buf, sizeof buf);
    report("write to pipe2", write(q[1], "pong!", 5));
    report("read from pipe2", read(q[0], buf, sizeof buf));
    printf("  got %.5s\n", buf);
    close(p[0]); close(p[1]); close(q[0]); close(q[1]);
}

static void identity_and_time(void) {
    report("getuid", getuid());
    report("geteuid", geteuid());
    report("getgid", getgid());
    report("getegid", getegid());
    report("getpid", getpid());
    report("getppid", getppid());
    report("gettid", gettid());

    time_t t = 0;
    report("time", syscall(SYS_time, &t));
    struct timeval tv;
    report("gettimeofday", syscall(SYS_gettimeofday, &tv, NULL));
    printf("  %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
    struct timespec ts;
    report("clock_gettime(MONOTONIC)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
    printf("  %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
    report("clock_getres(MONOTONIC)", clock_getres(CLOCK_MONOTONIC, &ts));
    printf("  resolution %ld ns\n", ts.tv_nsec);

    struct timespec req = {0, 1000000}, rem = {7, 7};
    report("nanosleep(1ms)", nanosleep(&req, &rem));
    report("clock_nanosleep(1ms)", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem));

    struct utsname u;
    memset(&u, 0, sizeof u);
    report("uname", uname(&u));
    printf("  %s %s %s\n", u.sysname, u.release, u.machine);
    struct sysinfo si;
    report("sysinfo", sysinfo(&si));
    printf("  uptime %ld procs %u ram %lu\n", si.uptime, (unsigned)si.procs, si.totalram);
    struct rusage ru;
    report("getrusage", getrusage(RUSAGE_SELF, &ru));
    printf("  maxrss %ld minflt %ld\n", ru.ru_maxrss, ru.ru_minflt);
    struct tms tm;
    long ticks = times(&tm);
    printf("times = %ld utime %ld\n", ticks, (long)tm.tms_utime);

    cpu_set_t set;
    CPU_ZERO(&set);
    report("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    printf("  cpus %d\n", CPU_COUNT(&set));

    struct rlimit rl;
    report("getrlimit(NOFILE)", getrlimit(RLIMIT_NOFILE, &rl));
    printf("  soft %llu\n", (unsigned long long)rl.rlim_cur);

    unsigned char r[8];
    memset(r, 0, sizeof r);
    report("getrandom(8, GRND_NONBLOCK)", getrandom(r, sizeof r, GRND_NONBLOCK));
    report_buffer("getrandom", r, sizeof r);
}

static void memory(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mmap(anonymous) failed", m == MAP_FAILED);
    memset(m, 'm', 2 * page);
    report("mprotect(PROT_READ)", mprotect(m, page, PROT_READ));
    report("mprotect(PROT_READ|PROT_WRITE)", mprotect(m, page, PROT_READ | PROT_WRITE));
    char *g = mremap(m, 2 * page, 4 * page, MREMAP_MAYMOVE);
    report("mremap failed", g == MAP_FAILED);
    g[3 * page] = 'g';
    report("madvise(DONTNEED)", madvise(g + page, page, MADV_DONTNEED));
    printf("  after DONTNEED: %d %d %d\n", g[0], g[page], g[3 * page]);
    report("munmap", munmap(g, 4 * page));
    void *before = sbrk(0);
    void *grown = sbrk(1 << 16);
    report("sbrk grew", grown == before);
    sbrk(-(1 << 16));
}

static void signals(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    report("rt_sigaction(SIGUSR1)", sigaction(SIGUSR1, &sa, &old));
    sigset_t set, oldset;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    report("rt_sigprocmask(SIG_BLOCK)", sigprocmask(SIG_BLOCK, &set, &oldset));
    report("rt_sigprocmask(SIG_SETMASK)", sigprocmask(SIG_SETMASK, &oldset, NULL));
}

int main(int argc, char **argv) {
    const char *base = argc > 1 ? argv[1] : ".";
    char cwd[4096];
    report("getcwd ok", getcwd(cwd, sizeof cwd) != NULL);
    report("chdir(base)", chdir(base));
    report("mkdir(sf-work)", mkdir("sf-work", 0700));
    report("chdir(sf-work)", chdir("sf-work"));
    char here[4096];
    memset(here, 0x3c, sizeof here);
    long len = syscall(SYS_getcwd, here, sizeof here);
    report("getcwd length", len);
    report_buffer("getcwd buffer", here, sizeof here);

    files();
    pipes();
    identity_and_time();
    memory();
    signals();

    report("chdir(..)", chdir(".."));
    report("unlinkat(sf-work, AT_REMOVEDIR)", unlinkat(AT_FDCWD, "sf-work", AT_REMOVEDIR));
    fprintf(stderr, "syscall_families: done\n");
    return 0;
}
