// The instruction length decoder against the machine's own assembler and disassembler: a list of
// awkward encodings assembled with `as` at test time, and every instruction objdump finds in
// real binaries (/bin/ls, libc). Lengths must agree, and so must the address a rip-relative
// operand names (objdump prints it after '#').
import Foundation
import SwrrTestSupport
import XCTest
@testable import SwrrKernel

final class X86DecoderTests: XCTestCase {
    /// Encodings chosen for what they exercise: prefixes and REX, every immediate size (66 with
    /// imm16/32, mov imm64, moffs, enter, test in group 3), SIB and displacement forms (rbp/r13
    /// bases, no base), rip-relative operands followed by immediates, the 0F/0F38/0F3A maps,
    /// 3DNow!, SSE4a, VEX with two and three bytes, x87, and control transfers.
    static let assembly = """
        .intel_syntax noprefix
        .text
        nop
        mov eax, 1
        mov rax, 0x1122334455667788
        mov ax, 0x1234
        mov al, [0x1122334455667788]
        mov [0x1122334455667788], rax
        addr32 mov eax, [0x11223344]
        add ax, 0x1234
        add eax, 0x12345678
        add rax, -5
        add word ptr [rbx], 0x1234
        add dword ptr [rip+0x100], 0x12345678
        cmp byte ptr [rip+0x200], 7
        cmp word ptr [rip-0x20], 0x1234
        test byte ptr [rax], 1
        test word ptr [rax], 0x100
        test dword ptr [rip+0x40], 0x10000
        test qword ptr [rax+rbx*8+0x10], 0x10000
        not dword ptr [rax]
        neg qword ptr [rip+0x80]
        lea rax, [rip+0x1234]
        lea r13, [r13]
        lea rbp, [rbp+0]
        lea rax, [rsp]
        lea rax, [r12+0x12345678]
        lea rax, [rax*4+0x10]
        lea rax, [rbx+rcx*2+0x7f]
        mov rax, qword ptr fs:[0x28]
        lock cmpxchg qword ptr [rdi], rsi
        rep movsb
        repne scasb
        imul eax, ecx, 0x12345678
        imul ax, cx, 0x1234
        imul eax, ecx, 5
        shl dword ptr [rax], 3
        rol rax, 1
        push 0x12345678
        push 5
        enter 0x100, 1
        leave
        xchg eax, ebx
        movzx eax, byte ptr [rip+0x10]
        movsxd rax, dword ptr [rdi]
        cmovne rax, [rip+0x30]
        bt dword ptr [rip+0x30], 5
        shld eax, ebx, 3
        shrd eax, ebx, cl
        bswap r12
        popcnt rax, [rip+0x10]
        lzcnt eax, ecx
        tzcnt eax, ecx
        cpuid
        rdrand eax
        xgetbv
        pause
        endbr64
        movaps xmm0, [rip+0x100]
        movdqu xmm9, xmmword ptr [r8+r9*4+0x100]
        pshufd xmm0, [rip+0x40], 0x1b
        psrldq xmm1, 4
        cmpps xmm0, [rax], 3
        pinsrw xmm0, eax, 2
        pextrw eax, xmm0, 1
        shufps xmm0, [rip+0x8], 0x44
        pshufb xmm0, [rip+0x20]
        crc32 eax, byte ptr [rax]
        movbe eax, [rsi]
        palignr xmm0, [rip+0x10], 3
        pextrq rax, xmm1, 1
        roundsd xmm0, [rip+0x30], 4
        extrq xmm1, 4, 8
        insertq xmm1, xmm2, 4, 8
        femms
        pfadd mm0, [rip+0x10]
        vzeroupper
        vaddps ymm0, ymm1, [rip+0x100]
        vmovdqu ymm8, [r9+0x20]
        vpermq ymm0, [rip+0x40], 0x1b
        vpshufb ymm0, ymm1, ymm2
        vpbroadcastd ymm0, [rip+0x10]
        vfmadd231pd ymm0, ymm1, [rax+rbx*8]
        vpblendd ymm0, ymm1, [rip+0x10], 0x0f
        vpsrldq ymm1, ymm2, 4
        andn rax, rbx, [rip+0x10]
        shlx rax, rbx, rcx
        rorx eax, ebx, 3
        fld qword ptr [rip+0x20]
        fstp st(1)
        fnstsw ax
        fxsave [rax]
        xsave [rdi]
        prefetchnta [rip+0x10]
        nop word ptr cs:[rax+rax+0]
        syscall
        int3
        int 0x80
        ud2
        rdtsc
        rdtscp
        pushfq
        popfq
        hlt
        ret
        ret 8
        call [rip+0x10]
        jmp rax
        jmp [rax+8]
        je .+0x10
        je .+0x1000
        jmp .+0x1000
        call .+0x1000
        loop .-2
        jrcxz .+4
        xbegin .+0x100
        xabort 3
        xend
    """

