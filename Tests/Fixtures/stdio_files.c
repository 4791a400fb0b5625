/* stdio_files.c: file work through libc's stdio and dirent functions, whose syscalls libc makes
 * from inside (fopen's openat, fprintf's write, fclose's close, readdir's getdents64, fread's read)
 * rather than through the functions swrr's preload library replaces: with syscall buffering they
 * are buffered only because the library patches libc's syscall instructions (issue 7).
 * Usage: stdio_files DIR N   (creates N files in DIR, lists DIR, reads them back) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: stdio_files DIR N\n"); return 2; }
    int n = atoi(argv[2]);
    char path[4096];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/file%04d.txt", argv[1], i);
        FILE *f = fopen(path, "w");
        if (!f) { perror("fopen"); return 2; }
        fprintf(f, "file %d: %d\n", i, i * i);
        fclose(f);
    }
    DIR *d = opendir(argv[1]);
    if (!d) { perror("opendir"); return 2; }
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) if (strncmp(e->d_name, "file", 4) == 0) entries++;
    closedir(d);
    long sum = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/file%04d.txt", argv[1], i);
        FILE *f = fopen(path, "r");
        if (!f) { perror("fopen"); return 2; }
        int c;
        while ((c = fgetc(f)) != EOF) sum += c;
        fclose(f);
    }
    printf("%d files listed, byte sum %ld\n", entries, sum);
    return 0;
}
