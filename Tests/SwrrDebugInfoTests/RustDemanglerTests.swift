import SwrrDebugInfo
import SwrrTestSupport
import XCTest

/// Rust symbol names (v0 and legacy), which come from files swrr did not write: demangled as
/// rustc-demangle's alternate form (what rustfilt prints), never trapping on malformed input.
final class RustDemanglerTests: XCTestCase {
    /// RFC 2603's grammar, with expected names from rustc-demangle's own test vectors.
    func testV0Grammar() {
        let cases: [(String, String)] = [
            ("_RNvC6_123foo3bar", "123foo::bar"),
            // Punycode identifier (`u`), ASCII part `__` before the last `_`.
            ("_RNqCs4fqI2P2rA04_11utf8_identsu30____7hkackfecea1cbdathfdh9hlq6y", "utf8_idents::საჭმელად_გემრიელი_სადილი"),
            ("_RNvCs1234_7mycrateu8gdel_5qa", "mycrate::gödel"),
            // Closures, with backreferences (`B5_`) and `s` disambiguators (`s_` is #1).
            ("_RNCNCNgCs6DXkGYLi8lr_2cc5spawn00B5_", "cc::spawn::{closure#0}::{closure#0}"),
            ("_RNCINkXs25_NgCsbmNqQUJIY6D_4core5sliceINyB9_4IterhENuNgNoBb_4iter8iterator8Iterator9rpositionNCNgNpB9_6memchr7memrchrs_0E0Bb_",
             "<core::slice::Iter<u8> as core::iter::iterator::Iterator>::rposition::<core::slice::memchr::memrchr::{closure#1}>::{closure#0}"),
            ("_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_ECs1iopQbuBiw2_3std",
             "alloc::alloc::box_free::<dyn alloc::boxed::FnBox<(), Output = ()>>"),
            ("_RINvCs1234_7mycrate3fooRDG_INtNtCs1234_4core3ops2FnTRL0_hEEp6OutputuEL_E",
             "mycrate::foo::<&dyn for<'a> core::ops::Fn<(&'a u8,), Output = ()>>"),
            ("_RINvCs1234_7mycrate3fooFKCxEuE", "mycrate::foo::<extern \"C\" fn(i64)>"),
            ("_RNvXs_Cs1234_7mycrateNtB4_3BarNtNtCs1234_4core3fmt5Debug3fmt", "<mycrate::Bar as core::fmt::Debug>::fmt"),
            ("_RNvYNtCs1234_7mycrate3BarNtB4_5Trait6method", "<mycrate::Bar as mycrate::Trait>::method"),
            // Constants.
            ("_RMC0INtC8arrayvec8ArrayVechKj7b_E", "<arrayvec::ArrayVec<u8, 123>>"),
            ("_RIC0Koff00ff00ff00ff00ff_E", "::<0xff00ff00ff00ff00ff>"),
            ("_RIC0Kanb_E", "::<-11>"),
            ("_RIC0Kc2202_E", "::<'∂'>"),
            ("_RIC0Ke090a_E", "::<{*\"\\t\\n\"}>"),
            ("_RIC0KRe616263_E", "::<\"abc\">"),
            ("_RIC0KRpE", "::<{&_}>"),
            ("_RIC0KRRRe_E", "::<{&&\"\"}>"),
            ("_RIC0KVNvINtNtC4core6option6OptionjE4SomeTj0_EE", "::<{core::option::Option::<usize>::Some(0)}>"),
            ("_RIC0KVNtC3foo3BarS1sRe616263_2chc78_5sliceRAh1_h2_h3_EEE", "::<{foo::Bar { s: \"abc\", ch: 'x', slice: &[1, 2, 3] }}>"),
            // Suffixes: ThinLTO's dropped, others kept.
            ("_RNvC9backtrace3foo.llvm.A5310EB9", "backtrace::foo"),
            ("_RNvNtCs92dm3009vxr_4rand4fork23FORK_HANDLER_REGISTERED.0.0", "rand::fork::FORK_HANDLER_REGISTERED.0.0"),
        ]
        for (raw, expected) in cases { XCTAssertEqual(Demangler.demangle(raw), expected, raw) }
        // Six nested backreferences double the output six times.
        let explosion = Demangler.demangle("_RMC0TTTTTTpB8_EB7_EB6_EB5_EB4_EB3_E")
        XCTAssertEqual(explosion.filter { $0 == "_" }.count, 64)
    }

