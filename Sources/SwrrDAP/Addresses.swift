// Addresses as swrr-dap writes and reads them (memory and instruction references).
import Foundation

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// Parses "0x1f" or a decimal number ("1f" is not accepted: memory references are what swrr-dap
/// hands out).
func parseAddress(_ text: String) -> UInt64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16) }
    return UInt64(t)
}
