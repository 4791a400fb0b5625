/* vdso.c: a program that finds the vDSO itself and calls into it, as Go's runtime, JITs and test
 * suites do.
 *
 * It reads the vDSO's ELF header through getauxval(AT_SYSINFO_EHDR), checks that /proc/self/maps
 * names the same place [vdso], finds functions in its dynamic symbol table (through PT_DYNAMIC,
 * DT_HASH, DT_SYMTAB and DT_STRTAB, as the kernel's parse_vdso.c does) and calls them directly,
 * then calls libc's clock_gettime/time/gettimeofday, and prints every value. Under swrr the vDSO
 * functions make real syscalls, so the values are the real time, recorded, and a replay prints
 * the same ones.
 *
 * Usage: vdso time   clocks, time, clock_getres and getrandom, through the vDSO and libc
 *        vdso cpu    getcpu through the vDSO and sched_getcpu
 * Exit status: 0; 1 without a vDSO; 3 when /proc/self/maps has no [vdso] where AT_SYSINFO_EHDR
 * points; 4 when a vDSO call that should succeed failed.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

static uintptr_t base;          /* where the vDSO is mapped */
static uintptr_t bias;          /* base minus its first PT_LOAD's p_vaddr */
static const Elf64_Sym *symtab;
static const char *strtab;
static uint32_t nsyms;

static int load(void) {
    base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
    if (!base) return -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    int found_load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !found_load) {
            bias = base + ph[i].p_offset - ph[i].p_vaddr;
            found_load = 1;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
        }
    }
    if (!found_load || !dyn) return -1;
    const uint32_t *hash = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB) symtab = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_STRTAB) strtab = (const char *)(bias + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_HASH) hash = (const uint32_t *)(bias + dyn->d_un.d_ptr);
    }
    if (!symtab || !strtab || !hash) return -1;
    nsyms = hash[1];            /* nchain: the number of symbols */
    return 0;
}

static void *find(const char *name) {
    for (uint32_t i = 0; i < nsyms; i++) {
        const Elf64_Sym *s = &symtab[i];
        if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx != SHN_UNDEF && strcmp(strtab + s->st_name, name) == 0)
            return (void *)(bias + s->st_value);
    }
    return NULL;
}

/* The [vdso] line of /proc/self/maps: its start, 0 if there is none. */
static unsigned long maps_vdso(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return 0;
    char line[512];
    unsigned long start = 0, end;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &start, &end) == 2) break;
        start = 0;
    }
    fclose(f);
    return start;
}

static int header(void) {
    const unsigned char *e = (const unsigned char *)base;
    printf("magic: %02x %c%c%c\n", e[0], e[1], e[2], e[3]);
    printf("e_type: %u\n", (unsigned)((const Elf64_Ehdr *)base)->e_type);
    int same = maps_vdso() == base;
    printf("maps_same: %s\n", same ? "yes" : "no");
    return same ? 0 : 3;
}

