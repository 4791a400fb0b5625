/* sensor_report.c: swrr's demo program. A bug whose cause comes long before its symptom.
 *
 * The program reads 40 temperature samples, sorts each into one of ten 10-degree buckets, and at
 * the very end prints a report with the share of samples in each bucket. The report is wrong: it
 * says it counted 41 samples where 40 were read, so every percentage is off.
 *
 * The cause is the fourth sample (100.0 degrees). bucket_of() maps it to bucket 10, one past the
 * end of `buckets[10]`, and the increment lands on `total`, which sits right after the array in
 * `struct histogram`. Nothing goes wrong at that moment; 36 samples later the totals disagree.
 *
 * Under swrr: record once, then replay as often as you like. The recording also contains the
 * run's time, its pid and a random run id: all of them come back identical on replay. With the
 * reverse debugger (DAP, stepBack/reverseContinue), put a data breakpoint on `hist.total` at the
 * end and run backwards: it stops at the line in add_sample() that wrote it for the fourth sample.
 *
 * Build: gcc -g -O0 -o sensor_report sensor_report.c
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 10

struct histogram {
    int buckets[BUCKETS];   /* samples in [0,10), [10,20), ... [90,100) degrees */
    int total;              /* samples counted so far: lies right after buckets[] in memory */
};

static const double samples[] = {
    21.5, 23.0, 22.8, 100.0, 24.1, 25.3, 19.9, 18.2, 30.4, 31.0,
    29.7, 28.8, 27.5, 26.1, 35.2, 36.8, 40.1, 41.9, 38.5, 33.3,
    22.2, 21.1, 20.0, 19.5, 18.8, 17.2, 16.9, 15.0, 14.4, 13.3,
    45.5, 47.2, 49.9, 51.3, 55.0, 58.6, 61.2, 64.8, 70.1, 75.5,
};
#define NSAMPLES ((int)(sizeof samples / sizeof samples[0]))

/* The bug: a reading of exactly 100.0 degrees gives bucket 10, which does not exist. */
static int bucket_of(double celsius) {
    return (int)(celsius / 10.0);
}

static void add_sample(struct histogram *h, double celsius) {
    int b = bucket_of(celsius);
    h->buckets[b]++;          /* for b == 10 this increments h->total */
    h->total++;
}

static double read_sample(int i) {
    return samples[i];        /* a real program would read a sensor here */
}

static void print_report(const struct histogram *h, int read) {
    printf("samples read: %d, samples counted: %d%s\n", read, h->total,
           read == h->total ? "" : "   <-- wrong!");
    for (int b = 0; b < BUCKETS; b++) {
        double share = 100.0 * h->buckets[b] / h->total;
        printf("  %3d-%3d C: %2d samples %5.1f%%", b * 10, b * 10 + 10, h->buckets[b], share);
        if (h->buckets[b] > 0) putchar(' ');
        for (int i = 0; i < h->buckets[b]; i++) putchar('#');
        putchar('\n');
    }
}

int main(void) {
    struct histogram hist = {{0}, 0};
    uint32_t run_id = 0;
    if (getrandom(&run_id, sizeof run_id, 0) != sizeof run_id) run_id = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("sensor report, run %08x, pid %d, at %lld.%09ld\n", run_id, (int)getpid(),
           (long long)now.tv_sec, now.tv_nsec);

    int read = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        add_sample(&hist, read_sample(i));
        read++;
    }
    print_report(&hist, read);
    return 0;
}
