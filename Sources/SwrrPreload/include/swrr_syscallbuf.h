// swrr_syscallbuf.h: the contract between the preload library (libswrrpreload.so, loaded into
// recorded programs with LD_PRELOAD) and swrr's recorder and replayer. Swift mirrors these
// numbers in Sources/SwrrKernel/SyscallBufferLayout.swift; SyscallBufferLayoutTests compiles this
// header and checks that both agree.
//
// The stub page. swrr maps one read+execute page at SWRR_STUB_PAGE in every recorded and replayed
// process right after exec (next to its scratch page). While recording it starts with
// `syscall; xor ecx,ecx; xor r11d,r11d; ret`, and the recorder's seccomp filter lets exactly
// the syscalls whose instruction ends at SWRR_STUB_UNTRACED_END run without a ptrace stop; every
// other syscall stops the program for the recorder (SECCOMP_RET_TRACE). While replaying,
// SWRR_STUB_MODE holds 1 and the library takes each buffered call's result and output bytes from
// the records the replayer put back into its buffer, without a syscall.
//
// The buffer. Each thread that makes a bufferable call maps SWRR_BUFFER_SIZE bytes of anonymous
// memory and announces it with SWRR_CALL_REGISTER_BUFFER (a recorded call swrr answers with 0).
// It starts with a struct swrr_buffer_header, then records back to back. A record is a struct
// swrr_record followed by the bytes the kernel wrote for the call (its outputs, in the order of
// the call's output rules), padded to 8 bytes.
#ifndef SWRR_SYSCALLBUF_H
#define SWRR_SYSCALLBUF_H

#include <stdint.h>

#define SWRR_STUB_PAGE 0x70001000UL
#define SWRR_STUB_UNTRACED SWRR_STUB_PAGE
#define SWRR_STUB_UNTRACED_END (SWRR_STUB_PAGE + 2)
#define SWRR_STUB_MODE (SWRR_STUB_PAGE + 0x800)
// swrr's own calls (SWRR_CALL_*) are made through the stub's second syscall instruction (`syscall;
// ret` at SWRR_STUB_CALL, traced: the seccomp filter lets only SWRR_STUB_UNTRACED_END through).
// The recorder takes a number of its own as swrr's call only from there: a program's syscall(1000)
// is an ordinary call of a number no kernel has (ENOSYS).
#define SWRR_STUB_CALL (SWRR_STUB_PAGE + 0x10)
#define SWRR_STUB_CALL_END (SWRR_STUB_CALL + 2)
// The files mapped in the recording whose copies replay keeps up to date (recording only; the
// recorder writes it through /proc/PID/mem in every process whenever the set grows): a bitmap of
// SWRR_MAPPED_FILES_BITS bits, bit swrr_mapped_file_bit(st_dev, st_ino) set for each file. A write,
// ftruncate or copy_file_range to such a file is never buffered (SWRR_FD_MAPPED): the recorder must
// see it at its syscall to keep the file's new bytes and size for replay, which applies them to its
// copy of the file at the same event. A bit shared with another file only makes that file's writes
// recorded syscalls too (the recorder checks the exact file).
#define SWRR_STUB_MAPPED_FILES (SWRR_STUB_PAGE + 0xC00)
#define SWRR_MAPPED_FILES_BITS 8192
static inline uint64_t swrr_mapped_file_bit(uint64_t dev, uint64_t ino) {
    return ((ino ^ (dev << 32)) * 0x9E3779B97F4A7C15ull) >> 51;   // top 13 bits: 0..8191
}
// Right after the `ret` that follows the syscall instruction of the library's own recorded calls
// (swrr_traced): the recorder keeps the program's own seccomp filters from acting on them.
#define SWRR_OWN_MARKER "swrr-own"
// In rbx during the library's own untraced calls (swrr_own_untraced): descriptor classification
// and the desched event's ioctls, which the program's seccomp filters must not act on either.
#define SWRR_OWN_UNTRACED_TAG 0x737772726f776e31UL

#define SWRR_BUFFER_SIZE (1u << 20)

// swrr's own call numbers (far above the kernel's, as rr's are).
#define SWRR_CALL_REGISTER_BUFFER 1000   // (buffer, size) -> 0 when swrr records this thread's
                                         // buffer, SWRR_BUFFER_PATCH when libc may be patched too
