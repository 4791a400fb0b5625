// Breakpoints and reverse execution inside a stretch of buffered syscalls (issue 7): 200 one-byte
// preads of the program's own executable, each followed by a line the tests stop on. With syscall
// buffering the whole loop makes no recorded event, so every stop is a position inside one event.
// The line markers are looked up by the tests; keep them on their lines.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int iter;
long total;

int main(int argc, char **argv) {
    (void)argc;
    int fd = open(argv[0], O_RDONLY);
    if (fd < 0) return 1;
    unsigned char c;
    for (iter = 0; iter < 200; iter++) {
        if (pread(fd, &c, 1, iter) != 1) return 2;
        total += c;                             // MARK: after-read
    }
    printf("total %ld\n", total);
    return 4;
}
