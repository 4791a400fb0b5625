// The ioctl requests swrr can record, as data: each one's name and how many bytes the kernel
// writes at the address in the third argument. An ioctl that is not here stops the recording
// with its request number and name, because its effect on tracee memory is unknown.

public struct IoctlSpec: Sendable {
    public let request: UInt32
    public let name: String
    /// Bytes the kernel writes at argument 2 on success (0: none).
    public let outputSize: Int
    /// What the kernel also writes through a pointer inside the struct at argument 2.
    public let pointed: IoctlPointedOutput?

    public init(request: UInt32, name: String, outputSize: Int, pointed: IoctlPointedOutput? = nil) {
        self.request = request
        self.name = name
        self.outputSize = outputSize
        self.pointed = pointed
    }
}

/// Memory an ioctl writes through a pointer its argument's struct holds, found after the call
/// from the struct as the kernel left it (SyscallOutputs).
public enum IoctlPointedOutput: Sendable, Equatable {
    /// struct ifconf (16 bytes: int ifc_len at 0, padding, char *ifc_buf at 8): the kernel
    /// (dev_ifconf) writes one struct ifreq (40 bytes) per interface address at ifc_buf, within
    /// the ifc_len given, and sets ifc_len to the bytes written; with ifc_buf NULL it writes no
    /// ifreq and sets ifc_len to the bytes needed.
    case ifconf
}

