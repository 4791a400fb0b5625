/* tail_syscalls.c: the long tail of syscalls (issue 14), each printed as
 * "NAME: result=R errno=E" (R is -1 on failure) with what it wrote, so that a replay must print
 * exactly what the recording printed. Key serials, ids, pids, clocks, random bytes and kernel
 * log sizes change from run to run. Run as root (the tests are); nothing here changes the
 * machine: the clock is "set" on a clock that refuses it, quota and acct name files that do
 * not exist, scheduling and I/O priorities are set to what they already are, and every IPC
 * object, key and file is removed before the program ends.
 * Usage: tail_syscalls WORKDIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/quota.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static long report(const char *name, long r) {
    printf("%s: result=%ld errno=%d\n", name, r < 0 ? -1L : r, r < 0 ? errno : 0);
    return r;
}

static void hex(const char *label, const void *p, size_t n) {
    const unsigned char *b = p;
    printf("  %s=", label);
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

static char global_bytes[16];
static char written_bytes[16];   /* zero until the parent's process_vm_writev fills the child's */

static void clocks(void) {
    struct timespec ts = {1, 0};
    report("clock_settime(MONOTONIC)", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
    struct timex tx = {0};
    if (report("clock_adjtime(REALTIME)", syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx)) >= 0)
        printf("  time=%ld.%06ld\n", (long)tx.time.tv_sec, (long)tx.time.tv_usec);
    struct timex tx2 = {0};
    if (report("adjtimex", syscall(SYS_adjtimex, &tx2)) >= 0)
        printf("  time=%ld.%06ld tick=%ld\n", (long)tx2.time.tv_sec, (long)tx2.time.tv_usec, tx2.tick);
}

static void splices(void) {
    unsigned char data[64], out[64] = {0};
    getrandom(data, sizeof data, 0);
    int mfd = memfd_create("splice", 0);
    if (write(mfd, data, sizeof data) != sizeof data) exit(2);
    int p[2], q[2];
    if (pipe(p) || pipe(q)) exit(2);
    loff_t off = 8;
    if (report("splice(file->pipe)", syscall(SYS_splice, mfd, &off, p[1], NULL, 32, 0)) >= 0)
        printf("  off=%lld\n", (long long)off);
    report("tee", syscall(SYS_tee, p[0], q[1], 32, 0));
    report("read(tee'd)", read(q[0], out, 32));
    hex("bytes", out, 32);
    struct iovec iov = {out + 32, 32};
    report("vmsplice(pipe->memory)", syscall(SYS_vmsplice, p[0], &iov, 1, 0));
    hex("bytes", out + 32, 32);
    printf("  same=%d\n", memcmp(out, data + 8, 32) == 0 && memcmp(out + 32, data + 8, 32) == 0);
    /* To swrr's own stdout it is refused (EINVAL), where replay could not echo it. */
    fflush(stdout);
    if (write(p[1], "spliced\n", 8) != 8) exit(2);
    long r = syscall(SYS_splice, p[0], NULL, 1, NULL, 8, 0);
    if (r < 0) {
        int e = errno;
        char line[8];
        if (read(p[0], line, 8) != 8) exit(2);
        printf("splice(->stdout): result=-1 errno=%d\n", e);
    } else {
        printf("\nsplice(->stdout): result=%ld errno=0\n", r);
    }
    close(mfd); close(p[0]); close(p[1]); close(q[0]); close(q[1]);
}