    func testLengthsOfAssembledInstructions() throws {
        let dir = try makeTemporaryDirectory("x86")
        try Self.assembly.write(toFile: dir + "/i.s", atomically: true, encoding: .utf8)
        let assemble = try run(["as", "-o", dir + "/i.o", dir + "/i.s"])
        XCTAssertEqual(assemble.status, 0, assemble.output)
        let lines = try disassemble(dir + "/i.o")
        let expected = Self.assembly.split(separator: "\n").count - 2
        XCTAssertEqual(lines.count, expected, "objdump should show one line per assembled instruction")
        let stream = streams(lines)
        for (k, line) in lines.enumerated() {
            let decoded = X86Instruction(decoding: stream[k])
            XCTAssertEqual(decoded?.length, line.bytes.count, "\(line.text) (\(hex(line.bytes)))")
            if let want = line.target, let d = decoded {
                XCTAssertEqual(ripTarget(d, line), want, "rip-relative target of \(line.text)")
            }
        }
    }

    func testEffects() {
        func effect(_ bytes: [UInt8]) -> X86Effect? { X86Instruction(decoding: bytes)?.effect }
        XCTAssertEqual(effect([0x0F, 0x05]), .trap)                     // syscall
        XCTAssertEqual(effect([0x0F, 0x31]), .trap)                     // rdtsc
        XCTAssertEqual(effect([0x0F, 0x01, 0xF9]), .trap)               // rdtscp
        XCTAssertEqual(effect([0x0F, 0x01, 0xD0]), .ordinary)           // xgetbv
        XCTAssertEqual(effect([0xCD, 0x80]), .trap)                     // int 0x80
        XCTAssertEqual(effect([0x9C]), .pushesFlags)                    // pushf
        XCTAssertEqual(effect([0x9D]), .ordinary)                       // popf
        XCTAssertEqual(effect([0xE8, 0, 0, 0, 0]), .branch)             // call rel32
        XCTAssertEqual(effect([0x0F, 0x84, 0, 0, 0, 0]), .branch)       // je rel32
        XCTAssertEqual(effect([0xFF, 0xD0]), .branch)                   // call rax
        XCTAssertEqual(effect([0xFF, 0x25, 0, 0, 0, 0]), .branch)       // jmp [rip]
        XCTAssertEqual(effect([0xFF, 0x35, 0, 0, 0, 0]), .ordinary)     // push [rip]
        XCTAssertEqual(effect([0xFF, 0xC0]), .ordinary)                 // inc eax
        XCTAssertEqual(effect([0xC7, 0xF8, 0, 0, 0, 0]), .branch)       // xbegin
        XCTAssertEqual(effect([0xC7, 0xC0, 0, 0, 0, 0]), .ordinary)     // mov eax, imm32
        XCTAssertEqual(effect([0x48, 0x69, 0xD2, 0x6D, 0x4E, 0xC6, 0x41]), .ordinary)  // imul
    }

    func testRelocation() throws {
        // mov eax, [rip+0x2f3f] at 0x10e7 (busy_alarm's loop) names 0x402c.
        let bytes: [UInt8] = [0x8B, 0x05, 0x3F, 0x2F, 0x00, 0x00]
        let insn = try XCTUnwrap(X86Instruction(decoding: bytes))
        XCTAssertEqual(insn.ripDisplacementOffset, 2)
        XCTAssertTrue(insn.isRelocatable)
        let moved = try XCTUnwrap(insn.relocated(bytes, from: 0x10e7, to: 0x1000))
        XCTAssertEqual(moved, [0x8B, 0x05, 0x26, 0x30, 0x00, 0x00])   // 0x1006 + 0x3026 = 0x402c
        XCTAssertNil(insn.relocated(bytes, from: 0x10e7, to: 0x1_0000_0000))
        // Without a rip-relative operand the bytes stay as they are.
        let imul: [UInt8] = [0x48, 0x69, 0xD2, 0x6D, 0x4E, 0xC6, 0x41]
        XCTAssertEqual(X86Instruction(decoding: imul)?.relocated(imul, from: 0x10e0, to: 0x7000_0000), imul)
        // An eip-relative operand (67 prefix) is not moved.
        XCTAssertEqual(X86Instruction(decoding: [0x67, 0x8B, 0x05, 0, 0, 0, 0])?.isRelocatable, false)
    }

