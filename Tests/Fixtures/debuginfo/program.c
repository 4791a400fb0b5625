// Debug-info fixture: every construct the SwrrDebugInfo tests stop in or print.
// Lines the tests need are tagged with "MARK:name" comments; tests find them by text,
// so editing this file does not break line-number assertions.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum color { RED, GREEN = 5, BLUE };

struct point { int x; int y; };

struct flags {
    unsigned int ready : 1;
    unsigned int mode : 3;
    int level : 4;
    unsigned int rest : 24;
};

union number { int i; float f; unsigned char bytes[4]; };

struct shape {
    const char *name;
    struct point origin;
    struct point corners[2];
    enum color color;
    union number weight;
};

typedef struct shape shape_t;
typedef int (*binop_t)(int, int);

int global_counter = 7;
const char *global_name = "fixture";
struct point global_points[3] = { {1, 2}, {3, 4}, {5, 6} };
volatile int sink;
__thread int tls_counter = 5;

__attribute__((noinline)) int add(int a, int b) { return a + b; }

__attribute__((noinline)) void consume(void *p) { sink += (int)(long)p & 1; }

__attribute__((noinline)) int leaf(int depth) {
    sink = depth;            // MARK:leaf
    return depth + 1;
}

__attribute__((noinline)) int recurse(int n) {
    if (n == 0)
        return leaf(n);
    int r = recurse(n - 1);  // MARK:recurse-call
    sink = r;
    return r + 1;
}

__attribute__((noinline)) void in_handler(int sig) {
    sink = sig;              // MARK:in-handler
}

static void handler(int sig) {
    in_handler(sig);
}

__attribute__((noinline)) void raise_signal(void) {
    signal(SIGUSR1, handler);
    raise(SIGUSR1);
    sink = 0;
}

__attribute__((noinline)) int helper(int v) {
    sink = v;                // MARK:helper
    return v * 3;
}

static inline __attribute__((always_inline)) int inlined_twice(int x) {
    int doubled = x * 2;
    return helper(doubled) + 1;  // MARK:inline-call
}

__attribute__((noinline)) int use_inline(int x) {
    int a = inlined_twice(x);    // MARK:use-inline
    return a + inlined_twice(a);
}

__attribute__((noinline)) int show_locals(int param, const char *text) {
    char c = 'A';
    unsigned char uc = 200;
    short s = -12;
    long l = 1234567890123L;
    unsigned long long ull = 18446744073709551615ULL;
    float f = 1.5f;
    double d = 2.25;
    _Bool b = 1;
    enum color col = GREEN;
    enum color col2 = (enum color)7;
    struct flags fl = { 1, 5, -3, 1000 };
    union number num; num.i = 0x3f800000;
    struct point pts[2] = { {10, 20}, {30, 40} };
    int matrix[2][3] = { {1, 2, 3}, {4, 5, 6} };
    shape_t sh = { "square", {1, 2}, {{3, 4}, {5, 6}}, BLUE, { .i = 42 } };
    shape_t *psh = &sh;
    int *null_ptr = 0;
    binop_t fn = add;
    const char *greeting = "hello, world";
    char buf[8] = "abc";
    int dead = param * 17;
    consume(&c); consume(&uc); consume(&s); consume(&l); consume(&ull); consume(&f);
    consume(&d); consume(&b); consume(&col); consume(&col2); consume(&fl); consume(&num);
    consume(pts); consume(matrix); consume(psh); consume(&null_ptr); consume(&fn);
    consume(&greeting); consume(buf);
    sink = param + (int)strlen(text);  // MARK:locals
    return sink;
}

__attribute__((noinline)) int optimized(int x) {
    int gone = sink * 5;     // from a volatile read: nothing can recompute it later
    sink = gone;
    consume(0);
    sink = x;                // MARK:optimized
    return x;
}

__attribute__((noinline)) int vla(int n) {
    int values[n];
    for (int i = 0; i < n; i++) values[i] = i * i;
    consume(values);
    return values[n - 1];    // MARK:vla
}

int main(int argc, char **argv) {
    int loops = argc > 1 ? atoi(argv[1]) : 1;
    for (int i = 0; i < loops; i++) {
        recurse(5);
        raise_signal();
        sink = use_inline(argc);
        show_locals(argc + 2, "text");
        optimized(argc);
        vla(argc + 3);
    }
    global_counter += sink + tls_counter;
    return 0;
}