public enum IoctlTable {
    // Sizes (gcc's sizeof on x86-64): the kernel's struct termios (for TCGETS) 36 bytes, struct
    // termios2 44, struct winsize 8, int 4, loff_t 8, struct fsxattr 28, struct rtc_time 36,
    // struct rtc_wkalrm 40, unsigned long 8, struct ifreq 40, struct ifconf 16, struct timeval and
    // struct timespec 16.
    //
    // All are emulated on replay (ioctl is): the terminal, file and clock they act on are the
    // recording's. Requests that change kernel state (TIOCSCTTY, TIOCSPGRP, TIOCSTI, FIOASYNC,
    // RTC_SET_TIME...) acted during the recording; what the program saw of them afterwards comes
    // back through later emulated calls and recorded signals.
    public static let all: [IoctlSpec] = [
        // ---- terminals ----
        IoctlSpec(request: 0x5401, name: "TCGETS", outputSize: 36),
        IoctlSpec(request: 0x5402, name: "TCSETS", outputSize: 0),
        IoctlSpec(request: 0x5403, name: "TCSETSW", outputSize: 0),
        IoctlSpec(request: 0x5404, name: "TCSETSF", outputSize: 0),
        IoctlSpec(request: 0x802C_542A, name: "TCGETS2", outputSize: 44),
        IoctlSpec(request: 0x402C_542B, name: "TCSETS2", outputSize: 0),
        IoctlSpec(request: 0x402C_542C, name: "TCSETSW2", outputSize: 0),
        IoctlSpec(request: 0x402C_542D, name: "TCSETSF2", outputSize: 0),
        IoctlSpec(request: 0x5409, name: "TCSBRK", outputSize: 0),      // tcdrain, tcsendbreak
        IoctlSpec(request: 0x540A, name: "TCXONC", outputSize: 0),      // tcflow
        IoctlSpec(request: 0x540B, name: "TCFLSH", outputSize: 0),      // tcflush
        IoctlSpec(request: 0x540C, name: "TIOCEXCL", outputSize: 0),
        IoctlSpec(request: 0x540D, name: "TIOCNXCL", outputSize: 0),
        IoctlSpec(request: 0x540E, name: "TIOCSCTTY", outputSize: 0),
        IoctlSpec(request: 0x540F, name: "TIOCGPGRP", outputSize: 4),
        IoctlSpec(request: 0x5410, name: "TIOCSPGRP", outputSize: 0),
        IoctlSpec(request: 0x5411, name: "TIOCOUTQ", outputSize: 4),
        IoctlSpec(request: 0x5412, name: "TIOCSTI", outputSize: 0),
        IoctlSpec(request: 0x5413, name: "TIOCGWINSZ", outputSize: 8),
        IoctlSpec(request: 0x5414, name: "TIOCSWINSZ", outputSize: 0),
        IoctlSpec(request: 0x5422, name: "TIOCNOTTY", outputSize: 0),
        IoctlSpec(request: 0x5429, name: "TIOCGSID", outputSize: 4),
        IoctlSpec(request: 0x8004_5430, name: "TIOCGPTN", outputSize: 4),
        IoctlSpec(request: 0x4004_5431, name: "TIOCSPTLCK", outputSize: 0),
        IoctlSpec(request: 0x8004_5439, name: "TIOCGPTLCK", outputSize: 4),
        // Opens the pty's other end: a new descriptor, never a copy of swrr's stdout.
        IoctlSpec(request: 0x5441, name: "TIOCGPTPEER", outputSize: 0),

        // ---- any descriptor ----
        IoctlSpec(request: 0x541B, name: "FIONREAD", outputSize: 4),
        IoctlSpec(request: 0x5421, name: "FIONBIO", outputSize: 0),
        IoctlSpec(request: 0x5450, name: "FIONCLEX", outputSize: 0),
        IoctlSpec(request: 0x5451, name: "FIOCLEX", outputSize: 0),
        IoctlSpec(request: 0x5452, name: "FIOASYNC", outputSize: 0),
        IoctlSpec(request: 0x5460, name: "FIOQSIZE", outputSize: 8),

        // ---- files ----
        IoctlSpec(request: 0x4004_9409, name: "FICLONE", outputSize: 0),
        // The request numbers say `long`, but the kernel reads and writes an int (ext4, btrfs,
        // xfs and the generic fileattr code all use put_user on an int pointer): 4 bytes.
        IoctlSpec(request: 0x8008_6601, name: "FS_IOC_GETFLAGS", outputSize: 4),
        IoctlSpec(request: 0x4008_6602, name: "FS_IOC_SETFLAGS", outputSize: 0),
        IoctlSpec(request: 0x8008_7601, name: "FS_IOC_GETVERSION", outputSize: 4),
        IoctlSpec(request: 0x4008_7602, name: "FS_IOC_SETVERSION", outputSize: 0),
        IoctlSpec(request: 0x801C_581F, name: "FS_IOC_FSGETXATTR", outputSize: 28),
        IoctlSpec(request: 0x401C_5820, name: "FS_IOC_FSSETXATTR", outputSize: 0),

        // ---- network interfaces (any socket; numbers from before the _IOC encoding) ----
        // Each query copies the whole struct ifreq (40 bytes) back (put_user_ifreq, or
        // inet_ioctl's copy_to_user for the addresses). libuuid's time-based UUIDs (swift-frontend
        // makes one per compile) read the list and each interface's hardware address.
        IoctlSpec(request: 0x8910, name: "SIOCGIFNAME", outputSize: 40),
        IoctlSpec(request: 0x8912, name: "SIOCGIFCONF", outputSize: 4, pointed: .ifconf),
        IoctlSpec(request: 0x8913, name: "SIOCGIFFLAGS", outputSize: 40),
        IoctlSpec(request: 0x8915, name: "SIOCGIFADDR", outputSize: 40),
        IoctlSpec(request: 0x8919, name: "SIOCGIFBRDADDR", outputSize: 40),
        IoctlSpec(request: 0x891B, name: "SIOCGIFNETMASK", outputSize: 40),
        IoctlSpec(request: 0x8921, name: "SIOCGIFMTU", outputSize: 40),
        IoctlSpec(request: 0x8927, name: "SIOCGIFHWADDR", outputSize: 40),
        IoctlSpec(request: 0x8933, name: "SIOCGIFINDEX", outputSize: 40),
        IoctlSpec(request: 0x8917, name: "SIOCGIFDSTADDR", outputSize: 40),
        IoctlSpec(request: 0x891D, name: "SIOCGIFMETRIC", outputSize: 40),
        IoctlSpec(request: 0x8942, name: "SIOCGIFTXQLEN", outputSize: 40),

        // ---- sockets (net/socket.c, sock_ioctl) ----
        // A packet's receive time (struct timeval / struct timespec, 16 bytes; ENOENT before
        // any packet), whether TCP's read position is at urgent data, unsent bytes (int).
        IoctlSpec(request: 0x8905, name: "SIOCATMARK", outputSize: 4),
        IoctlSpec(request: 0x8906, name: "SIOCGSTAMP", outputSize: 16),
        IoctlSpec(request: 0x8907, name: "SIOCGSTAMPNS", outputSize: 16),
        IoctlSpec(request: 0x894B, name: "SIOCOUTQNSD", outputSize: 4),
        // /dev/vsock's IOCTL_VM_SOCKETS_GET_LOCAL_CID: the virtual machine's context id, an
        // unsigned int (Python's test_socket asks it when it probes for vsock; the recording
        // stopped there).
        IoctlSpec(request: 0x07B9, name: "IOCTL_VM_SOCKETS_GET_LOCAL_CID", outputSize: 4),

        // ---- real-time clocks (/dev/rtcN) ----
        IoctlSpec(request: 0x7001, name: "RTC_AIE_ON", outputSize: 0),
        IoctlSpec(request: 0x7002, name: "RTC_AIE_OFF", outputSize: 0),
        IoctlSpec(request: 0x7003, name: "RTC_UIE_ON", outputSize: 0),
        IoctlSpec(request: 0x7004, name: "RTC_UIE_OFF", outputSize: 0),
        IoctlSpec(request: 0x7005, name: "RTC_PIE_ON", outputSize: 0),
        IoctlSpec(request: 0x7006, name: "RTC_PIE_OFF", outputSize: 0),
        IoctlSpec(request: 0x4024_7007, name: "RTC_ALM_SET", outputSize: 0),
        IoctlSpec(request: 0x8024_7008, name: "RTC_ALM_READ", outputSize: 36),
        IoctlSpec(request: 0x8024_7009, name: "RTC_RD_TIME", outputSize: 36),
        IoctlSpec(request: 0x4024_700A, name: "RTC_SET_TIME", outputSize: 0),
        IoctlSpec(request: 0x8008_700B, name: "RTC_IRQP_READ", outputSize: 8),
        IoctlSpec(request: 0x4008_700C, name: "RTC_IRQP_SET", outputSize: 0),
        IoctlSpec(request: 0x8008_700D, name: "RTC_EPOCH_READ", outputSize: 8),
        IoctlSpec(request: 0x4028_700F, name: "RTC_WKALM_SET", outputSize: 0),
        IoctlSpec(request: 0x8028_7010, name: "RTC_WKALM_RD", outputSize: 40),
    ]

    public static let byRequest: [UInt32: IoctlSpec] = {
        var d: [UInt32: IoctlSpec] = [:]
        for s in all {
            precondition(d[s.request] == nil, "duplicate ioctl spec \(s.name)")
            d[s.request] = s
        }
        return d
    }()

    public static func spec(_ request: UInt64) -> IoctlSpec? { byRequest[UInt32(truncatingIfNeeded: request)] }
}
