// libFuzzer harness for swrr-dap's input side: DAP framing (FrameReader), message decoding
// (IncomingMessage.parse), argument decoding and dispatch through the handler table
// (Adapter.dispatch), on a fresh Adapter per input. There is no live replay: requests that
// need one are answered "not valid now" by the session state check, and `launch`/`restart`
// (which would record or replay programs) only have their arguments decoded
// (LaunchConfiguration.parse), never run. See docs/FUZZING.md.
import Foundation
import FuzzSupport
@testable import SwrrDAP

/// Requests whose handler would start programs: decoded here, not dispatched.
let notDispatched: Set<String> = ["launch", "restart"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = InputFile.descriptor(holding: UnsafeRawBufferPointer(start: data, count: size))
    defer { close(input) }
    let adapter = Adapter(input: input, output: InputFile.null)
    let reader = FrameReader(fd: input)
    while true {
        switch reader.next() {
        case .end:
            adapter.session.end()
            return 0
        case .malformed:
            continue
        case .message(let body):
            if case .request(let request) = IncomingMessage.parse(body), notDispatched.contains(request.command) {
                _ = try? LaunchConfiguration.parse(request.arguments)
                continue
            }
            adapter.dispatch(body)
        }
    }
}

@_cdecl("FuzzDAP_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOneInput(data, size) }
}
