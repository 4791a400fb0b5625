// swrr-dap debugging fixture: a loop calling a function, a recursive function, nested structs,
// arrays and pointers, a global written in the loop, and (with an argument) a SIGSEGV. The
// tests find lines by the "L:" markers.
#include <stdio.h>

struct point { int x; int y; };
struct shape {
    char name[8];
    struct point corners[2];
    struct point *origin;
    int tags[3];
};

int counter = 0;

int square(int v) {
    int r = v * v;                                 // L:square-body
    return r;
}

int fact(int n) {
    if (n <= 1) return 1;                          // L:fact-body
    return n * fact(n - 1);                        // L:fact-rec
}

void crash(int *p) {
    *p = 42;                                       // L:crash
}

int main(int argc, char **argv) {
    struct point o = {3, 4};
    struct shape s = {"box", {{1, 2}, {5, 6}}, &o, {7, 8, 9}};
    int total = 0;
    for (int i = 0; i < 5; i++) {                  // L:for
        total += square(i);                        // L:loop
        counter = total;                           // L:counter
    }
    int f = fact(4);                               // L:fact-call
    printf("total %d fact %d %s %d\n", total, f, s.name, s.origin->y);   // L:print
    if (argc > 1) crash(NULL);                     // L:crash-call
    return 0;
}
