// The ioctl requests swrr can record, as data: each one's name and how many bytes the kernel
// writes at the address in the third argument. An ioctl that is not here stops the recording
// with its request number and name, because its effect on tracee memory is unknown.

public struct IoctlSpec: Sendable {
    public let request: UInt32
    public let name: String
    /// Bytes the kernel writes at argument 2 on success (0: none).
    public let outputSize: Int
}

public enum IoctlTable {
    // Sizes: struct termios (the kernel's, for TCGETS) 36 bytes, struct winsize 8, int 4.
    public static let all: [IoctlSpec] = [
        IoctlSpec(request: 0x5401, name: "TCGETS", outputSize: 36),
        IoctlSpec(request: 0x5402, name: "TCSETS", outputSize: 0),
        IoctlSpec(request: 0x5403, name: "TCSETSW", outputSize: 0),
        IoctlSpec(request: 0x5404, name: "TCSETSF", outputSize: 0),
        IoctlSpec(request: 0x540F, name: "TIOCGPGRP", outputSize: 4),
        IoctlSpec(request: 0x5413, name: "TIOCGWINSZ", outputSize: 8),
        IoctlSpec(request: 0x541B, name: "FIONREAD", outputSize: 4),
        IoctlSpec(request: 0x5421, name: "FIONBIO", outputSize: 0),
        IoctlSpec(request: 0x5450, name: "FIONCLEX", outputSize: 0),
        IoctlSpec(request: 0x5451, name: "FIOCLEX", outputSize: 0),
        IoctlSpec(request: 0x4004_9409, name: "FICLONE", outputSize: 0),
        IoctlSpec(request: 0x8008_6601, name: "FS_IOC_GETFLAGS", outputSize: 8),
    ]

    public static let byRequest: [UInt32: IoctlSpec] = {
        var d: [UInt32: IoctlSpec] = [:]
        for s in all { d[s.request] = s }
        return d
    }()

    public static func spec(_ request: UInt64) -> IoctlSpec? { byRequest[UInt32(truncatingIfNeeded: request)] }
}