static void processes(void) {
    getrandom(global_bytes, sizeof global_bytes, 0);
    int go[2];
    if (pipe(go)) exit(2);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(3);
        hex("child got", written_bytes, sizeof written_bytes);
        fflush(stdout);
        _exit(7);
    }
    close(go[0]);
    memset(global_bytes, 0, sizeof global_bytes);  /* the child still has the random bytes */
    int pidfd = report("pidfd_open", syscall(SYS_pidfd_open, child, 0));
    report("pidfd_send_signal(0)", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
    int theirs = report("pidfd_getfd(0)", syscall(SYS_pidfd_getfd, pidfd, 0, 0));
    report("kcmp(file 0, file 0)", syscall(SYS_kcmp, getpid(), child, 0 /* KCMP_FILE */, 0, 0));
    char got[16] = {0};
    struct iovec local = {got, sizeof got}, remote = {global_bytes, sizeof global_bytes};
    report("process_vm_readv", syscall(SYS_process_vm_readv, child, &local, 1, &remote, 1, 0));
    hex("bytes", got, sizeof got);
    /* Into the child's memory: it prints what arrived once it is let go. */
    char sent[16];
    getrandom(sent, sizeof sent, 0);
    struct iovec from[2] = {{sent, 10}, {sent + 10, 6}}, to = {written_bytes, sizeof written_bytes};
    report("process_vm_writev", syscall(SYS_process_vm_writev, child, from, 2, &to, 1, 0));
    hex("sent", sent, sizeof sent);
    if (write(go[1], "x", 1) != 1) exit(2);
    int status = 0;
    waitpid(child, &status, 0);
    struct pollfd pfd = {pidfd, POLLIN, 0};
    report("poll(pidfd)", poll(&pfd, 1, 1000));
    printf("  child status=%d revents=%d\n", WEXITSTATUS(status), pfd.revents);
    if (theirs >= 0) close(theirs);
    close(pidfd);
    void *head = NULL;
    size_t len = 0;
    report("get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len));
    printf("  len=%zu head_set=%d\n", len, head != NULL);
}

static void memory(void) {
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mlock", syscall(SYS_mlock, page, 4096));
    report("munlock", syscall(SYS_munlock, page, 4096));
    report("mlock2(ONFAULT)", syscall(SYS_mlock2, page, 4096, 1 /* MLOCK_ONFAULT */));
    report("mlockall(CURRENT)", syscall(SYS_mlockall, MCL_CURRENT));
    report("munlockall", syscall(SYS_munlockall));
    report("set_mempolicy(DEFAULT)", syscall(SYS_set_mempolicy, 0, NULL, 0));
    report("mbind(DEFAULT)", syscall(SYS_mbind, page, 4096, 0, NULL, 0, 0));
    int mode = -1;
    unsigned long mask[2] = {~0UL, ~0UL};
    if (report("get_mempolicy", syscall(SYS_get_mempolicy, &mode, mask, 65, NULL, 0)) >= 0)
        printf("  mode=%d mask=%lx\n", mode, mask[0]);
    munmap(page, 4096);
}

static void syncs_and_xattrs(const char *dir) {
    char path[4096], link[4096];
    snprintf(path, sizeof path, "%s/xattr-file", dir);
    snprintf(link, sizeof link, "%s/xattr-link", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    if (fd < 0 || symlink(path, link)) exit(2);
    report("sync", syscall(SYS_sync));
    report("syncfs", syscall(SYS_syncfs, fd));
    report("sync_file_range", syscall(SYS_sync_file_range, fd, 0, 0, 2 /* WRITE */));
    unsigned char value[8], back[8] = {0};
    getrandom(value, sizeof value, 0);
    report("fsetxattr", syscall(SYS_fsetxattr, fd, "user.swrr", value, sizeof value, 0));
    report("fgetxattr", fgetxattr(fd, "user.swrr", back, sizeof back));
    hex("value", back, sizeof back);
    report("setxattr", syscall(SYS_setxattr, path, "user.other", "v", 1, XATTR_CREATE));
    report("setxattr(again, CREATE)", syscall(SYS_setxattr, path, "user.other", "v", 1, XATTR_CREATE));
    report("lsetxattr(symlink)", syscall(SYS_lsetxattr, link, "user.x", "v", 1, 0));
    report("removexattr", syscall(SYS_removexattr, path, "user.other"));
    report("lremovexattr", syscall(SYS_lremovexattr, link, "user.x"));
    report("fremovexattr", syscall(SYS_fremovexattr, fd, "user.swrr"));
    /* openat2: the file through its path, and through the symlink with RESOLVE_NO_SYMLINKS. */
    unsigned char content[8], back2[8] = {0};
    getrandom(content, sizeof content, 0);
    if (pwrite(fd, content, sizeof content, 0) != sizeof content) exit(2);
    struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
    int opened = report("openat2", syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how));
    report("read(openat2)", read(opened, back2, sizeof back2));
    hex("content", back2, sizeof back2);
    close(opened);
    report("openat2(symlink, NO_SYMLINKS)", syscall(SYS_openat2, AT_FDCWD, link, &how, sizeof how));
    close(fd);
    unlink(link);
    unlink(path);
}

static void scheduling(void) {
    report("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
    struct sched_param param = {0};
    report("sched_getparam", syscall(SYS_sched_getparam, 0, &param));
    printf("  priority=%d\n", param.sched_priority);
    report("sched_setscheduler(BATCH)", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &param));
    report("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
    report("sched_setscheduler(OTHER)", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &param));
    report("sched_setparam", syscall(SYS_sched_setparam, 0, &param));
    report("sched_get_priority_max(FIFO)", syscall(SYS_sched_get_priority_max, SCHED_FIFO));
    report("sched_get_priority_min(FIFO)", syscall(SYS_sched_get_priority_min, SCHED_FIFO));
    struct timespec ts = {-1, -1};
    report("sched_rr_get_interval", syscall(SYS_sched_rr_get_interval, 0, &ts));
    printf("  interval=%ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    uint32_t attr[14] = {0};  /* struct sched_attr, 56 bytes */
    if (report("sched_getattr", syscall(SYS_sched_getattr, 0, attr, sizeof attr, 0)) >= 0)
        printf("  size=%u policy=%u nice=%d\n", attr[0], attr[1], (int)attr[4]);
    report("sched_setattr", syscall(SYS_sched_setattr, 0, attr, 0));
    long prio = report("ioprio_get", syscall(SYS_ioprio_get, 1 /* WHO_PROCESS */, 0));
    if (prio >= 0) report("ioprio_set", syscall(SYS_ioprio_set, 1, 0, prio));
}

static void notifications(const char *dir) {
    int a = report("inotify_init", syscall(SYS_inotify_init));
    int fd = report("inotify_init1", syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC));
    int wd = report("inotify_add_watch", syscall(SYS_inotify_add_watch, fd, dir, IN_CREATE));
    unsigned int n;
    getrandom(&n, sizeof n, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/created-%08x", dir, n);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    union { struct inotify_event e; char bytes[4096]; } ev;
    if (report("read(inotify)", read(fd, &ev, sizeof ev)) > 0)
        printf("  mask=%x name=%s\n", ev.e.mask, ev.e.name);
    report("inotify_rm_watch", syscall(SYS_inotify_rm_watch, fd, wd));
    unlink(path);
    close(fd);
    close(a);
    int fan = report("fanotify_init", syscall(SYS_fanotify_init, FAN_CLASS_NOTIF, O_RDONLY));
    if (fan >= 0) {
        report("fanotify_mark", syscall(SYS_fanotify_mark, fan, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, dir));
        close(fan);
    }
}

static void keys(void) {
    unsigned char payload[16], back[64] = {0};
    getrandom(payload, sizeof payload, 0);
    char desc[64], described[256] = {0};
    snprintf(desc, sizeof desc, "swrr:%02x%02x%02x%02x", payload[0], payload[1], payload[2], payload[3]);
    long key = syscall(SYS_add_key, "user", desc, payload, sizeof payload, KEY_SPEC_PROCESS_KEYRING);
    report("add_key", key >= 0 ? 1 : key);
    if (key < 0) return;
    printf("  serial=%ld\n", key);
    report("keyctl(READ)", syscall(SYS_keyctl, KEYCTL_READ, key, back, sizeof back));
    hex("payload", back, sizeof payload);
    if (report("keyctl(DESCRIBE)", syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, described, sizeof described)) > 0)
        printf("  description=%s\n", described);
    long found = syscall(SYS_request_key, "user", desc, NULL, KEY_SPEC_PROCESS_KEYRING);
    report("request_key", found >= 0 ? (found == key) : found);
    report("keyctl(INVALIDATE)", syscall(SYS_keyctl, KEYCTL_INVALIDATE, key));
}

static void administration(void) {
    report("acct(missing)", syscall(SYS_acct, "/nonexistent/swrr-acct"));
    unsigned int fmt = 0;
    report("quotactl(GETFMT, missing)", syscall(SYS_quotactl, QCMD(Q_GETFMT, USRQUOTA), "/dev/nonexistent-swrr", 0, &fmt));
    long size = report("syslog(SIZE_BUFFER)", syscall(SYS_syslog, 10, NULL, 0));
    (void)size;
    char log[256];
    long n = report("syslog(READ_ALL)", syscall(SYS_syslog, 3, log, sizeof log));
    unsigned sum = 0;
    for (long i = 0; i < n; i++) sum = sum * 31 + (unsigned char)log[i];
    printf("  sum=%08x\n", sum);
    report("sysfs(count)", syscall(SYS_sysfs, 3));
    char name[256] = {0};
    report("sysfs(name of 0)", syscall(SYS_sysfs, 2, 0, name));
    printf("  name=%s\n", name);
    report("sysfs(index of proc)", syscall(SYS_sysfs, 1, "proc"));
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 8;
    attr.max_entries = 1;
    report("bpf(MAP_CREATE)", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
    /* Removed from the kernel: ENOSYS. */
    report("_sysctl", syscall(SYS__sysctl, NULL));
    report("lookup_dcookie", syscall(SYS_lookup_dcookie, 0, NULL, 0));
    report("uselib", syscall(SYS_uselib, "/nonexistent"));
    /* swrr's own call numbers, made by the program: no kernel has them, ENOSYS (swrr takes them as
     * its own only from its stub page). */
    char *names[] = {"syscall(1000)", "syscall(1001)", "syscall(1002)", "syscall(1003)", "syscall(1004)"};
    for (long nr = 1000; nr <= 1004; nr++) report(names[nr - 1000], syscall(nr, global_bytes, 16, 0, 0, 0, 0));
}

static void sysv_ipc(void) {
    unsigned char r[8];
    getrandom(r, sizeof r, 0);
    int sem = report("semget", syscall(SYS_semget, IPC_PRIVATE, 2, 0600) >= 0 ? 1 : -1);
    sem = syscall(SYS_semget, IPC_PRIVATE, 2, 0600);
    report("semctl(SETVAL)", syscall(SYS_semctl, sem, 0, SETVAL, (long)(r[0] % 50)));
    struct sembuf op = {0, 3, 0};
    report("semop(+3)", syscall(SYS_semop, sem, &op, 1));
    report("semctl(GETVAL)", syscall(SYS_semctl, sem, 0, GETVAL, 0));
    struct sembuf wait = {1, -1, 0};
    struct timespec brief = {0, 1000000};
    report("semtimedop(wait 1 ms)", syscall(SYS_semtimedop, sem, &wait, 1, &brief));
    struct semid_ds ds;
    memset(&ds, 0xff, sizeof ds);
    report("semctl(IPC_STAT)", syscall(SYS_semctl, sem, 0, IPC_STAT, &ds));
    printf("  nsems=%lu otime=%ld\n", (unsigned long)ds.sem_nsems, (long)ds.sem_otime);
    /* SETALL and GETALL: the array has one value per semaphore of the set (2); the third value
     * lies past it and must stay untouched. */
    unsigned short values[2] = {r[4] % 100, r[5] % 100}, all[3] = {0xffff, 0xffff, 0xffff};
    report("semctl(SETALL)", syscall(SYS_semctl, sem, 0, SETALL, values));
    report("semctl(GETALL)", syscall(SYS_semctl, sem, 0, GETALL, all));
    printf("  all=%u,%u,%u same=%d\n", all[0], all[1], all[2], all[0] == values[0] && all[1] == values[1]);
    report("semctl(IPC_RMID)", syscall(SYS_semctl, sem, 0, IPC_RMID, 0));

    int q = syscall(SYS_msgget, IPC_PRIVATE, 0600);
    report("msgget", q >= 0 ? 1 : -1);
    struct { long type; char text[32]; } m = {3, {0}}, in;
    snprintf(m.text, sizeof m.text, "msg %02x%02x%02x", r[1], r[2], r[3]);
    report("msgsnd", syscall(SYS_msgsnd, q, &m, strlen(m.text) + 1, 0));
    struct msqid_ds qs;
    memset(&qs, 0xff, sizeof qs);
    report("msgctl(IPC_STAT)", syscall(SYS_msgctl, q, IPC_STAT, &qs));
    printf("  qnum=%lu stime=%ld lspid_is_me=%d\n", (unsigned long)qs.msg_qnum, (long)qs.msg_stime, qs.msg_lspid == getpid());
    memset(&in, 0, sizeof in);
    report("msgrcv", syscall(SYS_msgrcv, q, &in, sizeof in.text, 0, 0));
    printf("  type=%ld text=%s\n", in.type, in.text);
    report("msgrcv(empty, NOWAIT)", syscall(SYS_msgrcv, q, &in, sizeof in.text, 0, IPC_NOWAIT));
    report("msgctl(IPC_RMID)", syscall(SYS_msgctl, q, IPC_RMID, NULL));
}

static volatile sig_atomic_t notified_code, notified_value;

static void on_message(int sig, siginfo_t *info, void *context) {
    (void)sig, (void)context;
    notified_value = info->si_value.sival_int;
    notified_code = info->si_code;
}

static void posix_mq(void) {
    char name[64];
    snprintf(name, sizeof name, "/swrr-tail-%d", getpid());
    struct mq_attr attr = {0, 4, 64, 0};
    int mq = syscall(SYS_mq_open, name + 1, O_CREAT | O_RDWR, 0600, &attr);
    report("mq_open", mq >= 0 ? 1 : -1);
    if (mq < 0) return;
    unsigned char r[4];
    getrandom(r, sizeof r, 0);
    char msg[64], in[64] = {0};
    snprintf(msg, sizeof msg, "mq %02x%02x%02x", r[0], r[1], r[2]);
    report("mq_timedsend", syscall(SYS_mq_timedsend, mq, msg, strlen(msg), (unsigned)(r[3] % 32), NULL));
    struct sigevent none = {0};
    none.sigev_notify = SIGEV_NONE;
    report("mq_notify(NONE)", syscall(SYS_mq_notify, mq, &none));
    report("mq_notify(unregister)", syscall(SYS_mq_notify, mq, NULL));
    /* A signal when a message reaches the empty queue: a signal event of the trace on replay. */
    struct mq_attr drained;
    report("mq_timedreceive(first)", syscall(SYS_mq_timedreceive, mq, in, sizeof in, NULL, NULL));
    memset(in, 0, sizeof in);
    report("mq_getsetattr(empty)", syscall(SYS_mq_getsetattr, mq, NULL, &drained));
    struct sigaction sa = {0};
    sa.sa_sigaction = on_message;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent signal_me = {0};
    signal_me.sigev_notify = SIGEV_SIGNAL;
    signal_me.sigev_signo = SIGUSR1;
    signal_me.sigev_value.sival_int = r[0];
    report("mq_notify(SIGUSR1)", syscall(SYS_mq_notify, mq, &signal_me));
    report("mq_timedsend(again)", syscall(SYS_mq_timedsend, mq, msg, strlen(msg), (unsigned)(r[3] % 32), NULL));
    for (int i = 0; i < 1000 && !notified_code; i++) usleep(1000);
    printf("  notified code=%d value_same=%d\n", notified_code, notified_value == r[0]);
    struct mq_attr now;
    memset(&now, 0xff, sizeof now);
    report("mq_getsetattr", syscall(SYS_mq_getsetattr, mq, NULL, &now));
    printf("  maxmsg=%ld msgsize=%ld curmsgs=%ld\n", now.mq_maxmsg, now.mq_msgsize, now.mq_curmsgs);
    unsigned prio = 99;
    report("mq_timedreceive", syscall(SYS_mq_timedreceive, mq, in, sizeof in, &prio, NULL));
    printf("  text=%s prio=%u\n", in, prio);
    close(mq);
    report("mq_unlink", syscall(SYS_mq_unlink, name + 1));
}

static void sandbox_and_x86(const char *dir) {
    report("landlock_create_ruleset(VERSION)", syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct landlock_ruleset_attr ra = {.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_REG};
        int rs = report("landlock_create_ruleset", syscall(SYS_landlock_create_ruleset, &ra, sizeof ra, 0));
        struct landlock_path_beneath_attr pb = {.allowed_access = LANDLOCK_ACCESS_FS_MAKE_REG, .parent_fd = open("/proc", O_PATH)};
        report("landlock_add_rule", syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0));
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        report("landlock_restrict_self", syscall(SYS_landlock_restrict_self, rs, 0));
        char path[4096];
        snprintf(path, sizeof path, "%s/denied", dir);
        report("open(O_CREAT) under landlock", open(path, O_CREAT | O_WRONLY, 0600));
        fflush(stdout);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    unsigned char ldt[64];
    memset(ldt, 0xaa, sizeof ldt);
    report("modify_ldt(read)", syscall(SYS_modify_ldt, 0, ldt, sizeof ldt));
    /* A 32-bit data segment at entry 1 (struct user_desc, 16 bytes). */
    struct { unsigned int entry, base, limit, flags; } desc = {1, 0, 0xfffff, 0x51 /* seg_32bit, limit_in_pages, useable */};
    report("modify_ldt(write)", syscall(SYS_modify_ldt, 1, &desc, sizeof desc));
    if (report("modify_ldt(read)", syscall(SYS_modify_ldt, 0, ldt, sizeof ldt)) > 0) hex("ldt", ldt, 16);
    report("iopl(0)", syscall(SYS_iopl, 0));
    report("ioperm(0x80 on)", syscall(SYS_ioperm, 0x80, 1, 1));
    report("ioperm(0x80 off)", syscall(SYS_ioperm, 0x80, 1, 0));
}

static volatile sig_atomic_t usr2_seen;
static void on_usr2(int sig) { (void)sig; usr2_seen++; }

/* epoll_pwait2 with a timeout and a mask; resource limits of another process and of itself. */
static void waits_and_limits(void) {
    int ep = epoll_create1(0), p[2];
    if (ep < 0 || pipe(p)) exit(2);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x5157}, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    sigset_t mask;
    sigemptyset(&mask);
    struct timespec ms5 = {0, 5000000};
    report("epoll_pwait2(nothing, 5 ms)", syscall(SYS_epoll_pwait2, ep, out, 2, &ms5, &mask, 8));
    unsigned char token;
    getrandom(&token, 1, 0);
    if (write(p[1], &token, 1) != 1) exit(2);
    report("epoll_pwait2(ready)", syscall(SYS_epoll_pwait2, ep, out, 2, &ms5, &mask, 8));
    printf("  events=%x data=%llx\n", out[0].events, (unsigned long long)out[0].data.u64);
    /* SIGUSR2 pending while blocked: the call's mask lets it in, its handler runs, EINTR. */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t blocked, old;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    sigprocmask(SIG_BLOCK, &blocked, &old);
    char c;
    if (read(p[0], &c, 1) != 1) exit(2);
    raise(SIGUSR2);
    struct timespec s1 = {1, 0};
    report("epoll_pwait2(SIGUSR2 let in)", syscall(SYS_epoll_pwait2, ep, out, 2, &s1, &mask, 8));
    printf("  usr2_seen=%d token_same=%d\n", (int)usr2_seen, c == (char)token);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(ep);

    /* Another process's limits, then its own RLIMIT_STACK lowered with the raw setrlimit. */
    int go[2];
    if (pipe(go)) exit(2);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(3);
        struct rlimit now;
        getrlimit(RLIMIT_NOFILE, &now);
        printf("  child nofile=%lu\n", (unsigned long)now.rlim_cur);
        fflush(stdout);
        _exit(0);
    }
    struct rlimit lower = {64 + token % 64, 0}, before;
    getrlimit(RLIMIT_NOFILE, &before);
    lower.rlim_max = before.rlim_max;
    struct rlimit previous;
    report("prlimit64(child, NOFILE)", syscall(SYS_prlimit64, child, RLIMIT_NOFILE, &lower, &previous));
    printf("  previous_same=%d set=%lu\n", previous.rlim_cur == before.rlim_cur, (unsigned long)lower.rlim_cur);
    if (write(go[1], "x", 1) != 1) exit(2);
    int status;
    waitpid(child, &status, 0);
    struct rlimit stack;
    getrlimit(RLIMIT_STACK, &stack);
    struct rlimit smaller = {4 << 20, stack.rlim_max};
    report("setrlimit(STACK, 4 MiB)", syscall(SYS_setrlimit, RLIMIT_STACK, &smaller));
    report("setrlimit(NOFILE, same)", syscall(SYS_setrlimit, RLIMIT_NOFILE, &before));
    struct rlimit check;
    getrlimit(RLIMIT_STACK, &check);
    printf("  stack=%lu\n", (unsigned long)check.rlim_cur);
    report("setrlimit(STACK, back)", syscall(SYS_setrlimit, RLIMIT_STACK, &stack));
    close(go[1]);
    close(p[0]);
    close(p[1]);
}

