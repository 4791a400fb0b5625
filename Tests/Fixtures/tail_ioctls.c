/* tail_ioctls.c: terminal, file, descriptor, network interface and real-time clock ioctls
 * (issue 14; the interface queries are libuuid's, which swift-frontend makes), each printed
 * as "NAME: result=R errno=E" (R is -1 on failure) with what it wrote. A new pseudo-terminal
 * (its number depends on the others open), a random window size and a random pushed character,
 * file generation numbers and a random file size change from run to run.
 * Usage: tail_ioctls WORKDIR */
#define _GNU_SOURCE
#include <asm/termbits.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/rtc.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static long report(const char *name, long r) {
    printf("%s: result=%ld errno=%d\n", name, r < 0 ? -1L : r, r < 0 ? errno : 0);
    return r;
}

static void terminal(void) {
    int m = report("open(/dev/ptmx)", open("/dev/ptmx", O_RDWR | O_NOCTTY));
    if (m < 0) return;
    unsigned int n = 9999;
    report("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
    printf("  pts=%u\n", n);
    int unlock = 0, locked = -1;
    report("TIOCSPTLCK", ioctl(m, TIOCSPTLCK, &unlock));
    report("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &locked));
    printf("  locked=%d\n", locked);
    int s = report("TIOCGPTPEER", ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    if (s < 0) return;
    struct termios2 t;
    memset(&t, 0xee, sizeof t);
    report("TCGETS2", ioctl(s, TCGETS2, &t));
    printf("  ispeed=%u ospeed=%u lflag=%o\n", t.c_ispeed, t.c_ospeed, t.c_lflag);
    report("TCSETS2", ioctl(s, TCSETS2, &t));
    report("TCSETSW2", ioctl(s, TCSETSW2, &t));
    report("TCSETSF2", ioctl(s, TCSETSF2, &t));
    unsigned char r[3];
    getrandom(r, sizeof r, 0);
    struct winsize set = {.ws_row = 10 + r[0] % 90, .ws_col = 40 + r[1] % 200}, got = {0};
    report("TIOCSWINSZ", ioctl(s, TIOCSWINSZ, &set));
    report("TIOCGWINSZ", ioctl(m, TIOCGWINSZ, &got));
    printf("  rows=%u cols=%u same=%d\n", got.ws_row, got.ws_col, got.ws_row == set.ws_row && got.ws_col == set.ws_col);
    char pushed = 'a' + r[2] % 26, nl = '\n', line[8] = {0};
    report("TIOCSTI", ioctl(s, TIOCSTI, &pushed));
    report("TIOCSTI(newline)", ioctl(s, TIOCSTI, &nl));
    int queued = -1;
    report("FIONREAD", ioctl(s, FIONREAD, &queued));
    printf("  queued=%d\n", queued);
    report("read(pushed)", read(s, line, sizeof line));
    printf("  line=%c same=%d\n", line[0], line[0] == pushed);
    int outq = -1;
    report("TIOCOUTQ", ioctl(m, TIOCOUTQ, &outq));
    printf("  outq=%d\n", outq);
    report("TCSBRK(drain)", ioctl(s, TCSBRK, 1));
    report("TCFLSH", ioctl(s, TCFLSH, TCIFLUSH));
    report("TCXONC", ioctl(s, TCXONC, TCOON));
    report("TIOCEXCL", ioctl(s, TIOCEXCL));
    report("TIOCNXCL", ioctl(s, TIOCNXCL));
    report("TIOCNOTTY(not ours)", ioctl(s, TIOCNOTTY));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        setsid();
        report("TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
        pid_t sid = -1, pgrp = -1;
        report("TIOCGSID", ioctl(s, TIOCGSID, &sid));
        report("TIOCGPGRP", ioctl(s, TIOCGPGRP, &pgrp));
        printf("  sid_is_me=%d pgrp_is_me=%d\n", sid == getpid(), pgrp == getpid());
        report("TIOCSPGRP", ioctl(s, TIOCSPGRP, &pgrp));
        fflush(stdout);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    close(s);
    close(m);
}

static void files(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ioctl-file", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    unsigned short size;
    getrandom(&size, sizeof size, 0);
    char buf[65536] = {0};
    if (write(fd, buf, size) != size) exit(2);
    int version = -1, flags = -1;
    if (report("FS_IOC_GETVERSION", ioctl(fd, FS_IOC_GETVERSION, &version)) >= 0) printf("  version=%d\n", version);
    if (report("FS_IOC_GETFLAGS", ioctl(fd, FS_IOC_GETFLAGS, &flags)) >= 0) {
        printf("  flags=%x\n", flags);
        report("FS_IOC_SETFLAGS", ioctl(fd, FS_IOC_SETFLAGS, &flags));
    }
    struct fsxattr fa;
    memset(&fa, 0xee, sizeof fa);
    if (report("FS_IOC_FSGETXATTR", ioctl(fd, FS_IOC_FSGETXATTR, &fa)) >= 0) {
        printf("  xflags=%x projid=%u\n", fa.fsx_xflags, fa.fsx_projid);
        report("FS_IOC_FSSETXATTR", ioctl(fd, FS_IOC_FSSETXATTR, &fa));
    }
    long long qsize = -1;
    report("FIOQSIZE", ioctl(fd, FIOQSIZE, &qsize));
    printf("  qsize=%lld\n", qsize);  /* the bytes allocated: 0 until ext4's delayed allocation */
    int p[2], on = 1, off = 0;
    if (pipe(p)) exit(2);
    report("FIOASYNC(on)", ioctl(p[0], FIOASYNC, &on));
    report("FIOASYNC(off)", ioctl(p[0], FIOASYNC, &off));
    report("FIONBIO", ioctl(p[0], FIONBIO, &on));
    report("FIOCLEX", ioctl(p[0], FIOCLEX));
    report("FIONCLEX", ioctl(p[0], FIONCLEX));
    printf("  fd_flags=%d fl_nonblock=%d\n", fcntl(p[0], F_GETFD), (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    close(p[0]);
    close(p[1]);
    close(fd);
    unlink(path);
}

/* The interfaces (libuuid's get_node_id asks for the list and each one's hardware address);
 * the loopback interface is described on a line of its own, the same on every machine. */
static void network(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (report("socket(AF_INET)", s) < 0) return;
    struct ifconf ifc = {.ifc_len = 0, .ifc_buf = NULL};
    report("SIOCGIFCONF(length)", ioctl(s, SIOCGIFCONF, &ifc));
    int needed = ifc.ifc_len;
    struct ifreq reqs[32];
    memset(reqs, 0xee, sizeof reqs);
    ifc.ifc_len = sizeof reqs;
    ifc.ifc_req = reqs;
    report("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc));
    int count = ifc.ifc_len / (int)sizeof(struct ifreq);
    unsigned long sum = 0;   /* the whole array: what the kernel wrote, and the 0xee it did not */
    for (size_t i = 0; i < sizeof reqs; i++) sum = sum * 131 + ((unsigned char *)reqs)[i];
    printf("  interfaces=%d same_as_needed=%d checksum=%lu\n", count, ifc.ifc_len == needed, sum);
    for (int i = 0; i < count && i < 32; i++) {
        struct ifreq r;
        memset(&r, 0, sizeof r);
        memcpy(r.ifr_name, reqs[i].ifr_name, IFNAMSIZ);
        char addr[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &((struct sockaddr_in *)&reqs[i].ifr_addr)->sin_addr, addr, sizeof addr);
        int hw = ioctl(s, SIOCGIFHWADDR, &r);
        unsigned char mac[6];   /* (the union is overwritten by the next requests) */
        memcpy(mac, r.ifr_hwaddr.sa_data, sizeof mac);
        int family = r.ifr_hwaddr.sa_family;
        int flags = ioctl(s, SIOCGIFFLAGS, &r) == 0 ? r.ifr_flags : -1;
        int mtu = ioctl(s, SIOCGIFMTU, &r) == 0 ? r.ifr_mtu : -1;
        int index = ioctl(s, SIOCGIFINDEX, &r) == 0 ? r.ifr_ifindex : -1;
        struct ifreq byindex;
        memset(&byindex, 0, sizeof byindex);
        byindex.ifr_ifindex = index;
        int named = ioctl(s, SIOCGIFNAME, &byindex);
        char mask[INET_ADDRSTRLEN] = "?";
        if (ioctl(s, SIOCGIFNETMASK, &r) == 0)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&r.ifr_netmask)->sin_addr, mask, sizeof mask);
        char direct[INET_ADDRSTRLEN] = "?";
        if (ioctl(s, SIOCGIFADDR, &r) == 0)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&r.ifr_addr)->sin_addr, direct, sizeof direct);
        printf("  %s: addr=%s same_addr=%d netmask=%s hw=%d family=%d mac=%02x:%02x:%02x:%02x:%02x:%02x up=%d "
               "loopback=%d mtu=%d index=%d name_by_index=%s\n",
               reqs[i].ifr_name, addr, strcmp(addr, direct) == 0, mask, hw, family, mac[0], mac[1], mac[2], mac[3],
               mac[4], mac[5], (flags & IFF_UP) != 0, (flags & IFF_LOOPBACK) != 0, mtu, index,
               named == 0 ? byindex.ifr_name : "?");
    }
    struct timeval stamp;
    memset(&stamp, 0xee, sizeof stamp);
    report("SIOCGSTAMP(no packet)", ioctl(s, SIOCGSTAMP, &stamp));
    close(s);
    /* The VM's vsock context id (a number of the machine), where there is a /dev/vsock. */
    int v = open("/dev/vsock", O_RDONLY | O_CLOEXEC);
    if (v >= 0) {
        unsigned int cid = 0xeeeeeeee;
        report("IOCTL_VM_SOCKETS_GET_LOCAL_CID", ioctl(v, 0x7b9, &cid));
        printf("  cid=%u\n", cid);
        close(v);
    }
}

static void clock_device(void) {
    /* No RTC on these VMs: the requests reach /dev/null, which answers ENOTTY. */
    int rtc = open("/dev/rtc0", O_RDONLY);
    const char *which = rtc >= 0 ? "rtc0" : "null";
    if (rtc < 0) rtc = open("/dev/null", O_RDONLY);
    printf("rtc device: %s\n", which);
    struct rtc_time tm;
    memset(&tm, 0, sizeof tm);
    if (report("RTC_RD_TIME", ioctl(rtc, RTC_RD_TIME, &tm)) >= 0)
        printf("  %04d-%02d-%02d %02d:%02d:%02d\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    unsigned long epoch = 0;
    report("RTC_EPOCH_READ", ioctl(rtc, RTC_EPOCH_READ, &epoch));
    struct rtc_wkalrm alarm;
    report("RTC_WKALM_RD", ioctl(rtc, RTC_WKALM_RD, &alarm));
    report("RTC_UIE_OFF", ioctl(rtc, RTC_UIE_OFF));
    close(rtc);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    terminal();
    files(dir);
    network();
    clock_device();
    printf("done\n");
    return 0;
}
