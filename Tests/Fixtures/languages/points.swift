// The lead's Swift probe (briefs/langprobe/sw.swift): top-level code, whose line table has
// line-0 rows between statements (swiftc -g -Onone).
struct Point { var x: Int; var y: Int }
func scale(_ p: Point, _ k: Int) -> Point {
    let q = Point(x: p.x * k, y: p.y * k) // MARK:swift-scale
    let label = "k is \(k)"
    print(label) // MARK:swift-label
    return q
}
let arr = [1, 2, 3]
let name = "swrr"
let p = scale(Point(x: 3, y: 4), 2) // MARK:swift-call
let greeting = "a string longer than fifteen bytes"
let ratio = 2.5
print(arr, name, p, greeting, ratio) // MARK:swift-print
