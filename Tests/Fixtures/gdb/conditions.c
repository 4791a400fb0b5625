// Breakpoint conditions evaluated in the gdb server (Tests/SwrrGDBTests/GDBConditionTests.swift):
// ten iterations with a local loop counter (`i == 7` compiles to an agent expression) and a
// local array (`name[0] == 'g'` does not: gdb evaluates it itself, "host evals"). At the body
// line of iteration i, name[0] is 'a' + i - 1 (and 'a' at i == 0), so 'g' only at i == 7.
// The line markers are looked up by the tests; keep them on their lines.
#include <stdio.h>

long total;

int main(void) {
    char name[4] = "abc";
    for (int i = 0; i < 10; i++) {
        total += i;  // MARK: body
        name[0] = (char)('a' + i);
    }
    printf("total %ld last %s\n", total, name);
    return 3;
}
