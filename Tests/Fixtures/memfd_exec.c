/* memfd_exec.c: copies its own executable into a memfd and runs it with fexecve in a child,
 * which prints a random token it was given and random bytes of its own; the parent prints the
 * child's exit status. Both change from run to run.
 * Usage: memfd_exec             (the parent)
 *        memfd_exec child TOKEN (what the memfd runs) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "child") == 0) {
        unsigned char r[8];
        getrandom(r, sizeof r, 0);
        char self[256] = {0};
        readlink("/proc/self/exe", self, sizeof self - 1);
        printf("child: token=%s random=%02x%02x%02x%02x%02x%02x%02x%02x exe=%s\n", argv[2],
               r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], self);
        return 3;
    }
    int exe = open("/proc/self/exe", O_RDONLY);
    int mfd = memfd_create("test", MFD_CLOEXEC);
    if (exe < 0 || mfd < 0) { perror("open"); return 2; }
    char buf[65536];
    ssize_t n;
    while ((n = read(exe, buf, sizeof buf)) > 0) {
        if (write(mfd, buf, n) != n) { perror("write"); return 2; }
    }
    close(exe);
    unsigned int token;
    getrandom(&token, sizeof token, 0);
    char text[16];
    snprintf(text, sizeof text, "%08x", token);
    printf("parent: token=%s\n", text);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char *args[] = {"memfd_exec", "child", text, NULL};
        fexecve(mfd, args, environ);
        perror("fexecve");
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
