// `disassemble`: instructions around memoryReference + offset, with instructionOffset (may be
// negative) and instructionCount, from `objdump -d` run on the trace's copy of the module that
// holds the address. Instructions outside any module, or when objdump is missing, are answered
// with a clear error; places before or after the disassembled range are padded with entries
// marked invalid, as the protocol asks (exactly instructionCount are returned).
import Foundation

public struct DisassembleHandler: TypedRequestHandler {
    public let command = "disassemble"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: DisassembleArguments, adapter: Adapter) throws -> DisassembleResponseBody? {
        let ref = arguments.memoryReference
        let offset = arguments.offset ?? 0
        let instructionOffset = arguments.instructionOffset ?? 0
        let count = arguments.instructionCount
        guard let base = parseAddress(ref) else { throw RequestError("disassemble: '\(ref)' is not a memory reference") }
        guard let objdump = Self.objdump else {
            throw RequestError("disassemble: objdump is not installed (Debian package binutils): swrr-dap disassembles with it")
        }
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let address = UInt64(bitPattern: Int64(bitPattern: base) &+ Int64(offset))
        let space = try t.space(for: try t.liveThread(nil))
        guard let m = space.module(containing: address) else {
            throw RequestError("disassemble: \(hex(address)) is in no module's code")
        }
        // Enough bytes on each side for the requested instructions (at most 15 bytes each),
        // starting at the function's entry when it is known so decoding is in step.
        let before = UInt64(max(0, -instructionOffset) * 15 + 64)
        var from = address > before ? address - before : 0
        if let fn = space.function(containing: address), fn.entry <= address, address - fn.entry <= before { from = fn.entry }
        let to = address + UInt64(max(0, instructionOffset + count) * 15 + 16)
        let lines = try Self.run(objdump, ["-d", "--no-show-raw-insn", "-w",
                                           "--start-address=\(hex(from &- m.bias))", "--stop-address=\(hex(to &- m.bias))", m.path])
        var decoded: [(address: UInt64, text: String, symbol: String?)] = []
        var symbol: String?
        for line in lines.split(separator: "\n") {
            // "0000000000001139 <main>:" starts a symbol; "    1139:\tpush   %rbp" is an instruction.
            if line.hasSuffix(">:"), let lt = line.firstIndex(of: "<") {
                symbol = String(line[line.index(after: lt)..<line.index(line.endIndex, offsetBy: -2)])
                continue
            }
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, parts[0].hasSuffix(":"),
                  let a = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            decoded.append((a &+ m.bias, parts[1].trimmingCharacters(in: .whitespaces), symbol))
            symbol = nil
        }
        guard let at = decoded.firstIndex(where: { $0.address >= address }) else {
            throw RequestError("disassemble: objdump decoded nothing at \(hex(address)) in \(m.path)")
        }
        var out: [DisassembleResponseBody.DisassembledInstruction] = []
        var lastLine: Int?
        for i in (at + instructionOffset)..<(at + instructionOffset + count) {
            guard i >= 0, i < decoded.count else {
                out.append(.init(address: hex(i < 0 ? 0 : decoded.last!.address), instruction: "??",
                                 presentationHint: "invalid"))
                continue
            }
            let d = decoded[i]
            var o = DisassembleResponseBody.DisassembledInstruction(address: hex(d.address), instruction: d.text,
                                                                    symbol: d.symbol)
            if let loc = m.lines.location(of: d.address), loc.line != lastLine {
                o.location = Sources.source(loc.file)
                o.line = loc.line
                lastLine = loc.line
            }
            out.append(o)
        }
        return DisassembleResponseBody(instructions: out)
    }

    static let objdump: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = String(dir) + "/objdump"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    static func run(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw RequestError("disassemble: objdump failed (status \(p.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }
}