#define SWRR_BUFFER_PATCH 1              // the first buffer of a process with one thread
#define SWRR_CALL_BUFFER_MISMATCH 1001   // (expected number, recorded number): replay diverged
#define SWRR_CALL_FD_CLASS 1002          // record only: (fd) -> SWRR_FD_* (the library's fstat)
#define SWRR_CALL_PATH_CLASS 1003        // record only: (dirfd, path) -> SWRR_FD_*, before an open
#define SWRR_CALL_REGISTER_DESCHED 1004  // (fd) -> 0: this thread's desched event (see below)

// Blocking calls. A read or write on a descriptor that may block (a pipe, a socket, a terminal)
// is buffered too when the thread has a desched event: a perf event counting the thread's context
// switches (PERF_COUNT_SW_CONTEXT_SWITCHES, sample period 1) that sends it SWRR_DESCHED_SIGNAL
// through F_SETOWN_EX/F_SETSIG. The library enables it around the call. If the call blocks, the
// switch raises the signal, which interrupts the call; the recorder hides the signal and makes
// the stub return SWRR_INTERRUPTED instead of restarting the call, and the library then makes the
// call as an ordinary, recorded syscall, which other threads can run around. A signal of the
// program that interrupts a buffered call is handled the same way (it is delivered at that
// recorded syscall).
#define SWRR_DESCHED_SIGNAL 30           // SIGPWR, as rr
#define SWRR_INTERRUPTED (-4096L)        // no syscall returns it
#define SWRR_DESCHED_FD_MIN 900          // the event's descriptor is moved this high

// What a descriptor (or a path to open) is, for deciding whether a read, write or open can block.
#define SWRR_FD_OTHER 0      // pipes, sockets, terminals...: may block, never buffered
#define SWRR_FD_NONBLOCKING 1 // regular files, directories, /dev/null, /dev/zero, /dev/urandom...
#define SWRR_FD_ECHOED 2     // added to a descriptor's class: the same open file as descriptor 1
                             // or 2 (kcmp), whose output swrr replay echoes from recorded writes
                             // (a write to it is never buffered, as one to 1 or 2)
#define SWRR_FD_MAPPED 4     // added to a regular file's class: a file mapped in the recording
                             // (SWRR_STUB_MAPPED_FILES), whose writes and resizes stay recorded
                             // syscalls, as do opens of its path (O_TRUNC would empty it)
#define SWRR_FD_PROC 8       // added to a regular file's class: a procfs file (/proc/PID/mem...),
                             // whose writes stay recorded syscalls: one into a task's memory must
                             // be repeated in the replayed task (SyscallEvent.memFileWrite), which
                             // the recorder sees only at the syscall
#define SWRR_FD_SHARED 16    // added (recording, from the header's `shared` word) to the class of a
                             // descriptor that may block, classified by a vfork child running on
                             // its parent's buffer: no call on it may be buffered, since the desched
                             // event in the shared TLS counts the parent's switches, not the
                             // child's. Part of the record, so replay takes the same decision.

// Descriptor classes are remembered by each thread (so a loop of writes to one file makes one
// fstat, not one per write) only within a stretch of buffered calls between two flushes: swrr
// clears the header's `classes` word at each flush that has records (recording) and at each
// refill (replay). A stretch without records never consults them (a lookup needs room for a
// record, as the fstat it replaces does), so both modes see the same classes at every lookup.
// Between two flushes the thread makes no recorded syscall (any other syscall is an event, and
// other threads run only after one of this thread's events), so a descriptor can only change
// through the library's own buffered close and open, which forget it.

struct swrr_buffer_header {
    uint32_t used;    // bytes of complete records after the header
    uint32_t limit;   // a new record may only start below this offset (set by swrr)
    uint32_t locked;  // nonzero while the library is inside a buffered call
    uint32_t armed;   // nonzero from before the desched event is enabled until its call returned
    uint32_t classes; // nonzero while the library's descriptor classes (see below) may be used;
                      // swrr sets it to 0 at every flush with records (recording) and every
                      // refill (replay)
    uint32_t shared;  // recording only: nonzero while a vfork child runs on its parent's buffer
                      // (set and cleared by swrr; see SWRR_FD_SHARED)
    uint32_t reserved[10];
};

struct swrr_record {
    uint32_t number;  // syscall number (or SWRR_CALL_FD_CLASS)
    uint32_t size;    // bytes of this record, header and outputs, a multiple of 8
    int64_t result;   // the raw result (-errno on failure)
    uint64_t args[3]; // the first three arguments, for swrr dump and the recorder's fd table
};

#endif
