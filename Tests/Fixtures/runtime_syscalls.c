// The syscalls and CPU facts language runtimes use (issue 12): getcpu, CPUID's APIC ids, rdtscp's
// TSC_AUX, the CPU affinity calls, memory protection keys, sendmmsg/recvmmsg, membarrier, and
// syscall numbers the kernel does not have. Most outputs differ from run to run (the CPU, the
// ephemeral UDP port, kernel timestamps, random bytes); every replay must print what the
// recording printed.
//
// Lines the tests read:
//   cpu <label>: getcpu=R cpu=C node=N sched_getcpu=S apic=A x2apic=X tsc_aux=T
//   affinity: bytes=B cpus=LIST
//   nonexistent <what>: result=R errno=E
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static void print_cpu(const char *label) {
    unsigned cpu = 9999, node = 9999;
    errno = 0;
    long r = syscall(SYS_getcpu, &cpu, &node, NULL);
    int s = sched_getcpu();
    unsigned a, b, c, d, max;
    __cpuid(0, max, b, c, d);
    __cpuid_count(1, 0, a, b, c, d);
    unsigned apic = b >> 24;
    unsigned x2apic = 9999;
    if (max >= 0xb) {
        __cpuid_count(0xb, 0, a, b, c, d);
        x2apic = d;
    }
    unsigned aux = 0;
    __rdtscp(&aux);
    printf("cpu %s: getcpu=%ld cpu=%u node=%u sched_getcpu=%d apic=%u x2apic=%u tsc_aux=%u\n", label, r, cpu,
           node, s, apic, x2apic, aux);
}

static void print_affinity(const char *label) {
    cpu_set_t set;
    CPU_ZERO(&set);
    errno = 0;
    long r = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    printf("affinity %s: bytes=%ld cpus=", label, r);
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &set)) printf("%d,", i);
    printf("\n");
}

