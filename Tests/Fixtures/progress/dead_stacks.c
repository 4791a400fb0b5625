// Two threads for the memory digest's dead stacks (MemoryDigestTests): main stops at an int3,
// creates a thread that blocks in read() on a pipe nobody writes (its dead stack, below its
// rsp, is another thread's: the digest of a position in main must leave it out), sleeps 50 ms
// so that the thread has blocked, and stops at a second int3 showing the thread's pthread_t in
// rdi. Then it waits forever; the tracer kills it.
#include <pthread.h>
#include <unistd.h>

static int fds[2];

static void *blocked(void *arg) {
    (void)arg;
    char c;
    (void)read(fds[0], &c, 1);
    return NULL;
}

int main(void) {
    pthread_t t;
    if (pipe(fds) != 0) return 1;
    __asm__ volatile("int3" ::: "memory");
    if (pthread_create(&t, NULL, blocked, NULL) != 0) return 2;
    usleep(50 * 1000);
    __asm__ volatile("int3" ::"D"(t) : "memory");
    for (;;) pause();
}
