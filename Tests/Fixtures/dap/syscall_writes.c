// swrr-dap fixture for writes made by syscalls: `value` is filled by read() from a pipe (1111),
// then stored by the program (2222), then filled by read() again (3333). In between, a read()
// of a 16-byte `record` finds 2 bytes in the pipe: the kernel writes those 2 only, so a
// watchpoint on `record.tail` sees the program's store of 5 and not the read. Recorded without
// syscall buffering, every read() is a syscall whose output the replay writes back from the
// trace (the CPU's debug registers do not see that). The tests find lines by the "L:" markers.
#include <stdio.h>
#include <unistd.h>

long value;
struct { char head[8]; long tail; } record;

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) return 1;                                          // L:pipe
    long first = 1111, second = 3333;
    if (write(fds[1], &first, sizeof first) != sizeof first) return 2;
    if (read(fds[0], &value, sizeof value) != sizeof value) return 3;     // L:read1
    value = 2222;                                                          // L:store
    if (write(fds[1], "xy", 2) != 2) return 4;
    if (read(fds[0], &record, sizeof record) != 2) return 5;              // L:partial
    record.tail = 5;                                                       // L:tail
    if (write(fds[1], &second, sizeof second) != sizeof second) return 6;
    if (read(fds[0], &value, sizeof value) != sizeof value) return 7;     // L:read2
    printf("value %ld tail %ld\n", value, record.tail);                    // L:print
    return 0;
}