    func testTruncatedAndUnsupported() {
        XCTAssertNil(X86Instruction(decoding: []))
        XCTAssertNil(X86Instruction(decoding: [0x48]))                         // REX alone
        XCTAssertNil(X86Instruction(decoding: [0x48, 0xB8, 1, 2, 3]))          // mov imm64 cut short
        XCTAssertNil(X86Instruction(decoding: [0x62, 0xF1, 0x7C, 0x48, 0x58, 0xC1]))  // EVEX vaddps zmm
        XCTAssertNil(X86Instruction(decoding: [UInt8](repeating: 0x66, count: 16)))   // longer than 15
        XCTAssertNil(X86Instruction(decoding: [0x06]))                         // push es: not in 64-bit mode
    }

    /// Every instruction objdump decodes in real binaries, EVEX excepted (counted, not decoded).
    func testLengthsInSystemBinaries() throws {
        for binary in ["/bin/ls", "/lib/x86_64-linux-gnu/libc.so.6"] where access(binary, R_OK) == 0 {
            let lines = try disassemble(binary).filter { !$0.text.hasPrefix("(bad)") }
            XCTAssertGreaterThan(lines.count, 10_000, binary)
            let stream = streams(lines)
            var evex = 0, mismatches: [String] = []
            for (k, line) in lines.enumerated() {
                guard let d = X86Instruction(decoding: stream[k]) else {
                    if isEVEX(line.bytes) { evex += 1; continue }
                    mismatches.append("0x\(String(line.address, radix: 16)): \(line.text) (\(hex(line.bytes))): not decoded")
                    continue
                }
                if d.length != line.bytes.count {
                    mismatches.append("0x\(String(line.address, radix: 16)): \(line.text) (\(hex(line.bytes))): length \(d.length)")
                } else if let want = line.target, ripTarget(d, line) != want {
                    mismatches.append("0x\(String(line.address, radix: 16)): \(line.text): rip-relative target")
                }
            }
            print("\(binary): \(lines.count) instructions, \(evex) EVEX (not decoded), \(mismatches.count) mismatches")
            XCTAssertTrue(mismatches.isEmpty, "\(binary): \(mismatches.count) of \(lines.count) differ from objdump, "
                          + "the first ones:\n" + mismatches.prefix(20).joined(separator: "\n"))
        }
    }

    // MARK: objdump

    struct Line {
        var address: UInt64
        var bytes: [UInt8]
        var text: String
        /// The address objdump names after '#' for a rip-relative operand.
        var target: UInt64?
    }

    private func disassemble(_ path: String) throws -> [Line] {
        let r = try run(["objdump", "-d", "-w", "--insn-width=16", path])
        XCTAssertEqual(r.status, 0)
        var out: [Line] = []
        for raw in r.output.split(separator: "\n") {
            let parts = raw.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0].hasSuffix(":"),
                  let address = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            let bytes = parts[1].split(separator: " ").compactMap { UInt8($0, radix: 16) }
            let text = parts[2...].joined(separator: "\t").trimmingCharacters(in: .whitespaces)
            var target: UInt64?
            if text.contains("(%rip)"), let hash = text.range(of: "# ") {
                let rest = text[hash.upperBound...].split(separator: " ").first ?? ""
                target = UInt64(rest.hasPrefix("0x") ? String(rest.dropFirst(2)) : String(rest), radix: 16)
            }
            out.append(Line(address: address, bytes: bytes, text: text, target: target))
        }
        return out
    }

    /// For each line, its bytes followed by up to 15 bytes of the instructions right after it.
    private func streams(_ lines: [Line]) -> [[UInt8]] {
        lines.indices.map { k in
            var s = lines[k].bytes
            var j = k + 1
            var next = lines[k].address + UInt64(lines[k].bytes.count)
            while s.count < lines[k].bytes.count + 15, j < lines.count, lines[j].address == next {
                s += lines[j].bytes
                next += UInt64(lines[j].bytes.count)
                j += 1
            }
            return s
        }
    }

    private func ripTarget(_ d: X86Instruction, _ line: Line) -> UInt64? {
        guard let at = d.ripDisplacementOffset, at + 4 <= line.bytes.count else { return nil }
        let b = line.bytes
        let disp = Int32(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
        return (line.address &+ UInt64(d.length)) &+ UInt64(bitPattern: Int64(disp))
    }

    private func isEVEX(_ bytes: [UInt8]) -> Bool {
        bytes.first(where: { X86OpcodeTable.primary[Int($0)] != .prefix }) == 0x62
    }

    private func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined(separator: " ") }

    /// `argv`'s status and output (stderr with stdout); objdump of libc takes a while under load.
    private func run(_ argv: [String]) throws -> (status: Int32, output: String) {
        let r = try Subprocess.run(argv, mergingStderr: true, timeout: 300)
        XCTAssertFalse(r.timedOut, "\(r)")
        return (r.status, r.stdoutText)
    }
}
