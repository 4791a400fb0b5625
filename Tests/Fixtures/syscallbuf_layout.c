/* syscallbuf_layout.c: prints the preload library's buffer layout and its table of buffered calls,
 * compiled together with the library's source, for SyscallBufferLayoutTests to compare with the
 * Swift side (SyscallBufferLayout.swift, SyscallTable.swift). */
#include "../../Sources/SwrrPreload/syscallbuf.c"
#include <stdio.h>

int main(void) {
    printf("stub_page %lu\n", SWRR_STUB_PAGE);
    printf("untraced_end %lu\n", SWRR_STUB_UNTRACED_END);
    printf("mode %lu\n", SWRR_STUB_MODE - SWRR_STUB_PAGE);
    printf("call_end %lu\n", SWRR_STUB_CALL_END);
    printf("mapped_files %lu %d %lu %lu\n", SWRR_STUB_MAPPED_FILES - SWRR_STUB_PAGE, SWRR_MAPPED_FILES_BITS,
           (unsigned long)swrr_mapped_file_bit(0x10302, 1234567), (unsigned long)swrr_mapped_file_bit(~0ull, ~0ull));
    printf("own_marker %s\n", SWRR_OWN_MARKER);
    printf("own_tag %lu\n", SWRR_OWN_UNTRACED_TAG);
    printf("buffer_size %u\n", SWRR_BUFFER_SIZE);
    printf("patch_answer %d\n", SWRR_BUFFER_PATCH);
    printf("header_size %zu\n", sizeof(struct swrr_buffer_header));
    printf("used %zu limit %zu locked %zu armed %zu classes %zu shared %zu\n", offsetof(struct swrr_buffer_header, used),
           offsetof(struct swrr_buffer_header, limit), offsetof(struct swrr_buffer_header, locked),
           offsetof(struct swrr_buffer_header, armed), offsetof(struct swrr_buffer_header, classes),
           offsetof(struct swrr_buffer_header, shared));
    printf("record_size %zu\n", sizeof(struct swrr_record));
    printf("calls %d %d %d %d\n", SWRR_CALL_REGISTER_BUFFER, SWRR_CALL_BUFFER_MISMATCH, SWRR_CALL_FD_CLASS,
           SWRR_CALL_PATH_CLASS);
    /* The syscall sites of this process's libc as patch_libc finds them (eight bytes at a time),
     * and byte by byte. */
    struct text_range text = {0, 0};
    unsigned fast = 0, slow = 0;
    if (dl_iterate_phdr(find_libc_text, &text)) {
        const uint8_t *s = (const uint8_t *)text.start, *e = (const uint8_t *)text.end;
        for (const uint8_t *p = next_site(s, e); p < e; p = next_site(p + 1, e)) fast++;
        for (const uint8_t *p = s; p + 8 <= e; p++) slow += site_length(p) != 0;
    }
    printf("libc_sites %u %u\n", fast, slow);
    for (unsigned i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        printf("rule %d %d %d", rules[i].number, rules[i].key, rules[i].key_arg + 1);
        for (int j = 0; j < rules[i].outputs; j++)
            printf(" %d:%d:%d", rules[i].out[j].arg, rules[i].out[j].max_arg, rules[i].out[j].size);
        printf("\n");
    }
    return 0;
}
