// DAP Source objects for the files named by debug info.
import Foundation

enum Sources {
    /// A Source for a path from the line table: the client reads the file itself when it
    /// exists; otherwise `source` answers that it is not available.
    static func dapSource(_ path: String) -> JSONObject {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var s: JSONObject = ["name": name, "path": path]
        if !FileManager.default.fileExists(atPath: path) {
            s["presentationHint"] = "deemphasize"
            s["origin"] = "compiled into the program (the file is not on this machine)"
        }
        return s
    }
}