static void sleep_ms(int ms) {
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

static void protection_keys(void) {
    errno = 0;
    long key = syscall(SYS_pkey_alloc, 0, 0);
    printf("pkey_alloc: result=%ld errno=%d\n", key, key < 0 ? errno : 0);
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 'k';
    if (key >= 0) {
        errno = 0;
        long r = syscall(SYS_pkey_mprotect, page, 4096, PROT_READ | PROT_WRITE, key);
        printf("pkey_mprotect(key): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
        errno = 0;
        r = syscall(SYS_pkey_free, key);
        printf("pkey_free(key): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
    }
    // Key -1 makes it mprotect: afterwards the page is read-only, whatever the CPU has.
    errno = 0;
    long r = syscall(SYS_pkey_mprotect, page, 4096, PROT_READ, -1);
    printf("pkey_mprotect(-1): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = syscall(SYS_pkey_mprotect, page, 4096, PROT_READ, 15);
    printf("pkey_mprotect(15): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = syscall(SYS_pkey_free, 15);
    printf("pkey_free(15): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
    printf("page: byte=%c\n", page[0]);
    munmap(page, 4096);
}

static void batched_messages(void) {
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    int on = 1;
    if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(rx, (struct sockaddr *)&addr, &alen) != 0 ||
        setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0 ||
        connect(tx, (struct sockaddr *)&addr, sizeof addr) != 0) {
        printf("udp setup failed: errno=%d\n", errno);
        return;
    }
    // Four datagrams with random bytes: 8, 24, 40 and 3 bytes.
    static const int sizes[4] = {8, 24, 40, 3};
    unsigned char out[4][40];
    struct iovec siov[4];
    struct mmsghdr smsg[4];
    memset(smsg, 0, sizeof smsg);
    for (int i = 0; i < 4; i++) {
        getrandom(out[i], sizeof out[i], 0);
        siov[i] = (struct iovec){out[i], (size_t)sizes[i]};
        smsg[i].msg_hdr.msg_iov = &siov[i];
        smsg[i].msg_hdr.msg_iovlen = 1;
        smsg[i].msg_len = 0xdead;
    }
    errno = 0;
    int sent = sendmmsg(tx, smsg, 4, 0);
    printf("sendmmsg: result=%d errno=%d msg_len=%u,%u,%u,%u\n", sent, sent < 0 ? errno : 0, smsg[0].msg_len,
           smsg[1].msg_len, smsg[2].msg_len, smsg[3].msg_len);
    // Five entries for four datagrams, each over two iovecs of 4 and 12 bytes: the 24- and
    // 40-byte ones are truncated (MSG_TRUNC in msg_flags); a control buffer for the timestamp.
    unsigned char in[5][2][12];
    struct iovec riov[5][2];
    struct sockaddr_in from[5];
    unsigned char control[5][64];
    struct mmsghdr rmsg[5];
    memset(in, 0xee, sizeof in);
    memset(from, 0xee, sizeof from);
    memset(control, 0xee, sizeof control);
    memset(rmsg, 0, sizeof rmsg);
    for (int i = 0; i < 5; i++) {
        riov[i][0] = (struct iovec){in[i][0], 4};
        riov[i][1] = (struct iovec){in[i][1], 12};
        rmsg[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i],
                                          .msg_iov = riov[i], .msg_iovlen = 2,
                                          .msg_control = control[i], .msg_controllen = sizeof control[i]};
        rmsg[i].msg_len = 0xbeef;
    }
    struct timespec timeout = {1, 0};
    errno = 0;
    int got = recvmmsg(rx, rmsg, 5, MSG_WAITFORONE, &timeout);
    printf("recvmmsg: result=%d errno=%d\n", got, got < 0 ? errno : 0);
    for (int i = 0; i < 5; i++) {
        struct msghdr *h = &rmsg[i].msg_hdr;
        unsigned sum = 0;
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 12; k++) sum = sum * 31 + in[i][j][k];
        long long ts = -1;
        for (struct cmsghdr *c = i < got ? CMSG_FIRSTHDR(h) : NULL; c; c = CMSG_NXTHDR(h, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec t;
                memcpy(&t, CMSG_DATA(c), sizeof t);
                ts = (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
            }
        printf("  entry %d: msg_len=%u namelen=%u port=%u flags=%#x controllen=%zu timestamp=%lld data=%08x "
               "first=%02x%02x%02x%02x\n", i, rmsg[i].msg_len, h->msg_namelen, ntohs(from[i].sin_port),
               h->msg_flags, (size_t)h->msg_controllen, ts, sum, in[i][0][0], in[i][0][1], in[i][0][2],
               in[i][0][3]);
    }
    printf("recvmmsg timeout left: %s\n", timeout.tv_sec == 1 && timeout.tv_nsec == 0 ? "unchanged" : "less");
    close(rx);
    close(tx);
}

static void nonexistent(const char *what, long number) {
    errno = 0;
    long r = syscall(number, 1, 2, 3, 4, 5, 6);
    printf("nonexistent %s: result=%ld errno=%d\n", what, r, errno);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_cpu("start");
    print_affinity("start");
    // Ask for every other CPU: swrr must keep the program where it bound it.
    cpu_set_t want;
    CPU_ZERO(&want);
    int here = sched_getcpu();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 0; i < online && i < CPU_SETSIZE; i++)
        if (i != here) CPU_SET(i, &want);
    if (CPU_COUNT(&want) == 0) CPU_SET(here, &want);
    errno = 0;
    long r = syscall(SYS_sched_setaffinity, 0, sizeof want, &want);
    printf("sched_setaffinity(others): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
    print_affinity("after");
    for (int i = 0; i < 3; i++) {
        sleep_ms(20);
        print_cpu("after");
    }

    errno = 0;
    r = syscall(SYS_membarrier, 0 /* MEMBARRIER_CMD_QUERY */, 0, 0);
    printf("membarrier(query): result=%#lx errno=%d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = syscall(SYS_membarrier, 16 /* REGISTER_PRIVATE_EXPEDITED */, 0, 0);
    printf("membarrier(register): result=%ld errno=%d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = syscall(SYS_membarrier, 8 /* PRIVATE_EXPEDITED */, 0, 0);
    printf("membarrier(private expedited): result=%ld errno=%d\n", r, r < 0 ? errno : 0);

    protection_keys();
    batched_messages();

    nonexistent("-1", -1);
    nonexistent("-2", -2);
    nonexistent("400 (hole before 424)", 400);
    nonexistent("520 (x32 only)", 520);
    nonexistent("2000 (above the table)", 2000);
    nonexistent("0x40000027 (x32 getpid)", 0x40000027);
    nonexistent("0x7fffffff", 0x7fffffff);
    print_cpu("end");
    return 0;
}
