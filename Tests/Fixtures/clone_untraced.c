// clone with CLONE_UNTRACED, made directly: the flag tells the kernel not to let a tracer follow
// the child (no PTRACE_EVENT_CLONE, the child untraced), which LeakSanitizer's StopTheWorld uses
// for its tracer "thread". A recorder must trace every task, so it removes the flag at the call's
// entry; the program must not see that: the flags register is its own again after the call, in
// the parent and in the child.
//
//   clone_untraced fork   clone(CLONE_UNTRACED | SIGCHLD) by a raw syscall: both sides print
//                         whether rdi still holds the flags; the child exits 5, the parent waits.
//   clone_untraced vm     as LeakSanitizer does: CLONE_VM | CLONE_FS | CLONE_FILES |
//                         CLONE_UNTRACED, a stack of its own, no exit signal; the child writes
//                         into the parent's memory and exits 9; the parent waits with __WALL.
//   clone_untraced spin   the vm child spins in sched_yield forever after saying so, and the
//                         parent waits for it: only killing swrr ends it (the test kills swrr
//                         and checks that nothing is left running).
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

// clone(flags, NULL, NULL, NULL, 0) by the syscall instruction; *rdi_after gets rdi as the
// kernel left it (the returning task's own).
static long raw_fork_clone(unsigned long flags, unsigned long *rdi_after) {
    long ret;
    unsigned long rdi = flags;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+D"(rdi)
                     : "0"((long)SYS_clone), "S"(0L), "d"(0L), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    *rdi_after = rdi;
    return ret;
}

static void say(const char *s) {
    // Raw write: the vm child shares the parent's TLS, where libc's errno and locks live.
    syscall(SYS_write, 1, s, strlen(s));
}

static volatile int vm_done;
static volatile int spin_forever;

static int vm_child(void *arg) {
    (void)arg;
    say("vm child: running\n");
    vm_done = 1;
    while (spin_forever) syscall(SYS_sched_yield);
    return 9;
}

static int fork_mode(void) {
    const unsigned long flags = CLONE_UNTRACED | SIGCHLD;
    unsigned long rdi = 0;
    long pid = raw_fork_clone(flags, &rdi);
    if (pid < 0) { printf("clone failed: %ld\n", pid); return 1; }
    if (pid == 0) {
        char line[80];
        snprintf(line, sizeof line, "child: rdi after clone is the flags: %s\n", rdi == flags ? "yes" : "no");
        say(line);
        syscall(SYS_exit, 5);
    }
    printf("parent: rdi after clone is the flags: %s\n", rdi == flags ? "yes" : "no");
    fflush(stdout);
    int status = 0;
    pid_t w = waitpid((pid_t)pid, &status, 0);
    printf("parent: waitpid = child %s, exited %d\n", w == pid ? "yes" : "no",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

static int vm_mode(int spin) {
    const size_t size = 256 * 1024;
    char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED) { perror("mmap"); return 1; }
    spin_forever = spin;
    int pid = clone(vm_child, stack + size, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED, NULL);
    if (pid < 0) { perror("clone"); return 1; }
    // As LeakSanitizer's parent does: wait for the child's flag in a sched_yield loop.
    while (!vm_done) syscall(SYS_sched_yield);
    if (spin) { printf("parent: child spinning\n"); fflush(stdout); }
    int status = 0;
    pid_t w = waitpid(pid, &status, __WALL);
    printf("parent: waitpid(__WALL) = child %s, exited %d, done %d\n", w == pid ? "yes" : "no",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1, vm_done);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "fork";
    if (strcmp(mode, "fork") == 0) return fork_mode();
    if (strcmp(mode, "vm") == 0) return vm_mode(0);
    if (strcmp(mode, "spin") == 0) return vm_mode(1);
    fprintf(stderr, "usage: clone_untraced fork|vm|spin\n");
    return 2;
}