    /// Malformed names are shown raw: numbers beyond 64 bits, lengths past the end,
    /// backreferences forwards or to themselves, nesting without end, lifetimes of no binder.
    func testMalformedV0NamesAreShownRaw() {
        let bad = [
            "_RC" + String(repeating: "z", count: 40) + "_3foo",          // crate hash overflows 64 bits
            "_RNvCs" + String(repeating: "Z", count: 12) + "_1a3foo",      // 62^12 > 2^64
            "_RNvC99999999999999999999999_1a",                              // length overflows Int
            "_RNvC1a9999999999",                                            // length past the end
            "_RB_", "_RNvB0_3abc", "_RNvB9_3abc",                           // backreference not before itself
            "_R" + String(repeating: "N", count: 5000),                     // nesting
            "_R" + String(repeating: "RRRRRRRR", count: 100),
            "_RINvC1a1fRL0_hE",                                             // lifetime of no binder
            "_RIC0Kb2_E", "_RIC0Kc110000_E", "_RIC0Ke6_E", "_RIC0Kefffe_E", // bad bool, char, str
            "_RNvC1a1f$", "_RNvC3é1f",
        ]
        for raw in bad { XCTAssertEqual(Demangler.demangle(raw), raw, raw) }
    }

    func testLegacyNames() {
        XCTAssertEqual(Demangler.demangle("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE"),
                       "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>")
        XCTAssertEqual(Demangler.demangle("_ZN70_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h0123456789abcdefE"),
                       "<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop")
        XCTAssertEqual(Demangler.demangle("_ZN3std2rt10lang_start17h0123456789abcdefE.llvm.1234ABCD"), "std::rt::lang_start")
        // Not Rust (no hash element, or parameters after E): the C++ demangler's.
        XCTAssertEqual(Demangler.demangle("_ZN3geo6CircleC2Ed"), "geo::Circle::Circle(double)")
        XCTAssertEqual(Demangler.demangle("_ZN3foo3barE"), "foo::bar")
        // Lengths beyond Int or the name: the raw name.
        let huge = "_ZN" + String(repeating: "9", count: 30) + "abc17h0123456789abcdefE"
        XCTAssertEqual(Demangler.demangle(huge), huge)
    }

    /// Every Rust symbol of a real binary (the program's own crate and std's), both manglings:
    /// demangled without a trap, as binutils' c++filt demangles them (less its crate hashes
    /// `[...]`, its legacy hash elements `::h...` and its constants' type suffixes `: usize`,
    /// which rustc-demangle's alternate form leaves out), and exactly for a handful.
    func testEverySymbolOfARustBinary() throws {
        let cxxfilt = try XCTUnwrap(ExecutableSearch.find("c++filt"), "c++filt is not installed: Debian's binutils package")
        for mangling in ["v0", "legacy"] {
            let exe = try LanguageFixtures.rust(v0: mangling == "v0")
            let m = try Module(path: exe, bias: 0)
            let raw = Array(Set(m.symbols.all.map(\.rawName).filter { $0.hasPrefix("_R") || $0.hasPrefix("_ZN") })).sorted()
            XCTAssertGreaterThan(raw.count, 500, mangling)
            let input = try TestDirectory.makeUnique(prefix: "symbols") + "/symbols.txt"
            try raw.joined(separator: "\n").appending("\n").write(toFile: input, atomically: true, encoding: .utf8)
            let theirs = try Subprocess.check(["/bin/sh", "-c", "\"$0\" < \"$1\"", cxxfilt, input]).stdoutText
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var mismatches: [String] = []
            for (i, name) in raw.enumerated() {
                let ours = Demangler.demangle(name)
                XCTAssertNotEqual(ours, name, "not demangled: \(name)")
                let expected = Self.withoutHashes(theirs[i])
                // rustc-demangle keeps a `.N` suffix (a static's LLVM copies) that c++filt drops.
                if ours != expected && !ours.hasPrefix(expected + ".") { mismatches.append("\(name)\n  ours:     \(ours)\n  c++filt:  \(expected)") }
            }
            XCTAssertEqual(mismatches.count, 0, "\(mangling):\n" + mismatches.prefix(10).joined(separator: "\n"))

            let names = Set(raw.map(Demangler.demangle))
            let expected = mangling == "v0"
                ? ["points::main", "points::scale", "points::main::{closure#0}", "<points::Point as core::fmt::Debug>::fmt",
                   "<i64 as core::iter::traits::accum::Sum>::sum::<core::iter::adapters::map::Map<core::slice::iter::Iter<i64>, points::main::{closure#0}>>"]
                : ["points::main", "points::scale", "points::main::{{closure}}", "<points::Point as core::fmt::Debug>::fmt"]
            for e in expected { XCTAssertTrue(names.contains(e), "\(mangling): no \(e)") }
            XCTAssertEqual(m.symbols.named("points::scale")?.name, "points::scale")
        }
    }

    /// c++filt's output without what rustc-demangle's alternate form leaves out.
    static func withoutHashes(_ s: String) -> String {
        var s = s.replacingOccurrences(of: "\\[[0-9a-f]+\\]", with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: "::h[0-9a-f]{16}$", with: "", options: .regularExpression)
        return s.replacingOccurrences(of: ": (usize|isize|u8|u16|u32|u64|u128|i8|i16|i32|i64|i128|bool|char)(?=[,>\\]])",
                                      with: "", options: .regularExpression)
    }
}
