// DAP Source objects for the files named by debug info.
import Foundation

/// DAP's Source, as swrr-dap sends it (by path; it hands out no sourceReference).
public struct Source: Encodable, Equatable {
    public var name: String
    public var path: String
    public var presentationHint: String?
    public var origin: String?
}

enum Sources {
    /// A Source for a path from the line table: the client reads the file itself when it
    /// exists; otherwise `source` answers that it is not available.
    static func source(_ path: String) -> Source {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var s = Source(name: name, path: path)
        if !FileManager.default.fileExists(atPath: path) {
            s.presentationHint = "deemphasize"
            s.origin = "compiled into the program (the file is not on this machine)"
        }
        return s
    }

    /// The local path a client's `source.path` names. nvim-dap's goto-at-cursor (every version)
    /// sends a `file://` URI there, percent-encoded: "file:///src/a%20b.c" is "/src/a b.c", and
    /// "file://localhost/..." names this machine too. Anything else is a path already.
    static func localPath(_ text: String) -> String {
        guard text.count >= 7, text.prefix(7).lowercased() == "file://" else { return text }
        var rest = Substring(text.dropFirst(7))
        if rest.prefix(9).lowercased() == "localhost" { rest = rest.dropFirst(9) }
        // Only an absolute path is a file on this machine (file://host/... names another one).
        guard rest.hasPrefix("/") else { return text }
        return String(rest).removingPercentEncoding ?? String(rest)
    }
}