static int times(void) {
    int (*v_clock_gettime)(clockid_t, struct timespec *) = find("__vdso_clock_gettime");
    int (*v_gettimeofday)(struct timeval *, void *) = find("__vdso_gettimeofday");
    time_t (*v_time)(time_t *) = find("__vdso_time");
    int (*v_clock_getres)(clockid_t, struct timespec *) = find("__vdso_clock_getres");
    printf("found: clock_gettime %d gettimeofday %d time %d clock_getres %d\n", v_clock_gettime != NULL,
           v_gettimeofday != NULL, v_time != NULL, v_clock_getres != NULL);
    if (!v_clock_gettime || !v_gettimeofday || !v_time || !v_clock_getres) return 4;

    struct timespec rt, mono, res;
    struct timeval tv;
    time_t stored = 0;
    int r1 = v_clock_gettime(CLOCK_REALTIME, &rt);
    int r2 = v_clock_gettime(CLOCK_MONOTONIC, &mono);
    int r3 = v_gettimeofday(&tv, NULL);
    time_t t = v_time(&stored);
    int r4 = v_clock_getres(CLOCK_MONOTONIC, &res);
    printf("vdso_clock_realtime: %d %lld.%09ld\n", r1, (long long)rt.tv_sec, rt.tv_nsec);
    printf("vdso_clock_monotonic: %d %lld.%09ld\n", r2, (long long)mono.tv_sec, mono.tv_nsec);
    printf("vdso_gettimeofday: %d %lld.%06ld\n", r3, (long long)tv.tv_sec, (long)tv.tv_usec);
    printf("vdso_time: %lld stored %lld\n", (long long)t, (long long)stored);
    printf("vdso_clock_getres: %d %lld.%09ld\n", r4, (long long)res.tv_sec, res.tv_nsec);
    /* An invalid clock: the error comes back as the vDSO returns it (-EINVAL, not -1/errno). */
    printf("vdso_bad_clock: %d\n", v_clock_gettime(12345, &rt));

    struct timespec lrt, lmono;
    struct timeval ltv;
    clock_gettime(CLOCK_REALTIME, &lrt);
    clock_gettime(CLOCK_MONOTONIC, &lmono);
    gettimeofday(&ltv, NULL);
    time_t lt = time(NULL);
    printf("libc_clock_realtime: %lld.%09ld\n", (long long)lrt.tv_sec, lrt.tv_nsec);
    printf("libc_clock_monotonic: %lld.%09ld\n", (long long)lmono.tv_sec, lmono.tv_nsec);
    printf("libc_gettimeofday: %lld.%06ld\n", (long long)ltv.tv_sec, (long)ltv.tv_usec);
    printf("libc_time: %lld\n", (long long)lt);
    /* Monotonic time never goes back between the vDSO's and libc's readings. */
    printf("monotonic_order: %s\n",
           lmono.tv_sec > mono.tv_sec || (lmono.tv_sec == mono.tv_sec && lmono.tv_nsec >= mono.tv_nsec) ? "yes" : "no");

    /* getrandom (kernels from 6.11): the parameter query (opaque_len ~0) and a call without an
     * opaque state, which the kernel's vDSO passes to the syscall. */
    long (*v_getrandom)(void *, size_t, unsigned, void *, size_t) = find("__vdso_getrandom");
    printf("found: getrandom %d\n", v_getrandom != NULL);
    if (v_getrandom) {
        unsigned char params[64] = {0}, bytes[16] = {0};
        long q = v_getrandom(NULL, 0, 0, params, ~0UL);
        long n = v_getrandom(bytes, sizeof bytes, 0, NULL, 0);
        printf("vdso_getrandom_query: %ld\n", q);
        printf("vdso_getrandom: %ld ", n);
        for (size_t i = 0; i < sizeof bytes; i++) printf("%02x", bytes[i]);
        printf("\n");
        if (n != sizeof bytes) return 4;
    }
    return r1 || r2 || r3 || r4 || t <= 0 || t != stored ? 4 : 0;
}

static int cpus(void) {
    long (*v_getcpu)(unsigned *, unsigned *, void *) = find("__vdso_getcpu");
    printf("found: getcpu %d\n", v_getcpu != NULL);
    if (!v_getcpu) return 4;
    unsigned cpu = 999, node = 999;
    long r = v_getcpu(&cpu, &node, NULL);
    printf("vdso_getcpu: %ld cpu %u node %u\n", r, cpu, node);
    printf("sched_getcpu: %d\n", sched_getcpu());
    return r == 0 ? 0 : 4;
}

int main(int argc, char **argv) {
    if (load() != 0) {
        printf("no vDSO: AT_SYSINFO_EHDR is %lx\n", getauxval(AT_SYSINFO_EHDR));
        return 1;
    }
    int status = header();
    int calls;
    if (argc > 1 && strcmp(argv[1], "time") == 0) calls = times();
    else if (argc > 1 && strcmp(argv[1], "cpu") == 0) calls = cpus();
    else {
        fprintf(stderr, "usage: vdso time|cpu\n");
        return 2;
    }
    return status ? status : calls;
}
