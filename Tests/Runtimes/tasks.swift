// async/await tasks (swrr's runtime suite, Tests/SwrrRuntimeTests): a task group of eight child
// tasks on the cooperative thread pool, an actor collecting their results in the order they
// finish (which depends on the schedule), the time and random numbers. A replay must print all of
// it again, byte for byte.
import Foundation

actor Collector {
    private(set) var order: [Int] = []
    private(set) var total = 0
    func add(_ id: Int, _ value: Int) {
        order.append(id)
        total += value
    }
}

@main
struct Tasks {
    static func main() async {
        print("now:", Date().timeIntervalSince1970, "random:", Int.random(in: 0..<1_000_000), UUID().uuidString)
        let collector = Collector()
        await withTaskGroup(of: Void.self) { group in
            for id in 0..<8 {
                group.addTask {
                    var sum = 0
                    for i in 0...(id * 200_000) { sum &+= i % 7 }
                    await collector.add(id, sum)
                }
            }
        }
        let slept = ContinuousClock().measure { }
        print("total:", await collector.total, "order:", await collector.order, "clock ok:", slept >= .zero)
    }
}
