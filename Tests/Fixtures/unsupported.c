/* unsupported.c: makes a syscall or an ioctl that swrr does not know, so that recording must stop
 * with a message naming it. Both are harmless when run natively.
 * Usage: unsupported syscall   (get_thread_area into NULL: fails natively with EFAULT)
 *        unsupported ioctl     (TIOCGSERIAL on /dev/null: fails with ENOTTY) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "syscall";
    printf("before\n");
    fflush(stdout);
    if (strcmp(mode, "ioctl") == 0) {
        int fd = open("/dev/null", O_RDONLY);
        char buf[128];
        long r = ioctl(fd, 0x541E /* TIOCGSERIAL */, buf);
        printf("ioctl TIOCGSERIAL = %ld\n", r);
    } else {
        long r = syscall(SYS_get_thread_area, NULL);
        printf("get_thread_area = %ld\n", r >= 0 ? 0L : r);
    }
    printf("after\n");
    return 0;
}
