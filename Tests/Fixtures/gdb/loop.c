// A loop for the debugger tests (Tests/SwrrReplayTests, Tests/SwrrGDBTests): a breakpoint on the
// loop body is hit once per iteration, a watchpoint on `counter` fires at each write. The line
// markers are looked up by the tests; keep them on their lines.
#include <stdio.h>

int iter;          // the loop variable, global so its address is known without DWARF
long counter;      // written once per iteration

static long twice(long v) {
    return v * 2;  // MARK: twice
}

int main(void) {
    for (iter = 0; iter < 5; iter++) {
        counter = iter * 10 + 1;  // MARK: body
        printf("iter %d counter %ld\n", iter, twice(counter));
    }
    return 3;
}
