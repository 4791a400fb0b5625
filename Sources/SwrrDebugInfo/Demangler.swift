// Symbol demangling without linking another library: the C++ ABI demangler is libstdc++'s
// __cxa_demangle and the Swift one is the runtime's swift_demangle, both found with dlsym so
// the package needs no C helper target. Rust legacy symbols (Itanium-shaped with a hash element
// and `$..$` escapes) are RustLegacyDemangler's, Rust v0 (_R...) RustV0Demangler's.
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
        if name.hasPrefix("_R") { return RustV0Demangler.demangle(withoutLLVMSuffix(name)) }
        if name.hasPrefix("_Z") {
            if let r = RustLegacyDemangler.demangle(withoutLLVMSuffix(name)) { return r }
            guard let f = cxa else { return nil }
            var status: Int32 = 0
            guard let p = f(name, nil, nil, &status), status == 0 else { return nil }
            defer { free(p) }
            return String(cString: p)
        }
        guard let f = swift else { return nil }
        guard let p = name.withCString({ f($0, strlen($0), nil, nil, 0) }) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// A Rust symbol (v0, or legacy with its hash element).
    public static func isRust(_ name: String) -> Bool {
        name.hasPrefix("_R") || (name.hasPrefix("_ZN") && RustLegacyDemangler.demangle(withoutLLVMSuffix(name)) != nil)
    }

    /// LLVM's ThinLTO renames local symbols `NAME.llvm.DIGITS`; rustc-demangle drops that
    /// suffix (uppercase hex digits and `@`) and so does swrr for Rust names.
    static func withoutLLVMSuffix(_ name: String) -> String {
        guard let r = name.range(of: ".llvm.") else { return name }
        let tail = name[r.upperBound...]
        guard tail.allSatisfy({ ("0"..."9").contains($0) || ("A"..."F").contains($0) || $0 == "@" }) else { return name }
        return String(name[..<r.lowerBound])
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

