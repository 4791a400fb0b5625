// Swift debug-info fixture: mangled names demangled through the runtime, Swift DWARF.
@inline(never) func greet(_ name: String, times: Int) -> Int {
    var total = 0
    for i in 0..<times { total += i }
    return total + name.count  // MARK:swift-greet
}

print(greet("swrr", times: CommandLine.arguments.count + 3))
