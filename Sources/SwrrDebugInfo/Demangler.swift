// Symbol demangling without linking another library: the C++ ABI demangler is libstdc++'s
// __cxa_demangle and the Swift one is the runtime's swift_demangle, both found with dlsym so
// the package needs no C helper target. Rust legacy symbols are Itanium-mangled with a hash
// suffix and `$..$` escapes; Rust v0 (_R...) is handled by RustV0Demangler.
import Foundation
import Glibc

public enum Demangler {
    private typealias CxaDemangle = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?,
                                                    UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int32>?) -> UnsafeMutablePointer<CChar>?
    private typealias SwiftDemangle = @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?,
                                                      UnsafeMutablePointer<Int>?, UInt32) -> UnsafeMutablePointer<CChar>?

    private static let cxa: CxaDemangle? = {
        let h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL) ?? dlopen(nil, RTLD_NOW)
        guard let sym = dlsym(h, "__cxa_demangle") else { return nil }
        return unsafeBitCast(sym, to: CxaDemangle.self)
    }()

    private static let swift: SwiftDemangle? = {
        let h = dlopen(nil, RTLD_NOW)
        guard let sym = dlsym(h, "swift_demangle") ?? dlopen("libswiftCore.so", RTLD_NOW).flatMap({ dlsym($0, "swift_demangle") })
        else { return nil }
        return unsafeBitCast(sym, to: SwiftDemangle.self)
    }()

    private static var cache: [String: String] = [:]
    private static let lock = NSLockLite()

    /// The human-readable form of a symbol name, or the name itself if it is not mangled (or
    /// no demangler understands it).
    public static func demangle(_ name: String) -> String {
        guard name.hasPrefix("_Z") || name.hasPrefix("_R") || name.hasPrefix("$s") || name.hasPrefix("_$s")
                || name.hasPrefix("$S") || name.hasPrefix("_T") else { return name }
        lock.lock(); defer { lock.unlock() }
        if let c = cache[name] { return c }
        let d = compute(name) ?? name
        cache[name] = d
        return d
    }

    private static func compute(_ name: String) -> String? {
        if name.hasPrefix("_R") { return RustV0Demangler.demangle(name) }
        if name.hasPrefix("_Z") {
            guard let f = cxa else { return nil }
            var status: Int32 = 0
            guard let p = f(name, nil, nil, &status), status == 0 else { return nil }
            defer { free(p) }
            let s = String(cString: p)
            return isRustLegacy(name, demangled: s) ? rustLegacyCleanup(s) : s
        }
        guard let f = swift else { return nil }
        guard let p = name.withCString({ f($0, strlen($0), nil, nil, 0) }) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Rust legacy mangling ends with a path component "h" + 16 hex digits (the crate hash).
    private static func isRustLegacy(_ raw: String, demangled: String) -> Bool {
        guard raw.hasPrefix("_ZN"), let last = demangled.split(separator: ":").last else { return false }
        return last.count == 17 && last.first == "h" && last.dropFirst().allSatisfy(\.isHexDigit)
    }

    private static func rustLegacyCleanup(_ s: String) -> String {
        var s = s
        if let r = s.range(of: "::h", options: .backwards) { s = String(s[..<r.lowerBound]) }
        let escapes = ["$LT$": "<", "$GT$": ">", "$RF$": "&", "$BP$": "*", "$C$": ",", "$SP$": "@",
                       "$u20$": " ", "$u27$": "'", "$u5b$": "[", "$u5d$": "]", "$u7b$": "{", "$u7d$": "}",
                       "$u7e$": "~", "$u3b$": ";", "$u2b$": "+", "$u22$": "\""]
        for (k, v) in escapes { s = s.replacingOccurrences(of: k, with: v) }
        return s.replacingOccurrences(of: "..", with: "::")
    }
}

/// A tiny mutex (Foundation-free) for the demangler cache.
final class NSLockLite {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func lock() { pthread_mutex_lock(&m) }
    func unlock() { pthread_mutex_unlock(&m) }
}

