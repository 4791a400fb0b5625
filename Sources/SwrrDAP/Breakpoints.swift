// Breakpoints the client asked for, kept per kind until the debugging engine can place them.
// Until then each is answered as not verified, with a message saying why; the client keeps them
// and shows them as pending.

public enum PendingBreakpoints {
    public static let message = "breakpoints are not available yet in this version of swrr-dap " +
        "(they need the replay debugging engine)"

    /// An unverified DAP Breakpoint object.
    static func unverified(_ extra: JSONObject = [:]) -> JSONObject {
        var b: JSONObject = ["verified": false, "message": message, "reason": "pending"]
        for (k, v) in extra { b[k] = v }
        return b
    }
}