/* Older interfaces, file handles, other processes' memory advice, futex_waitv, and the
 * asynchronous-I/O interfaces swrr refuses with ENOSYS (the program falls back). */
static void older_and_handles(const char *dir) {
    unsigned int token;
    getrandom(&token, sizeof token, 0);
    char path[512], name[64];
    snprintf(name, sizeof name, "handle-%08x", token);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char content[32];
    int n = snprintf(content, sizeof content, "content %08x\n", token);
    write(fd, content, n);
    /* getdents (struct linux_dirent: d_ino, d_off, d_reclen, d_name) finds the random name. */
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    char buf[8192];
    long got = syscall(SYS_getdents, d, buf, sizeof buf);
    int found = 0;
    for (long off = 0; got > 0 && off < got;) {
        unsigned short reclen = *(unsigned short *)(buf + off + 16);
        if (strcmp(buf + off + 18, name) == 0) found = 1;
        if (reclen == 0) break;
        off += reclen;
    }
    printf("getdents: result=%d errno=0\n  found=%d\n", got > 0 ? 1 : -1, found);
    close(d);
    report("readahead", syscall(SYS_readahead, fd, 0L, 4096L));
    /* futimesat sets a random modification time, read back by fstat. */
    struct timeval times[2] = {{1000000 + token % 100000, 0}, {2000000 + token % 100000, 0}};
    report("futimesat", syscall(SYS_futimesat, AT_FDCWD, path, times));
    struct stat st;
    fstat(fd, &st);
    printf("  mtime_same=%d\n", st.st_mtime == (time_t)(2000000 + token % 100000));
    /* name_to_handle_at: a too small handle first (EOVERFLOW with the size needed), then the
     * handle, opened again by open_by_handle_at (root: CAP_DAC_READ_SEARCH) and read. */
    struct { unsigned int bytes; int type; unsigned char h[128]; } handle = {0};
    int mount_id = -1;
    report("name_to_handle_at(0 bytes)", syscall(SYS_name_to_handle_at, AT_FDCWD, path, &handle, &mount_id, 0));
    printf("  needed=%d\n", handle.bytes > 0);
    handle.bytes = 128;
    if (report("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, path, &handle, &mount_id, 0)) == 0) {
        hex("handle", handle.h, handle.bytes);
        printf("  mount_id_set=%d\n", mount_id >= 0);
        int again = syscall(SYS_open_by_handle_at, AT_FDCWD, &handle, O_RDONLY);
        printf("open_by_handle_at: result=%d errno=%d\n", again >= 0 ? 0 : -1, again >= 0 ? 0 : errno);
        if (again >= 0) {
            char back[32] = {0};
            long r = read(again, back, sizeof back - 1);
            printf("  read=%ld text=%s", r, back);
            close(again);
        }
    }
    long ustat_buf[4];
    long u = syscall(SYS_ustat, (unsigned)st.st_dev, ustat_buf);
    printf("ustat: failed=%d\n", u < 0);
    /* Memory advice about this process through its pidfd, and a page's node. */
    int pidfd = syscall(SYS_pidfd_open, getpid(), 0);
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 1;
    struct iovec iov = {page, 4096};
    long advised = syscall(SYS_process_madvise, pidfd, &iov, 1, 20 /* MADV_COLD */, 0);
    printf("process_madvise(COLD): ok=%d\n", advised == 4096 || (advised < 0 && errno == EINVAL));
    report("process_mrelease(alive)", syscall(SYS_process_mrelease, pidfd, 0));
    void *pages[1] = {page};
    int status[1] = {-123};
    report("move_pages(query)", syscall(SYS_move_pages, 0, 1, pages, NULL, status, 0));
    printf("  status=%d\n", status[0]);
    unsigned long nodes = 1;
    long migrated = syscall(SYS_migrate_pages, 0, 2, &nodes, &nodes);
    printf("migrate_pages: ok=%d\n", migrated >= 0);
    munmap(page, 4096);
    close(pidfd);
    /* futex_waitv: a value that differs (EAGAIN), then a wait that times out. */
    struct { unsigned long long val, uaddr; unsigned int flags, reserved; } waiter;
    unsigned int word = token;
    waiter.val = (unsigned long long)token + 1;
    waiter.uaddr = (unsigned long)&word;
    waiter.flags = 2 /* FUTEX2_SIZE_U32 */ | 128 /* FUTEX2_PRIVATE */;
    waiter.reserved = 0;
    report("futex_waitv(differs)", syscall(SYS_futex_waitv, &waiter, 1, 0, NULL, CLOCK_MONOTONIC));
    waiter.val = token;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 2000000;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    report("futex_waitv(2 ms)", syscall(SYS_futex_waitv, &waiter, 1, 0, &deadline, CLOCK_MONOTONIC));
    /* Refused by swrr with ENOSYS; natively io_setup(0) is EINVAL and io_uring_setup(0) EINVAL. */
    long a = syscall(SYS_io_setup, 0, NULL), b = syscall(SYS_io_uring_setup, 0, NULL);
    printf("io_setup, io_uring_setup: failed=%d\n", a < 0 && b < 0);
    close(fd);
    unlink(path);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    clocks();
    splices();
    processes();
    memory();
    syncs_and_xattrs(dir);
    scheduling();
    notifications(dir);
    keys();
    administration();
    sysv_ipc();
    posix_mq();
    sandbox_and_x86(dir);
    waits_and_limits();
    older_and_handles(dir);
    printf("done\n");
    return 0;
}
